"""One Grafana dashboard per SLO, built with grafana-foundation-sdk.

Panels read only the series the generator records (Sloth's names), so the same
dashboard works for SLOs whose rules Sloth generated: the SLI now, the objective,
the remaining error budget over the period, the current and period burn rates,
the burn rate over every alert window, and the budget burn-down over the period.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import dashboard as dash
from grafana_foundation_sdk.builders import prometheus, stat, timeseries
from grafana_foundation_sdk.models import dashboard as dm

from obs_as_code import names
from obs_as_code.durations import format_ms
from obs_as_code.model.dashboard import DashboardDef
from obs_as_code.slo import generate as g
from obs_as_code.slo import windows as windows_table
from obs_as_code.slo.model import SLO
from obs_as_code.slo.windows import AlertWindows

#: The Grafana folder every SLO dashboard goes to.
FOLDER = "slo"
_DS = dm.DataSourceRef(type_val="prometheus", uid="${datasource}")
_REFS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _query(expr: str, ref: str = "A", legend: str = "") -> prometheus.Dataquery:
    query = prometheus.Dataquery().expr(expr).ref_id(ref)
    return query.legend_format(legend) if legend else query


def _thresholds(*steps: tuple[float | None, str]) -> dash.ThresholdsConfig:
    return dash.ThresholdsConfig().mode(dm.ThresholdsMode.ABSOLUTE).steps([dm.Threshold(value=v, color=c) for v, c in steps])


def _stat(title: str, expr: str, unit: str, pos: dm.GridPos, thresholds: dash.ThresholdsConfig, description: str) -> stat.Panel:
    return (
        stat.Panel()
        .title(title)
        .description(description)
        .datasource(_DS)
        # An instant query: the value now, or "No data" when there is none now.
        # Over the dashboard's 30d range, lastNotNull showed the last value
        # before an idle spell (no SLI sample while there is no traffic) as
        # "SLI now", and the range query read a month of samples to show one.
        .with_target(_query(expr).instant())
        .unit(unit)
        .decimals(3)
        .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]))
        .thresholds(thresholds)
        .grid_pos(pos)
    )


def slo_dashboard_builder(slo: SLO, table: AlertWindows | None = None) -> dash.Dashboard:
    """The foundation-sdk builder of an SLO's dashboard (``table``: its windows,
    default the shipped table of its period)."""
    table = table or windows_table.for_period(slo.period)
    windows_ms = table.windows_ms() if table is not None else []
    period = table.period if table is not None else str(slo.period)
    flt = g.prom_filter(g.id_labels(slo))
    short = format_ms(windows_ms[0]) if windows_ms else "5m"
    budget = g.error_budget_ratio(slo)
    budget_pct = f"{budget * 100:.4g}%"

    def burn(window: str) -> str:
        return (
            f"{g.sli_metric(window)}{flt}\n/ on({g.L_ID}, {g.L_SLO}, {g.L_SERVICE}) group_left\n"
            f"{g.ERROR_BUDGET}{flt}"
        )

    red_yellow_green = _thresholds((None, "red"), (0.25, "orange"), (0.5, "green"))
    burn_colors = _thresholds((None, "green"), (1, "orange"), (6, "red"))
    sli_colors = _thresholds((None, "red"), (slo.objective / 100.0, "green"))

    board = (
        dash.Dashboard(f"SLO / {slo.service} / {slo.name}")
        .uid(names.slo_dashboard_uid(slo.id))
        .description(slo.description or f"{slo.objective:g}% over {period}")
        .tags(["slo", slo.service])
        .time(f"now-{period}", "now")
        .refresh("1m")
        .with_variable(dash.DatasourceVariable("datasource").label("Prometheus").type("prometheus"))
    )
    board = board.with_panel(
        _stat("SLI now", f"1 - {g.sli_metric(short)}{flt}", "percentunit", dm.GridPos(h=5, w=5, x=0, y=0), sli_colors,
              f"Share of good events over the last {short}.")
    )
    board = board.with_panel(
        _stat("Objective", f"{g.OBJECTIVE}{flt}", "percentunit", dm.GridPos(h=5, w=4, x=5, y=0), _thresholds((None, "blue")),
              f"{slo.objective:g}% over {period}: an error budget of {budget_pct}.")
    )
    board = board.with_panel(
        _stat("Error budget remaining", f"{g.BUDGET_REMAINING}{flt}", "percentunit", dm.GridPos(h=5, w=5, x=9, y=0),
              red_yellow_green, f"Share of the {period} error budget not yet spent.")
    )
    board = board.with_panel(
        _stat("Burn rate now", f"{g.CURRENT_BURN}{flt}", "x", dm.GridPos(h=5, w=5, x=14, y=0), burn_colors,
              f"How fast the budget burns over the last {short}; 1 spends exactly the budget in {period}.")
    )
    board = board.with_panel(
        _stat("Burn rate over the period", f"{g.PERIOD_BURN}{flt}", "x", dm.GridPos(h=5, w=5, x=19, y=0), burn_colors,
              f"Average burn rate over {period}.")
    )
    burn_panel = (
        timeseries.Panel()
        .title("Burn rate per window")
        .description(
            "Error ratio over each alert window divided by the error budget; the alerts page above "
            + (
                f"{g.num(table.page_quick.factor(table.period_ms))} ({table.page_quick.long}) and "
                f"{g.num(table.page_slow.factor(table.period_ms))} ({table.page_slow.long}) on a {table.period} table."
                if table is not None
                else "the page factors of the SLO's windows table."
            )
        )
        .datasource(_DS)
        .unit("x")
        .min(0)
        .grid_pos(dm.GridPos(h=9, w=12, x=0, y=5))
    )
    for i, ms in enumerate(windows_ms):
        window = format_ms(ms)
        burn_panel = burn_panel.with_target(_query(burn(window), _REFS[i % len(_REFS)], window))
    board = board.with_panel(burn_panel)
    board = board.with_panel(
        timeseries.Panel()
        .title("SLI and objective")
        .datasource(_DS)
        .unit("percentunit")
        .grid_pos(dm.GridPos(h=9, w=12, x=12, y=5))
        .with_target(_query(f"1 - {g.sli_metric(short)}{flt}", "A", f"SLI ({short})"))
        .with_target(_query(f"1 - {g.sli_metric(period)}{flt}", "B", f"SLI ({period})"))
        .with_target(_query(f"{g.OBJECTIVE}{flt}", "C", "objective"))
    )
    board = board.with_panel(
        timeseries.Panel()
        .title("Error budget burn-down")
        .description(f"Remaining share of the error budget over the last {period}: below 0 the SLO is missed.")
        .datasource(_DS)
        .unit("percentunit")
        .time_from(period)
        .grid_pos(dm.GridPos(h=9, w=24, x=0, y=14))
        .with_target(_query(f"{g.BUDGET_REMAINING}{flt}", "A", "remaining error budget"))
    )
    return board


def slo_dashboard(slo: SLO, table: AlertWindows | None = None) -> DashboardDef:
    """The :class:`DashboardDef` of an SLO: folder ``slo``, a stable UID from :mod:`names`."""
    return DashboardDef(
        source=slo_dashboard_builder(slo, table),
        uid=names.slo_dashboard_uid(slo.id),
        folder=FOLDER,
        name=slo.id,
        location=slo.location,
        module=slo.module,
    )
