"""The check itself: every Prometheus target of the built dashboards, run as Grafana runs it.

:func:`check_dashboards` over a build directory, :func:`check_dashboard` over one
dashboard file, and :func:`main`, the ``python -m obs_as_code.e2e.panel_data``
entry point.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from obs_as_code.dashboards.migrate import migrate_rows, needs_migration
from obs_as_code.e2e.panel_data.datasources import (
    Datasource,
    datasource_interval,
    datasource_interval_ms,
    datasource_of,
    datasource_type,
    load_datasources,
)
from obs_as_code.e2e.panel_data.formats import Variable, interpolate, variable_names
from obs_as_code.e2e.panel_data.intervals import (
    builtin_variables,
    target_intervals,
)
from obs_as_code.e2e.panel_data.panels import dropped_panels, panel_copies
from obs_as_code.e2e.panel_data.prometheus import PrometheusClient, PrometheusError
from obs_as_code.e2e.panel_data.report import PanelDataReport, Status, TargetResult
from obs_as_code.e2e.panel_data.templating import resolve_variables
from obs_as_code.e2e.panel_data.timemath import (
    PanelTime,
    TimeRange,
    dashboard_range,
    dashboard_zone,
    is_relative,
    panel_time,
    rescale,
    utc_offset_s,
    week_start,
)

#: Panel plugins whose ``skipDataQuery`` is set (Grafana's core ``plugin.json``): Grafana
#: runs none of their targets (a text panel keeps the targets of the panel it was).
NO_QUERY_PANELS = frozenset({"alertlist", "annolist", "dashlist", "gettingstarted", "live", "news", "text", "welcome"})


def _classify(series: list[dict[str, Any]]) -> tuple[Status, int, bool]:
    if not series:
        return "empty", 0, False
    values = [v[1] for s in series for v in (s.get("values") or [s.get("value")]) if v]
    all_nan = bool(values) and all(str(v).lower() == "nan" for v in values)
    return "ok", len(series), all_nan


@dataclass(frozen=True)
class _Clock:
    """What a panel's own time range (``timeFrom``/``timeShift``) is computed from."""

    #: The range the check runs: the dashboard's own, or a given one (an e2e run).
    range: TimeRange
    #: The dashboard's own range at :attr:`now` (what Grafana's panel override starts from).
    own: TimeRange
    now: float
    zone: ZoneInfo
    week_start: int
    relative: bool

    def panel(self, panel: Mapping[str, Any], variables: Mapping[str, Variable], shortest_ms: int = 0) -> PanelTime:
        """The panel's range; with a given range, the override keeps its place relative to
        the dashboard's own range (a ``timeFrom`` equal to the dashboard's range is the
        whole given range, ``1h`` of a ``now-6h`` dashboard its last sixth), and lasts
        at least ``shortest_ms`` (its start moved back): a short run would otherwise
        squeeze ``5m`` of a ``now-6h`` dashboard below one scrape (``$__range`` ``0s``),
        as the run's scaled rule windows keep a floor too."""
        time_from, time_shift = (
            # PanelTimeRange interpolates both with the panel's variables (a repeat's own value).
            interpolate(str(panel.get(key) or ""), variables, {}, "glob") for key in ("timeFrom", "timeShift")
        )
        if not (time_from or time_shift):
            return PanelTime(self.range)
        out = panel_time(self.own, time_from=time_from, time_shift=time_shift, relative=self.relative,
                         now=self.now, zone=self.zone, week_start=self.week_start)
        if self.range == self.own:
            return out
        scaled = rescale(out.range, self.own, self.range)
        if scaled.end - scaled.start < shortest_ms / 1000:
            scaled = TimeRange(scaled.end - shortest_ms / 1000, scaled.end)
        return PanelTime(scaled, out.info, out.error)


