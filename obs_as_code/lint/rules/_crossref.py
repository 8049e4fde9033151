"""Helpers shared by the cross-artifact checks (OAC5xx): the Alertmanager config,
alerts with the labels known before they fire, and metric names in PromQL.

Labels an alert gets from its expression (``service`` from ``sum by (service)``)
are not known offline, so matching is three-valued: a matcher on a label the
alert does not set statically *may* match, and checks only report what is
certain. OAC502 narrows this with the catalog: a label no series of the
expression can carry is absent. :func:`certain_alerts` adds the label values
the expression is certain to give (its selectors' equality matchers, the static
labels of the recording rules it reads, as far as they survive the expression).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from obs_as_code.lint.engine import LintContext
from obs_as_code.lint.rules._promql import parsed
from obs_as_code.lint.types import (
    STRINGS,
    certain_values,
    equality_matchers,
    nodes,
    selector_name,
)
from obs_as_code.model.alertmanager import (
    AlertmanagerConfig,
    Matcher,
    MatcherError,
    Route,
    matchers_of,
)
from obs_as_code.model.prometheus import PrometheusConfig, ScrapeJob
from obs_as_code.model.rules import AlertRule, RecordingRule, RuleGroup

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
    #: Labels its expression is certain to give it (:func:`certain_alerts`).
    values: Mapping[str, str] = field(default_factory=dict)

    @property
    def matching(self) -> dict[str, str]:
        """Every label it is certain to carry: its expression's, then its static
        ones (a rule's labels override its series')."""
        return {**self.values, **self.labels}


def static_labels(group: RuleGroup, rule: AlertRule) -> dict[str, str]:
    """The labels an alert is certain to carry: its group's, its own, ``alertname``."""
    return {**group.labels, **rule.labels, "alertname": rule.name}


def static_alerts(ctx: LintContext) -> list[StaticAlert]:
    """Every alert with its group labels, rule labels and ``alertname``."""
    return [StaticAlert(group, rule, static_labels(group, rule)) for group, rule in ctx.rules() if isinstance(rule, AlertRule)]


def certain_alerts(ctx: LintContext, wanted: Collection[str], *, cross_module: bool) -> list[StaticAlert]:
    """:func:`static_alerts` with the labels their expressions are certain to give
    them (:class:`_ExpressionValues`), for the alerts whose static labels lack one
    of ``wanted`` (the labels routes match on: others' static labels decide).
    ``cross_module``: from recording rules of any module; else only from those of
    the alert's own module, when no other module records the name (what an
    incremental build's per-module run of OAC502 sees)."""
    values = _ExpressionValues(ctx, cross_module)
    out: list[StaticAlert] = []
    for group, rule in ctx.rules():
        if isinstance(rule, AlertRule):
            labels = static_labels(group, rule)
            missing = frozenset(name for name in wanted if name not in labels)
            if missing:
                out.append(StaticAlert(group, rule, labels, values.of_alert(group, rule, missing)))
            else:
                out.append(StaticAlert(group, rule, labels))  # its own labels decide
    return out


