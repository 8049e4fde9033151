"""OAC305 reads the unit of each query's own series: property tests of
:func:`~obs_as_code.lint.rules.oac305_latency_unit.target_unit` against a plain
model of Grafana's rules (the last override that reaches the series wins)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from obs_as_code.lint.rules.oac305_latency_unit import target_unit

_names = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
_units = st.sampled_from(["s", "ms", "short", "percent", "bytes"])


@given(legend=_names, other=_names, moves=st.lists(st.tuples(st.sampled_from(["own", "other", "regex"]), st.sampled_from([1, 2])), max_size=5),
       left=_units, right=_units)
def test_a_graph_series_reads_the_axis_its_overrides_put_it_on(
    legend: str, other: str, moves: list[tuple[str, int]], left: str, right: str
) -> None:
    # Grafana 11+ shows a legacy graph migrated to a time series panel: an entry
    # with yaxis 2 becomes an override setting the right axis' unit; one with
    # yaxis 1 sets none (it does not move the series back).
    overrides: list[dict[str, Any]] = []
    axis = 1
    for which, yaxis in moves:
        alias = legend if which == "own" else f"/^{legend}$/" if which == "regex" else other + "_x"
        overrides.append({"alias": alias, "yaxis": yaxis})
        if which != "other" and yaxis == 2:
            axis = 2
    panel = {"type": "graph", "yaxes": [{"format": left}, {"format": right}], "seriesOverrides": overrides}
    unit, maybe_time = target_unit(panel, {"refId": "A", "legendFormat": legend})
    assert unit == (left if axis == 1 else right)
    assert not maybe_time  # the legend names the series: every alias is known to reach it or not


@given(legend=_names, default=_units,
       overrides=st.lists(st.tuples(st.sampled_from(["byName", "byNameOther", "byFrameRefID", "byFrameRefIDOther", "byRegexp"]), _units),
                          max_size=5),
       right=st.booleans())
def test_a_field_reads_the_last_override_that_reaches_it(
    legend: str, default: str, overrides: list[tuple[str, str]], right: bool
) -> None:
    expected = default
    found: list[dict[str, Any]] = []
    for kind, unit in overrides:
        matcher = {
            "byName": {"id": "byName", "options": legend},
            "byNameOther": {"id": "byName", "options": legend + "_x"},
            "byFrameRefID": {"id": "byFrameRefID", "options": "A"},
            "byFrameRefIDOther": {"id": "byFrameRefID", "options": "B"},
            "byRegexp": {"id": "byRegexp", "options": f"{legend}"},
        }[kind]
        properties: list[dict[str, Any]] = [{"id": "unit", "value": unit}]
        if right:
            properties.append({"id": "custom.axisPlacement", "value": "right"})  # moves the axis, not the unit
        found.append({"matcher": matcher, "properties": properties})
        if not kind.endswith("Other"):
            expected = unit
    panel = {"type": "timeseries", "fieldConfig": {"defaults": {"unit": default}, "overrides": found}}
    assert target_unit(panel, {"refId": "A", "legendFormat": legend}) == (expected, False)
