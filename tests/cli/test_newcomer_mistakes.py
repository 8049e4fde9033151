"""Mistakes a new user makes, run through `oac` as they would: each is reported at
the user's line with a message saying what to do, never as a traceback, and
build/ is left as it was."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from obs_as_code.cli import cli
from tests.oac_testing import (
    GOOD_ALERT,
    REPO,
    ProjectFactory,
    build_fails,
    need_binary,
    run_oac,
)


def _build_fails(root: Path, files: dict[str, str]) -> str:
    return build_fails(root, files)


def test_circular_import_says_so(built_project: Path) -> None:
    """The loader's own import path must keep Python's hint: "partially
    initialized module ... (most likely due to a circular import)"."""
    err = _build_fails(
        built_project,
        {
            "alerts/circa.py": "from alerts.circb import B\nfrom obs_as_code import RuleGroup\nA = RuleGroup(name='a', rules=[])\n",
            "alerts/circb.py": "from alerts.circa import A\nB = 1\n",
        },
    )
    lines = [line for line in err.splitlines() if "OAC101" in line]
    assert lines and all("circular import" in line for line in lines), err


def _rule_module(rule: str, group_args: str = "") -> str:
    return f"from obs_as_code import AlertRule, RecordingRule, RuleGroup\ng = RuleGroup(name=\"t\"{group_args}, rules=[{rule}])\n"


#: Ill-typed fields of rules: each crashed a later stage (a check, the renderer)
#: with a traceback, or was written out as garbage.
ILL_TYPED = {
    "label value int": (
        _rule_module('AlertRule(name="A", expr="up == 0", labels={"severity": 1})'),
        "alerts/t.py:2:75: OAC101 module alerts/t.py raised TypeError: AlertRule labels['severity'] must be a string, not int (1): write '1'",
    ),
    "label name int": (
        _rule_module('AlertRule(name="A", expr="up == 0", labels={2: "x"})'),
        "alerts/t.py:2:75: OAC101 module alerts/t.py raised TypeError: AlertRule labels: key 2 must be a string, not int",
    ),
    "expr int": (
        _rule_module('AlertRule(name="A", expr=42)'),
        "alerts/t.py:2:57: OAC101 module alerts/t.py raised TypeError: AlertRule expr must be a string, not int (42)",
    ),
    "record name None": (
        _rule_module('RecordingRule(name=None, expr="up")'),
        "alerts/t.py:2:51: OAC101 module alerts/t.py raised TypeError: RecordingRule name must be a string, not NoneType (None)",
    ),
    "group name int": (
        'from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name=5, rules=[AlertRule(name="A", expr="up")])\n',
        "alerts/t.py:2:20: OAC101 module alerts/t.py raised TypeError: RuleGroup name must be a string, not int (5)",
    ),
    "rules not a list": (
        'from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name="t", rules=AlertRule(name="A", expr="up"))\n',
        "alerts/t.py:2:31: OAC101 module alerts/t.py raised TypeError: RuleGroup rules must be a list of AlertRule and RecordingRule, not AlertRule: write rules=[...]",
    ),
    "group label int": (
        _rule_module('AlertRule(name="A", expr="up")', ', labels={"team": 3}'),
        "alerts/t.py:2:32: OAC101 module alerts/t.py raised TypeError: RuleGroup labels['team'] must be a string, not int (3): write '3'",
    ),
}


