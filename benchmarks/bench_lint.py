"""Benchmark: ``oac lint`` against ``promtool check rules`` on the same synthetic rules.

``run(rules=10000)`` writes a rule file of ``rules`` rules (a realistic mix of
error ratios, latency quantiles, recording rules, saturation and absent()
alerts with annotations), lints it in-process with the semantic checks and
runs ``promtool check rules`` on the same file in the same run, and returns the
timings and their ratio. ``make bench`` (wired by the scale work) prints it.
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

_SERVICES = ("api", "web", "gateway", "worker", "billing", "search", "auth", "queue")


def _rule(i: int) -> dict[str, Any]:
    svc = f"{_SERVICES[i % len(_SERVICES)]}{i // len(_SERVICES)}"
    kind = i % 5
    if kind == 0:
        return {
            "alert": f"HighErrorRatio{i}",
            "expr": (
                f'sum by (job) (rate(http_requests_total{{job="{svc}", status=~"5.."}}[5m]))\n'
                f'/ sum by (job) (rate(http_requests_total{{job="{svc}"}}[5m])) > 0.05'
            ),
            "for": "10m",
            "labels": {"severity": "warning", "team": svc},
            "annotations": {
                "summary": f"{svc}: too many errors on {{{{ $labels.job }}}}",
                "description": "{{ $value | humanizePercentage }} of requests fail.",
                "runbook_url": f"https://runbooks.example.com/{svc}#errors",
            },
        }
    if kind == 1:
        return {
            "alert": f"HighLatencyP95{i}",
            "expr": (
                f"histogram_quantile(0.95, sum by (job, le) "
                f'(rate(http_request_duration_seconds_bucket{{job="{svc}"}}[5m]))) > 1'
            ),
            "for": "10m",
            "labels": {"severity": "warning"},
            "annotations": {
                "summary": f"{svc} p95 latency is high",
                "description": "p95 is {{ $value | humanizeDuration }}.",
                "runbook_url": f"https://runbooks.example.com/{svc}#latency",
            },
        }
    if kind == 2:
        return {
            "record": f"job:http_requests:rate5m_{i}",
            "expr": f'sum by (job, status) (rate(http_requests_total{{job="{svc}"}}[5m]))',
        }
    if kind == 3:
        return {
            "alert": f"DiskFillingUp{i}",
            "expr": (
                f'predict_linear(node_filesystem_avail_bytes{{job="{svc}", fstype!=""}}[6h], 4 * 3600) < 0\n'
                f'and node_filesystem_avail_bytes{{job="{svc}"}} / node_filesystem_size_bytes{{job="{svc}"}} < 0.2'
            ),
            "for": "1h",
            "labels": {"severity": "critical"},
            "annotations": {
                "summary": "{{ $labels.instance }}: {{ $labels.mountpoint }} is filling up",
                "runbook_url": f"https://runbooks.example.com/{svc}#disk",
            },
        }
    return {
        "alert": f"TargetMissing{i}",
        "expr": f'absent(up{{job="{svc}"}} == 1) or max by (instance) (time() - process_start_time_seconds{{job="{svc}"}}) < 60',
        "for": "5m",
        "labels": {"severity": "info"},
        "annotations": {"summary": f"{svc} restarted or is missing", "runbook_url": f"https://runbooks.example.com/{svc}#up"},
    }


class _Dumper(yaml.SafeDumper):
    """Multi-line strings as ``|`` blocks, like generated rule files (mixins)."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def write_rules(path: Path, rules: int, per_group: int = 100) -> Path:
    """Write ``rules`` synthetic rules into one rule file at ``path``."""
    all_rules = [_rule(i) for i in range(rules)]
    groups = [
        {"name": f"synthetic-{g}", "rules": all_rules[g * per_group : (g + 1) * per_group]}
        for g in range((rules + per_group - 1) // per_group)
    ]
    path.write_text(yaml.dump({"groups": groups}, Dumper=_Dumper, sort_keys=False, width=1000), encoding="utf-8")
    return path


def run(rules: int = 10000) -> dict[str, Any]:
    """Lint ``rules`` synthetic rules with ``oac lint`` and ``promtool check rules``."""
    from obs_as_code.lint.api import lint

    with tempfile.TemporaryDirectory(prefix="oac-bench-lint-") as tmp:
        root = Path(tmp)
        rule_file = write_rules(root / "rules.yaml", rules)
        started, cpu = time.perf_counter(), time.process_time()
        diagnostics = lint(root, [rule_file], scrape_interval=15.0)
        oac_seconds = time.perf_counter() - started
        oac_cpu = time.process_time() - cpu
        result: dict[str, Any] = {
            "name": "lint",
            "rules": rules,
            "oac_lint_seconds": round(oac_seconds, 3),
            "oac_lint_cpu_seconds": round(oac_cpu, 3),
            "oac_findings": len(diagnostics),
            "oac_errors": sum(d.severity.value == "error" for d in diagnostics),
        }
        promtool = shutil.which("promtool")
        if promtool is None:
            result["promtool_seconds"] = None
            result["ratio"] = None
            result["note"] = "promtool not installed (apt-get install prometheus)"
            return result
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.run([promtool, "check", "rules", str(rule_file)], capture_output=True, text=True, check=False)
        promtool_seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        promtool_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        result["promtool_seconds"] = round(promtool_seconds, 3)
        result["promtool_cpu_seconds"] = round(promtool_cpu, 3)
        # CPU time is the fairer figure on a shared machine: wall time swings with load.
        result["cpu_ratio"] = round(oac_cpu / promtool_cpu, 3) if promtool_cpu else None
        result["promtool_ok"] = proc.returncode == 0
        # Below 1: oac lint (semantic checks) is faster than promtool (syntax only).
        result["ratio"] = round(oac_seconds / promtool_seconds, 3) if promtool_seconds else None
        return result


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    print(json.dumps(run(count), indent=2))
