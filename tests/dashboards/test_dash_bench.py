"""The dashboard benchmark runs and compares like with like (speed is not asserted:
``make bench`` reports it)."""

from __future__ import annotations

import sys

from dash_support import REPO

sys.path.insert(0, str(REPO / "benchmarks"))

import bench_dashboards


def test_bench_runs_every_variant_on_a_tiny_input() -> None:
    result = bench_dashboards.run(n=3, panels=4, repeat=1)
    assert result["dashboards"] == 3 and result["panels"] == 4
    for key in ("sdk_s", "grafanalib_s", "oac_render_s", "oac_build_s"):
        assert result[key] > 0
    # Same dashboards both ways: the outputs are of comparable size.
    assert 0.8 < result["bytes_oac"] / result["bytes_sdk"] < 1.25
    assert isinstance(result["goal_met"], bool)
