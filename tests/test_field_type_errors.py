"""A field (or a dashboard kit argument) of the wrong type: OAC101 at the keyword
argument's value when the call was written with it, else at the call; the
message is the same either way, and user code may still catch a TypeError."""

from __future__ import annotations

from pathlib import Path

import pytest

from obs_as_code.model import AlertRule, RuleGroup
from obs_as_code.model.base import FieldTypeError
from tests.oac_testing import ProjectFactory, build_fails, run_oac


def _at(text: str, token: str) -> str:
    """``line:col`` (1-based, characters) of the only occurrence of ``token``."""
    assert text.count(token) == 1, token
    before = text[: text.index(token)]
    return f"{before.count(chr(10)) + 1}:{len(before) - before.rfind(chr(10))}"


def _build_fails(root: Path, rel: str, text: str) -> str:
    """Write ``text`` at ``rel`` in the built project ``root``; the build fails: its stderr."""
    return build_fails(root, {rel: text})


def _reported(err: str) -> list[str]:
    return [line for line in err.splitlines() if " OAC101 " in line]


RULES = "from obs_as_code import AlertRule, RecordingRule, RuleGroup\n"


def test_a_multi_line_call_is_reported_at_the_keywords_line(built_project: Path) -> None:
    text = RULES + 'g = RuleGroup(\n    name="g",\n    rules=[\n        AlertRule(\n            name="X",\n            expr=5,\n        ),\n    ],\n)\n'
    err = _build_fails(built_project, "alerts/t.py", text)
    assert _reported(err) == [f"alerts/t.py:{_at(text, '5,')}: OAC101 module alerts/t.py raised TypeError: AlertRule expr must be a string, not int (5)"]
    assert _at(text, "5,") == "7:18"
    # The line echoed under it is the keyword's, with the caret under its value.
    lines = err.splitlines()
    shown = lines.index(_reported(err)[0]) + 1
    assert lines[shown].strip() == "expr=5,"
    assert lines[shown + 1].index("^") - lines[shown].index("5") == 0


@pytest.mark.parametrize(
    ("call", "token"),
    [
        ('AlertRule("X", 5)', "AlertRule("),  # positional: no keyword to point at
        ('AlertRule(**{"name": "X", "expr": 5})', "AlertRule("),
        ('AlertRule(name="X", **{"expr": 5})', "AlertRule("),  # name= is a keyword, expr is not
    ],
    ids=["positional", "kwargs", "keyword-and-kwargs"],
)
def test_a_value_not_given_as_a_keyword_is_reported_at_the_call(built_project: Path, call: str, token: str) -> None:
    text = RULES + f'g = RuleGroup(name="g", rules=[\n    {call},\n])\n'
    err = _build_fails(built_project, "alerts/t.py", text)
    assert _reported(err) == [f"alerts/t.py:{_at(text, token)}: OAC101 module alerts/t.py raised TypeError: AlertRule expr must be a string, not int (5)"]


@pytest.mark.parametrize(
    ("text", "token", "message"),
    [
        (
            RULES + 'g = RuleGroup(name="g", rules=[AlertRule(\n    name="X",\n    expr="up",\n    labels={"team": "a", "page": 1},\n)])\n',
            '{"team"',
            "AlertRule labels['page'] must be a string, not int (1): write '1'",
        ),
        (
            RULES + 'g = RuleGroup(\n    name="g",\n    rules=[\n        AlertRule(name="A", expr="up"),\n        "B",\n    ],\n)\n',
            "[\n",
            "RuleGroup rules[1] must be AlertRule and RecordingRule, not str ('B')",
        ),
    ],
    ids=["dict-item", "list-item"],
)
def test_an_item_of_a_list_or_dict_is_reported_at_its_keyword(built_project: Path, text: str, token: str, message: str) -> None:
    err = _build_fails(built_project, "alerts/t.py", text)
    assert _reported(err) == [f"alerts/t.py:{_at(text, token)}: OAC101 module alerts/t.py raised TypeError: {message}"]


KIT = "from obs_as_code.dashboards import kit as k\n"


@pytest.mark.parametrize(
    ("text", "token", "message"),
    [
        (
            KIT + 'b = k.dashboard("D", [\n    k.stat(\n        "S",\n        k.prom("up"),\n        unit=1.5,\n    ),\n])\n',
            "1.5",
            "k.stat: unit must be a string, not float (1.5)",
        ),
        (
            KIT + 'b = k.dashboard(\n    "D",\n    [],\n    tags=["team", 2],\n)\n',
            '["team"',
            "k.dashboard: tags[1] must be a string, not int (2)",
        ),
        (
            KIT + 'b = k.dashboard("D", [\n    k.stat("S", k.prom("up"),\n           width="6"),\n])\n',
            '"6"',
            "k.stat('S'): width='6' (str): width is a number of grid columns, 1 to 24: write width=6",
        ),
        (
            KIT + 'b = k.dashboard("D", [],\n    variables=[k.datasource_var(), "job"])\n',
            "[k.",
            "k.dashboard('D'): variable 'job' is a str, not a variable: give "
            "k.datasource_var(), k.query_var(...), k.custom_var(...) or k.interval_var(...)",
        ),
        (
            # Positional: at the call.
            KIT + 'b = k.dashboard("D", [],\n    links=[k.link_url(0, "x")])\n',
            "k.link_url(",
            "k.link_url: title must be a string, not int (0)",
        ),
    ],
    ids=["keyword", "list-item", "layout", "variables", "positional"],
)
def test_a_kit_argument_is_reported_at_its_keyword(built_project: Path, text: str, token: str, message: str) -> None:
    err = _build_fails(built_project, "dashboards/d.py", text)
    assert _reported(err) == [f"dashboards/d.py:{_at(text, token)}: OAC101 module dashboards/d.py raised TypeError: {message}"]


