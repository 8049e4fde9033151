"""Run a project's tests: alert unit tests with ``promtool test rules`` and routing
tests with ``amtool config routes test``.

The project is compiled in memory and written to a temporary directory, so the
tests always run against what the sources say now, whatever state ``build/`` is
in. Every failure is a diagnostic at the Python line of the expectation that
failed (OAC901 for promtool, OAC902 for amtool).
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from obs_as_code import names
from obs_as_code.artifacts import Artifact, write_atomic
from obs_as_code.diagnostics import Diagnostic, error, has_errors
from obs_as_code.durations import DurationError, parse_ms
from obs_as_code.model.tests import AlertExpectation, ExprExpectation, RoutingTest, RuleTest
from obs_as_code.source import SourceLocation, keyword_location, project_root
from obs_as_code.validate import find_tool
from obs_as_code.validate.amtool import RouteResult, route

_HEADER = re.compile(r"^Unit Testing:\s+(?P<file>\S+)")
_GROUP = re.compile(r"^ {4}name: (?P<name>.*),\s*$")
_ALERT = re.compile(r"^ {4}alertname: (?P<alert>[^,]+), time: (?P<time>[^,]+),")
_EXPR = re.compile(r'^ {4}expr: (?P<expr>".*"), time: (?P<time>[^,]+),')


@dataclass
class TestRun:
    """What ``oac test`` ran and what failed."""

    rule_tests: int = 0
    routing_tests: int = 0
    failures: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not has_errors(self.failures)


def _same_time(a: str, b: str) -> bool:
    try:
        return parse_ms(a) == parse_ms(b)
    except DurationError:
        return a == b


@dataclass
class _Failure:
    group: str
    head: str
    detail: list[str] = field(default_factory=list)
    alert: str | None = None
    expr: str | None = None
    time: str | None = None


def parse_promtool_output(output: str) -> dict[str, list[_Failure]]:
    """promtool's test output -> failures per test file (as printed)."""
    out: dict[str, list[_Failure]] = {}
    current_file = ""
    group = ""
    failure: _Failure | None = None
    for raw in output.splitlines():
        line = raw.rstrip()
        header = _HEADER.match(line.strip())
        if header is not None:
            current_file = header["file"]
            group, failure = "", None
            continue
        if not line.strip() or line.strip() in ("FAILED:", "SUCCESS"):
            continue
        found = _GROUP.match(line)
        if found is not None:
            group, failure = found["name"], None
            continue
        alert, expr = _ALERT.match(line), _EXPR.match(line)
        if alert is not None or expr is not None or (line.startswith("    ") and not line.startswith("     ")):
            failure = _Failure(group, line.strip())
            if alert is not None:
                failure.alert, failure.time = alert["alert"].strip(), alert["time"].strip()
            elif expr is not None:
                try:
                    failure.expr = json.loads(expr["expr"])
                except ValueError:
                    failure.expr = expr["expr"][1:-1]
                failure.time = expr["time"].strip()
            out.setdefault(current_file, []).append(failure)
        elif failure is not None:
            failure.detail.append(line.strip())
        else:
            out.setdefault(current_file, []).append(_Failure(group, line.strip()))
    return out


def _locate_failure(failure: _Failure, tests: Sequence[RuleTest]) -> tuple[RuleTest | None, SourceLocation | None]:
    """The test and the expectation line a promtool failure is about.

    promtool 2.42 names the test group before alert failures only; an expression
    failure is found by its expression and time, in the group last named first.
    """
    named = [t for t in tests if t.name == failure.group]
    if failure.expr is not None and failure.time is not None:
        for test in [*named, *tests]:
            for e in test.exprs:
                if isinstance(e, ExprExpectation) and e.expr == failure.expr and _same_time(str(e.at), failure.time):
                    return test, e.location
        return None, None
    if not named:
        return None, None
    test = named[0]
    if failure.alert is not None and failure.time is not None:
        for exp in test.alerts:
            if isinstance(exp, AlertExpectation) and exp.alertname == failure.alert and _same_time(str(exp.at), failure.time):
                return test, exp.location
        return test, keyword_location(test.location, "alerts")
    return test, test.location


