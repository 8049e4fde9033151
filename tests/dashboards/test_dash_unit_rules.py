"""OAC305 and OAC316 read the unit of a query's series with one function
(:func:`~obs_as_code.lint.rules._units.series_unit`). Each check used to read it
its own way; these cases are where the two readings differed, with what each
check concluded then (a unit, or None when it left the query alone because the
unit was not known) and what both conclude now, as Grafana 11+ applies units
(a legacy graph is shown migrated to a time series panel)."""

from __future__ import annotations

from typing import Any

import pytest

from obs_as_code.lint.rules._units import series_unit
from obs_as_code.lint.rules.oac305_latency_unit import target_unit


def _oac305(panel: dict[str, Any], target: dict[str, Any]) -> str | None:
    """The unit OAC305 judges (it passes a query that may be in a time unit)."""
    found, maybe_time = target_unit(panel, target)
    return "maybe a time unit" if maybe_time else found


def _oac316(panel: dict[str, Any], target: dict[str, Any]) -> str | None:
    """The unit OAC316 judges (it passes a query that may be in another unit)."""
    found, maybe = series_unit(panel, target)
    return None if maybe else found


def _field(default: str, *overrides: tuple[dict[str, Any], str]) -> dict[str, Any]:
    return {"type": "timeseries", "fieldConfig": {"defaults": {"unit": default},
            "overrides": [{"matcher": m, "properties": [{"id": "unit", "value": u}]} for m, u in overrides]}}


def _graph(left: str | None, right: str | None, *moves: tuple[str, int], default: str | None = None) -> dict[str, Any]:
    panel: dict[str, Any] = {"type": "graph", "yaxes": [{"format": left} if left else {}, {"format": right} if right else {}],
                             "seriesOverrides": [{"alias": a, "yaxis": y} for a, y in moves]}
    if default:
        panel["fieldConfig"] = {"defaults": {"unit": default}, "overrides": []}
    return panel


_A = {"refId": "A", "legendFormat": "errors"}
#: case -> (panel, target, OAC305's unit before, OAC316's before, both now)
DIFFERENCES: dict[str, tuple[dict[str, Any], dict[str, Any], str | None, str | None, str | None]] = {
    # A byName override of the series' plain legend: OAC305 applied it, OAC316
    # left the query alone for any override by name. Grafana matches it against
    # the display name, which a plain legend is: OAC305 was right.
    "byName of its legend": (_field("short", ({"id": "byName", "options": "errors"}, "percent")), _A, "percent", None, "percent"),
    "byName of another series": (_field("percent", ({"id": "byName", "options": "other"}, "s")), _A, "percent", None, "percent"),
    # byType of another type (the time field) does not reach the values: OAC305.
    "byType time": (_field("percent", ({"id": "byType", "options": "time"}, "dateTimeAsIso")), _A, "percent", None, "percent"),
    # An override that may reach the series, then one by its refId: the later
    # wins whatever the first did (OAC305).
    "maybe, then its refId": (_field("short", ({"id": "byRegexp", "options": "e.*"}, "s"), ({"id": "byFrameRefID", "options": "A"}, "percent")),
                              {"refId": "A"}, "percent", None, "percent"),
    # An override that may reach the series and sets the unit it has anyway: the
    # unit is known either way (OAC305).
    "maybe the same unit": (_field("percent", ({"id": "byRegexp", "options": "e.*"}, "percent")), {"refId": "A"}, "percent", None, "percent"),
    # A legend with a variable (or Grafana's __auto) does not name the series:
    # the alias may or may not reach it (OAC305); OAC316 took the text as the name.
    "legend with a variable, moved right": (_graph("short", "percent", ("/errors/", 2)), {"refId": "A", "legendFormat": "errors $svc"},
                                            "short", "percent", None),
    # Legacy graphs, as Grafana 11+ shows them (migrated to a time series panel:
    # public/app/plugins/panel/timeseries/migrations.ts). A yaxis: 1 entry sets no
    # unit, so it does not move a series back (OAC316) ...
    "graph right then left": (_graph("short", "percent", ("/err/", 2), ("errors", 1)), _A, "short", "percent", "percent"),
    # ... a right axis without a format sets no unit: the series keeps the left
    # axis' (yaxes[0].format over the field default; OAC316) ...
    "graph right axis without format": (_graph("percent", None, ("errors", 2), default="short"), _A, "short", "percent", "percent"),
    # ... and the alias' override comes after the panel's own, so the right axis'
    # unit wins over an override of the query's refId (OAC316).
    "graph right and its refId overridden": (
        {**_graph("short", "percent", ("errors", 2)),
         "fieldConfig": {"defaults": {}, "overrides": [{"matcher": {"id": "byFrameRefID", "options": "A"}, "properties": [{"id": "unit", "value": "ms"}]}]}},
        _A, "ms", "percent", "percent"),
}


@pytest.mark.parametrize("case", sorted(DIFFERENCES))
def test_where_the_checks_read_units_differently(case: str) -> None:
    panel, target, _oac305_before, _oac316_before, now = DIFFERENCES[case]
    assert _oac316(panel, target) == now
    # OAC305 reads the same unit; where OAC316 cannot tell, it was told the other
    # unit is not a time unit.
    assert _oac305(panel, target) == (now if now is not None else "short")
