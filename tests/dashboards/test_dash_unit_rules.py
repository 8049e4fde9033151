"""OAC305 and OAC316 read the unit of a query's series. Each check read it its own
way; these cases are where the two readings differ (pinned before they were made
one function), with what each check concluded: a unit, or None when it left the
query alone because the unit is not known."""

from __future__ import annotations

from typing import Any

import pytest

from obs_as_code.lint.rules.oac305_latency_unit import target_unit
from obs_as_code.lint.rules.oac316_ratio_unit import _graph_unit, _other_unit_override, query_unit


def _oac305(panel: dict[str, Any], target: dict[str, Any]) -> str | None:
    found, maybe_time = target_unit(panel, target)
    return "maybe a time unit" if maybe_time else found


def _oac316(panel: dict[str, Any], target: dict[str, Any]) -> str | None:
    found, _maybe_time = query_unit(panel, target.get("refId"))
    found, known = _graph_unit(panel, target, found)
    return found if known and not _other_unit_override(panel, target.get("refId")) else None


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
#: case -> (panel, target, OAC305's unit, OAC316's unit)
DIFFERENCES: dict[str, tuple[dict[str, Any], dict[str, Any], str | None, str | None]] = {
    # A byName override of the series' plain legend: OAC305 applies it, OAC316
    # left the query alone for any override by name.
    "byName of its legend": (_field("short", ({"id": "byName", "options": "errors"}, "percent")), _A, "percent", None),
    "byName of another series": (_field("percent", ({"id": "byName", "options": "other"}, "s")), _A, "percent", None),
    # byType of another type (the time field) does not reach the values.
    "byType time": (_field("percent", ({"id": "byType", "options": "time"}, "dateTimeAsIso")), _A, "percent", None),
    # An override that may reach the series, then one by its refId (the later wins).
    "maybe, then its refId": (_field("short", ({"id": "byRegexp", "options": "e.*"}, "s"), ({"id": "byFrameRefID", "options": "A"}, "percent")),
                              {"refId": "A"}, "percent", None),
    # An override that may reach the series and sets the unit it has anyway.
    "maybe the same unit": (_field("percent", ({"id": "byRegexp", "options": "e.*"}, "percent")), {"refId": "A"}, "percent", None),
    # A legend with a variable or Grafana's __auto does not name the series.
    "legend with a variable, moved right": (_graph("short", "percent", ("/errors/", 2)), {"refId": "A", "legendFormat": "errors $svc"},
                                            "short", "percent"),
    # A legacy graph: moved right, then back left by a later yaxis: 1 entry.
    "graph right then left": (_graph("short", "percent", ("/err/", 2), ("errors", 1)), _A, "short", "percent"),
    # A legacy graph: moved right, where the right axis has no format.
    "graph right axis without format": (_graph("percent", None, ("errors", 2), default="short"), _A, "short", "percent"),
    # A legacy graph: moved right, and the query's refId overridden.
    "graph right and its refId overridden": (
        {**_graph("short", "percent", ("errors", 2)),
         "fieldConfig": {"defaults": {}, "overrides": [{"matcher": {"id": "byFrameRefID", "options": "A"}, "properties": [{"id": "unit", "value": "ms"}]}]}},
        _A, "ms", "percent"),
}


@pytest.mark.parametrize("case", sorted(DIFFERENCES))
def test_where_the_checks_read_units_differently(case: str) -> None:
    panel, target, oac305, oac316 = DIFFERENCES[case]
    assert (_oac305(panel, target), _oac316(panel, target)) == (oac305, oac316)
