"""SLO -> rule groups (and a dashboard): the generate stage.

For each :class:`~obs_as_code.slo.model.SLO` the generator adds three rule groups
to the project, with the rule and label names Sloth uses, so dashboards and
alert routes written for Sloth work on this output:

- ``slo-sli-recordings-<id>``: ``slo:sli_error:ratio_rate<w>`` for every window
  of the period's windows table (5m 30m 1h 2h 6h 1d 3d for the Google tables),
  and the whole period computed from series recorded over the shortest window,
  never from a ``rate()`` over a month of raw samples: error events over all
  events (``slo:sli_error_events:rate5m`` and ``slo:sli_total_events:rate5m``,
  ours) for a ratio or latency SLI, the 5m ratio's average (Sloth's
  ``sum_over_time`` / ``count_over_time``) for a raw one;
- ``slo-meta-recordings-<id>``: objective, error budget, period in days, current
  and period burn rate, remaining error budget and ``sloth_slo_info``;
- ``slo-alerts-<id>``: the multiwindow multi-burn-rate page and ticket alerts.

Every factor comes from the windows table (:mod:`obs_as_code.slo.windows`).
Generated definitions carry the SLO's module and location, so a finding in a
generated rule points at the SLO (or its SLI) in the user's file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from obs_as_code import names
from obs_as_code.diagnostics import Diagnostic, error, warning
from obs_as_code.durations import DurationError, format_ms, parse_ms
from obs_as_code.lint.promql_errors import said
from obs_as_code.lint.rules.oac104_label_name import annotation_problems as annotation_name_problems
from obs_as_code.lint.rules.oac104_label_name import label_problems as label_name_problems
from obs_as_code.lint.rules.oac213_alert_severity import SEVERITIES
from obs_as_code.load import Project
from obs_as_code.model.base import Definition
from obs_as_code.model.rules import AlertRule, RecordingRule, Rule, RuleGroup
from obs_as_code.redact import redact_line
from obs_as_code.slo import windows as windows_table
from obs_as_code.slo.model import (
    SLO,
    SLOTH_WINDOW_RE,
    AlertOptions,
    LatencySLI,
    RatioSLI,
    RawSLI,
    has_window,
    is_selector,
    objective_usable,
    render_window,
)
from obs_as_code.slo.queries import PROBE_WINDOW, parse_template
from obs_as_code.slo.windows import AlertWindow, AlertWindows, WindowsError
from obs_as_code.source import SourceLocation, keyword_location

# Metric and label names shared with Sloth (its pkg/common/conventions).
SLI_ERROR = "slo:sli_error:ratio_rate"
#: Ours, not Sloth's: error events and all events per second over the shortest
#: window, which the period's error ratio sums (events, not windows).
ERROR_EVENTS = "slo:sli_error_events:rate"
TOTAL_EVENTS = "slo:sli_total_events:rate"
OBJECTIVE = "slo:objective:ratio"
ERROR_BUDGET = "slo:error_budget:ratio"
PERIOD_DAYS = "slo:time_period:days"
CURRENT_BURN = "slo:current_burn_rate:ratio"
PERIOD_BURN = "slo:period_burn_rate:ratio"
BUDGET_REMAINING = "slo:period_error_budget_remaining:ratio"
INFO = "sloth_slo_info"
L_ID, L_SLO, L_SERVICE, L_WINDOW, L_SEVERITY = "sloth_id", "sloth_slo", "sloth_service", "sloth_window", "sloth_severity"
#: Written into ``sloth_slo_info`` so tooling can tell our output from Sloth's.
SPEC = "obs-as-code/slo/v1"
MODE = "obs-as-code"
VERSION = "v1"

DAY_MS = 24 * 3600 * 1000


def num(value: float) -> str:
    """A float as PromQL text, without binary noise (``0.001``, not ``0.0009999999999999432``)."""
    return f"{value:.12g}"


def sli_metric(window: str) -> str:
    """``slo:sli_error:ratio_rate5m``."""
    return f"{SLI_ERROR}{window}"


def id_labels(slo: SLO) -> dict[str, str]:
    """The labels identifying an SLO's series (``sloth_id``, ``sloth_slo``, ``sloth_service``)."""
    return {L_ID: slo.id, L_SERVICE: slo.service, L_SLO: slo.name}