def _panel_datasource(
    dashboard: Mapping[str, Any], panel: Mapping[str, Any], targets: list[Mapping[str, Any]]
) -> tuple[Any, list[Mapping[str, Any]]]:
    """The panel's datasource reference as Grafana settles it on load, and its targets.

    A dashboard older than schema 36 goes through ``DashboardMigrator``'s V36 step
    first: a panel without a datasource (or ``default``) gets the default one, each
    target without one (or without a uid) the panel's, and the panel then takes its
    last target's (server-side expressions aside). Then ``createPanelDataProvider``:
    a panel still without a datasource takes its first target's that names one."""
    panel_ref = panel.get("datasource")
    if int(dashboard.get("schemaVersion") or 0) < 36 and panel_ref in (None, "default") and targets:
        def missing(ref: Any) -> bool:
            return ref is None or (isinstance(ref, Mapping) and ref.get("uid") is None)

        targets = [{**t, "datasource": "default"} if missing(t.get("datasource")) else t for t in targets]
        panel_ref = "default"
        for target in targets:
            ref = target["datasource"]
            if not (isinstance(ref, Mapping) and ref.get("uid") == "__expr__"):
                panel_ref = ref
        return panel_ref, targets
    if panel_ref is None:
        panel_ref = next((t["datasource"] for t in targets if t.get("datasource")), None)
    return panel_ref, targets


def _single_value_picks(
    dashboard: Mapping[str, Any],
    variables: Mapping[str, Variable],
    client: PrometheusClient,
    tr: TimeRange,
    datasources: Sequence[Datasource],
    scrape_interval: str | None,
) -> list[tuple[str, dict[str, Variable]]]:
    """``($var=option, the variables that change)`` for every option of every query/custom variable.

    Variables depending on the one picked are resolved again with the pick, as
    Grafana refreshes them (picking a provider narrows the models).
    """
    out: list[tuple[str, dict[str, Variable]]] = []
    for var in variables.values():
        if var.type not in ("query", "custom"):
            continue
        for option in var.options:
            chosen = resolve_variables(dashboard, client, tr, datasources, scrape_interval,
                                       fixed={var.name: var.single(option, local=False)})
            changed = {n: v for n, v in chosen.items() if v != variables.get(n)}
            out.append((f"${var.name}={option}", changed))
    return out


