"""``oac test``: promtool rule tests and amtool routing tests, failures at Python lines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from routing_support import FIXTURES, ROOT, run_cli, write_project

from obs_as_code.model.rules import AlertRule, RuleGroup
from obs_as_code.model.tests import RoutingTest, RuleTest
from obs_as_code.pipeline import load
from obs_as_code.validate.unit_tests import parse_promtool_output, receivers_diff

pytestmark = pytest.mark.integration

RULES = """
    from obs_as_code import AlertExpectation, AlertRule, ExpectedAlert, RuleGroup, RuleTest, Series

    group = RuleGroup(name="g", rules=[
        AlertRule(name="High", expr="x > 1", for_="1m", labels={"severity": "warning"},
                  annotations={"summary": "x is {{ $value }}"}),
    ])

    high = RuleTest(
        name="x goes high",
        series=[Series('x{job="a"}', "0 5 5 5 5")],
        alerts=[
            AlertExpectation(at="1m", alertname="High"),
            AlertExpectation(
                at="4m",
                alertname="High",
                alerts=[ExpectedAlert(labels={"job": "a", "severity": "warning"},
                                      annotations={"summary": "x is SUMMARY"})],
            ),
        ],
    )
"""


def test_shipped_repo_tests_pass() -> None:
    result = run_cli("test", "--project", str(ROOT))
    assert result.exit_code == 0, result.stderr
    counts = re.search(r"(\d+) rule test\(s\), (\d+) routing test\(s\)", result.stderr)
    assert counts is not None and int(counts[1]) >= 25 and int(counts[2]) >= 6


def test_every_shipped_alert_has_a_firing_and_a_quiet_test() -> None:
    project, diagnostics = load(ROOT)
    assert not diagnostics
    alerts = {r.name for g in project.all(RuleGroup) for r in g.rules if isinstance(r, AlertRule)}
    fires: set[str] = set()
    quiet: set[str] = set()
    for test in project.all(RuleTest):
        for exp in test.alerts:
            (fires if exp.alerts else quiet).add(exp.alertname)
    assert alerts and alerts <= fires, sorted(alerts - fires)
    assert alerts <= quiet, sorted(alerts - quiet)


def test_shipped_routing_tests_cover_each_receiver() -> None:
    project, _ = load(ROOT)
    routed = {r for t in project.all(RoutingTest) for r in t.receivers}
    assert routed == {"default", "pagerduty-critical", "slack-warnings", "email-info"}


def test_passing_project(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"alerts/x.py": RULES.replace("SUMMARY", "5")})
    result = run_cli("test", "--project", str(root))
    assert result.exit_code == 0, result.stderr
    assert "1 rule test(s), 0 routing test(s)" in result.stderr


def test_a_name_filter_that_selects_no_test_is_a_usage_error(tmp_path: Path) -> None:
    # A typo in -k ran nothing and said "ok; 0 rule test(s)": a CI gate that passes.
    root = write_project(tmp_path, {"alerts/x.py": RULES.replace("SUMMARY", "5")})
    missed = run_cli("test", "--project", str(root), "-k", "no-such-test")
    assert missed.exit_code == 2, missed.stderr
    assert "-k 'no-such-test': no rule test or routing test name contains it" in missed.stderr
    assert "ok;" not in missed.stderr
    picked = run_cli("test", "--project", str(root), "-k", "goes high")
    assert picked.exit_code == 0 and "ok; 1 rule test(s), 0 routing test(s)" in picked.stderr
    # Without -k, a project without tests is fine (nothing to run).
    empty = write_project(tmp_path / "empty", {"alerts/__init__.py": ""})
    none = run_cli("test", "--project", str(empty))
    assert none.exit_code == 0 and "ok; 0 rule test(s), 0 routing test(s)" in none.stderr


def test_broken_expectation_points_at_its_python_line(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"alerts/x.py": RULES.replace("SUMMARY", "6")})
    result = run_cli("test", "--project", str(root))
    assert result.exit_code == 1
    lines = (root / "alerts/x.py").read_text().splitlines()
    expected_line = next(i for i, ln in enumerate(lines, 1) if 'at="4m"' in ln) - 1
    assert lines[expected_line - 1].strip() == "AlertExpectation("
    assert f"alerts/x.py:{expected_line}:" in result.stderr
    assert 'rule test "x goes high": alertname: High, time: 4m' in result.stderr
    assert 'summary="x is 6"' in result.stderr and 'summary="x is 5"' in result.stderr


def test_broken_expr_expectation_points_at_its_line(tmp_path: Path) -> None:
    source = RULES.replace("SUMMARY", "5").replace(
        "from obs_as_code import ", "from obs_as_code import ExprExpectation, Sample, "
    ) + """
    value = RuleTest(
        name="x value",
        series=[Series('x{job="a"}', "0 5 5")],
        exprs=[
            ExprExpectation(expr="x", at="2m", samples=[Sample('x{job="a"}', 7)]),
        ],
    )
    """
    root = write_project(tmp_path, {"alerts/x.py": source})
    result = run_cli("test", "--project", str(root))
    assert result.exit_code == 1
    lines = (root / "alerts/x.py").read_text().splitlines()
    line = next(i for i, ln in enumerate(lines, 1) if "ExprExpectation(expr=" in ln)
    assert f"alerts/x.py:{line}:" in result.stderr
    assert 'rule test "x value": expr: "x", time: 2m' in result.stderr


ROUTING = """
    from obs_as_code import AlertmanagerConfig, Receiver, Route, RoutingTest

    config = AlertmanagerConfig(
        route=Route(receiver="fallback", routes=[Route(receiver="pager", matchers=['severity="critical"'])]),
        receivers=[Receiver(name="fallback"), Receiver(name="pager")],
    )
    pages = RoutingTest(
        labels={"severity": "critical"},
        receivers=["EXPECTED"],
    )