def prom_filter(labels: Mapping[str, str]) -> str:
    """``{a="1", b="2"}``: sorted, quoted as Prometheus prints a label set."""
    def quote(v: str) -> str:
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

    return "{" + ", ".join(f"{k}={quote(labels[k])}" for k in sorted(labels)) + "}"


def _labels(slo: SLO, **extra: str) -> dict[str, str]:
    # The SLO's own labels may not override the identifying ones.
    return {**slo.labels, **id_labels(slo), **extra}


def error_budget_ratio(slo: SLO) -> float:
    """The error budget as a ratio (``0.001`` for 99.9)."""
    return (100.0 - slo.objective) / 100.0


def resolve_windows(slo: SLO, root: Path | None) -> AlertWindows | Diagnostic:
    """The windows table of an SLO, or the OAC405 diagnostic saying why there is none."""
    if slo.windows is not None:
        path = Path(slo.windows)
        if not path.is_absolute() and root is not None:
            path = root / path
        try:
            table = AlertWindows.load(path)
        except (OSError, WindowsError) as exc:
            return error(keyword_location(slo.location, "windows"), "OAC405", f"SLO {slo.id!r}: cannot use windows table: {exc}")
        return table
    found = windows_table.for_period(slo.period)
    if found is None:
        return error(
            keyword_location(slo.location, "period"),
            "OAC405",
            f"SLO {slo.id!r}: no burn-rate windows table for period {slo.period!r}",
            hint=f"use one of {', '.join(windows_table.supported_periods())}, or give windows= a table file",
        )
    return found


#: Sloth's rule for SLO and service names: they become label values, rule group
#: names and dashboard UIDs.
NAME_RE = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")


def name_problem(slo: SLO) -> Diagnostic | None:
    """OAC405 when the service or SLO name is not a safe name."""
    for kw in ("service", "name"):
        value = getattr(slo, kw)
        if not isinstance(value, str) or not NAME_RE.match(value):
            return error(
                keyword_location(slo.location, kw),
                "OAC405",
                f"SLO {kw} {value!r} is not a valid name",
                hint="use letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
            )
    return None


#: Labels the generator sets on every series (and ``sloth_severity`` on the
#: alerts): a user's value would break the series' own filters (Sloth lets the
#: SLO's labels win, and its burn-rate and alert queries then match nothing).
RESERVED_LABELS = frozenset({L_ID, L_SLO, L_SERVICE, L_WINDOW, L_SEVERITY})


def label_problems(slo: SLO) -> list[Diagnostic]:
    """OAC104 for a bad label or annotation name of the SLO or its alerts (the
    same diagnostics the lint check gives for these definitions, so they merge,
    instead of one more for every generated rule carrying the name), and OAC405
    for a label the generator sets itself."""
    alerting = slo.alerting
    owners: list[tuple[Definition, str, Mapping[str, str]]] = [(slo, "SLO", slo.labels)]
    owners += [(o, "alert", o.labels) for o in (alerting, alerting.page, alerting.ticket)]
    found = [d for owner, _, labels in owners for d in label_name_problems(owner.location, "labels", labels)]
    for alert in (alerting, alerting.page, alerting.ticket):
        found += annotation_name_problems(alert.location, alert.annotations)
    for owner, what, labels in owners:
        taken = sorted(RESERVED_LABELS.intersection(labels))
        if taken:
            found.append(
                error(
                    keyword_location(owner.location, "labels"),
                    "OAC405",
                    f"SLO {slo.id!r}: {what} label {taken[0]!r} is set by the generator",
                    hint=f"{', '.join(sorted(RESERVED_LABELS))} identify the SLO's series and alerts: use another name",
                )
            )
    return found


#: A recorded series not written for this long is stale to every query.
STALENESS_MS = 5 * 60 * 1000