class _ExpressionValues:
    """The label values the series of an expression are certain to carry.

    A selector's equality matchers give theirs. A selector of a name the
    project's recording rules record (and no catalog lists: such a series may be
    scraped too) also gets what every rule that may produce its series agrees
    on: the rule's static labels (group's, then rule's) over its own
    expression's certain values. A rule is ruled out by a matcher of the
    selector its labels contradict (``sloth_id="x"`` against the rule's
    ``sloth_id="y"``), or by a matcher with a value on a label the rule neither
    sets nor can get from its expression (known only when every series its
    expression reads is the catalog's); otherwise it may produce the series.
    """

    def __init__(self, ctx: LintContext, cross_module: bool) -> None:
        self.ctx = ctx
        self.cross_module = cross_module
        self.index = ctx.index
        self.recorded = ctx.recorded()
        self.modules = ctx.recorded_modules
        #: (id(rule), the labels asked for) -> its labels (:meth:`of_rule`).
        self.rule_values: dict[tuple[int, frozenset[str]], dict[str, str]] = {}
        #: recorded name -> label -> static value -> the positions of the rules setting it.
        self.by_value: dict[str, dict[str, dict[str, list[int]]]] = {}
        self.module_sets: dict[str, frozenset[str]] = {}
        #: (recorded name, label) -> how many of its rules set the label.
        self.setting: dict[tuple[str, str], int] = {}
        self.open: set[int] = set()
        #: Cycles met (recording rules reading each other): what was computed
        #: while one was met depends on where it was entered, and is not kept.
        self.cycles = 0

    def of_alert(self, group: RuleGroup, rule: AlertRule, needed: frozenset[str]) -> dict[str, str]:
        """:meth:`expression` of an alert's expression; nothing for one too deep
        to follow through its chains of recording rules."""
        try:
            return self.expression(rule.expr, group.module, needed)
        except RecursionError:
            return {}

    def expression(self, expr: str, module: str, needed: frozenset[str]) -> dict[str, str]:
        """The labels ``expr``'s series are certain to carry: surely those of
        ``needed`` that can be known, maybe others."""
        if not any(label in expr for label in needed):
            # A value comes from a matcher on the label or from a recording rule:
            # without either, nothing to parse the exact text for.
            tree, problem = self.ctx.tree(expr)
            if problem is not None or not any((selector_name(n) or "") in self.recorded for n in nodes(tree, "VectorSelector")):
                return {}
        raw, problem = self.ctx.parse(expr)
        if problem is not None or raw is None:
            return {}
        # promql-parser's own nodes: each is read once here, wrapping them cost more.
        return certain_values(raw, lambda vs: self.selector(vs, module, needed))

    def selector(self, vs: Any, module: str, needed: frozenset[str]) -> dict[str, str]:
        exact = equality_matchers(vs)
        given = {k: v for k, v in exact.items() if v}
        name = selector_name(vs)
        if name is None or name not in self.recorded or (self.index is not None and self.index.info(name) is not None):
            return given
        rules = self.recorded[name]
        if not self.cross_module and self.recorded_in(name, rules) != frozenset({module}):
            return given
        common: dict[str, str] | None = None
        # What tells the rules apart, and what is asked for.
        needed = needed | frozenset(exact)
        for group, rule in self.candidates(name, rules, given):
            if id(rule) in self.open:
                self.cycles += 1
                return given
            own = self.of_rule(group, rule, needed)
            if self.excluded(group, rule, own, exact):
                continue
            common = own if common is None else {k: v for k, v in common.items() if own.get(k) == v}
        return {**(common or {}), **given}

    def recorded_in(self, name: str, rules: list[tuple[RuleGroup, RecordingRule]]) -> frozenset[str]:
        """The modules recording ``name``: those of its rules here, and those
        ``LintContext.recorded_modules`` names."""
        found = self.module_sets.get(name)
        if found is None:
            found = frozenset(group.module for group, _ in rules)
            if self.modules is not None:
                found |= self.modules.get(name, frozenset())
            self.module_sets[name] = found
        return found

    def candidates(
        self, name: str, rules: list[tuple[RuleGroup, RecordingRule]], given: Mapping[str, str]
    ) -> list[tuple[RuleGroup, RecordingRule]]:
        """The rules recording ``name`` whose static labels do not contradict the
        matchers ``given`` (many SLOs record the same names, told apart by a label):
        through an index of the rules by the static value of each label."""
        if not given or len(rules) < 8:
            return rules
        index = self.by_value.get(name)
        if index is None:
            index = self.by_value[name] = {}
            for i, (group, rule) in enumerate(rules):
                for label, value in {**group.labels, **rule.labels}.items():
                    index.setdefault(label, {}).setdefault(value, []).append(i)
        best: list[int] | None = None
        for label, value in given.items():
            by_label = index.get(label)
            if by_label is None:
                continue
            # The rules setting it to this value and those not setting it.
            setting = self.setting.get((name, label))
            if setting is None:
                setting = self.setting[(name, label)] = sum(len(found) for found in by_label.values())
            if setting == len(rules):
                kept = by_label.get(value, [])
            else:
                others = {i for v, found in by_label.items() if v != value for i in found}
                kept = [i for i in range(len(rules)) if i not in others]
            if best is None or len(kept) < len(best):
                best = kept
        return rules if best is None else [rules[i] for i in sorted(best)]

    def of_rule(self, group: RuleGroup, rule: RecordingRule, needed: frozenset[str]) -> dict[str, str]:
        """The labels the series a recording rule records are certain to carry:
        its static ones, and (when one of ``needed`` is not among them) those its
        expression gives."""
        static = {**group.labels, **rule.labels}
        missing = frozenset(label for label in needed if label not in static)
        if not missing:
            return static  # its expression cannot change what is asked
        key = (id(rule), missing)
        found = self.rule_values.get(key)
        if found is None:
            cycles = self.cycles
            self.open.add(id(rule))
            try:
                found = {**self.expression(rule.expr, group.module, missing), **static}
            finally:
                self.open.discard(id(rule))
            if self.cycles == cycles:
                self.rule_values[key] = found
        return found

    def excluded(self, group: RuleGroup, rule: RecordingRule, own: Mapping[str, str], exact: Mapping[str, str]) -> bool:
        """Whether a selector with the equality matchers ``exact`` selects none of
        the series ``rule`` records, which are certain to carry ``own``."""
        possible: frozenset[str] | None = None
        asked = False
        for label, value in exact.items():
            if label in own:
                if own[label] != value:
                    return True
            elif value:
                if not asked:
                    possible, asked = self.possible_labels(rule), True
                if possible is not None and label not in possible:
                    return True
        return False

    def possible_labels(self, rule: RecordingRule) -> frozenset[str] | None:
        """The labels the series of a rule's expression may carry, when every series
        it reads is the catalog's (else None: any)."""
        index = self.index
        if index is None:
            return None
        tree, problem = self.ctx.tree(rule.expr)
        if problem is not None or any(index.info(selector_name(n) or "") is None for n in nodes(tree, "VectorSelector")):
            return None
        return self.ctx.type_of(tree).labels