def run_rule_tests(build_dir: Path, artifacts: Sequence[Artifact], tests: Sequence[RuleTest]) -> list[Diagnostic]:
    """``promtool test rules`` over every test file; failures at their Python lines."""
    files = [a for a in artifacts if a.path.startswith("tests/") and a.path.endswith(".yaml")]
    if not files:
        return []
    promtool = find_tool("promtool", "prometheus")
    proc = subprocess.run(
        [promtool, "test", "rules", *(str(build_dir / a.path) for a in files)],
        capture_output=True,
        text=True,
        check=False,
        cwd=build_dir,
    )
    if proc.returncode == 0:
        return []
    by_module: dict[str, list[RuleTest]] = {}
    for test in tests:
        by_module.setdefault(names.rule_test_file(test.module or test.location.file), []).append(test)
    out: list[Diagnostic] = []
    for printed, failures in parse_promtool_output(proc.stdout + proc.stderr).items():
        rel = next((a.path for a in files if printed.endswith(a.path)), "")
        for failure in failures:
            found, loc = _locate_failure(failure, by_module.get(rel, []))
            name = found.name if found is not None else failure.group
            where = f'rule test "{name}": ' if name else ""
            detail = "".join(f"\n    {d}" for d in failure.detail)
            out.append(error(loc or SourceLocation(f"build/{rel}" if rel else printed), "OAC901",
                             f"promtool test rules: {where}{failure.head}{detail}"))
    return out


def receivers_diff(test: RoutingTest, actual: Sequence[str]) -> str:
    """A readable comparison of expected and actual receivers."""
    labels = ", ".join(f'{k}="{v}"' for k, v in sorted(test.labels.items()))
    lines = [
        f'routing test "{test.key()}": an alert {{{labels}}} goes to the wrong receivers',
        f"    expected: {', '.join(test.receivers) or '(none)'}",
        f"    actual:   {', '.join(actual) or '(none)'}",
    ]
    lines += [f"    - {r} (expected, not routed)" for r in test.receivers if r not in actual]
    lines += [f"    + {r} (routed, not expected)" for r in actual if r not in test.receivers]
    if set(actual) == set(test.receivers):
        lines.append("    (same receivers in another order: order follows the route tree)")
    return "\n".join(lines)


def run_routing_tests(build_dir: Path, tests: Sequence[RoutingTest]) -> list[Diagnostic]:
    """Each routing test through ``amtool config routes test``."""
    if not tests:
        return []
    config = build_dir / names.ALERTMANAGER_CONFIG
    out: list[Diagnostic] = []
    if not config.is_file():
        return [error(t.location, "OAC902", "routing test but the project declares no AlertmanagerConfig") for t in tests]
    amtool = find_tool("amtool", "prometheus-alertmanager")
    for test in tests:
        result: RouteResult = route(config, test.labels, amtool)
        loc = keyword_location(test.location, "receivers")
        if result.error is not None:
            out.append(error(loc, "OAC902", f'routing test "{test.key()}": amtool failed: {result.error}'))
        elif list(result.receivers) != list(test.receivers):
            out.append(error(loc, "OAC902", receivers_diff(test, result.receivers)))
    return out


def run_tests(root: Path, *, name_filter: str | None = None) -> TestRun:
    """Compile the project at ``root`` and run its rule and routing tests.

    ``name_filter`` keeps the routing tests and rule test modules whose name
    contains it. Compile errors are returned as failures without running anything.
    """
    from obs_as_code.pipeline import compile_project, lint

    root = root.resolve()
    compiled = compile_project(root, lint_checks=False)
    run = TestRun()
    # OAC509: a test of an alert its rule files do not define would pass vacuously.
    # OAC103 and OAC108: a bad duration or PromQL (a rule's, a test's) makes
    # promtool refuse a whole file, naming neither the test nor the line. OAC508:
    # a routing tree amtool cannot load (a matcher that is not a string crashed).
    found = [*compiled.diagnostics, *lint(compiled.project, select=["OAC509", "OAC103", "OAC108", "OAC508"])]
    if has_errors(found):
        run.failures = [d for d in found if d.severity.value == "error"]
        return run
    rule_tests = compiled.project.all(RuleTest)
    routing_tests = compiled.project.all(RoutingTest)
    if name_filter:
        rule_tests = [t for t in rule_tests if name_filter in t.name]
        routing_tests = [t for t in routing_tests if name_filter in t.key()]
    keep = {names.rule_test_file(t.module or t.location.file) for t in rule_tests}
    # promtool runs whole files: count every test of the files that run.
    rule_tests = [t for t in compiled.project.all(RuleTest) if names.rule_test_file(t.module or t.location.file) in keep]
    artifacts = [a for a in compiled.artifacts if not a.path.startswith("tests/") or a.path in keep]
    run.rule_tests, run.routing_tests = len(rule_tests), len(routing_tests)
    # keyword_location reads the user's files relative to the project root.
    token = project_root.set(str(root))
    try:
        _run_in_tmp(run, artifacts, rule_tests, routing_tests)
    finally:
        project_root.reset(token)
    return run


def _run_in_tmp(run: TestRun, artifacts: list[Artifact], rule_tests: list[RuleTest], routing_tests: list[RoutingTest]) -> None:
    with tempfile.TemporaryDirectory(prefix="oac-test-") as tmp:
        build_dir = Path(tmp) / "build"
        write_atomic(build_dir, artifacts)
        run.failures += run_rule_tests(build_dir, artifacts, rule_tests)
        run.failures += run_routing_tests(build_dir, routing_tests)