def interval_problem(slo: SLO) -> Diagnostic | None:
    """OAC405 when a rule interval is not a duration or longer than 5m."""
    if slo.intervals is None:
        return None
    where = slo.intervals.location
    for kw in ("default", "sli", "metadata", "alerts"):
        value = getattr(slo.intervals, kw)
        if value is None:
            continue
        try:
            ms = parse_ms(value)
        except DurationError as exc:
            return error(keyword_location(where, kw), "OAC405", f"SLO {slo.id!r}: {kw} interval: {exc}")
        if not 0 < ms <= STALENESS_MS:
            return error(
                keyword_location(where, kw),
                "OAC405",
                f"SLO {slo.id!r}: {kw} interval {value!r} is not between 0 and 5m",
                hint="series recorded less often than every 5 minutes go stale between evaluations",
            )
    return None


def sli_template(slo: SLO) -> str | Diagnostic:
    """The SLI's error-ratio template over ``{window}``, or OAC405 when unusable."""
    sli = slo.sli
    where = sli.location if isinstance(sli, Definition) else slo.location
    if isinstance(sli, RatioSLI):
        if (sli.errors is None) == (sli.good is None):
            return error(where, "OAC405", f"SLO {slo.id!r}: a RatioSLI needs exactly one of errors= and good=")
        for kw, query in (("errors", sli.errors), ("good", sli.good), ("total", sli.total)):
            if query is not None and not has_window(query) and not is_selector(query):
                return _no_window(slo, keyword_location(where, kw), kw, query)
        queries = sli.queries()
        for kw, template in queries.items():
            bad = _syntax_problem(slo, where, kw, template)
            if bad is not None:
                return bad
        part = "errors" if "errors" in queries else "good"
        if " ".join(queries[part].split()) == " ".join(queries["total"].split()):
            # Sloth refuses this too: every event would count as an error (or as good).
            always = "1: every event an error" if part == "errors" else "0: no event could ever fail"
            return error(
                keyword_location(where, part),
                "OAC405",
                f"SLO {slo.id!r}: the {part} query is the total query, so the error ratio is always {always}",
                hint=f"select only the {'failed' if part == 'errors' else 'good'} events, e.g. with a code=~\"5..\" matcher",
            )
    elif isinstance(sli, RawSLI):
        if not has_window(sli.error_ratio_query):
            return _no_window(slo, keyword_location(where, "error_ratio_query"), "error_ratio_query", sli.error_ratio_query)
        bad = _syntax_problem(slo, where, "error_ratio_query", sli.error_ratio_query)
        if bad is not None:
            return bad
    elif isinstance(sli, LatencySLI):
        # The metric alone, then with the selector: the message is about what the user wrote.
        for kw, text in (("metric", f"{sli.metric}_count"), ("selector", f"{sli.metric}_count{sli.selector_matchers()}")):
            bad = _syntax_problem(slo, where, kw, text)
            if bad is not None:
                return bad
    else:
        return error(slo.location, "OAC405", f"SLO {slo.id!r}: sli must be a RatioSLI, LatencySLI or RawSLI, not {type(sli).__name__}")
    return sli.error_ratio()


def _syntax_problem(slo: SLO, where: SourceLocation, kw: str, template: str) -> Diagnostic | None:
    """OAC405 at the ``kw`` argument when its query is not valid PromQL: once, here,
    rather than OAC108 at the SLO for each of the rules it would be copied into."""
    _ast, problem = parse_template(template)
    if problem is None:
        return None
    found = said(render_window(template, PROBE_WINDOW), problem)
    if found is not None:
        # Prometheus's words without its line:column: they count in the query
        # as checked ({window} written in, a latency SLI's selector built), not
        # in what the user wrote.
        problem = found.message
    return error(
        keyword_location(where, kw),
        "OAC405",
        f"SLO {slo.id!r}: the {kw} query is not valid PromQL: {problem}",
        hint="{window} is read as 5m to check the query" if has_window(template) else None,
    )


def _no_window(slo: SLO, where: SourceLocation, kw: str, query: str) -> Diagnostic:
    sloth = SLOTH_WINDOW_RE.search(query) is not None
    return error(
        where,
        "OAC405",
        f"SLO {slo.id!r}: the {kw} query has no {{window}} placeholder and is not a bare metric selector",
        hint="write Sloth's {{.window}} as {window}" if sloth else "write the range as [{window}], e.g. sum(rate(x_total[{window}]))",
    )


