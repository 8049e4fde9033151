"""Benchmark: publish ``n`` synthetic dashboards to the fake Grafana, cold then no-op.

Run as a script (prints JSON)::

    PYTHONPATH=. python benchmarks/bench_publish.py --n 1000

The numbers that matter are request counts: a no-op publish must cost one GET per
folder plus one search page per 5000 dashboards, and zero writes.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "grafana"))

from fake_grafana import FakeGrafana

from obs_as_code.grafana.client import Auth, GrafanaClient
from obs_as_code.grafana.publish import publish

FOLDERS = ["", "platform", "platform/api", "platform/db", "team-a", "team-a/llm", "team-b"]


def synthetic_dashboard(i: int) -> dict[str, Any]:
    """A dashboard of realistic size: 8 panels with one query each."""
    return {
        "uid": f"bench-{i:05d}",
        "title": f"Bench dashboard {i}",
        "tags": ["bench"],
        "schemaVersion": 39,
        "time": {"from": "now-6h", "to": "now"},
        "panels": [
            {"id": p + 1, "title": f"Panel {p + 1}", "type": "timeseries",
             "gridPos": {"h": 8, "w": 12, "x": 12 * (p % 2), "y": 8 * (p // 2)},
             "targets": [{"refId": "A",
                          "expr": f'sum(rate(http_requests_total{{job="svc-{i}",code=~"5.."}}'
                                  f"[5m])) by (route) / {p + 1}"}]}
            for p in range(8)
        ],
    }


def write_build(root: Path, n: int) -> None:
    """``n`` dashboards spread over a few nested folders."""
    base = root / "grafana" / "dashboards"
    for i in range(n):
        folder = base / FOLDERS[i % len(FOLDERS)]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"bench-{i:05d}.json").write_text(json.dumps(synthetic_dashboard(i)))


def run(n: int = 1000) -> dict[str, Any]:
    """Publish ``n`` dashboards cold, then again; return wall times and request counts."""
    with tempfile.TemporaryDirectory() as tmp, FakeGrafana() as fake:
        write_build(Path(tmp), n)
        client = GrafanaClient(fake.url, Auth(token=fake.admin_token))
        start = time.perf_counter()
        _, cold = publish(client, tmp)
        cold_s = time.perf_counter() - start
        cold_requests, cold_writes = client.requests_sent, client.writes_sent
        client.reset_counts()
        start = time.perf_counter()
        _, noop = publish(client, tmp)
        noop_s = time.perf_counter() - start
        client.close()
        if not (cold.ok and noop.ok) or len(fake.dashboards) != n:
            raise RuntimeError("benchmark publish did not converge")
        return {
            "n": n,
            "cold_seconds": round(cold_s, 3),
            "cold_requests": cold_requests,
            "cold_writes": cold_writes,
            "noop_seconds": round(noop_s, 3),
            "noop_requests": client.requests_sent,
            "noop_writes": client.writes_sent,
            "noop_requests_by_kind": {f"{m} {p}": c for (m, p), c in sorted(client.counts.items())},
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    print(json.dumps(run(parser.parse_args().n), indent=2))


if __name__ == "__main__":
    main()
