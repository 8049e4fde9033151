"""Helpers shared by the cross-artifact checks (OAC5xx): the Alertmanager config,
alerts with the labels known before they fire, and metric names in PromQL.

Labels an alert gets from its expression (``service`` from ``sum by (service)``)
are not known offline, so matching is three-valued: a matcher on a label the
alert does not set statically *may* match, and checks only report what is
certain. OAC502 narrows this with the catalog: a label no series of the
expression can carry is absent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from obs_as_code.lint.engine import LintContext
from obs_as_code.lint.types import STRINGS
from obs_as_code.model.alertmanager import (
    AlertmanagerConfig,
    Matcher,
    MatcherError,
    Route,
    matchers_of,
)
from obs_as_code.model.rules import AlertRule, RuleGroup

YES, MAYBE, NO = 2, 1, 0


def am_config(ctx: LintContext) -> AlertmanagerConfig | None:
    """The project's (first) Alertmanager configuration."""
    configs = ctx.project.all(AlertmanagerConfig)
    return configs[0] if configs else None


@dataclass(frozen=True)
class StaticAlert:
    """An alerting rule with the labels it is certain to carry."""

    group: RuleGroup
    rule: AlertRule
    labels: Mapping[str, str]


def static_labels(group: RuleGroup, rule: AlertRule) -> dict[str, str]:
    """The labels an alert is certain to carry: its group's, its own, ``alertname``."""
    return {**group.labels, **rule.labels, "alertname": rule.name}


def static_alerts(ctx: LintContext) -> list[StaticAlert]:
    """Every alert with its group labels, rule labels and ``alertname``."""
    return [StaticAlert(group, rule, static_labels(group, rule)) for group, rule in ctx.rules() if isinstance(rule, AlertRule)]


def parse_matchers(items: Any) -> list[Matcher] | None:
    """Matchers, or None when one does not parse (check OAC508 reports it)."""
    try:
        return matchers_of(items)
    except (MatcherError, TypeError, re.error):
        return None


def may_match(matchers: list[Matcher], labels: Mapping[str, str]) -> int:
    """YES, MAYBE or NO: whether an alert whose certain labels are ``labels`` (others
    unknown) is matched by all ``matchers``."""
    result = YES
    for m in matchers:
        if m.name in labels:
            try:
                ok = m.matches(labels)
            except re.error:
                return MAYBE
            if not ok:
                return NO
        else:
            result = MAYBE
    return result


def possible_receivers(route: Route, labels: Mapping[str, str], inherited: str | None = None, *, root: bool = True) -> tuple[set[str], int]:
    """Receivers an alert may reach, and whether ``route`` matches it (YES/MAYBE/NO)."""
    if root:
        state = YES
    else:
        matchers = parse_matchers(route.matchers)
        state = MAYBE if matchers is None else may_match(matchers, labels)
    if state == NO:
        return set(), NO
    receiver = route.receiver_name or inherited
    found: set[str] = set()
    certain = False
    for child in route.routes:
        names, child_state = possible_receivers(child, labels, receiver, root=False)
        found |= names
        if child_state == YES and not child.continue_:
            certain = True
            break
    if not certain and receiver:
        # No child is sure to take the alert: this node may deliver it itself.
        found.add(receiver)
    return found, state


def selectors(ast: Any) -> Iterator[tuple[str, dict[str, str]]]:
    """``(metric name, equality matchers)`` of every vector selector in a parsed expression."""
    import promql_parser

    found: list[tuple[str, dict[str, str]]] = []

    def visit(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            eq = {
                m.name: m.value
                for m in node.matchers.matchers
                if m.op == promql_parser.MatchOp.Equal
            }
            name = node.name or eq.get("__name__")
            if name:
                found.append((name, eq))

    promql_parser.walk(ast, visit)
    yield from found


_BRACKETS = re.compile(r"\[[^\]]*\]")
_GRAFANA_VARS = re.compile(r"\$\{[^}]*\}")
_RECORDED = re.compile(r"(?<![A-Za-z0-9_:])([A-Za-z_][A-Za-z0-9_]*:[A-Za-z0-9_:]*[A-Za-z0-9_])")


_NONE: frozenset[str] = frozenset()


@lru_cache(maxsize=1 << 16)  # per-module checks ask about the same rules again and again
def recorded_names(expr: str) -> frozenset[str]:
    """Names with a colon in a PromQL expression: by convention, recording rules.

    Works on text so that dashboard queries with Grafana variables, which do not
    parse as PromQL, are covered too: strings, ranges and ``${var:format}`` are
    removed first, since only metric names can hold a colon elsewhere.
    """
    if ":" not in expr:
        return _NONE
    text = _GRAFANA_VARS.sub("", expr)
    text = STRINGS.sub('""', text)
    text = _BRACKETS.sub("[]", text)
    return frozenset(_RECORDED.findall(text))