def sli_rules(slo: SLO, table: AlertWindows, template: str) -> list[RecordingRule]:
    """One error-ratio series per window, and the period's from the shortest one."""
    where = slo.sli.location if isinstance(slo.sli, Definition) else slo.location
    rules: list[RecordingRule] = []
    for ms in table.windows_ms():
        window = format_ms(ms)
        expr = render_window(template, window)
        rules.append(
            RecordingRule(
                name=sli_metric(window),
                expr=f"({expr})" if isinstance(slo.sli, RawSLI) else expr,
                labels=_labels(slo, **{L_WINDOW: window}),
                location=where,
                module=slo.module,
            )
        )
    # The period, from recorded series over the shortest window: one cheap scan
    # of a recorded series instead of a month of raw data.
    period = table.period
    flt = prom_filter(id_labels(slo))
    shortest = format_ms(table.shortest_ms)
    if isinstance(slo.sli, (RatioSLI, LatencySLI)):
        # Error events over all events of the period, as the SRE workbook
        # defines the SLI. Sloth averages the 5m ratio over time instead, which
        # weighs a quiet night's window (one failed request of two: 50%) like a
        # busy hour's: a handful of failures at night can spend the budget.
        errors, total = slo.sli.event_rates()
        for name, template in ((ERROR_EVENTS, errors), (TOTAL_EVENTS, total)):
            rules.append(
                RecordingRule(
                    name=f"{name}{shortest}",
                    expr=render_window(template, shortest),
                    labels=_labels(slo, **{L_WINDOW: shortest}),
                    location=where,
                    module=slo.module,
                )
            )
        expr = (
            f"sum_over_time({ERROR_EVENTS}{shortest}{flt}[{period}])\n/\n"
            f"(sum_over_time({TOTAL_EVENTS}{shortest}{flt}[{period}]) > 0)"
        )
    else:
        # A raw ratio has no events to count: the average of its shortest
        # window over the period (sum/count, Sloth's shape).
        base = f"{sli_metric(shortest)}{flt}[{period}]"
        expr = f"sum_over_time({base})\n/ ignoring ({L_WINDOW})\ncount_over_time({base})"
    rules.append(
        RecordingRule(
            name=sli_metric(period),
            expr=expr,
            labels=_labels(slo, **{L_WINDOW: period}),
            location=slo.location,
            module=slo.module,
        )
    )
    return rules


def meta_rules(slo: SLO, table: AlertWindows) -> list[RecordingRule]:
    """Objective, budget, period, burn rates, remaining budget and info."""
    ratio = num(slo.objective / 100.0)
    flt = prom_filter(id_labels(slo))

    def burn(window: str) -> str:
        return (
            f"{sli_metric(window)}{flt}\n"
            f"/ on({L_ID}, {L_SLO}, {L_SERVICE}) group_left\n"
            f"{ERROR_BUDGET}{flt}"
        )

    def rule(name: str, expr: str, **extra: str) -> RecordingRule:
        return RecordingRule(name=name, expr=expr, labels=_labels(slo, **extra), location=slo.location, module=slo.module)

    return [
        rule(OBJECTIVE, f"vector({ratio})"),
        rule(ERROR_BUDGET, f"vector(1-{ratio})"),
        rule(PERIOD_DAYS, f"vector({num(table.period_ms / DAY_MS)})"),
        rule(CURRENT_BURN, burn(format_ms(table.shortest_ms))),
        rule(PERIOD_BURN, burn(table.period)),
        rule(BUDGET_REMAINING, f"1 - {PERIOD_BURN}{flt}"),
        rule(
            INFO,
            "vector(1)",
            sloth_version=VERSION,
            sloth_mode=MODE,
            sloth_spec=SPEC,
            sloth_objective=f"{slo.objective:.15g}",
        ),
    ]


