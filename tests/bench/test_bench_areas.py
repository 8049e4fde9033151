"""The harness calls each area's ``run()`` with the arguments its signature names."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import pytest

from benchmarks import run, synth


def test_area_benches_passes_named_arguments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "benchmarks").mkdir()
    for name in ("bench_lint", "bench_slo", "bench_publish"):
        (tmp_path / "benchmarks" / f"{name}.py").write_text("")
    monkeypatch.setattr(run, "ROOT", tmp_path)
    seen: dict[str, Any] = {}

    def lint_run(rules: int = 10000) -> dict[str, Any]:
        seen["lint"] = rules
        return {"ratio_lint_vs_promtool": 0.5}

    def slo_run(n: int = 500, evaluate: bool = True, **rest: Any) -> dict[str, Any]:
        seen["slo"] = (n, evaluate, sorted(rest))
        return {"series_per_slo": 3}

    def publish_run(n: int = 1000) -> dict[str, Any]:
        raise RuntimeError("fake Grafana down")

    for name, fn in (("bench_lint", lint_run), ("bench_slo", slo_run), ("bench_publish", publish_run)):
        module = types.ModuleType(f"benchmarks.{name}")
        module.run = fn  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, f"benchmarks.{name}", module)

    out = run.area_benches(tmp_path / "repo", tmp_path / "work", True, synth.SMALL, 1)
    assert seen["lint"] == synth.SMALL.rules
    assert seen["slo"] == (synth.SMALL.slos, False, ["env", "python", "repo", "sizes", "small", "work"])
    assert out["bench_lint"]["ratio_lint_vs_promtool"] == 0.5
    assert out["bench_publish"] == {"error": "RuntimeError: fake Grafana down"}
    assert out["bench_dashboards"] == {"skipped": "not on this branch yet"}
    rows = {r.name: r for r in run.area_rows(out)}
    assert rows["bench_lint.ratio_lint_vs_promtool"].ratio == 0.5