def expression_labels(ctx: LintContext) -> dict[int, frozenset[str]]:
    """id(rule) -> the labels its expression's series can carry, for the alerts whose
    label sets the catalog tells (else unknown: every label may come from it)."""
    out: dict[int, frozenset[str]] = {}
    index = ctx.index
    if index is None:
        return out
    for q, root in parsed(ctx, ("alert",)):
        # Only over the catalog's metrics: what a recorded series carries depends
        # on another module's rules, which the incremental build does not give
        # this check (STAGE_INPUTS), and ALERTS carries whatever the alerts do.
        if q.rule is None or any(index.info(selector_name(n) or "") is None for n in nodes(root, "VectorSelector")):
            continue
        labels = ctx.type_of(root).labels
        if labels is not None:
            out[id(q.rule)] = labels
    return out


def matched_as(
    alert: StaticAlert,
    names: Collection[str],
    known: frozenset[str] | None,
    external: Collection[str],
    absent: Collection[str] = (),
) -> dict[str, str]:
    """The labels ``alert`` is matched with (:attr:`StaticAlert.matching`), with ""
    (a missing label, as a matcher reads it) for each of ``absent`` and, when the
    labels its expression can carry are ``known`` (:func:`expression_labels`), for
    each of ``names`` it can carry neither from there nor from ``external`` labels."""
    missing = set(absent)
    if known is not None:
        missing |= set(names) - known - set(external)
    return {**dict.fromkeys(missing, ""), **alert.matching}


def external_label_names(ctx: LintContext) -> set[str]:
    """The labels Prometheus' ``external_labels`` give every alert it sends."""
    return {k for c in ctx.project.all(PrometheusConfig) for k in c.external_labels}


def alert_relabelling(ctx: LintContext) -> bool:
    """Whether Prometheus relabels alerts before it sends them
    (``alerting.alert_relabel_configs``, or an Alertmanager target's, given with
    ``extra=``): their labels at Alertmanager are then not those their rules give
    (a ``replace`` may set severity, a ``labeldrop`` remove team), and the checks
    matching alerts against routes (OAC502, OAC504, OAC510) judge nothing."""
    for config in ctx.project.all(PrometheusConfig):
        if any(target.extra.get("alert_relabel_configs") for target in config.alertmanagers):
            return True
        alerting = config.extra.get("alerting")
        if isinstance(alerting, Mapping):
            if alerting.get("alert_relabel_configs"):
                return True
            targets = alerting.get("alertmanagers")
            if isinstance(targets, list) and any(isinstance(t, Mapping) and t.get("alert_relabel_configs") for t in targets):
                return True
    return False


#: Labels Prometheus itself gives series and alerts.
_BUILTIN = frozenset({"__name__", "job", "instance", "alertname", "alertstate", "le", "quantile"})
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"|\'((?:[^\'\\]|\\.)*)\'')


