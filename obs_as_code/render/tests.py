"""Render alert unit tests into ``build/tests/<module stem>.yaml`` for ``promtool test rules``.

One file per module declaring :class:`RuleTest`; its ``rule_files`` are the rule
files of the tested modules, relative to the test file (promtool resolves them
against the test file's folder). The source map keys every test group, alert
expectation and expression expectation so a failure points at its Python line.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any

from obs_as_code import names
from obs_as_code.artifacts import Artifact
from obs_as_code.durations import normalize_lenient as normalize
from obs_as_code.load import Project
from obs_as_code.model.tests import AlertExpectation, ExprExpectation, RuleTest
from obs_as_code.source import SourceLocation

Path_ = tuple[str | int, ...]


def tested_modules(test: RuleTest) -> list[str]:
    """The modules whose rules a test loads (default: the one declaring it)."""
    return list(test.rule_modules) or [test.module or test.location.file]


def _sorted(mapping: Any) -> dict[str, Any]:
    return {k: mapping[k] for k in sorted(mapping)}


def render_alert_expectation(exp: AlertExpectation) -> dict[str, Any]:
    """One ``alert_rule_test`` entry (no ``exp_alerts``: the alert must not fire)."""
    out: dict[str, Any] = {"eval_time": normalize(exp.at), "alertname": exp.alertname}
    alerts = []
    for alert in exp.alerts:
        item: dict[str, Any] = {}
        if alert.labels:
            item["exp_labels"] = _sorted(alert.labels)
        if alert.annotations:
            item["exp_annotations"] = _sorted(alert.annotations)
        alerts.append(item)
    if alerts:
        out["exp_alerts"] = alerts
    return out


def render_expr_expectation(exp: ExprExpectation) -> dict[str, Any]:
    """One ``promql_expr_test`` entry."""
    out: dict[str, Any] = {"expr": exp.expr, "eval_time": normalize(exp.at)}
    out["exp_samples"] = [{"labels": s.labels, "value": s.value} for s in exp.samples]
    return out


def render_test(test: RuleTest, index: int, smap: dict[Path_, SourceLocation]) -> dict[str, Any]:
    """One promtool test group; its ``name`` is the RuleTest's name."""
    smap[("tests", index)] = test.location
    out: dict[str, Any] = {"name": test.name, "interval": normalize(test.interval)}
    if test.external_labels:
        out["external_labels"] = _sorted(test.external_labels)
    out["input_series"] = [{"series": s.series, "values": s.values} for s in test.series]
    for j, series in enumerate(test.series):
        smap[("tests", index, "input_series", j)] = series.location
    if test.alerts:
        out["alert_rule_test"] = [render_alert_expectation(a) for a in test.alerts]
        for j, exp in enumerate(test.alerts):
            smap[("tests", index, "alert_rule_test", j)] = exp.location
            for k, alert in enumerate(exp.alerts):
                smap[("tests", index, "alert_rule_test", j, "exp_alerts", k)] = alert.location
    if test.exprs:
        out["promql_expr_test"] = [render_expr_expectation(e) for e in test.exprs]
        for j, expr in enumerate(test.exprs):
            smap[("tests", index, "promql_expr_test", j)] = expr.location
    return out


def test_artifacts(tests: Sequence[RuleTest]) -> list[Artifact]:
    """One promtool test file per module declaring tests."""
    by_module: dict[str, list[RuleTest]] = defaultdict(list)
    for test in tests:
        by_module[test.module or test.location.file].append(test)
    artifacts = []
    for module in sorted(by_module):
        path = names.rule_test_file(module)
        here = PurePosixPath(path).parent
        rule_files: list[str] = []
        for test in by_module[module]:
            for tested in tested_modules(test):
                target = PurePosixPath(names.rule_file(tested))
                # Relative to the test file's folder: build/tests -> build/prometheus/rules.
                rel = "../" * len(here.parts) + str(target)
                if rel not in rule_files:
                    rule_files.append(rel)
        smap: dict[Path_, SourceLocation] = {}
        data = {
            "rule_files": rule_files,
            "tests": [render_test(t, i, smap) for i, t in enumerate(by_module[module])],
        }
        artifacts.append(Artifact(path, data, "yaml", sources=[module], source_map=smap))
    return artifacts


def render(project: Project) -> list[Artifact]:
    """The promtool test files of a project."""
    return test_artifacts(project.all(RuleTest))
