"""Benchmark: ``n`` SLOs: build time, generated series per SLO and the evaluation
cost of the generated rules on a real Prometheus loaded with synthetic data.

Run as a script (prints JSON)::

    PYTHONPATH=. python benchmarks/bench_slo.py --n 500

The Prometheus part backfills six hours of two counters per SLO with
``promtool tsdb create-blocks-from openmetrics``, starts ``prometheus`` on
127.0.0.1 (a free port, under ``timeout`` so it stops by itself), waits for the
rule groups to be evaluated and reads their ``evaluationTime`` from
``/api/v1/rules``. It is skipped (``"prometheus": null`` with the reason) when
prometheus or promtool is not installed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from obs_as_code.model.rules import AlertRule, RecordingRule, RuleGroup
from obs_as_code.pipeline import compile_project
from obs_as_code.render.prometheus import render_group
from obs_as_code.serialize import dump_yaml
from obs_as_code.slo import SLO, Alerting, RatioSLI, RuleIntervals
from obs_as_code.slo.generate import generate_slo

#: Sloth v0.16 per SLO with the Google table: 8 SLI + 7 metadata recording rules
#: and 2 alerts (its sli_rules, metadata_rules and alert_rules plugins); the
#: parity test checks that ours are the same rules, plus the two event-rate
#: rules a ratio or latency SLI's period ratio sums (17 per SLO).
SLOTH_RECORDING_RULES_PER_SLO = 15
SLOTH_ALERT_RULES_PER_SLO = 2

STEP_S = 60
EVAL_S = 15
HISTORY_S = 6 * 3600


def _slo(i: int, intervals: RuleIntervals | None = None) -> SLO:
    return SLO(
        intervals=intervals,
        service=f"svc-{i // 5}",
        name=f"slo-{i}",
        objective=99.9,
        labels={"team": f"team-{i % 7}"},
        sli=RatioSLI(
            errors=f'bench_requests_total{{slo="{i}", code=~"5.."}}',
            total=f'bench_requests_total{{slo="{i}"}}',
        ),
        alerting=Alerting(name=f"BenchSlo{i}BudgetBurn"),
    )


def _project(root: Path, n: int) -> None:
    (root / "slos").mkdir(parents=True)
    lines = ["from obs_as_code.slo import SLO, Alerting, RatioSLI", "", "slos = ["]
    for i in range(n):
        lines.append(
            f'    SLO(service="svc-{i // 5}", name="slo-{i}", objective=99.9, labels={{"team": "team-{i % 7}"}},\n'
            f'        sli=RatioSLI(errors=\'bench_requests_total{{slo="{i}", code=~"5.."}}\', '
            f"total='bench_requests_total{{slo=\"{i}\"}}'),\n"
            f'        alerting=Alerting(name="BenchSlo{i}BudgetBurn")),'
        )
    lines.append("]")
    (root / "slos" / "bench.py").write_text("\n".join(lines) + "\n")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _openmetrics(n: int, end: int) -> str:
    """Two counters per SLO: 1000 requests a minute, 0.05% to 2% errors."""
    out = ["# TYPE bench_requests counter"]
    start = end - HISTORY_S
    for i in range(n):
        ratio = 0.0005 * (1 + i % 40)
        errors = good = 0.0
        rows_e, rows_g = [], []
        for t in range(start, end, STEP_S):
            rows_e.append(f'bench_requests_total{{slo="{i}",code="500"}} {errors:.0f} {t}')
            rows_g.append(f'bench_requests_total{{slo="{i}",code="200"}} {good:.0f} {t}')
            errors += 1000 * ratio
            good += 1000 * (1 - ratio)
        out.extend(rows_e)
        out.extend(rows_g)
    out.append("# EOF")
    return "\n".join(out) + "\n"


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of process ``pid`` and its children (Linux /proc)."""
    import os

    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
        for p in pids:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
    except (OSError, ValueError, IndexError):
        return None
    return total


