"""The benchmark suite runs end to end in its small mode (numbers are not checked: CI
only proves the suite works; `make bench` measures)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_small_writes_results(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--small", "--out", str(out), "--work", str(tmp_path / "work")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "full build (clean, child)" in proc.stdout
    results = json.loads(out.read_text())
    assert results["mode"] == "small"
    assert results["synthetic"]["rules"] == 60 and results["synthetic"]["scrape_jobs"] == 10
    m = results["measurements"]
    assert m["incremental"]["identical_to_clean"] is True
    assert m["full_build_s"] > 0 and m["floor_s"] > 0 and m["full_build_peak_rss_bytes"] > 0
    assert m["artifacts"] >= 8  # 6 rule files, prometheus.yml, manifest
    assert {r["name"] for r in results["rows"]} >= {"oac --help", "peak RSS, full build", "incremental: one module"}
    for area in ("bench_dashboards", "bench_slo", "bench_lint", "bench_publish", "count_dashboards"):
        assert area in results["areas"]
    assert results["areas"]["count_dashboards"]["skipped"] == "small run"  # valgrind takes minutes
    assert results["machine"]["cores"] >= 1
