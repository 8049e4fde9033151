"""Parity with Sloth: import Sloth specs, generate, compare with Sloth's output.

Semantically, rule by rule: the same groups (Sloth's ``sloth-slo-<stage>-<id>``
is our ``slo-<stage>-<id>``), the same recording and alert names in the same
order, the same labels and annotations, and equivalent expressions: both parsed
by promql-parser and pretty-printed, numbers compared to 10 significant digits
(Sloth writes ``0.0009999999999999432`` where we write ``0.001``).

Two sources of Sloth output: ``fixtures/sloth/shop.expected.yml`` (written from
Sloth's documented algorithm, see its README) and, when a checkout of slok/sloth
is on this machine, Sloth's own ``examples/_gen`` files for its examples.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from slo_support import SLOTH_MIRROR, groups_of

from obs_as_code.importers import openslo, sloth
from obs_as_code.importers._slo_source import SpecError
from obs_as_code.lint.engine import parse_promql
from obs_as_code.model.rules import AlertRule, RuleGroup
from obs_as_code.render.prometheus import render_group
from obs_as_code.slo.model import SLO

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sloth"
#: Labels that say which tool and build produced the rules, not what they compute
#: (``cmd`` is an extra label Sloth's example generator adds).
TOOL_LABELS = {"cmd", "sloth_version", "sloth_mode", "sloth_spec"}
_NUMBER = re.compile(r"(?<![\w.\"])(\d+\.\d+(?:e[-+]?\d+)?|\d+e[-+]?\d+)(?![\w.])")

#: Sloth's examples that use only the prometheus/v1 spec (or its Kubernetes
#: form) or OpenSLO v1alpha (the others need SLO or SLI plugins, Go code).
SLOTH_EXAMPLES = [
    "getting-started.yml",
    "home-wifi.yml",
    "kubernetes-apiserver.yml",
    "multifile.yml",
    "no-alerts.yml",
    "raw-home-wifi.yml",
    "openslo-getting-started.yml",
    "openslo-kubernetes-apiserver.yml",
    "k8s-getting-started.yml",
    "k8s-home-wifi.yml",
    "k8s-multifile.yml",
]


def normalize_expr(expr: str) -> str:
    """An expression in a canonical form: parsed, outer parentheses dropped,
    pretty-printed, numbers to 10 significant digits."""
    ast, problem = parse_promql(expr)
    assert problem is None, (expr, problem)
    while type(ast).__name__ == "ParenExpr":
        ast = ast.expr
    text = ast.prettify()
    text = _NUMBER.sub(lambda m: f"{float(m.group(1)):.10g}", text)
    return re.sub(r"\s+", " ", text).strip()


#: Our deliberate differences from Sloth, in a ratio SLI (obs_as_code.slo.model.
#: RatioSLI.error_ratio): the error (or good) query is followed by ``or (total) *
#: 0``, so the ratio is 0 where that query has no series yet, and the divisor is
#: ``((total) > 0)``, so a window without events has no sample instead of NaN.
#: Both dropped from ours before comparing; everything else must match.
_ABSENT_AS_ZERO = re.compile(r"\n\s*or\n\s*\((.*?)\) \* 0\n(\s*\)\n\s*/\n\s*)\(\(\1\) > 0\)", re.S)


def without_absent_as_zero(expr: str) -> str:
    """``expr`` without the ``or (total) * 0`` and the ``> 0`` Sloth does not
    write (the total may span lines: it is the same text as the divisor's)."""
    return _ABSENT_AS_ZERO.sub(lambda m: f"\n{m.group(2)}({m.group(1)})", expr)


#: Our other deliberate difference: a ratio or latency SLI records its error
#: events and all events over the shortest window (two rules Sloth does not
#: write), and the period's error ratio is their sums' ratio, events over
#: events, where Sloth averages the 5m ratio over time (sum_over_time /
#: count_over_time), weighing a quiet window like a busy one
#: (test_slo_promtool.test_the_period_budget_counts_events_not_windows).
#: The two rules are dropped from ours, and the period rule's expression is
#: not compared when ours counts events; its name and labels still are.
EVENT_RULES = re.compile(r"^slo:sli_(error|total)_events:rate\w+$")


def _events_period(rule: Mapping[str, Any]) -> bool:
    return "slo:sli_error_events:rate" in str(rule.get("expr", ""))


def _labels(rule: Mapping[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in (rule.get("labels") or {}).items() if k not in TOOL_LABELS}


def compare(theirs: Mapping[str, Any], ours: list[dict[str, Any]]) -> tuple[list[str], int]:
    """Differences between Sloth's rule file and our rendered groups, and the
    number of rules compared."""
    problems: list[str] = []
    compared = 0
    ours_by_name = {g["name"]: g for g in ours}
    expected_names = [re.sub(r"^sloth-slo-", "slo-", g["name"]) for g in theirs["groups"]]
    if sorted(expected_names) != sorted(ours_by_name):
        problems.append(f"groups differ: sloth {sorted(expected_names)} ours {sorted(ours_by_name)}")
    for group, name in zip(theirs["groups"], expected_names, strict=True):
        mine = ours_by_name.get(name)
        if mine is None:
            continue
        mine = {**mine, "rules": [r for r in mine["rules"] if not EVENT_RULES.match(str(r.get("record", "")))]}
        if group.get("interval") != mine.get("interval"):
            problems.append(f"{name}: interval {group.get('interval')!r} != {mine.get('interval')!r}")
        if len(group["rules"]) != len(mine["rules"]):
            problems.append(f"{name}: {len(group['rules'])} rules in Sloth's, {len(mine['rules'])} in ours")
            continue
        for i, (a, b) in enumerate(zip(group["rules"], mine["rules"], strict=True)):
            where = f"{name}[{i}]"
            compared += 1
            key = "record" if "record" in a else "alert"
            if a.get(key) != b.get(key):
                problems.append(f"{where}: {key} {a.get(key)!r} != {b.get(key)!r}")
            if _labels(a) != _labels(b):
                problems.append(f"{where}: labels {_labels(a)} != {_labels(b)}")
            if (a.get("annotations") or {}) != (b.get("annotations") or {}):
                problems.append(f"{where}: annotations {a.get('annotations')} != {b.get('annotations')}")
            mine_expr = without_absent_as_zero(b["expr"])
            if _events_period(b):
                continue  # deliberately not Sloth's time average (EVENT_RULES)
            if normalize_expr(a["expr"]) != normalize_expr(mine_expr):
                problems.append(f"{where}: expr\n  sloth: {normalize_expr(a['expr'])}\n  ours:  {normalize_expr(mine_expr)}")
    return problems, compared


def slos_of_source(source: str) -> list[SLO]:
    """Run an imported module's source and collect its SLOs."""
    namespace: dict[str, Any] = {}
    exec(compile(source, "<imported>", "exec"), namespace)
    return [v for v in namespace.values() if isinstance(v, SLO)]


def rendered(slos: list[SLO]) -> list[dict[str, Any]]:
    groups: list[RuleGroup] = [g for slo in slos for g in groups_of(slo)]
    return [render_group(g) for g in groups]


def test_shop_spec_matches_sloths_algorithm() -> None:
    source = sloth.import_file(FIXTURES / "shop.yml")
    ours = rendered(slos_of_source(source))
    theirs = yaml.safe_load((FIXTURES / "shop.expected.yml").read_text())
    problems, compared = compare(theirs, ours)
    assert problems == []
    assert compared == 2 * 15 + 2 + 1  # 15 recording rules per SLO, 2 + 1 alerts


def test_compare_catches_a_wrong_factor() -> None:
    # The comparison is not vacuous: a page factor of 14 instead of 14.4 is found.
    ours = rendered(slos_of_source(sloth.import_file(FIXTURES / "shop.yml")))
    theirs = yaml.safe_load((FIXTURES / "shop.expected.yml").read_text())
    alert_group = next(g for g in ours if g["name"].startswith("slo-alerts-"))
    alert_group["rules"][0]["expr"] = alert_group["rules"][0]["expr"].replace("14.4 *", "14 *")
    problems, _ = compare(theirs, ours)
    assert len(problems) == 1 and "expr" in problems[0]


def test_our_alerts_have_no_for_clause_like_sloths() -> None:
    slos = slos_of_source(sloth.import_file(FIXTURES / "shop.yml"))
    alerts = [r for slo in slos for g in groups_of(slo) for r in g.rules if isinstance(r, AlertRule)]
    assert len(alerts) == 3 and all(a.for_ is None for a in alerts)


def _git_show(path: str) -> str:
    return subprocess.run(
        ["git", "-C", str(SLOTH_MIRROR), "show", f"HEAD:{path}"], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.parametrize("example", SLOTH_EXAMPLES)
def test_sloth_examples_match_sloths_generated_output(example: str) -> None:
    if not (SLOTH_MIRROR / "HEAD").exists() and not (SLOTH_MIRROR / ".git").exists():
        pytest.skip(f"no slok/sloth checkout at {SLOTH_MIRROR} (set OAC_SLOTH_MIRROR): Sloth's own output is not available")
    spec = _git_show(f"examples/{example}")
    # A multi-document spec gives one rule file per document: compare them all.
    documents = [d for d in yaml.safe_load_all(_git_show(f"examples/_gen/{example}")) if d]
    # The Kubernetes examples produce PrometheusRule resources: the groups are under spec.
    theirs = {"groups": [g for d in documents for g in (d["spec"] if d.get("kind") == "PrometheusRule" else d)["groups"]]}
    if example.startswith("openslo-"):
        source = openslo.import_text(spec, example, alerts=False)  # Sloth generates no alerts for OpenSLO
    else:
        source = sloth.import_text(spec, example)
    problems, compared = compare(theirs, rendered(slos_of_source(source)))
    assert problems == []
    assert compared >= 15


def test_sloth_rule_intervals_plugin_matches_sloths_output() -> None:
    # contrib-slo-plugins.yml: its second SLO uses the rule_intervals plugin
    # (imported as RuleIntervals); its first uses info_labels, which runs Go
    # code and is refused, so only the second is compared.
    if not (SLOTH_MIRROR / "HEAD").exists() and not (SLOTH_MIRROR / ".git").exists():
        pytest.skip(f"no slok/sloth checkout at {SLOTH_MIRROR} (set OAC_SLOTH_MIRROR): Sloth's own output is not available")
    spec = yaml.safe_load(_git_show("examples/contrib-slo-plugins.yml"))
    with pytest.raises(SpecError, match="info_labels"):
        sloth.import_text(yaml.safe_dump(spec), "contrib-slo-plugins.yml")
    spec["slos"] = [s for s in spec["slos"] if s["name"].endswith("rule-intervals-v1")]
    source = sloth.import_text(yaml.safe_dump(spec), "contrib-slo-plugins.yml")
    assert 'intervals=RuleIntervals(default="5m")' in source
    generated = yaml.safe_load(_git_show("examples/_gen/contrib-slo-plugins.yml"))
    theirs = {"groups": [g for g in generated["groups"] if g["name"].endswith("rule-intervals-v1")]}
    problems, compared = compare(theirs, rendered(slos_of_source(source)))
    assert problems == [] and compared == 17
