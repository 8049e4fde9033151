"""Backtesting: when would the built alert rules have fired over recorded history?

The series file (OpenMetrics text with timestamps) becomes a temporary TSDB via
``promtool tsdb create-blocks-from openmetrics``; a loopback Prometheus serves
it; each alerting rule's expression is evaluated with ``query_range`` at the
rule's evaluation interval, and ``for`` / ``keep_firing_for`` are applied to the
result exactly as the rule manager does, step by step. (``promtool tsdb
create-blocks-from rules`` backfills recording rules only, so it cannot answer
this.)
"""

from __future__ import annotations

import glob as _glob
import json
import math
import subprocess
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from obs_as_code.durations import parse_ms
from obs_as_code.e2e.processes import LOOPBACK, Server, ServerError, free_port
from obs_as_code.serialize import dump_json, dump_yaml, load_yaml

#: Prometheus refuses range queries with more points than this per series.
MAX_POINTS = 11_000


class BacktestError(RuntimeError):
    """The series file or the rules could not be evaluated."""


@dataclass(frozen=True)
class Firing:
    """One episode of an alert: from the moment it fired until it resolved."""

    alertname: str
    labels: Mapping[str, str]
    fired_at: float  # unix seconds
    resolved_at: float | None  # None: still firing at the end of the history

    @property
    def severity(self) -> str:
        """The alert's severity label."""
        return self.labels.get("severity", "")

    def to_json(self) -> dict[str, Any]:
        """Plain data for the JSON output."""
        return {
            "alertname": self.alertname,
            "labels": dict(sorted(self.labels.items())),
            "fired_at": _iso(self.fired_at),
            "resolved_at": _iso(self.resolved_at) if self.resolved_at is not None else None,
        }


@dataclass
class BacktestResult:
    """Every firing over the history, in time order."""

    start: float
    end: float
    firings: list[Firing] = field(default_factory=list)
    rules: int = 0

    @property
    def pages(self) -> int:
        """Firings of critical alerts: each one pages someone."""
        return sum(1 for f in self.firings if f.severity == "critical")

    def to_json(self) -> dict[str, Any]:
        """Plain data for the JSON output."""
        return {
            "start": _iso(self.start),
            "end": _iso(self.end),
            "rules": self.rules,
            "pages": self.pages,
            "firings": [f.to_json() for f in self.firings],
        }


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def series_range(path: Path) -> tuple[float, float]:
    """First and last sample timestamps (seconds) of an OpenMetrics file."""
    lo, hi = math.inf, -math.inf
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip() or line.startswith("#"):
                continue
            # Label values may hold spaces: split after the label set.
            rest = line[line.rfind("}") + 1 :] if "}" in line else line.split(None, 1)[1]
            parts = rest.split()
            if len(parts) < 2:
                raise BacktestError(f"{path}: sample without a timestamp: {line.strip()[:80]}")
            try:
                ts = float(parts[1])
            except ValueError:
                raise BacktestError(f"{path}: not an OpenMetrics sample: {line.strip()[:80]}") from None
            lo, hi = min(lo, ts), max(hi, ts)
    if lo is math.inf:
        raise BacktestError(f"{path}: no samples")
    return lo, hi


def episodes(
    points: Sequence[float], step: float, for_s: float, keep_firing_for_s: float = 0.0, end: float | None = None
) -> list[tuple[float, float | None]]:
    """Firing episodes ``(fired_at, resolved_at)`` from the evaluation times at which
    an alerting expression returned this series.

    Mirrors the rule manager evaluating every ``step`` seconds: pending from the
    first evaluation with a result, firing at the first evaluation at least
    ``for_s`` later (still with a result), resolved at the first evaluation
    without a result, or with ``keep_firing_for_s`` at the first one at least
    that long after the first evaluation without a result. ``resolved_at`` is None when the alert still fires at
    ``end`` (default: the last point).
    """
    out: list[tuple[float, float | None]] = []
    if not points:
        return out
    end = points[-1] if end is None else end
    tol = step * 0.5
    runs: list[tuple[float, float]] = []
    run_start = prev = points[0]
    for t in points[1:]:
        if t - prev > step + tol:
            runs.append((run_start, prev))
            run_start = t
        prev = t
    runs.append((run_start, prev))
    # Resolution comes at the first evaluation without a result, or with
    # keep_firing_for at the first one that much after that (KeepFiringSince).
    linger = step + (math.ceil(keep_firing_for_s / step - 1e-9) * step if keep_firing_for_s > 0 else 0.0)
    wait = math.ceil(for_s / step - 1e-9) * step
    fired_at: float | None = None
    last_seen = -math.inf
    for start, stop in runs:
        if fired_at is not None:
            if start < last_seen + linger + tol:
                last_seen = stop  # keep_firing_for bridged the gap
                continue
            out.append((fired_at, last_seen + linger))
            fired_at = None
        if start + wait <= stop + tol:
            fired_at = start + wait
            last_seen = stop
    if fired_at is not None:
        resolved = last_seen + linger
        out.append((fired_at, None if resolved > end + tol else resolved))
    return out