def check_dashboard(
    path: Path,
    client: PrometheusClient,
    *,
    name: str,
    datasources: Sequence[Datasource],
    time_range: TimeRange | None = None,
    scrape_interval: str | None = None,
    each_value: bool = False,
    report: PanelDataReport | None = None,
    browser: ZoneInfo | None = None,
    now: float | None = None,
) -> PanelDataReport:
    """Run every Prometheus target of the dashboard JSON at ``path`` (see the module doc).

    ``time_range`` defaults to the dashboard's own ``time``; ``scrape_interval``
    (one for every target) to the ``timeInterval`` of each target's datasource
    (else Grafana's 15s).
    ``name`` names the dashboard in the report. With ``each_value``, a target
    whose query uses a query or custom variable also runs once per option of
    it (a user picking one value; the variables depending on it are resolved
    again), the others at their first-load value, and its result carries that
    ``selection``. ``browser``: the time zone of a dashboard in the ``browser``
    zone (default: this machine's, :func:`local_zone`). ``now``: the time the
    dashboard is opened (default: the end of ``time_range``, else the clock).

    A panel with ``timeFrom``/``timeShift`` queries its own range
    (:func:`~.timemath.panel_time`: ``$__interval``, ``$__rate_interval``, ``$__range``,
    the step and its alignment follow it). With ``time_range``, that range stands
    for the dashboard's own and the panel's range keeps its place relative to it
    (``timeFrom`` ``1h`` on a ``now-6h`` dashboard: the last sixth of ``time_range``).
    """
    report = report if report is not None else PanelDataReport()
    dashboard = json.loads(path.read_text(encoding="utf-8"))
    if needs_migration(dashboard):
        # Grafana's DashboardMigrator moves a legacy rows layout onto the grid on load
        # (widths from spans: a panel's width sets its data points).
        dashboard = migrate_rows(dashboard)
    if now is None:
        now = time_range.end if time_range else time.time()
    try:
        own_range = dashboard_range(dashboard, now, browser=browser)
    except ValueError as exc:
        if time_range is None:
            # A range this check cannot compute (e.g. an unreadable fiscalYearStartMonth).
            spec = dashboard.get("time") or {}
            report.results.append(TargetResult(name, "(time range)", "", f"{spec.get('from')} to {spec.get('to')}",
                                               "error", message=str(exc)))
            return report
        own_range = time_range
    tr = time_range or own_range
    zone = dashboard_zone(dashboard, browser)
    clock = _Clock(tr, own_range, now, zone, week_start(dashboard), is_relative(dashboard))
    prom_ds = next((d for d in datasources if d.type == "prometheus" and d.is_default), None) or next(
        (d for d in datasources if d.type == "prometheus"), None)

    def scrape_of(ref: Any, scoped: Mapping[str, Variable]) -> int:
        # Grafana reads timeInterval from the datasource the query goes to (15s unset);
        # a reference to no provisioned one is taken for the default Prometheus.
        return datasource_interval_ms(datasource_of(ref, scoped, datasources), scrape_interval, unknown=prom_ds)
    variables = resolve_variables(dashboard, client, tr, datasources, scrape_interval)
    report.variables[name] = list(variables.values())
    picks = _single_value_picks(dashboard, variables, client, tr, datasources, scrape_interval) if each_value else []
    # Scenes drops the panels nested in an expanded row: no one ever sees them.
    dropped = sum(len(p.get("targets") or []) for p in dropped_panels(dashboard))
    if dropped:
        report.skipped["nested in an expanded row"] += dropped
    for copy in panel_copies(dashboard, variables):
        panel, scoped, copy_title, row = copy.panel, copy.variables, copy.title, copy.row
        targets = list(panel.get("targets") or [])
        if not targets and panel.get("libraryPanel"):
            report.skipped["library panel"] += 1
            continue
        if targets and panel.get("type") in NO_QUERY_PANELS:
            # createPanelDataProvider gives such a panel no query runner: its targets never run.
            report.skipped[f"{panel.get('type')} panel"] += len(targets)
            continue
        panel_ref, targets = _panel_datasource(dashboard, panel, targets)
        panel_type = datasource_type(panel_ref, scoped, datasources)
        # SceneQueryRunner's low limit: the panel datasource's interval (Prometheus:
        # timeInterval, else 15s); the Mixed datasource has none.
        panel_ds = datasource_of(panel_ref, scoped, datasources)
        ds_interval = None if panel_type == "mixed" else datasource_interval(panel_ds, scrape_interval, unknown=prom_ds)
        for target in targets:
            ref = target.get("datasource")
            own = ref is not None or panel_type == "mixed"
            ds_type = datasource_type(ref, scoped, datasources) if own else panel_type
            target_scrape = scrape_of(ref if own else panel_ref, scoped)
            if target.get("hide"):
                report.skipped["hidden"] += 1
                continue
            if ds_type != "prometheus":
                report.skipped[ds_type] += 1
                continue
            selections: list[tuple[str, Mapping[str, Variable]]] = [("", scoped)]
            if each_value:
                used = variable_names(str(target.get("expr") or ""))
                selections += [
                    (label, {**scoped, **picked}) for label, picked in picks
                    # A repeated row's or panel's copy keeps its own value of the repeat variable.
                    if used & set(picked) and not copy.pinned & set(picked)
                ]
            for selection, chosen in selections:
                # The panel's own range (timeFrom/timeShift): its queries, intervals and
                # built-ins use it; the variables keep the dashboard's.
                ptime = clock.panel(panel, chosen, 4 * target_scrape)
                report.results.append(_run_target(
                    client, dashboard, panel, target, chosen, ptime, target_scrape,
                    dashboard_name=name, title=copy_title, row=row, selection=selection,
                    utc_offset=utc_offset_s(ptime.range.end, zone), ds_interval=ds_interval,
                    collapsed=copy.collapsed, data_since=time_range.start if time_range else None,
                ))
    return report


