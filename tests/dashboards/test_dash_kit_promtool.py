"""The kit's query helpers evaluated by the real promtool: what a panel shows.

Each case is a ``promql_expr_test`` of ``promtool test rules``: series as a client
library exposes them, the kit's expression (``$__rate_interval`` as 5m), and the
samples Prometheus must return, so a helper that builds valid but wrong PromQL
(no data where 0 is due, a missing ``group_left``) fails here.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from dashboards.platform.datastores import _hit_ratio
from obs_as_code.dashboards import kit as k
from obs_as_code.serialize import dump_yaml

PROMTOOL = shutil.which("promtool")
pytestmark = pytest.mark.skipif(PROMTOOL is None, reason="promtool not installed")

def _series(name: str, labels: str, per_second: int) -> dict[str, str]:
    # A counter sampled each minute for 10 minutes; whole rates per second keep
    # the ratios exact in binary (1/3 + ... would not be).
    return {"series": f"{name}{{{labels}}}", "values": f"0+{per_second * 60}x10"}


def _samples(*pairs: tuple[str, float]) -> list[dict[str, Any]]:
    return [{"labels": labels, "value": value} for labels, value in pairs]


CASES: dict[str, tuple[list[dict[str, str]], str, list[dict[str, Any]]]] = {
    # Path b never failed, so it has no 5xx series: 0 with absent_as_zero ...
    "absent errors are 0": (
        [
            _series("req_total", 'path="a", status="200"', 30),
            _series("req_total", 'path="a", status="500"', 10),
            _series("req_total", 'path="b", status="200"', 60),
        ],
        k.ratio(k.rate("req_total", 'status=~"5.."', by=["path"]), k.rate("req_total", by=["path"]), absent_as_zero=True),
        _samples(('{path="a"}', 0.25), ('{path="b"}', 0.0)),
    ),
    # ... and missing without it (what a panel showed as "No data").
    "absent errors are missing without it": (
        [
            _series("req_total", 'path="a", status="200"', 30),
            _series("req_total", 'path="a", status="500"', 10),
            _series("req_total", 'path="b", status="200"', 60),
        ],
        k.ratio(k.rate("req_total", 'status=~"5.."', by=["path"]), k.rate("req_total", by=["path"])),
        _samples(('{path="a"}', 0.25)),
    ),
    # Nothing failed anywhere: 0, one series, no labels.
    "no error series at all": (
        [_series("req_total", 'path="a", status="200"', 30)],
        k.ratio(k.rate("req_total", 'status=~"5.."'), k.rate("req_total"), absent_as_zero=True),
        _samples(("{}", 0.0)),
    ),
    # A finer numerator over a coarser denominator: on () group_left ().
    "on with group_left": (
        [
            _series("a_total", 'p="x"', 10),
            _series("a_total", 'p="y"', 30),
        ],
        k.ratio(k.rate("a_total", by=["p"]), k.rate("a_total"), on=[]),
        _samples(('{p="x"}', 0.25), ('{p="y"}', 0.75)),
    ),
    # The shipped cache hit ratio: one cache never missed, another never hit.
    "hit ratio with a side absent": (
        [
            _series("opencode_cache_hits_total", 'cache_type="prompt"', 30),
            _series("opencode_cache_misses_total", 'cache_type="prompt"', 10),
            _series("opencode_cache_hits_total", 'cache_type="embedding"', 20),
            _series("opencode_cache_misses_total", 'cache_type="tool"', 20),
        ],
        _hit_ratio(["cache_type"]).replace('{cache_type=~"$cache_type"}', ""),
        _samples(('{cache_type="embedding"}', 1.0), ('{cache_type="prompt"}', 0.75), ('{cache_type="tool"}', 0.0)),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_promtool_evaluates_the_kits_query(case: str, tmp_path: Path) -> None:
    series, expr, expected = CASES[case]
    expr = expr.replace("$__rate_interval", "5m")
    assert "$" not in expr
    test = {
        "rule_files": [],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": series,
                # round(): rate() extrapolates, so 3/4 comes out as 0.7500000000000001.
                "promql_expr_test": [{"expr": f"round({expr}, 0.0001)", "eval_time": "10m", "exp_samples": expected}],
            }
        ],
    }
    path = tmp_path / "kit_test.yml"
    path.write_text(dump_yaml(test), encoding="utf-8")
    assert PROMTOOL is not None
    proc = subprocess.run([PROMTOOL, "test", "rules", str(path)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"{expr}\n{proc.stdout}{proc.stderr}"


def test_absent_as_zero_excludes_on() -> None:
    with pytest.raises(ValueError, match="excludes on="):
        k.ratio("a", "b", on=["x"], absent_as_zero=True)


def test_absent_as_zero_keeps_a_compound_denominator_whole() -> None:
    # "or" binds loosest: "* 0" must apply to the whole denominator.
    assert k.ratio("a", "b + c or d", absent_as_zero=True) == "(a or (b + c or d) * 0) / (b + c or d)"