def mwmb_expr(slo: SLO, table: AlertWindows, quick: AlertWindow, slow: AlertWindow) -> str:
    """The multiwindow multi-burn-rate condition of one alert (two window pairs)."""
    flt = prom_filter(id_labels(slo))
    budget = num(error_budget_ratio(slo))

    def cond(window_ms: int, pair: AlertWindow) -> str:
        factor = num(pair.factor(table.period_ms))
        return f"max({sli_metric(format_ms(window_ms))}{flt} > ({factor} * {budget})) without ({L_WINDOW})"

    def block(pair: AlertWindow) -> str:
        return f"(\n    {cond(pair.short_ms, pair)}\n    and\n    {cond(pair.long_ms, pair)}\n)"

    return f"{block(quick)}\nor\n{block(slow)}"


def alert_rules(slo: SLO, table: AlertWindows) -> list[AlertRule]:
    """The page and ticket alerts (none when alerting is disabled)."""
    alerting = slo.alerting
    if alerting.disable:
        return []
    out: list[AlertRule] = []
    specs: list[tuple[str, AlertOptions, AlertWindow, AlertWindow, str | None]] = [
        ("page", alerting.page, table.page_quick, table.page_slow, alerting.page_severity),
        ("ticket", alerting.ticket, table.ticket_quick, table.ticket_slow, alerting.ticket_severity),
    ]
    for severity, options, quick, slow, house_severity in specs:
        if options.disable:
            continue
        labels = {**alerting.labels, **options.labels}
        if house_severity is not None:
            labels.setdefault("severity", house_severity)
        annotations = {
            "title": f"({severity}) {{{{$labels.{L_SERVICE}}}}} {{{{$labels.{L_SLO}}}}} SLO error budget burn rate is too fast.",
            "summary": f"{{{{$labels.{L_SERVICE}}}}} {{{{$labels.{L_SLO}}}}} SLO error budget burn rate is over expected.",
            **alerting.annotations,
            **options.annotations,
        }
        out.append(
            AlertRule(
                name=slo.alert_name(options),
                expr=mwmb_expr(slo, table, quick, slow),
                labels={**labels, L_SEVERITY: severity},
                annotations=annotations,
                location=options.location if options.labels or options.name else slo.location,
                module=slo.module,
            )
        )
    return out


def severity_problems(slo: SLO) -> list[Diagnostic]:
    """OAC213 (warning) once for each place a page or ticket alert gets a severity
    routing does not know, at that argument (``page_severity=``, or the
    ``labels=`` that sets it): the generated alerts would be routed as if they
    had none. Reported here, once, instead of by the lint check once per alert
    at the SLO's line."""
    alerting = slo.alerting
    if alerting.disable:
        return []
    found: dict[tuple[SourceLocation, str], Diagnostic] = {}
    for which, options, house in (("page", alerting.page, alerting.page_severity), ("ticket", alerting.ticket, alerting.ticket_severity)):
        if options.disable:
            continue
        if "severity" in options.labels:
            value, where = options.labels["severity"], keyword_location(options.location, "labels")
        elif "severity" in alerting.labels:
            value, where = alerting.labels["severity"], keyword_location(alerting.location, "labels")
        elif house is not None:
            value, where = house, keyword_location(alerting.location, f"{which}_severity")
        else:
            continue  # no severity label, as the user asked (page_severity=None)
        if value in SEVERITIES or "{{" in value or (where, value) in found:
            continue
        found[(where, value)] = warning(
            where,
            "OAC213",
            f"SLO {slo.id!r}: the {which} alert gets severity {value!r}, not one of {', '.join(SEVERITIES)}",
            hint="Alertmanager routes match these values exactly: "
            + (
                f"write {which}_severity=\"{'critical' if which == 'page' else 'warning'}\" "
                "(Sloth's page and ticket are the sloth_severity label, set already)"
                if value in ("page", "ticket")
                else "use one of them"
            ),
        )
    return list(found.values())