def _run_target(
    client: PrometheusClient,
    dashboard: Mapping[str, Any],
    panel: Mapping[str, Any],
    target: Mapping[str, Any],
    variables: Mapping[str, Variable],
    ptime: PanelTime,
    scrape_ms: int,
    *,
    dashboard_name: str,
    title: str,
    row: str,
    selection: str = "",
    utc_offset: int = 0,
    ds_interval: str | None = "",
    collapsed: bool = False,
    data_since: float | None = None,
) -> TargetResult:
    query = str(target.get("expr") or "")
    tr = ptime.range

    def result(status: Status, **details: Any) -> TargetResult:
        return TargetResult(dashboard=dashboard_name, panel=title, ref_id=str(target.get("refId") or ""),
                            query=query, status=status, row=row, selection=selection,
                            time_override=ptime.info, collapsed=collapsed, **details)

    if not query.strip():
        return result("empty", message="the target has no query")
    if ptime.error:
        return result("error", message=ptime.error)
    # The frontend interpolates the min step and the min interval first ($res -> 5m);
    # $__interval & co. stay for the backend (no built-ins given here).
    if target.get("interval"):
        target = {**target, "interval": interpolate(str(target["interval"]), variables, {}, "glob")}
    if panel.get("interval"):
        panel = {**panel, "interval": interpolate(str(panel["interval"]), variables, {}, "glob")}
    try:
        iv = target_intervals(panel, target, tr, scrape_ms, ds_interval)
    except ValueError as exc:
        # Grafana's frontend (panel min interval) or backend (target min step) fails.
        return result("error", message=str(exc))
    builtins = builtin_variables(dashboard, iv)
    # The Prometheus datasource's applyTemplateVariables replaces the variables twice
    # (again after adding ad-hoc filters): a value holding "$other" is expanded too.
    expr = interpolate(interpolate(query, variables, builtins, backend=False), variables, builtins)
    instant = bool(target.get("instant"))
    ranged = bool(target.get("range")) or not instant
    kind = "range" if ranged else "instant"
    try:
        series: list[dict[str, Any]] = []
        if ranged:
            # Grafana aligns the range to the step (promlib AlignTimeRange) in the
            # dashboard's time zone: the frontend sends utcOffsetSec of the range's end.
            off = utc_offset * 1000
            start = (math.floor((tr.start * 1000 + off) / iv.step_ms) * iv.step_ms - off) / 1000
            end = (math.floor((tr.end * 1000 + off) / iv.step_ms) * iv.step_ms - off) / 1000
            series = client.query_range(expr, start, end, iv.step_ms)
        if instant:
            series = series + client.query(expr, tr.end)
    except PrometheusError as exc:
        return result("error", expr=expr, message=str(exc), kind=kind)
    status, count, all_nan = _classify(series)
    if status == "empty" and data_since is not None and tr.end <= data_since:
        # An e2e run has data only since it started: say why such a panel is empty.
        return result(status, expr=expr, kind=kind,
                      message=f"the panel's own range ({ptime.info}) ends before the given range began")
    return result(status, expr=expr, series=count, all_nan=all_nan, kind=kind)


def dashboard_files(build_dir: Path) -> list[Path]:
    """The built dashboards, sorted: ``build/grafana/dashboards/**/*.json``."""
    return sorted((build_dir / "grafana" / "dashboards").rglob("*.json"))


def check_dashboards(
    build_dir: Path,
    prometheus_url: str,
    *,
    time_range: TimeRange | None = None,
    scrape_interval: str | None = None,
    paths: Sequence[Path] | None = None,
    each_value: bool = False,
) -> PanelDataReport:
    """Run every Prometheus panel target of ``build_dir``'s dashboards on ``prometheus_url``.

    ``time_range``: one range for every dashboard (an e2e run's compressed
    time); by default each dashboard's own. ``scrape_interval``: the scrape
    interval Grafana assumes for ``$__rate_interval`` (an e2e run's ``1s``); by
    default the provisioned Prometheus datasource's ``timeInterval``.
    ``paths``: only these dashboard files. ``each_value``: also run each target
    once per option of each variable it uses (see :func:`check_dashboard`).
    """
    client = PrometheusClient(prometheus_url)
    datasources = load_datasources(build_dir)
    report = PanelDataReport()
    dashboards_dir = build_dir / "grafana" / "dashboards"
    for path in paths if paths is not None else dashboard_files(build_dir):
        try:
            name = str(path.relative_to(dashboards_dir))
        except ValueError:
            name = path.name
        check_dashboard(path, client, name=name, datasources=datasources, time_range=time_range,
                        scrape_interval=scrape_interval, each_value=each_value, report=report)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m obs_as_code.e2e.panel_data BUILD_DIR PROMETHEUS_URL [--json]``: exit 1 on a
    problem (:meth:`PanelDataReport.problems`: errors, empties, variables without options)."""
    args = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in args
    args = [a for a in args if a != "--json"]
    if len(args) != 2:
        print("usage: python -m obs_as_code.e2e.panel_data BUILD_DIR PROMETHEUS_URL [--json]", file=sys.stderr)
        return 2
    report = check_dashboards(Path(args[0]), args[1])
    print(json.dumps(report.to_json(), indent=2, sort_keys=True) if as_json else report.render_text())
    return 1 if report.problems() else 0
