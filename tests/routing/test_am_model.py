"""Matchers and the offline router, cross-checked against amtool itself."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from routing_support import FIXTURES, ROOT, write_project

from obs_as_code import names
from obs_as_code.artifacts import write_atomic
from obs_as_code.model.alertmanager import (
    AlertmanagerConfig,
    Matcher,
    MatcherError,
    route_receivers,
)
from obs_as_code.pipeline import compile_project
from obs_as_code.validate.amtool import check, route

label_names = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)
label_values = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)


@given(label_names, st.sampled_from(["=", "!=", "=~", "!~"]), label_values)
def test_matcher_text_round_trips(name: str, op: str, value: str) -> None:
    matcher = Matcher(name, value, op)  # type: ignore[arg-type]
    assert Matcher.parse(str(matcher)) == matcher


@pytest.mark.parametrize("text", ["", "severity", "=x", '1abc="x"', "a b=c"])
def test_invalid_matchers(text: str) -> None:
    with pytest.raises(MatcherError):
        Matcher.parse(text)


def test_regex_matchers_are_anchored() -> None:
    assert Matcher.parse('severity=~"crit"').matches({"severity": "crit"})
    assert not Matcher.parse('severity=~"crit"').matches({"severity": "critical"})
    assert Matcher.parse('team!~"a|b"').matches({})
    assert Matcher.parse('team=""').matches({"other": "x"})


def _compiled(root: Path, out: Path) -> tuple[AlertmanagerConfig, Path]:
    compiled = compile_project(root)
    write_atomic(out, compiled.artifacts)
    [config] = compiled.project.all(AlertmanagerConfig)
    return config, out / names.ALERTMANAGER_CONFIG


AMTOOL = shutil.which("amtool")
_label_sets = st.dictionaries(
    st.sampled_from(["severity", "team", "service", "escalate", "alertname"]),
    st.sampled_from(["critical", "warning", "info", "page", "sandbox", "db", "x"]),
    max_size=4,
)


@pytest.mark.integration
@pytest.mark.skipif(AMTOOL is None, reason="amtool not installed")
@pytest.mark.parametrize("project", [ROOT, FIXTURES / "routing_full"], ids=["shipped", "fixture"])
def test_offline_router_agrees_with_amtool(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    config, path = _compiled(project, tmp_path_factory.mktemp("am") / "build")

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(_label_sets)
    def agree(labels: dict[str, str]) -> None:
        assert route_receivers(config.route, labels) == list(route(path, labels, AMTOOL).receivers)

    agree()


@pytest.mark.integration
@pytest.mark.skipif(AMTOOL is None, reason="amtool not installed")
def test_amtool_error_maps_to_the_integration_line(tmp_path: Path) -> None:
    module = """
        from obs_as_code import AlertmanagerConfig, Receiver, Route, Slack

        chat = Receiver(name="chat", integrations=[
            Slack(channel="#x", api_url_file="/s", extra={"http_config": {"follow_redirects": "yes"}}),
        ])
        config = AlertmanagerConfig(route=Route(receiver=chat))
    """
    root = write_project(tmp_path / "p", {"alerts/routing.py": module})
    compiled = compile_project(root)
    assert compiled.ok
    build = tmp_path / "build"
    write_atomic(build, compiled.artifacts)
    [diag] = check(build, compiled.artifacts)
    assert diag.code == "OAC902" and "into bool" in diag.message
    assert (diag.location.file, diag.location.line) == ("alerts/routing.py", 4)


@pytest.mark.integration
@pytest.mark.skipif(AMTOOL is None, reason="amtool not installed")
def test_a_template_amtool_refuses_is_one_finding(tmp_path: Path) -> None:
    # amtool prints "Checking '...'  SUCCESS" for the config, then FAILED for
    # its templates: the SUCCESS line was reported as a finding of its own.
    module = """
        from obs_as_code import AlertmanagerConfig, Receiver, Route, Template

        config = AlertmanagerConfig(route=Route(receiver="d"), receivers=[Receiver(name="d")],
                                    templates=[Template(name="t", text="{{ .Foo")])
    """
    root = write_project(tmp_path / "p", {"alerts/routing.py": module})
    compiled = compile_project(root)  # OAC508 refuses it; validate judges an older build/
    write_atomic(tmp_path / "build", compiled.artifacts)
    [diag] = check(tmp_path / "build", compiled.artifacts)
    assert diag.code == "OAC902" and diag.message == "amtool check-config: template: t.tmpl:1: unclosed action"


@pytest.mark.integration
@pytest.mark.skipif(AMTOOL is None, reason="amtool not installed")
def test_shipped_config_passes_amtool(tmp_path: Path) -> None:
    compiled = compile_project(ROOT)
    write_atomic(tmp_path / "build", compiled.artifacts)
    assert check(tmp_path / "build", compiled.artifacts) == []


#: (regex, label value, whether amtool 0.25 routes the value to it): Alertmanager
#: compiles ^(?:regex)$ with Go's regexp, which Python's re read otherwise
#: (\d, \w, $, {,n}) or refused (\pL, \Q...\E, a flag after the start).
GO_REGEX_CASES = [
    ("\\d+", "\u0663", False), ("\\d+", "12", True), ("\\w+", "é", False), ("\\s", "\xa0", False),
    ("\\pL+", "é日", True), ("\\PL", "1", True), ("[[:alpha:]]+", "abZ", True), ("[[:^digit:]]", "1", False),
    ("\\Qa.b\\E", "a.b", True), ("\\Qa.b\\E", "axb", False), ("prod(?i)A|b", "B", True), ("prod(?i)A|b", "proda", True),
    ("x$\\n", "x\n", False), ("x{,3}", "x{,3}", True), ("x{,3}", "xxx", False), ("x\\z", "x", True),
    ("(?U)x+", "xx", True), (".\\bx", "éx", True), ("\\123", "S", True), ("(?i)k", "\u212a", True),
    # (?i) folds as Go's unicode.SimpleFold: Python's IGNORECASE took \u0130 for i.
    ("(?i)[a-z]+", "\u0130", False), ("(?i)i", "\u0131", False), ("(?i)ß", "ẞ", True), ("(?i)[^k]", "K", False),
    ("(?i)\\W", "\u212a", False),
]


@pytest.mark.parametrize(("regex", "value", "matched"), GO_REGEX_CASES)
def test_regex_matchers_match_as_go_does(regex: str, value: str, matched: bool) -> None:
    assert Matcher("a", regex, "=~").matches({"a": value}) is matched
    assert Matcher("a", regex, "!~").matches({"a": value}) is not matched


def test_route_receivers_reads_go_regexes() -> None:
    # amtool config routes test ... code="٣" said "default" (\d is ASCII in Go);
    # route_receivers said "digits", and raised re.error for team=~"\pL+".
    from obs_as_code.model.alertmanager import Route

    tree = Route(receiver="default", routes=[Route(matchers=['code=~"\\\\d+"'], receiver="digits"),
                                             Route(matchers=['team=~"\\\\pL+"'], receiver="letters")])
    assert route_receivers(tree, {"code": "\u0663"}) == ["default"]
    assert route_receivers(tree, {"team": "é日"}) == ["letters"]


def test_a_regex_go_refuses_is_re_error() -> None:
    # The lint checks (_crossref) catch re.error for a matcher OAC508 reports.
    with pytest.raises(re.error):
        Matcher("a", "(?=x)", "=~").matches({"a": "x"})
    with pytest.raises(re.error):
        Matcher("a", "\\p{Greek}", "=~").matches({"a": "x"})


def test_alerts_matching_both_sides_of_an_inhibit_rule_do_not_mute_each_other() -> None:
    # Alertmanager's inhibitor (Mutes, hasEqual's excludeTwoSidedMatch): when the
    # target also matches the source side, a source matching the target side
    # too is disregarded; otherwise every such alert would mute every other.
    from obs_as_code.model.alertmanager import InhibitRule

    rule = InhibitRule(source_matchers=['severity=~"critical|page"'], target_matchers=['severity=~"critical|warning"'],
                       equal=["service"])
    page = {"alertname": "A", "severity": "page", "service": "api"}
    critical = {"alertname": "B", "severity": "critical", "service": "api"}
    warning = {"alertname": "C", "severity": "warning", "service": "api"}
    assert rule.inhibits(page, critical)  # the source matches the source side only
    assert rule.inhibits(critical, warning)  # the target matches the target side only
    assert not rule.inhibits(critical, {**critical, "alertname": "D"})  # both match both sides
    assert not rule.inhibits(critical, {**warning, "service": "web"})
    assert rule.inhibits({"severity": "page"}, {"severity": "warning"})  # service missing on both: equal