def rule_groups(slo: SLO, table: AlertWindows, template: str) -> list[RuleGroup]:
    """The three rule groups of one SLO (the alerts group only when it has alerts)."""

    def group(stage: str, rules: list[Rule]) -> RuleGroup:
        interval = slo.intervals.for_stage(stage) if slo.intervals is not None else None
        return RuleGroup(
            name=names.slo_rule_group(slo.id, stage), rules=rules, interval=interval, location=slo.location, module=slo.module
        )

    groups = [
        group("sli-recordings", list(sli_rules(slo, table, template))),
        group("meta-recordings", list(meta_rules(slo, table))),
    ]
    alerts = alert_rules(slo, table)
    if alerts:
        groups.append(group("alerts", list(alerts)))
    return groups


def _at(location: SourceLocation) -> str:
    return f"{location.file}:{location.line}" if location.line > 0 else location.file


def duplicate_problem(slo: SLO, first: dict[str, SLO]) -> Diagnostic | None:
    """OAC406 when an earlier SLO in ``first`` (id -> SLO, updated here) has the
    same id: its rule groups, series and dashboard would be generated twice."""
    if not isinstance(slo.service, str) or not isinstance(slo.name, str):
        return None  # OAC405 (name_problem) says why
    other = first.setdefault(slo.id, slo)
    if other is slo:
        return None
    if (other.service, other.name) == (slo.service, slo.name):
        what = f"SLO {slo.id!r} (service {slo.service!r}, name {slo.name!r}) is declared twice"
    else:
        what = (
            f"SLO id {slo.id!r} is declared twice: service {other.service!r} with name {other.name!r}, "
            f"and service {slo.service!r} with name {slo.name!r}"
        )
    return error(
        keyword_location(slo.location, "name"),
        "OAC406",
        f"{what}: first at {_at(other.location)}, again at {_at(slo.location)}",
        hint="the id <service>-<name> names the SLO's rule groups, series and dashboard: "
        "rename one of them, or delete the copy",
    )


def alert_names(slo: SLO) -> set[str]:
    """The names of the alerts :func:`alert_rules` gives ``slo`` (none when alerting is disabled)."""
    alerting = slo.alerting
    if alerting.disable:
        return set()
    return {slo.alert_name(options) for options in (alerting.page, alerting.ticket) if not options.disable}


def generate_slo(slo: SLO, root: Path | None = None) -> tuple[list[Definition], list[Diagnostic]]:
    """Rule groups (and dashboard) of one SLO, or the diagnostics saying why it
    cannot be generated."""
    from obs_as_code.slo.dashboard import slo_dashboard

    bad = name_problem(slo) or interval_problem(slo)
    if bad is not None:
        return [], [bad]
    labelled = label_problems(slo)
    if labelled:
        return [], labelled
    if not objective_usable(slo.objective):
        return [], []  # OAC401 says why, at the objective
    table = resolve_windows(slo, root)
    template = sli_template(slo)
    if isinstance(table, Diagnostic) or isinstance(template, Diagnostic):
        return [], [x for x in (table, template) if isinstance(x, Diagnostic)]
    out: list[Definition] = list(rule_groups(slo, table, template))
    if slo.dashboard:
        out.append(slo_dashboard(slo, table))
    return out, severity_problems(slo)


def generate(project: Project) -> list[Diagnostic]:
    """The pipeline generator: add every SLO's rule groups and dashboard to ``project``."""
    diagnostics: list[Diagnostic] = []
    added: list[Definition] = []
    first: dict[str, SLO] = {}
    for slo in project.all(SLO):
        twice = duplicate_problem(slo, first)
        if twice is not None:
            # One clear error here instead of a clash of every group, series
            # and dashboard UID the second copy would generate (OAC106, OAC308).
            diagnostics.append(twice)
            continue
        try:
            generated, problems = generate_slo(slo, project.root)
        except Exception as exc:  # a field of a type the checks above do not foresee
            diagnostics.append(
                error(
                    slo.location,
                    "OAC405",
                    # The exception's text may quote a field's value: masked as OAC101 masks it.
                    f"SLO {slo.name!r} cannot be generated: {type(exc).__name__}: {redact_line(str(exc))}",
                )
            )
            continue
        diagnostics.extend(problems)
        added.extend(generated)
    project.definitions.extend(added)
    return diagnostics
