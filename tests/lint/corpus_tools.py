"""Build a metrics catalog from the rule files and dashboards of a corpus.

A catalog "built from their metrics": every metric the corpus reads, typed by
naming conventions unless ``types`` says otherwise (exporters expose some
counters without ``_total``, and some gauges end in ``_count``), with the labels
the corpus itself uses (matchers, by/on lists, ``$labels`` in annotations).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, cast

import promql_parser as pp

from obs_as_code.lint.engine import dashboard_queries, grafana_expr, parse_tree
from obs_as_code.lint.files import load_paths
from obs_as_code.lint.rules.oac302_panel_query_syntax import variable_promql
from obs_as_code.lint.types import selector_matchers, selector_name, walk
from obs_as_code.model.catalog import Metric, MetricsCatalog, MetricType
from obs_as_code.model.rules import AlertRule, RecordingRule

_LABELS_IN_TEXT = re.compile(r"\$labels\.([A-Za-z_][A-Za-z0-9_]*)|\.Labels\.([A-Za-z_][A-Za-z0-9_]*)")


def corpus_catalog(paths: Iterable[Path], types: Mapping[str, str] | None = None, default: str = "unknown") -> MetricsCatalog:
    """The catalog of every metric the rules and dashboards under ``paths`` read.

    Names without a type suffix get ``default``: "unknown" unless the caller knows
    the exporters (SNMP and mysqld counters have no ``_total``)."""
    groups, _sites, dashboards, _diags = load_paths(list(paths), Path("/"))
    exprs: list[str] = []
    recorded: set[str] = set()
    used_labels: set[str] = set()
    for g in groups:
        for r in g.rules:
            exprs.append(r.expr)
            if isinstance(r, RecordingRule):
                recorded.add(r.name)
            if isinstance(r, AlertRule):
                for text in r.annotations.values():
                    for a, b in _LABELS_IN_TEXT.findall(str(text)):
                        used_labels.add(a or b)
    for d in dashboards:
        exprs.extend(grafana_expr(q.expr) for q in dashboard_queries(d))
        # The PromQL of its query variables too (label_values' selector ...): they
        # read the corpus' metrics as its panels do (OAC221 checks them).
        templating = d.data.get("templating") if isinstance(d.data, dict) else None
        for var in (templating or {}).get("list") or []:
            if isinstance(var, dict) and var.get("type") == "query":
                promql = variable_promql(var.get("query"))
                if promql is not None:
                    exprs.append(grafana_expr(promql))
    names: dict[str, set[str]] = {}
    for expr in exprs:
        ast, problem = parse_tree(expr)
        if problem is not None:
            continue
        for node in walk(ast):
            if isinstance(node, pp.VectorSelector):
                name = selector_name(node)
                if name is not None and name not in recorded:
                    names.setdefault(name, set()).update(label for label, _op, _v in selector_matchers(node))
            mod: Any = getattr(node, "modifier", None)
            if isinstance(node, pp.AggregateExpr) and mod is not None:
                used_labels.update(str(x) for x in mod.labels)
            if isinstance(node, pp.BinaryExpr) and mod is not None:
                if mod.matching is not None:
                    used_labels.update(str(x) for x in mod.matching.labels)
                used_labels.update(str(x) for x in (getattr(mod, "group_labels", None) or []))
    families: dict[str, tuple[str, set[str]]] = {}
    types = dict(types or {})
    for name, labels in sorted(names.items()):
        labels = labels | used_labels
        kind = types.get(name)
        family = name
        if kind is None:
            if name.endswith("_bucket"):
                kind, family = "histogram", name[: -len("_bucket")]
            elif name.endswith(("_sum", "_count")) and name.rsplit("_", 1)[0] + "_bucket" in names:
                kind, family = "histogram", name.rsplit("_", 1)[0]
            elif name.endswith(("_total", "_count", "_sum")):
                kind = "counter"
            elif name.endswith("_info"):
                kind = "info"
            else:
                kind = default
        labels.discard("le")
        old = families.get(family)
        families[family] = (kind, labels | (old[1] if old else set()))
    return MetricsCatalog(
        [Metric(f, cast(MetricType, k), sorted(labels)) for f, (k, labels) in sorted(families.items())],
        name="corpus",
    )