def _prometheus_cost(n: int, groups: list[RuleGroup], work: Path, timeout_s: int = 240) -> dict[str, Any]:
    prometheus, promtool = shutil.which("prometheus"), shutil.which("promtool")
    if prometheus is None or promtool is None:
        return {"skipped": "prometheus or promtool not installed (apt-get install prometheus)"}
    work.mkdir(parents=True, exist_ok=True)
    data = work / "data"
    end = int(time.time()) // STEP_S * STEP_S
    metrics = work / "metrics.om"
    metrics.write_text(_openmetrics(n, end))
    t0 = time.perf_counter()
    subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", str(metrics), str(data)], check=True, capture_output=True)
    backfill_s = time.perf_counter() - t0
    (work / "rules.yaml").write_text(dump_yaml({"groups": [render_group(g) for g in groups]}))
    (work / "prometheus.yml").write_text(
        dump_yaml({"global": {"scrape_interval": "15s", "evaluation_interval": f"{EVAL_S}s"}, "rule_files": ["rules.yaml"]})
    )
    port = _free_port()
    # `timeout` makes the server stop by itself even if this process dies.
    proc = subprocess.Popen(
        ["timeout", str(timeout_s), prometheus, f"--config.file={work / 'prometheus.yml'}", f"--storage.tsdb.path={data}",
         "--storage.tsdb.retention.time=30d", f"--web.listen-address=127.0.0.1:{port}", "--log.level=error"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        deadline = time.time() + timeout_s - 10
        rounds: list[dict[str, float]] = []
        seen: dict[str, str] = {}
        cpu_marks: list[tuple[float, float]] = []
        while time.time() < deadline and len(rounds) < 4:
            time.sleep(2)
            try:
                found = _get(f"{base}/rules")["data"]["groups"]
            except OSError:
                continue
            evaluated = {g["name"]: g for g in found if not g["lastEvaluation"].startswith("0001")}
            if len(evaluated) < len(groups):
                continue
            stamp = {name: g["lastEvaluation"] for name, g in evaluated.items()}
            # A new round once every group has been evaluated again.
            if all(stamp[k] != seen.get(k) for k in stamp):
                seen = stamp
                rounds.append({name: float(g["evaluationTime"]) for name, g in evaluated.items()})
                cpu = _cpu_seconds(proc.pid)
                if cpu is not None:
                    cpu_marks.append((time.monotonic(), cpu))
        if not rounds:
            return {"skipped": "rule groups were not evaluated in time"}
        last = rounds[-1]
        # evaluationTime is wall time: with one goroutine per group on a few shared
        # cores it includes waiting for a CPU. CPU seconds of the server per
        # evaluation interval (no scrapes configured: it is all rule evaluation)
        # is the cost that scales; measured between the 2nd and last round.
        cpu_per_round = None
        if len(cpu_marks) >= 3:
            (t0, c0), (t1, c1) = cpu_marks[1], cpu_marks[-1]
            cpu_per_round = (c1 - c0) / ((t1 - t0) / EVAL_S)
        by_stage: dict[str, float] = {}
        for name, seconds in last.items():
            stage = name.split("-")[1]
            by_stage[stage] = by_stage.get(stage, 0.0) + seconds
        series = _get(f"{base}/query?query=" + urllib.parse.quote('count({__name__=~"slo:.+|sloth_slo_info"})'))
        count = float(series["data"]["result"][0]["value"][1]) if series["data"]["result"] else 0.0
        firing = _get(f"{base}/alerts")["data"]["alerts"]
        return {
            "slos": n,
            "backfill_seconds": round(backfill_s, 2),
            "rounds_observed": len(rounds),
            "cpu_seconds_per_evaluation_round": None if cpu_per_round is None else round(cpu_per_round, 3),
            "cpu_ms_per_slo_per_round": None if cpu_per_round is None else round(1000 * cpu_per_round / n, 3),
            "group_evaluation_seconds_median": round(sorted(last.values())[len(last) // 2], 4),
            "group_evaluation_seconds_sum_wall": round(sum(last.values()), 3),
            "evaluation_seconds_by_stage": {k: round(v, 4) for k, v in sorted(by_stage.items())},
            "recorded_series": int(count),
            "recorded_series_per_slo": round(count / n, 2),
            "alerts_firing": len(firing),
        }
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def run(n: int = 500, evaluate: bool = True, metadata_interval: str | None = None) -> dict[str, Any]:
    """Build ``n`` SLOs, count what they generate and (``evaluate``) measure the
    rule evaluation cost on a real Prometheus; with ``metadata_interval`` also
    with the metadata groups evaluated at that interval (``RuleIntervals``)."""
    with tempfile.TemporaryDirectory(prefix="oac-bench-slo-") as tmp:
        work = Path(tmp)
        root = work / "project"
        _project(root, n)
        t0 = time.perf_counter()
        compiled = compile_project(root)
        build_s = time.perf_counter() - t0
        assert compiled.ok, [str(d) for d in compiled.diagnostics[:5]]
        slos = [_slo(i) for i in range(n)]
        t0 = time.perf_counter()
        generated = [generate_slo(s)[0] for s in slos]
        generate_s = time.perf_counter() - t0
        groups = [d for batch in generated for d in batch if isinstance(d, RuleGroup)]
        records = sum(isinstance(r, RecordingRule) for g in groups for r in g.rules)
        alerts = sum(isinstance(r, AlertRule) for g in groups for r in g.rules)
        result: dict[str, Any] = {
            "n": n,
            "build_seconds": round(build_s, 3),
            "build_ms_per_slo": round(1000 * build_s / n, 3),
            "generate_seconds": round(generate_s, 3),
            "rule_groups_per_slo": len(groups) / n,
            "recording_rules_per_slo": records / n,
            "alert_rules_per_slo": alerts / n,
            "sloth_recording_rules_per_slo": SLOTH_RECORDING_RULES_PER_SLO,
            "sloth_alert_rules_per_slo": SLOTH_ALERT_RULES_PER_SLO,
            "sloth_binary": shutil.which("sloth") is not None,
        }
        if evaluate:
            result["prometheus"] = _prometheus_cost(n, groups, work / "default")
            if metadata_interval is not None:
                slow_meta = RuleIntervals(metadata=metadata_interval)
                variant = [d for i in range(n) for d in generate_slo(_slo(i, slow_meta))[0] if isinstance(d, RuleGroup)]
                result[f"prometheus_metadata_every_{metadata_interval}"] = _prometheus_cost(n, variant, work / "meta")
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--no-eval", action="store_true", help="skip the Prometheus evaluation part")
    parser.add_argument("--metadata-interval", default=None, help="also measure with metadata groups at this interval (e.g. 1m)")
    args = parser.parse_args()
    json.dump(run(args.n, evaluate=not args.no_eval, metadata_interval=args.metadata_interval), sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
