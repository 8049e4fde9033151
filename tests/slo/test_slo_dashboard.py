"""The SLO dashboards: built with foundation-sdk, checked after ``.build()``."""

from __future__ import annotations

import json

from grafana_foundation_sdk.cog.encoder import JSONEncoder

from obs_as_code.lint.engine import parse_promql
from obs_as_code.model.dashboard import DashboardDef
from obs_as_code.slo import SLO, RatioSLI
from obs_as_code.slo.dashboard import slo_dashboard
from obs_as_code.slo.windows import for_period


def _slo(period: str = "30d") -> SLO:
    return SLO(
        service="svc",
        name="avail",
        objective=99.5,
        period=period,
        sli=RatioSLI(errors='req_total{code=~"5.."}', total="req_total"),
    )


def _built(slo: SLO) -> tuple[DashboardDef, dict[str, object]]:
    definition = slo_dashboard(slo, for_period(slo.period))
    model = definition.source.build()
    return definition, json.loads(json.dumps(model, cls=JSONEncoder))


def test_wrapper_has_stable_uid_and_slo_folder() -> None:
    definition, board = _built(_slo())
    assert definition.uid == "slo-svc-avail" == board["uid"]
    assert definition.folder == "slo"
    assert board["title"] == "SLO / svc / avail"
    assert board["time"] == {"from": "now-30d", "to": "now"}


def test_panels_show_sli_budget_and_burn_rates() -> None:
    _definition, board = _built(_slo())
    panels = {p["title"]: p for p in board["panels"]}  # type: ignore[attr-defined]
    assert set(panels) == {
        "SLI now",
        "Objective",
        "Error budget remaining",
        "Burn rate now",
        "Burn rate over the period",
        "Burn rate per window",
        "SLI and objective",
        "Error budget burn-down",
    }
    flt = '{sloth_id="svc-avail", sloth_service="svc", sloth_slo="avail"}'
    assert panels["Error budget remaining"]["targets"][0]["expr"] == f"slo:period_error_budget_remaining:ratio{flt}"
    assert panels["SLI now"]["targets"][0]["expr"] == f"1 - slo:sli_error:ratio_rate5m{flt}"
    burn = panels["Burn rate per window"]["targets"]
    assert [t["legendFormat"] for t in burn] == ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]
    assert len({t["refId"] for t in burn}) == 7
    assert panels["Error budget burn-down"]["timeFrom"] == "30d"
    # The SLI stat turns green at the objective.
    steps = panels["SLI now"]["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert steps[-1] == {"value": 0.995, "color": "green"}


def test_every_query_is_valid_promql_and_uses_the_datasource_variable() -> None:
    _definition, board = _built(_slo("28d"))
    for panel in board["panels"]:  # type: ignore[attr-defined]
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        for target in panel["targets"]:
            _ast, problem = parse_promql(target["expr"])
            assert problem is None, (panel["title"], target["expr"], problem)
    exprs = [t["expr"] for p in board["panels"] for t in p["targets"]]  # type: ignore[attr-defined]
    assert any("ratio_rate4w" in e for e in exprs)
    variables = board["templating"]["list"]  # type: ignore[index]
    assert [(v["name"], v["query"]) for v in variables] == [("datasource", "prometheus")]


def test_the_burn_rate_panel_states_the_page_factors_of_the_slos_table() -> None:
    # It said "14.4 (1h) and 6 (6h) on a 30d table" whatever the period.
    described = {}
    for period in ("30d", "28d", "7d"):
        _definition, board = _built(_slo(period))
        panel = next(p for p in board["panels"] if p["title"] == "Burn rate per window")  # type: ignore[attr-defined]
        described[period] = panel["description"].split("page above ")[1]
    assert described == {
        "30d": "14.4 (1h) and 6 (6h) on a 30d table.",
        "28d": "13.44 (1h) and 5.6 (6h) on a 4w table.",
        "7d": "13.44 (1h) and 3.5 (6h) on a 1w table.",
    }


def test_stats_show_the_value_now_with_instant_queries() -> None:
    # A range query over 30d reduced with lastNotNull showed, while the service
    # is idle (no SLI sample, see RatioSLI.error_ratio), the last value before
    # the idle spell as "SLI now"; an instant query says "No data" then.
    _definition, board = _built(_slo())
    for panel in board["panels"]:  # type: ignore[attr-defined]
        instant = [t.get("instant") is True and t.get("range") is False for t in panel["targets"]]
        assert all(instant) if panel["type"] == "stat" else not any(instant), panel["title"]