def label_universe(ctx: LintContext) -> frozenset[str] | None:
    """Every label name an alert of the project can carry, or None when that cannot
    be known offline (a metric no catalog lists, a catalog with open label sets,
    a ``labelmap`` relabelling, an expression that does not parse)."""
    index = ctx.index
    if index is None or index.open_labels:
        return None
    names: set[str] = set(_BUILTIN)
    for metric in index.metrics.values():
        names.update(metric.labels)
    names.update(external_label_names(ctx))
    for job in ctx.project.all(ScrapeJob):
        names.update(job.labels)
        for relabel in (*job.relabel_configs, *job.metric_relabel_configs):
            target = relabel.target_label or ""
            if relabel.action == "labelmap" or "$" in target:
                return None  # label names made from the target's
            if target:
                names.add(target)
    rules = list(ctx.rules())
    recorded = {rule.name for _, rule in rules if isinstance(rule, RecordingRule)}
    for group, rule in rules:
        names.update(group.labels)
        names.update(rule.labels)
        if "label_replace" in rule.expr or "label_join" in rule.expr:
            # Any string of the expression may be the label it writes.
            names.update(a or b for a, b in _STRING.findall(rule.expr))
    seen = 0
    for _q, root in parsed(ctx, ("alert", "record")):
        seen += 1
        for node in nodes(root, "VectorSelector"):
            name = selector_name(node)
            if name is None or (name not in recorded and index.info(name) is None):
                return None  # a series the project does not describe: any label
    if seen != len(rules):
        return None  # an expression that does not parse (OAC108 reports it)
    return frozenset(names)


class AlertView:
    """The project's alerts as a set of matchers (a route's, an inhibit rule's
    side) sees them offline: their static labels, the values their expressions
    are certain to give (as :func:`certain_alerts` gives them, from recording
    rules of any module), and as absent (read as "") each label an alert can
    carry neither from its expression (:func:`expression_labels`) nor from
    ``external_labels``, and each label no alert of the project can carry
    (:func:`label_universe`, when that is known).

    The values are looked up only for a side that no alert's static labels
    match for sure, and only for the alerts they leave undecided: values add
    labels an alert does not set itself, so they turn "may match" into "matches"
    or "does not", never a sure verdict into another (the lookup through the
    recording rules is what costs: 1 s for 3,400 alerts asked about ``owner``)."""

    def __init__(self, ctx: LintContext, universe: frozenset[str] | None) -> None:
        """``universe``: :func:`label_universe` (taken first: a check may stop without it)."""
        self.universe = universe
        self.alerts = static_alerts(ctx)
        self.carried = expression_labels(ctx)
        self.external = external_label_names(ctx)
        self._ctx = ctx
        self._values: _ExpressionValues | None = None
        #: (id(rule), labels asked for) -> the values found.
        self._found: dict[tuple[int, frozenset[str]], dict[str, str]] = {}

    def nowhere(self, names: Collection[str]) -> set[str]:
        """Those of ``names`` no alert of the project can carry."""
        return set() if self.universe is None else set(names) - self.universe

    def _with_values(self, alert: StaticAlert, names: frozenset[str]) -> StaticAlert:
        missing = frozenset(n for n in names if n not in alert.labels)
        key = (id(alert.rule), missing)
        found = self._found.get(key)
        if found is None:
            if self._values is None:
                self._values = _ExpressionValues(self._ctx, True)
            found = self._found[key] = self._values.of_alert(alert.group, alert.rule, missing)
        return StaticAlert(alert.group, alert.rule, alert.labels, found)

    def none_match(self, matchers: list[Matcher]) -> bool:
        """Whether ``matchers`` (all of them) are certain to match none of the alerts."""
        names = frozenset(m.name for m in matchers)
        absent = self.nowhere(names)
        undecided: list[StaticAlert] = []
        for alert in self.alerts:
            verdict = may_match(matchers, matched_as(alert, names, self.carried.get(id(alert.rule)), self.external, absent))
            if verdict == YES:
                return False
            if verdict == MAYBE:
                undecided.append(alert)
        return all(
            may_match(matchers, matched_as(self._with_values(alert, names), names, self.carried.get(id(alert.rule)),
                                           self.external, absent)) == NO
            for alert in undecided
        )


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