"""


def test_routing_tests_pass_and_a_wrong_expectation_shows_a_diff(tmp_path: Path) -> None:
    good = write_project(tmp_path / "good", {"alerts/routing.py": ROUTING.replace("EXPECTED", "pager")})
    result = run_cli("test", "--project", str(good))
    assert result.exit_code == 0, result.stderr

    bad = write_project(tmp_path / "bad", {"alerts/routing.py": ROUTING.replace("EXPECTED", "fallback")})
    result = run_cli("test", "--project", str(bad))
    assert result.exit_code == 1
    assert "alerts/routing.py:9:" in result.stderr  # the receivers= line
    assert "expected: fallback" in result.stderr
    assert "actual:   pager" in result.stderr
    assert "- fallback (expected, not routed)" in result.stderr
    assert "+ pager (routed, not expected)" in result.stderr


def test_fixture_routing_tests_pass() -> None:
    result = run_cli("test", "--project", str(FIXTURES / "routing_full"))
    assert result.exit_code == 0, result.stderr
    assert "1 rule test(s), 3 routing test(s)" in result.stderr


def test_missing_promtool_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_project(tmp_path, {"alerts/x.py": RULES.replace("SUMMARY", "5")})
    monkeypatch.setenv("OAC_PROMTOOL", str(tmp_path / "no-promtool"))
    result = run_cli("test", "--project", str(root))
    assert result.exit_code == 2
    assert "no-promtool" in result.stderr


def test_diff_for_reordered_receivers() -> None:
    test = RoutingTest(labels={"a": "b"}, receivers=["x", "y"])
    text = receivers_diff(test, ["y", "x"])
    assert "same receivers in another order" in text
    assert "expected: x, y" in text and "actual:   y, x" in text


def test_parse_promtool_output_splits_groups_and_failures() -> None:
    output = (
        "Unit Testing:  /b/tests/x.yaml\n"
        "  FAILED:\n"
        "    name: one,\n"
        "    alertname: A, time: 4m, \n"
        "        exp:[], \n"
        "        got:[]\n"
        '    expr: "sum(x{a=\\"b\\"})", time: 2m,\n'
        "        exp: 1\n"
        "    name: two,\n"
        "    some other error\n"
    )
    [failures] = parse_promtool_output(output).values()
    assert [(f.group, f.alert, f.expr, f.time) for f in failures] == [
        ("one", "A", None, "4m"),
        ("one", None, 'sum(x{a="b"})', "2m"),
        ("two", None, None, None),
    ]
    assert failures[0].detail == ["exp:[],", "got:[]"]


def test_a_test_of_an_unknown_alert_is_not_run(tmp_path: Path) -> None:
    source = RULES.replace("SUMMARY", "5").replace('AlertExpectation(at="1m", alertname="High")', 'AlertExpectation(at="1m", alertname="Hihg")')
    root = write_project(tmp_path, {"alerts/x.py": source})
    result = run_cli("test", "--project", str(root))
    assert result.exit_code == 1
    assert "OAC509" in result.stderr and "'Hihg'" in result.stderr


def _failing_everywhere(tmp_path: Path) -> Path:
    """A project whose three test files and one routing test each fail."""
    files = {f"alerts/m{i}.py": RULES.replace("SUMMARY", str(6 + i)).replace('name="g"', f'name="g{i}"').replace('"High"', f'"High{i}"')
             for i in range(3)}
    files["alerts/routing.py"] = ROUTING.replace("EXPECTED", "fallback")
    return write_project(tmp_path, files)


def test_parallel_runs_report_what_a_serial_run_reports_in_its_order(tmp_path: Path) -> None:
    root = _failing_everywhere(tmp_path)
    serial = run_cli("test", "--project", str(root), "--jobs", "1")
    assert serial.exit_code == 1
    # Every failure: one per test file, in module order, then the routing test.
    at = [serial.stderr.index(f"alerts/m{i}.py:") for i in range(3)] + [serial.stderr.index("alerts/routing.py:")]
    assert at == sorted(at), serial.stderr
    for jobs in ("4", "0"):
        parallel = run_cli("test", "--project", str(root), "--jobs", jobs)
        assert (parallel.exit_code, parallel.stdout, parallel.stderr) == (serial.exit_code, serial.stdout, serial.stderr)


def test_test_files_run_in_promtools_at_the_same_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A promtool wrapper that waits until the other file's promtool has started
    # too (up to 20 s) and says whether it saw it: concurrency, not timing.
    import shutil
    import stat

    real = shutil.which("promtool")
    assert real is not None
    marks = tmp_path / "marks"
    marks.mkdir()
    wrapper = tmp_path / "promtool"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'marks="{marks}"\n'
        'name=$(basename "$3")\n'
        'touch "$marks/$name.started"\n'
        "i=0\n"
        'while [ "$(ls "$marks" | grep -c started)" -lt 2 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done\n'
        'if [ $i -lt 200 ]; then echo together > "$marks/$name.seen"; else echo alone > "$marks/$name.seen"; fi\n'
        f'exec "{real}" "$@"\n'
    )
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("OAC_PROMTOOL", str(wrapper))
    root = write_project(tmp_path / "project", {f"alerts/m{i}.py": RULES.replace("SUMMARY", "5").replace('name="g"', f'name="g{i}"')
                                                .replace('"High"', f'"High{i}"') for i in range(2)})
    result = run_cli("test", "--project", str(root), "--jobs", "2")
    assert result.exit_code == 0, result.stderr
    seen = {p.name: p.read_text().strip() for p in marks.glob("*.seen")}
    assert seen == {"m0.yaml.seen": "together", "m1.yaml.seen": "together"}