def _query_range(base: str, expr: str, start: float, end: float, step: float) -> list[dict[str, Any]]:
    data = urllib.parse.urlencode({"query": expr, "start": start, "end": end, "step": step}).encode()
    req = urllib.request.Request(f"{base}/api/v1/query_range", data=data, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            body = json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        raise BacktestError(f"query failed: {exc.read()[:300]!r}\n{expr}") from exc
    result: list[dict[str, Any]] = body["data"]["result"]
    return result


def alert_rules(build_dir: Path) -> list[tuple[dict[str, Any], float]]:
    """Every alerting rule in the built rule files with its evaluation interval (s)."""
    prom_doc = load_yaml((build_dir / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    default = parse_ms(str((prom_doc.get("global") or {}).get("evaluation_interval", "1m"))) / 1000
    out: list[tuple[dict[str, Any], float]] = []
    for pattern in prom_doc.get("rule_files") or []:
        for path in sorted(_glob.glob(str(build_dir / "prometheus" / pattern))):
            doc = load_yaml(Path(path).read_text(encoding="utf-8")) or {}
            for group in doc.get("groups") or []:
                interval = parse_ms(str(group["interval"])) / 1000 if group.get("interval") else default
                out.extend((rule, interval) for rule in group.get("rules") or [] if "alert" in rule)
    return out


def backtest(series: Path, build_dir: Path, *, prometheus: str, promtool: str) -> BacktestResult:
    """Evaluate the built alerting rules over the history in ``series``."""
    start, end = series_range(series)
    rules = alert_rules(build_dir)
    result = BacktestResult(start, end, rules=len(rules))
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="oac-backtest-")))
        data = tmp / "data"
        proc = subprocess.run(
            [promtool, "tsdb", "create-blocks-from", "openmetrics", str(series), str(data)],
            capture_output=True, text=True, timeout=600, check=False,
        )
        if proc.returncode != 0:
            raise BacktestError(f"promtool tsdb create-blocks-from openmetrics failed:\n{proc.stderr or proc.stdout}")
        (tmp / "prometheus.yml").write_text(dump_yaml({"global": {"scrape_interval": "1m"}}), encoding="utf-8")
        port = free_port()
        server = stack.enter_context(
            Server(
                "prometheus",
                [
                    prometheus,
                    f"--config.file={tmp / 'prometheus.yml'}",
                    f"--storage.tsdb.path={data}",
                    # Blocks are old: keep them, whatever their age.
                    "--storage.tsdb.retention.time=100y",
                    f"--web.listen-address={LOOPBACK}:{port}",
                    f"--web.external-url=http://{LOOPBACK}:{port}/",
                    "--log.level=warn",
                ],
                f"http://{LOOPBACK}:{port}/-/ready",
                tmp / "prometheus.log",
            )
        )
        base = f"http://{LOOPBACK}:{port}"
        for rule, interval in rules:
            step = max(interval, math.ceil((end - start) / (MAX_POINTS - 1)))
            try:
                series_list = _query_range(base, str(rule["expr"]), start, end, step)
            except (BacktestError, ServerError) as exc:
                raise BacktestError(f"{rule['alert']}: {exc}\n{server.log_tail()}") from exc
            for_s = parse_ms(str(rule.get("for", "0s"))) / 1000
            keep_s = parse_ms(str(rule.get("keep_firing_for", "0s"))) / 1000
            for item in series_list:
                labels = {k: v for k, v in item["metric"].items() if k != "__name__"}
                labels.update({str(k): str(v) for k, v in (rule.get("labels") or {}).items()})
                labels["alertname"] = str(rule["alert"])
                points = [float(t) for t, _ in item["values"]]
                for fired, resolved in episodes(points, step, for_s, keep_s, end):
                    result.firings.append(Firing(str(rule["alert"]), labels, fired, resolved))
    result.firings.sort(key=lambda f: (f.fired_at, f.alertname, sorted(f.labels.items())))
    return result


def render_text(result: BacktestResult) -> str:
    """A table of firings and the page count."""
    lines = [f"history {_iso(result.start)} .. {_iso(result.end)}; {result.rules} alerting rules"]
    for f in result.firings:
        until = _iso(f.resolved_at) if f.resolved_at is not None else "still firing"
        minutes = ((f.resolved_at or result.end) - f.fired_at) / 60
        extra = ",".join(f'{k}="{v}"' for k, v in sorted(f.labels.items()) if k not in ("alertname", "severity"))
        lines.append(f"  {_iso(f.fired_at)}  {f.alertname} [{f.severity or '-'}] {{{extra}}}  until {until} ({minutes:.0f} min)")
    names = len({f.alertname for f in result.firings})
    lines.append(f"{len(result.firings)} firing(s) of {names} alert(s); {result.pages} page(s) (critical)")
    return "\n".join(lines) + "\n"


def render_json(result: BacktestResult) -> str:
    """The result as JSON."""
    return dump_json(result.to_json())