@pytest.mark.parametrize("case", sorted(ILL_TYPED))
@pytest.mark.parametrize("command", ["build", "lint", "validate", "test"])
def test_ill_typed_rule_fields_are_reported_at_the_users_line(built_project: Path, case: str, command: str) -> None:
    text, expected = ILL_TYPED[case]
    if command == "build":
        assert expected in _build_fails(built_project, {"alerts/t.py": text})
        return
    (built_project / "alerts/t.py").write_text(text)
    # validate and test report build/ stale or run what compiles; none may crash.
    result = CliRunner().invoke(cli, [command, "-C", str(built_project)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    if command == "lint":
        assert result.exit_code == 1 and expected in result.stderr, result.output


_SLI = "RatioSLI(errors='x_total{code=\"500\"}', total='x_total')"

#: Ill-typed fields of SLOs and scrape jobs: each crashed the SLO generator or a
#: check with a traceback, or (targets as a string) wrote one target per character.
ILL_TYPED_OTHERS = {
    "objective as a string": (
        "slos/t.py",
        f'from obs_as_code.slo import SLO, RatioSLI\ns = SLO(service="a", name="b", objective="99.9", sli={_SLI})\n',
        "slos/t.py:2:42: OAC401 SLO 'a-b': objective must be a number, not str ('99.9')",
    ),
    "SLI query as a number": (
        "slos/t.py",
        'from obs_as_code.slo import SLO, RatioSLI\ns = SLO(service="a", name="b", objective=99.0, sli=RatioSLI(errors=5, total="x_total"))\n',
        "slos/t.py:2:68: OAC101 module slos/t.py raised TypeError: RatioSLI errors must be a string or None, not int (5)",
    ),
    "SLO label as a number": (
        "slos/t.py",
        f'from obs_as_code.slo import SLO, RatioSLI\ns = SLO(service="a", name="b", objective=99.0, labels={{"team": 5}}, sli={_SLI})\n',
        "slos/t.py:2:55: OAC101 module slos/t.py raised TypeError: SLO labels['team'] must be a string, not int (5): write '5'",
    ),
    # alerting=None for an SLO without alerts said only "must be Alerting, not NoneType".
    "alerting None": (
        "slos/t.py",
        f'from obs_as_code.slo import SLO, RatioSLI\ns = SLO(service="a", name="b", objective=99.0, alerting=None, sli={_SLI})\n',
        "slos/t.py:2:57: OAC101 module slos/t.py raised TypeError: SLO alerting must be Alerting, not NoneType: "
        "write alerting=Alerting(disable=True) for an SLO without alerts (left out, it has a page and a ticket)",
    ),
    # A wrong bucket said "must be a list of numbers, not tuple": of a tuple, which is fine.
    "bucket as a string": (
        "catalog/t.py",
        'from obs_as_code import Metric, MetricsCatalog\nc = MetricsCatalog(name="t", metrics=[Metric("t_seconds", "histogram", buckets=(0.1, "x"))])\n',
        "catalog/t.py:2:80: OAC101 module catalog/t.py raised TypeError: Metric buckets must be a list of numbers: buckets[1] is str ('x')",
    ),
    # Unsorted, repeated, NaN or +Inf bounds: the client library refuses them (or adds
    # +Inf itself), and OAC402/OAC215 compared thresholds with them as given.
    "buckets unsorted": (
        "catalog/t.py",
        'from obs_as_code import Metric, MetricsCatalog\nc = MetricsCatalog(name="t", metrics=[Metric("t_seconds", "histogram", buckets=(1, 0.5, 1, float("inf")))])\n',
        "catalog/t.py:2:80: OAC101 module catalog/t.py raised ValueError: Metric 't_seconds' buckets must be increasing bounds "
        "without NaN or +Inf, as client libraries take them (they add the +Inf bucket themselves): buckets[1] = 0.5 comes after 1; "
        "buckets[2] repeats 1; buckets[3] is +Inf: write buckets=[0.5, 1]",
    ),
    "targets as a string": (
        "scrape/t.py",
        'from obs_as_code import ScrapeJob\nj = ScrapeJob(name="j", targets="api:8080")\n',
        "scrape/t.py:2:33: OAC101 module scrape/t.py raised TypeError: ScrapeJob targets must be a list of strings ('host:port'), not str: write targets=[...]",
    ),
}


@pytest.mark.parametrize("case", sorted(ILL_TYPED_OTHERS))
@pytest.mark.parametrize("command", ["build", "lint", "validate", "test"])
def test_ill_typed_slo_and_scrape_fields_are_reported_at_the_users_line(built_project: Path, case: str, command: str) -> None:
    rel, text, expected = ILL_TYPED_OTHERS[case]
    if command == "build":
        assert expected in _build_fails(built_project, {rel: text})
        return
    (built_project / rel).parent.mkdir(parents=True, exist_ok=True)
    (built_project / rel).write_text(text)
    result = CliRunner().invoke(cli, [command, "-C", str(built_project)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    if command == "lint":
        assert result.exit_code == 1 and expected in result.stderr, result.output


def test_lint_points_at_the_argument_whatever_the_current_directory(
    make_project: ProjectFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`oac lint -C DIR` found keyword columns relative to the current directory:
    run from elsewhere, a finding pointed at the call instead of the argument."""
    root = make_project({"alerts/t.py": 'from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name="t", rules=[AlertRule(name="A", expr="up",\n    for_="5 minutes")])\n'})
    outputs = []
    for cwd in (root, tmp_path):
        monkeypatch.chdir(cwd)
        result = run_oac("lint", "-C", str(root), "--select", "OAC103")
        assert result.exit_code == 1
        outputs.append(result.stderr)
    assert "alerts/t.py:3:10: OAC103 for: invalid duration '5 minutes'" in outputs[0]
    assert outputs[1] == outputs[0]


def _dict_dashboard(title: str) -> str:
    return f'board = {{"title": {title!r}, "schemaVersion": 41, "panels": []}}\n'


@pytest.mark.parametrize("cache", [True, False])
def test_same_dashboard_title_in_one_folder_fails_the_build(built_project: Path, cache: bool) -> None:
    """Grafana (and `oac publish`) refuse a second dashboard with the same title
    (slug) in a folder, and an empty title: the build used to pass both. The
    incremental build renders dashboards per module; it must still see the pair."""
    files = {
        "dashboards/shop.py": _dict_dashboard("Shop"),
        "dashboards/shop_v2.py": _dict_dashboard("shop!"),
        "dashboards/blank.py": _dict_dashboard(" "),
        # Same title in another folder: fine.
        "dashboards/team/shop.py": _dict_dashboard("Shop"),
    }
    if cache:  # a first build caches each module's dashboards alone
        (built_project / "dashboards").mkdir()
        (built_project / "dashboards/shop.py").write_text(files["dashboards/shop.py"])
        assert run_oac("build", "-C", str(built_project)).exit_code == 0
    err = _build_fails(built_project, files) if cache else ""
    if not cache:
        for rel, text in files.items():
            (built_project / rel).parent.mkdir(parents=True, exist_ok=True)
            (built_project / rel).write_text(text)
        result = run_oac("build", "-C", str(built_project), "--no-cache")
        assert result.exit_code == 1
        err = result.stderr
    found = [line for line in err.splitlines() if "OAC312" in line]
    assert found == [
        "dashboards/blank.py:1:1: OAC312 dashboard 'blank' has an empty title: Grafana refuses it",
        "dashboards/shop_v2.py:1:1: OAC312 dashboard title 'shop!' is used twice in the General folder: "
        "by dashboards/shop.py ('shop', line 1) and by dashboards/shop_v2.py ('shop-v2'); Grafana refuses the second",
    ], err
    lint = run_oac("lint", "-C", str(built_project), "--select", "OAC312")
    assert lint.exit_code == 1 and [line for line in lint.stderr.splitlines() if "OAC312" in line] == found


def test_lint_select_takes_the_dashboard_rendering_codes(make_project: ProjectFactory) -> None:
    """`oac lint` reports OAC308 (and filters it by --select/--ignore), but
    `--select OAC308` was a usage error: 'matches no check'."""
    root = make_project({"dashboards/a.py": 'board = {"title": "A", "schemaVersion": 41, "panels": [], "uid": "x y"}\n'})
    selected = run_oac("lint", "-C", str(root), "--select", "OAC308")
    assert selected.exit_code == 1, selected.output
    assert "dashboards/a.py:1:1: OAC308 dashboard UID 'x y' is invalid" in selected.stderr
    ignored = run_oac("lint", "-C", str(root), "--ignore", "OAC308")
    assert ignored.exit_code == 0 and "OAC308" not in ignored.output, ignored.output


_HOOK_SECRET = "hunter2-webhook-Passw0rd"
_ROUTING = f"""from obs_as_code import AlertmanagerConfig, Global, Receiver, Route, Webhook

hook = Receiver(name="hook", integrations=[Webhook(url="https://alerts:{_HOOK_SECRET}@hooks.example/in")])
env = Receiver(name="env", integrations=[Webhook(url="https://alerts:${{HOOK_PASSWORD}}@hooks.example/in")])
path = Receiver(name="path", integrations=[Webhook(url="https://hooks.example/team@ops/in")])
config = AlertmanagerConfig(
    route=Route(receiver="default", routes=[Route(receiver=hook), Route(receiver=env), Route(receiver=path)]),
    receivers=[Receiver(name="default")],
    global_=Global(pagerduty_url="https://pd:{_HOOK_SECRET}@events.example/"),
)
"""


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
def test_password_in_a_webhook_url_fails_the_build_unprinted(make_project: ProjectFactory, fmt: str) -> None:
    """A webhook's url (no *_file variant in Alertmanager 0.25) with user:password@
    was written into build/alertmanager/alertmanager.yml without a word."""
    root = make_project({"alerts/routing.py": _ROUTING})
    result = run_oac("build", "-C", str(root), "--format", fmt)
    assert result.exit_code == 1, result.output
    assert _HOOK_SECRET not in result.output
    assert not (root / "build").exists()
    if fmt == "text":
        found = [line for line in result.stderr.splitlines() if "OAC501" in line]
        assert found == [
            "alerts/routing.py:3:56: OAC501 literal password in the url of webhook integration field url (user:password@host): the value is not shown",
            "alerts/routing.py:9:34: OAC501 literal password in the url of global settings field pagerduty_url (user:password@host): the value is not shown",
        ], result.stderr


def test_default_only_hint_names_the_projects_own_route_matchers(make_project: ProjectFactory) -> None:
    """OAC502's hint said 'the labels the routes match on (severity, team)' whatever
    the project's routes match on."""
    root = make_project(
        {
            "alerts/routing.py": """from obs_as_code import AlertmanagerConfig, Receiver, Route

config = AlertmanagerConfig(
    route=Route(receiver="default", routes=[
        Route(receiver=Receiver(name="payments"), matchers=['severity=~"critical|warning"']),
        Route(receiver=Receiver(name="oncall"), matchers=['severity="page"', 'squad="core"']),
    ]),
    receivers=[Receiver(name="default")],
)
""",
            "alerts/a.py": 'from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name="g", rules=[AlertRule(name="A", expr="up == 0", labels={"severity": "info"})])\n',
        }
    )
    result = run_oac("build", "-C", str(root))
    assert result.exit_code == 0, result.output
    # A route's matchers together (all must match), one route from another: it
    # read "severity=~..., severity="page", squad="core"" as one set.
    assert ('hint: give it labels a route matches ({severity=~"critical|warning"} or {severity="page", squad="core"}), '
            'or add a route for it') in result.stderr, result.stderr


def test_validate_says_what_a_dict_dashboard_without_schema_version_needs(make_project: ProjectFactory) -> None:
    """The docs offered 'a plain dict (a title and panels)'; validate then failed on
    "'schemaVersion' is a required property" without saying what to write."""
    root = make_project({"dashboards/d.py": 'board = {"title": "D", "panels": []}\n'})
    assert run_oac("build", "-C", str(root)).exit_code == 0
    result = run_oac("validate", "-C", str(root))
    assert result.exit_code == 1
    assert "dashboards/d.py:1:1: OAC903 $: 'schemaVersion' is a required property" in result.stderr
    assert 'hint: add "schemaVersion": 41 (what Grafana 11.6 writes) to the dashboard dict' in result.stderr, result.stderr


def test_kit_dashboard_without_its_datasource_variable_says_to_add_it(make_project: ProjectFactory) -> None:
    """k.prom() reads $datasource: a kit dashboard without variables=[k.datasource_var()]
    was told to 'declare it in datasources/' (OAC307) and to add 'kit.query_var,
    kit.custom_var ...' (OAC306)."""
    root = make_project(
        {
            "datasources/ds.py": 'from obs_as_code import Datasource\nprom = Datasource("P", "prometheus", "http://p:9090", uid="prom")\n',
            "dashboards/d.py": "from obs_as_code.dashboards import kit as k\nb = k.dashboard(\"D\", [k.timeseries(\"R\", k.prom('sum(rate(x_total[5m]))'))])\n",
        }
    )
    result = run_oac("build", "-C", str(root))
    assert result.exit_code == 1
    hints = [line.strip() for line in result.stderr.splitlines() if line.strip().startswith("hint:")]
    assert hints and all("variables=[kit.datasource_var()]" in h for h in hints), result.stderr
    assert not any("declare it in datasources/" in h or "kit.query_var" in h for h in hints)


@pytest.mark.parametrize(
    "module",
    [
        'board = {"title": "D", "schemaVersion": 41, "panels": [{"type": "timeseries", "title": "p", "targets": [{"expr": 5}]}]}\n',
        'from obs_as_code.dashboards import kit as k\nboard = k.dashboard("D", [k.timeseries("p", k.prom(5))], variables=[k.datasource_var()])\n',
    ],
    ids=["dict", "kit"],
)
def test_panel_query_that_is_not_a_string_says_so(make_project: ProjectFactory, module: str) -> None:
    """A number as a panel's query was reported as 'invalid PromQL ...: empty expression'."""
    root = make_project({"dashboards/d.py": module})
    result = run_oac("build", "-C", str(root))
    assert result.exit_code == 1
    assert "OAC302 query of panel 'p' of dashboard 'D' must be a string of PromQL, not int (5)" in result.stderr, result.stderr
    assert "empty expression" not in result.stderr


@pytest.mark.parametrize(
    "content",
    [b"vm\n", b"\x89PNG\r\n\x1a\n\x00\x00"],
    ids=["a lone word", "binary"],
)
def test_backtest_of_a_file_that_is_not_openmetrics_says_so(built_project: Path, tmp_path: Path, content: bytes) -> None:
    """`oac backtest /etc/hostname` ended in an IndexError traceback."""
    need_binary("prometheus")
    need_binary("promtool")
    series = tmp_path / "history.om"
    series.write_bytes(content)
    result = CliRunner().invoke(cli, ["backtest", "-C", str(built_project), str(series)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 1
    assert result.stderr.startswith(f"oac backtest: {series}: not "), result.stderr


@pytest.mark.parametrize("kind", ["sloth", "openslo"])
def test_import_of_a_binary_spec_is_a_usage_error(tmp_path: Path, kind: str) -> None:
    """`oac import sloth|openslo` of a file that is not UTF-8 text ended in a
    UnicodeDecodeError traceback (`oac import dashboard` said so, exit 2)."""
    spec = tmp_path / "spec.yaml"
    spec.write_bytes(b"\xff\xfe\x00binary")
    result = CliRunner().invoke(cli, ["import", kind, str(spec)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 2
    assert result.stderr == f"oac import {kind}: {spec}: not a YAML text file (not UTF-8: invalid start byte at byte 0)\n"


@pytest.mark.parametrize(
    ("expr", "levels"),
    [
        # 600 `or`s: a check's recursive walk ran out of Python's recursion limit.
        ("' or '.join(f'up{{job=\"j{i}\"}}' for i in range(600))", 600),
        # 5000: promql-parser overflowed its own stack (exit 139, no message).
        ("' or '.join(f'up{{job=\"j{i}\"}}' for i in range(5000))", 5000),
        ("'(' * 3000 + 'up' + ')' * 3000", 3000),
    ],
    ids=["600 ors", "5000 ors", "3000 parentheses"],
)
def test_a_huge_expression_is_refused_at_its_line(make_project: ProjectFactory, expr: str, levels: int) -> None:
    root = make_project({"alerts/h.py": f"from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name=\"h\", rules=[AlertRule(name=\"H\", expr={expr})])\n"})
    # A subprocess: a segmentation fault must fail this test, not end the run.
    proc = subprocess.run(
        [sys.executable, "-c", "from obs_as_code.cli import main; main()", "build", "-C", str(root)],
        capture_output=True, text=True, timeout=300, check=False, env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert (
        f"alerts/h.py:2:57: OAC108 invalid PromQL in alert 'H' (group 'h'): expression nests about {levels} levels deep "
        "(operators and brackets); at most 200 are checked: split it into recording rules"
    ) in proc.stderr, proc.stderr[-2000:]


def test_an_expression_nesting_within_the_limit_builds(make_project: ProjectFactory) -> None:
    expr = "'sum(' * 95 + ' or '.join(f'rate(up{{job=\"j{i}\"}}[5m])' for i in range(100)) + ')' * 95 + ' > 1'"
    root = make_project({"alerts/h.py": f"from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name=\"h\", rules=[AlertRule(name=\"H\", expr={expr})])\n"})
    for command in ("build", "lint"):
        result = CliRunner().invoke(cli, [command, "-C", str(root)])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("duration", "ok"),
    [("292y", True), ("106751d23h47m16s854ms", True), ("293y", False), ("106751d23h47m16s855ms", False), ("99999999999999999999d", False)],
)
def test_a_duration_prometheus_cannot_hold_fails_the_build(make_project: ProjectFactory, duration: str, ok: bool) -> None:
    """for_="99999999999999999999d" built, and only promtool (oac validate) said
    'duration out of range', at the generated file instead of the user's line.
    The bound is promtool's own (checked against the real binary)."""
    root = make_project({"alerts/a.py": f'from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name="g", rules=[AlertRule(name="A", expr="up == 0", for_="{duration}")])\n'})
    result = run_oac("build", "-C", str(root))
    if ok:
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code == 1
        assert f"alerts/a.py:2:73: OAC103 for: duration {duration!r} is out of range: Prometheus takes at most 106751d23h47m16s854ms" in result.stderr, result.stderr
    promtool = need_binary("promtool")
    rules = root / "rules.yaml"
    rules.write_text(f"groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    for: {duration}\n")
    proc = subprocess.run([promtool, "check", "rules", str(rules)], capture_output=True, text=True, timeout=60, check=False)
    assert (proc.returncode == 0) == ok, proc.stdout + proc.stderr


_TESTED_RULES = 'from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name="g", rules=[AlertRule(name="Down", expr="up == 0", for_="1m")])\n'


@pytest.mark.parametrize(
    ("test_call", "expected"),
    [
        (
            'RuleTest(name="t", series=[Series("up", "0x10")], rule_modules=["alerts/rules.py"],\n'
            '         alerts=[AlertExpectation(at="5 min", alertname="Down")])',
            "alerts/tests.py:4:38: OAC103 at: invalid duration '5 min'",
        ),
        (
            'RuleTest(name="t", series=[Series(\'up{job="x"\', "0x10")], rule_modules=["alerts/rules.py"],\n'
            '         alerts=[AlertExpectation(at="5m", alertname="Down")])',
            "alerts/tests.py:3:32: OAC108 invalid input series 'up{job=\"x\"' in rule test 't': 1:11: parse error: unexpected end of input inside braces",
        ),
        (
            'RuleTest(name="t", series=[Series("up", "0x10")], rule_modules=["alerts/rules.py"],\n'
            '         exprs=[ExprExpectation(expr="sum(up", at="5m")])',
            "alerts/tests.py:4:45: OAC108 invalid PromQL in rule test 't': 1:7: parse error: unclosed left parenthesis",  # just after "sum(up"
        ),
    ],
    ids=["eval time", "input series", "expected expression"],
)
@pytest.mark.parametrize("command", ["build", "test"])
def test_a_mistake_in_an_alert_unit_test_is_reported_at_its_line(
    make_project: ProjectFactory, test_call: str, expected: str, command: str
) -> None:
    """An invalid duration, series selector or expression in a RuleTest built, and
    `oac test` got promtool's 'not a valid duration string' at build/tests/...yaml
    or a parse error printed as part of another test's failure."""
    need_binary("promtool")
    root = make_project(
        {
            "alerts/rules.py": _TESTED_RULES,
            "alerts/tests.py": "from obs_as_code import AlertExpectation, ExprExpectation, RuleTest, Series\n\n"
            f"t = {test_call}\n",
        }
    )
    result = run_oac(command, "-C", str(root))
    assert result.exit_code == 1
    assert expected in result.stderr, result.stderr
    assert "build/tests" not in result.stderr


def test_validate_names_the_directory_it_was_given(built_project: Path, tmp_path: Path) -> None:
    """`oac validate --out DIR` said 'build/ differs ... run `oac build`' whatever
    DIR was: a user following it rebuilt build/ and got the same error."""
    missing = tmp_path / "nowhere"
    result = run_oac("validate", "-C", str(built_project), "--out", str(missing))
    assert result.exit_code == 1
    assert f"oac validate: error: {missing}/ differs from the sources" in result.stderr
    assert f"run `oac build -C {built_project} --out {missing}`, then validate again" in result.stderr
    other = tmp_path / "out"
    assert run_oac("build", "-C", str(built_project), "--out", str(other)).exit_code == 0
    (built_project / "alerts/good.py").write_text(GOOD_ALERT.replace('"5m"', '"10m"'))
    stale = run_oac("validate", "-C", str(built_project), "--out", str(other))
    assert stale.exit_code == 1
    assert f"oac validate: error: {other}/ differs from the sources" in stale.stderr
    assert f"run `oac build -C {built_project} --out {other}`, then validate again" in stale.stderr


def test_validate_of_a_project_elsewhere_names_it_in_the_command_to_run(built_project: Path) -> None:
    """`oac validate -C DIR` of a stale build said 'run `oac build`': run where the
    operator stood (not DIR), that rebuilt another project, or failed, and validate
    kept failing."""
    need_binary("promtool")
    (built_project / "alerts/good.py").write_text(GOOD_ALERT.replace('"5m"', '"10m"'))
    stale = run_oac("validate", "-C", str(built_project))
    assert stale.exit_code == 1
    assert f"run `oac build -C {built_project}`, then validate again" in stale.stderr
    assert run_oac("build", "-C", str(built_project)).exit_code == 0
    assert run_oac("validate", "-C", str(built_project)).exit_code == 0


def test_a_template_error_in_a_label_points_at_the_labels(make_project: ProjectFactory) -> None:
    """OAC210 pointed at the AlertRule( call for a label, at the annotation itself
    for an annotation."""
    root = make_project(
        {
            "alerts/a.py": 'from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name="g", rules=[AlertRule(\n    name="A",\n    expr="up == 0",\n'
            '    labels={"severity": "warning", "instance_name": "{{ $labels.instance "},\n)])\n'
        }
    )
    result = run_oac("lint", "-C", str(root), "--select", "OAC210")
    assert result.exit_code == 1
    assert "alerts/a.py:5:12: OAC210 template error in label instance_name of alert 'A': unclosed action" in result.stderr, result.stderr


def test_a_bad_alertmanager_duration_fails_the_build_at_its_line(make_project: ProjectFactory) -> None:
    """group_wait="30 s" (and the other Alertmanager durations) built, and only
    amtool in `oac validate` refused the file."""
    root = make_project(
        {
            "alerts/routing.py": "from obs_as_code import AlertmanagerConfig, Global, Receiver, Route\n\n"
            'config = AlertmanagerConfig(\n    route=Route(receiver="default", group_wait="30 s", group_interval="5m", repeat_interval="4 hours"),\n'
            '    receivers=[Receiver(name="default")],\n    global_=Global(resolve_timeout="5min"),\n)\n'
        }
    )
    result = run_oac("build", "-C", str(root))
    assert result.exit_code == 1
    found = [line.split(": use units")[0] for line in result.stderr.splitlines() if "OAC103" in line]
    assert found == [
        "alerts/routing.py:4:48: OAC103 group_wait: invalid duration '30 s'",
        "alerts/routing.py:4:93: OAC103 repeat_interval: invalid duration '4 hours'",
        "alerts/routing.py:6:36: OAC103 resolve_timeout: invalid duration '5min'",
    ], result.stderr


#: Ill-typed routing and routing tests: `oac build` reported some (OAC104, OAC508),
#: but `oac test` and `oac validate` compile without the checks and crashed.
ILL_TYPED_ROUTING = {
    "matcher as a number": (
        'from obs_as_code import AlertmanagerConfig, Receiver, Route\n'
        'config = AlertmanagerConfig(route=Route(receiver="default", routes=[Route(receiver="default", matchers=[5])]), receivers=[Receiver(name="default")])\n',
        "alerts/routing.py:2:104: OAC101 module alerts/routing.py raised TypeError: Route matchers[0] must be matchers "
        "(strings such as 'severity=\"critical\"'), not int (5)",
    ),
    "receiver name None": (
        'from obs_as_code import AlertmanagerConfig, Receiver, Route\n'
        'config = AlertmanagerConfig(route=Route(receiver=Receiver(name=None)))\n',
        "alerts/routing.py:2:64: OAC101 module alerts/routing.py raised TypeError: Receiver name must be a string, not NoneType (None)",
    ),
    "routing test label as a number": (
        'from obs_as_code import AlertmanagerConfig, Receiver, Route, RoutingTest\n'
        'config = AlertmanagerConfig(route=Route(receiver="default"), receivers=[Receiver(name="default")])\n'
        't = RoutingTest(labels={"severity": 1}, receivers=["default"])\n',
        "alerts/routing.py:3:24: OAC101 module alerts/routing.py raised TypeError: RoutingTest labels['severity'] must be a string, not int (1): write '1'",
    ),
}


@pytest.mark.parametrize("case", sorted(ILL_TYPED_ROUTING))
@pytest.mark.parametrize("command", ["build", "test", "validate"])
def test_ill_typed_routing_is_reported_by_every_command(built_project: Path, case: str, command: str) -> None:
    need_binary("amtool")
    need_binary("promtool")
    text, expected = ILL_TYPED_ROUTING[case]
    (built_project / "alerts/routing.py").write_text(text)
    result = CliRunner().invoke(cli, [command, "-C", str(built_project)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 1, result.output
    # validate too: the module declares nothing, so build/ matched the rest and
    # it said "ok" over a project that does not import.
    assert expected in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("module", "hint"),
    [
        (
            'from obs_as_code import RecordingRule, RuleGroup\ng = RuleGroup(name="g", rules=[RecordingRule(record="a:b", expr="up")])\n',
            "hint: did you mean name=? RecordingRule takes name, expr, labels",
        ),
        (
            'from obs_as_code import BasicAuth, ScrapeJob\nj = ScrapeJob(name="j", targets=["a:1"], basic_auth=BasicAuth(username="u", password="x"))\n',
            "hint: did you mean password_file=? BasicAuth takes username, password_file",
        ),
        (
            'from obs_as_code.slo import SLO\ns = SLO(service="a", name="b", objective=99.0, sli=None, perod="30d")\n',
            "hint: did you mean period=? SLO takes service, name, objective, sli, period,",
        ),
    ],
    ids=["record=", "password=", "perod="],
)
def test_an_unknown_keyword_gets_the_one_meant(make_project: ProjectFactory, module: str, hint: str) -> None:
    """RecordingRule(record=...) (Prometheus' YAML key) said only 'unexpected keyword
    argument', leaving the user to read the source for the field names."""
    root = make_project({"alerts/a.py": module})
    result = run_oac("build", "-C", str(root))
    assert result.exit_code == 1
    assert hint in result.stderr, result.stderr


_HELPER = 'RUNBOOKS = "https://example/runbooks"\n\n\ndef runbook(page: str) -> str:\n    return f"{RUNBOOKS}/{page}.md"\n'


@pytest.mark.parametrize(
    ("line", "hint"),
    [
        ("from _lib import runbook", "hint: did you mean alerts._lib? project modules import each other from the project root: from alerts._lib import ..."),
        ("from alerts.lib import runbook", "hint: did you mean alerts._lib? "),
        ("from lib import runbook", "hint: did you mean alerts._lib? "),
        ("from alerts._lib import run_book", "hint: did you mean runbook?"),
        ("from obs_as_code import Alertrule", "hint: did you mean AlertRule?"),
        ("from obs_as_code import SLO", "hint: from obs_as_code.slo import SLO"),
        ("from obs_as_code import kit", "hint: from obs_as_code.dashboards import kit"),
        ("from obs_as_code.dashboard import kit", "hint: did you mean obs_as_code.dashboards?"),
    ],
    ids=["folder left out", "misspelt module", "misspelt name", "misspelt function", "misspelt class", "other package", "kit", "dashboard"],
)
def test_a_wrong_import_gets_the_import_meant(make_project: ProjectFactory, line: str, hint: str) -> None:
    """No module named '_lib' (the README's `from alerts._lib import runbook` written
    without its folder) said nothing of how project modules import each other."""
    root = make_project({"alerts/_lib.py": _HELPER, "alerts/a.py": f"{line}\n{GOOD_ALERT}"})
    result = run_oac("build", "-C", str(root))
    assert result.exit_code == 1
    assert "alerts/a.py:1:1: OAC101 module alerts/a.py raised " in result.stderr, result.stderr
    assert hint in result.stderr, result.stderr


def test_a_missing_package_that_is_no_project_module_gets_no_guess(make_project: ProjectFactory) -> None:
    root = make_project({"alerts/_lib.py": _HELPER, "alerts/a.py": f"import grafanalibx\n{GOOD_ALERT}"})
    result = run_oac("build", "-C", str(root))
    assert result.exit_code == 1
    assert "No module named 'grafanalibx'" in result.stderr and "hint:" not in result.stderr, result.stderr


def test_a_time_unit_written_as_a_word_says_it_is_no_unit_id(make_project: ProjectFactory) -> None:
    """unit="seconds" read "has unit 'seconds'; its query returns seconds", which
    reads as no mistake at all: Grafana shows a word as a suffix, never scaled."""
    root = make_project(
        {
            "dashboards/api.py": """from obs_as_code.dashboards import kit as k

board = k.dashboard("API", [
    k.timeseries("p95", k.prom(k.quantile(0.95, "http_request_duration_seconds")), unit="seconds"),
], variables=[k.datasource_var()])
"""
        }
    )
    result = run_oac("build", "-C", str(root))
    assert result.exit_code == 1
    assert (
        "dashboards/api.py:4:25: OAC305 latency panel 'p95' in dashboard 'API' has unit 'seconds' "
        "(a word, which Grafana shows as a suffix, not a unit id); its query returns seconds"
    ) in result.stderr, result.stderr
    assert 'hint: set unit="s" (kit.SECONDS)' in result.stderr


def test_a_misspelt_severity_is_reported_at_its_labels_with_the_one_meant(make_project: ProjectFactory) -> None:
    """OAC213 pointed at AlertRule( and said only that routes match values exactly."""
    root = make_project(
        {
            "alerts/a.py": """from obs_as_code import AlertRule, RuleGroup

a = RuleGroup(name="a", rules=[
    AlertRule(name="A", expr="up == 0", for_="5m",
              labels={"severity": "warn"}),
])
b = RuleGroup(name="b", labels={"severity": "Critical"}, rules=[AlertRule(name="B", expr="up == 0", for_="5m")])
"""
        }
    )
    result = run_oac("lint", "-C", str(root), "--select", "OAC213")
    lines = result.stderr.splitlines()
    assert "alerts/a.py:5:22: OAC213 [warning] alert 'A' has severity 'warn', not one of critical, warning, info, none" in lines, result.stderr
    assert "alerts/a.py:7:32: OAC213 [warning] alert 'B' has severity 'Critical', not one of critical, warning, info, none" in lines, result.stderr
    assert '    hint: did you mean "warning"? Alertmanager routes match these values exactly' in lines
    assert '    hint: did you mean "critical"? Alertmanager routes match these values exactly' in lines


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        (
            'from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name="g", rules=[\n    AlertRule(name="A", expr="up == 0",\n              for="5m"),\n])\n',
            ["alerts/a.py:4:15: OAC101 syntax error: invalid syntax", "    hint: for is a Python keyword: write for_="],
        ),
        (
            'from obs_as_code import RecordingRule, RuleGroup\ng = RuleGroup(name="g", rules=[RecordingRule(name="job-http:requests:rate5m", expr="sum(up)")])\n',
            [
                "alerts/a.py:2:51: OAC108 recording rule name 'job-http:requests:rate5m' is not a valid metric name",
                "    hint: write 'job_http:requests:rate5m': letters, digits, _ and :, not starting with a digit "
                "(by convention level:metric:operations, as in job:http_requests:rate5m)",
            ],
        ),
    ],
    ids=["for=", "recording rule name"],
)
def test_a_prometheus_spelling_gets_what_to_write(make_project: ProjectFactory, module: str, expected: list[str]) -> None:
    """for="5m" was "syntax error: invalid syntax" and a recording rule named with a
    dash "is not a valid metric name", neither saying what to write."""
    root = make_project({"alerts/a.py": module})
    result = run_oac("build", "-C", str(root))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert all(line in lines for line in expected), result.stderr


def test_a_misspelt_dashboard_variable_gets_the_one_defined(make_project: ProjectFactory) -> None:
    """$jobs for the defined $job said only "add it to the dashboard's variables"."""
    root = make_project(
        {
            "dashboards/api.py": """from obs_as_code.dashboards import kit as k

board = k.dashboard("API", [
    k.timeseries("Up", k.prom('sum(up{job=~"$jobs"})')),
], variables=[k.datasource_var(), k.query_var("job", "label_values(up, job)")])
"""
        }
    )
    result = run_oac("build", "-C", str(root))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert "dashboards/api.py:4:45: OAC306 variable $jobs is used in dashboard 'API' but not defined" in lines, result.stderr
    assert "    hint: did you mean $job? the dashboard defines $datasource, $job" in lines, result.stderr
