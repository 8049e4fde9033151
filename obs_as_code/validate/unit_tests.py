"""Run a project's tests: alert unit tests with ``promtool test rules`` and routing
tests with ``amtool config routes test``.

The project is compiled in memory and written to a temporary directory, so the
tests always run against what the sources say now, whatever state ``build/`` is
in. Every failure is a diagnostic at the Python line of the expectation that
failed (OAC901 for promtool, OAC902 for amtool).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from obs_as_code import names
from obs_as_code.artifacts import Artifact, write_atomic
from obs_as_code.diagnostics import Diagnostic, error, has_errors
from obs_as_code.durations import DurationError, parse_ms
from obs_as_code.model.tests import AlertExpectation, ExprExpectation, RoutingTest, RuleTest
from obs_as_code.source import SourceLocation, keyword_location, project_root
from obs_as_code.validate import find_tool
from obs_as_code.validate.amtool import route

T = TypeVar("T")
R = TypeVar("R")

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


def _promtool_output(promtool: str, build_dir: Path, path: str) -> str | None:
    """``promtool test rules`` over one test file: its output when it failed, else None."""
    proc = subprocess.run(
        [promtool, "test", "rules", str(build_dir / path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=build_dir,
    )
    return None if proc.returncode == 0 else proc.stdout + proc.stderr


class _Inline(Executor):
    """An executor that runs each call when it is submitted (``jobs=1``)."""

    def submit(self, fn: Callable[..., R], /, *args: object, **kwargs: object) -> Future[R]:
        future: Future[R] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # handed to the caller by result(), as a pool does
            future.set_exception(exc)
        return future


def _submit(pool: Executor, fn: Callable[[T], R], items: Sequence[T], cost: Callable[[T], int] | None = None) -> list[Future[R]]:
    """``fn(item)`` of every item submitted to ``pool``, dearest first by ``cost``
    (so that the longest run starts first and the others fill the other workers
    around it); the futures in the items' order, the order results are reported in."""
    order = sorted(range(len(items)), key=lambda i: -cost(items[i])) if cost is not None else range(len(items))
    futures: dict[int, Future[R]] = {}
    for i in order:
        futures[i] = pool.submit(fn, items[i])
    return [futures[i] for i in range(len(items))]


def start_rule_tests(
    build_dir: Path, artifacts: Sequence[Artifact], tests: Sequence[RuleTest], pool: Executor
) -> Callable[[], list[Diagnostic]]:
    """Start ``promtool test rules`` over every test file in ``pool``; the returned
    function waits for them and gives the failures at their Python lines.

    One promtool per test file: promtool runs the files it is given one after
    another, and a file of SLO burn-rate tests can take seconds while the others
    take a tenth of one. A file's size stands for its cost (series and steps)."""
    files = [a for a in artifacts if a.path.startswith("tests/") and a.path.endswith(".yaml")]
    if not files:
        return list
    promtool = find_tool("promtool", "prometheus")
    futures = _submit(pool, lambda a: _promtool_output(promtool, build_dir, a.path), files, lambda a: (build_dir / a.path).stat().st_size)

    def finish() -> list[Diagnostic]:
        outputs = [f.result() for f in futures]
        return _rule_test_failures([(a, o) for a, o in zip(files, outputs, strict=True) if o is not None], tests)

    return finish


def _rule_test_failures(failed: Sequence[tuple[Artifact, str]], tests: Sequence[RuleTest]) -> list[Diagnostic]:
    """The diagnostics of the test files promtool failed (with its output), in file order."""
    if not failed:
        return []
    files = [a for a, _output in failed]
    by_module: dict[str, list[RuleTest]] = {}
    for test in tests:
        by_module.setdefault(names.rule_test_file(test.module or test.location.file), []).append(test)
    out: list[Diagnostic] = []
    for _artifact, output in failed:
        for printed, failures in parse_promtool_output(output).items():
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


def start_routing_tests(build_dir: Path, tests: Sequence[RoutingTest], pool: Executor) -> Callable[[], list[Diagnostic]]:
    """Start each routing test through ``amtool config routes test`` in ``pool`` (an
    amtool per test); the returned function waits for them and gives the failures."""
    if not tests:
        return list
    config = build_dir / names.ALERTMANAGER_CONFIG
    if not config.is_file():
        missing = [error(t.location, "OAC902", "routing test but the project declares no AlertmanagerConfig") for t in tests]
        return lambda: missing
    amtool = find_tool("amtool", "prometheus-alertmanager")
    futures = _submit(pool, lambda t: route(config, t.labels, amtool), tests)

    def finish() -> list[Diagnostic]:
        out: list[Diagnostic] = []
        for test, future in zip(tests, futures, strict=True):
            result = future.result()
            loc = keyword_location(test.location, "receivers")
            if result.error is not None:
                out.append(error(loc, "OAC902", f'routing test "{test.key()}": amtool failed: {result.error}'))
            elif list(result.receivers) != list(test.receivers):
                out.append(error(loc, "OAC902", receivers_diff(test, result.receivers)))
        return out

    return finish


def run_tests(root: Path, *, name_filter: str | None = None, jobs: int = 0) -> TestRun:
    """Compile the project at ``root`` and run its rule and routing tests.

    ``name_filter`` keeps the routing tests and rule test modules whose name
    contains it. Compile errors are returned as failures without running anything.
    ``jobs`` promtool and amtool processes run at a time (0: one per core); the
    failures are the same, in the same order, whatever it is.
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
        _run_in_tmp(run, artifacts, rule_tests, routing_tests, jobs if jobs > 0 else os.cpu_count() or 1)
    finally:
        project_root.reset(token)
    return run


def _run_in_tmp(run: TestRun, artifacts: list[Artifact], rule_tests: list[RuleTest], routing_tests: list[RoutingTest], jobs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="oac-test-") as tmp:
        build_dir = Path(tmp) / "build"
        write_atomic(build_dir, artifacts)
        # Threads suffice: each waits on its own promtool or amtool process.
        with ThreadPoolExecutor(max_workers=jobs) if jobs > 1 else _Inline() as pool:
            rules = start_rule_tests(build_dir, artifacts, rule_tests, pool)
            routes = start_routing_tests(build_dir, routing_tests, pool)
            run.failures += rules()
            run.failures += routes()