def test_a_secret_fields_line_is_not_echoed(built_project: Path) -> None:
    # The keyword's line is the one reported: a secret written as anything but a
    # string literal (a list here) is not masked by the line masking, so the line
    # is not shown at all; the message masks the value.
    text = (
        "from obs_as_code import AlertmanagerConfig, Receiver, Route, Slack\n"
        'config = AlertmanagerConfig(route=Route(receiver="team"), receivers=[Receiver(name="team", integrations=[Slack(\n'
        '    channel="#alerts",\n'
        '    api_url=["https://hooks.slack.com/services/T0/B0/s3cr3tv4lue"],\n'
        ")])])\n"
    )
    err = _build_fails(built_project, "alerts/routing.py", text)
    where = _at(text, '["https')
    assert _reported(err) == [
        f"alerts/routing.py:{where}: OAC101 module alerts/routing.py raised TypeError: "
        "Slack api_url must be a string or None, not list (<redacted>)"
    ]
    assert "s3cr3tv4lue" not in err
    assert "api_url=[" not in err


def test_user_code_catching_type_error_still_works(built_project: Path) -> None:
    text = RULES + (
        'try:\n    AlertRule(name="X", expr=5)\nexcept TypeError as exc:\n    NOTE = str(exc)\n'
        'g = RuleGroup(name="caught", rules=[AlertRule(name="Caught", expr="up == 0", for_="5m")])\n'
    )
    (built_project / "alerts/caught.py").write_text(text)
    result = run_oac("build", "-C", str(built_project))
    assert result.exit_code == 0, result.output


def test_field_type_error_is_a_type_error_naming_the_field() -> None:
    with pytest.raises(TypeError) as caught:
        RuleGroup(name="g", rules=[AlertRule(name="X", expr="up", labels={"a": 1})])  # type: ignore[dict-item]
    assert isinstance(caught.value, FieldTypeError)
    assert caught.value.field == "labels"
    assert str(caught.value) == "AlertRule labels['a'] must be a string, not int (1): write '1'"


def test_the_keyword_is_found_from_another_working_directory(make_project: ProjectFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = RULES + 'g = RuleGroup(name="g", rules=[AlertRule(\n    name="X",\n    expr=5)])\n'
    root = make_project({"alerts/t.py": text})
    monkeypatch.chdir(tmp_path)
    result = run_oac("lint", "-C", str(root))
    assert result.exit_code == 1
    assert f"alerts/t.py:{_at(text, '5)')}: OAC101" in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("rel", "text", "token", "message"),
    [
        (
            "datasources/d.py",
            'from obs_as_code import Datasource\nd = Datasource(\n    name="P", type="prometheus", url="http://p:9090", uid="p",\n    previous_names=["old", " "],\n)\n',
            '["old"',
            "ValueError: Datasource previous_names[1] is empty: write the name the datasource had",
        ),
        (
            "datasources/d.py",
            'from obs_as_code.model.datasource import DeletedDatasource\nd = DeletedDatasource(\n    name="  ",\n)\n',
            '"  "',
            "ValueError: DeletedDatasource name is empty: write the name the datasource had in Grafana",
        ),
    ],
)
def test_a_field_value_refused_is_reported_at_its_keyword(built_project: Path, rel: str, text: str, token: str, message: str) -> None:
    err = _build_fails(built_project, rel, text)
    assert _reported(err) == [f"{rel}:{_at(text, token)}: OAC101 module {rel} raised {message}"]


def test_a_kit_size_out_of_range_is_reported_at_its_keyword(built_project: Path) -> None:
    text = (
        "from obs_as_code.dashboards import kit as k\n"
        'board = k.dashboard(\n    "Sizes",\n    items=[\n        k.stat("S", k.prom("up"),\n               width=30),\n    ],\n)\n'
    )
    err = _build_fails(built_project, "dashboards/sizes.py", text)
    assert _reported(err) == [
        f"dashboards/sizes.py:{_at(text, '30)')}: OAC101 module dashboards/sizes.py raised ValueError: "
        "k.stat('S'): width=30: width is a number of grid columns, 1 to 24: write width=24"
    ]
