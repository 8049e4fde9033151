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
import math
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from obs_as_code.durations import parse_ms
from obs_as_code.e2e.panel_data.prometheus import PrometheusClient, PrometheusError
from obs_as_code.e2e.processes import LOOPBACK, ServerError, start_on_free_port
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
    try:
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if not line.strip() or line.startswith("#"):
                    continue
                # Label values may hold spaces: split after the label set.
                name_and_rest = line.split(None, 1)
                if "}" not in line and len(name_and_rest) < 2:
                    # A lone word: no value, no timestamp (not OpenMetrics at all).
                    raise BacktestError(f"{path}: not an OpenMetrics sample: {line.strip()[:80]}")
                rest = line[line.rfind("}") + 1 :] if "}" in line else name_and_rest[1]
                parts = rest.split()
                if len(parts) < 2:
                    raise BacktestError(f"{path}: sample without a timestamp: {line.strip()[:80]}")
                try:
                    ts = float(parts[1])
                except ValueError:
                    raise BacktestError(f"{path}: not an OpenMetrics sample: {line.strip()[:80]}") from None
                lo, hi = min(lo, ts), max(hi, ts)
    except UnicodeDecodeError as exc:
        raise BacktestError(f"{path}: not a text file (OpenMetrics is UTF-8): {exc.reason} at byte {exc.start}") from None
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
    # panel_data's Prometheus client (the same POST to /api/v1/query_range).
    try:
        return PrometheusClient(base, timeout=60).query_range(expr, start, end, round(step * 1000))
    except PrometheusError as exc:
        raise BacktestError(f"query failed: {exc}\n{expr}") from exc


def _rule_files(build_dir: Path) -> tuple[list[dict[str, Any]], float]:
    """Rule documents of build/ in prometheus.yml order, and the default evaluation interval (s)."""
    prom_doc = load_yaml((build_dir / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    default = parse_ms(str((prom_doc.get("global") or {}).get("evaluation_interval", "1m"))) / 1000
    docs: list[dict[str, Any]] = []
    for pattern in prom_doc.get("rule_files") or []:
        for path in sorted(_glob.glob(str(build_dir / "prometheus" / pattern))):
            docs.append(load_yaml(Path(path).read_text(encoding="utf-8")) or {})
    return docs, default


def _rules_of(build_dir: Path, kind: str) -> list[tuple[dict[str, Any], float]]:
    docs, default = _rule_files(build_dir)
    out: list[tuple[dict[str, Any], float]] = []
    for doc in docs:
        for group in doc.get("groups") or []:
            interval = parse_ms(str(group["interval"])) / 1000 if group.get("interval") else default
            out.extend((rule, interval) for rule in group.get("rules") or [] if kind in rule)
    return out


def alert_rules(build_dir: Path) -> list[tuple[dict[str, Any], float]]:
    """Every alerting rule in the built rule files with its evaluation interval (s)."""
    return _rules_of(build_dir, "alert")


def recording_levels(build_dir: Path) -> list[list[tuple[dict[str, Any], float]]]:
    """Recording rules by dependency level: level 0 reads only raw series, level n
    reads records of lower levels (so each level can be backfilled from the last)."""
    rules = _rules_of(build_dir, "record")
    names = {str(rule["record"]) for rule, _ in rules}
    deps: dict[str, set[str]] = {}
    for rule, _ in rules:
        name = str(rule["record"])
        used = {n for n in names if n != name and re.search(rf"(?<![\w:]){re.escape(n)}(?![\w:])", str(rule["expr"]))}
        deps.setdefault(name, set()).update(used)
    level: dict[str, int] = {}
    while len(level) < len(deps):
        ready = {n: 1 + max((level[d] for d in ds), default=-1) for n, ds in deps.items() if n not in level and ds <= level.keys()}
        if not ready:
            raise BacktestError(f"recording rules depend on each other in a cycle: {sorted(set(deps) - set(level))}")
        level.update(ready)
    levels: list[list[tuple[dict[str, Any], float]]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
    for rule, interval in rules:
        levels[level[str(rule["record"])]].append((rule, interval))
    return levels


@contextmanager
def _serve(prometheus: str, data: Path, tmp: Path) -> Iterator[str]:
    """A loopback Prometheus over the TSDB in ``data``; yields its base URL."""
    config = tmp / "prometheus.yml"
    config.write_text(dump_yaml({"global": {"scrape_interval": "1m"}}), encoding="utf-8")
    server, port = start_on_free_port(
        "prometheus",
        lambda port: [
            prometheus,
            f"--config.file={config}",
            f"--storage.tsdb.path={data}",
            # Blocks are old: keep them, whatever their age.
            "--storage.tsdb.retention.time=100y",
            f"--web.listen-address={LOOPBACK}:{port}",
            f"--web.external-url=http://{LOOPBACK}:{port}/",
            "--log.level=warn",
        ],
        tmp / "prometheus.log",
    )
    try:
        yield f"http://{LOOPBACK}:{port}"
    except ServerError as exc:
        raise BacktestError(f"{exc}\n{server.log_tail()}") from exc
    finally:
        server.stop()


def _backfill_records(
    levels: list[list[tuple[dict[str, Any], float]]], start: float, end: float,
    *, prometheus: str, promtool: str, data: Path, tmp: Path,
) -> None:
    """Write every recording rule's history into ``data``, level by level."""
    for n, level in enumerate(levels):
        by_interval: dict[float, list[dict[str, Any]]] = {}
        for rule, interval in level:
            by_interval.setdefault(interval, []).append(rule)
        with _serve(prometheus, data, tmp) as base:
            for k, (interval, rules) in enumerate(sorted(by_interval.items())):
                rules_file = tmp / f"records-{n}-{k}.yaml"
                rules_file.write_text(dump_yaml({"groups": [{"name": f"backfill-{n}-{k}", "rules": rules}]}), encoding="utf-8")
                out = tmp / f"blocks-{n}-{k}"
                proc = subprocess.run(
                    [promtool, "tsdb", "create-blocks-from", "rules", "--quiet",
                     f"--start={int(start)}", f"--end={math.ceil(end) + 1}", f"--url={base}",
                     f"--output-dir={out}", f"--eval-interval={int(interval)}s", str(rules_file)],
                    capture_output=True, text=True, timeout=900, check=False,
                )
                if proc.returncode != 0:
                    raise BacktestError(f"promtool tsdb create-blocks-from rules failed:\n{proc.stderr or proc.stdout}")
        # Prometheus is stopped: hand it the new blocks for the next level.
        for n_dir in sorted(tmp.glob(f"blocks-{n}-*")):
            for block in n_dir.iterdir():
                if block.is_dir():
                    shutil.move(str(block), data / block.name)


def _query_chunks(base: str, expr: str, start: float, end: float, step: float) -> dict[tuple[tuple[str, str], ...], list[float]]:
    """Timestamps with a result per series, over as many range queries as the point limit needs."""
    out: dict[tuple[tuple[str, str], ...], list[float]] = {}
    t = start
    while t <= end:
        stop = min(end, t + step * (MAX_POINTS - 1))
        for item in _query_range(base, expr, t, stop, step):
            key = tuple(sorted(item["metric"].items()))
            out.setdefault(key, []).extend(float(ts) for ts, _ in item["values"])
        t = stop + step
    return out


def backtest(series: Path, build_dir: Path, *, prometheus: str, promtool: str) -> BacktestResult:
    """Evaluate the built rules over the history in ``series``: recording rules are
    backfilled first (level by level), then each alerting rule is replayed."""
    start, end = series_range(series)
    rules = alert_rules(build_dir)
    levels = recording_levels(build_dir)
    result = BacktestResult(start, end, rules=len(rules))
    with tempfile.TemporaryDirectory(prefix="oac-backtest-") as tmp_name:
        tmp = Path(tmp_name)
        data = tmp / "data"
        proc = subprocess.run(
            [promtool, "tsdb", "create-blocks-from", "openmetrics", str(series), str(data)],
            capture_output=True, text=True, timeout=900, check=False,
        )
        if proc.returncode != 0:
            raise BacktestError(f"promtool tsdb create-blocks-from openmetrics failed:\n{proc.stderr or proc.stdout}")
        _backfill_records(levels, start, end, prometheus=prometheus, promtool=promtool, data=data, tmp=tmp)
        with _serve(prometheus, data, tmp) as base:
            for rule, interval in rules:
                # Evaluate at the rule's own interval, as the rule manager would.
                step = float(interval)
                try:
                    found = _query_chunks(base, str(rule["expr"]), start, end, step)
                except BacktestError as exc:
                    raise BacktestError(f"{rule['alert']}: {exc}") from exc
                for_s = parse_ms(str(rule.get("for", "0s"))) / 1000
                keep_s = parse_ms(str(rule.get("keep_firing_for", "0s"))) / 1000
                for key, points in found.items():
                    labels = {k: v for k, v in key if k != "__name__"}
                    labels.update({str(k): str(v) for k, v in (rule.get("labels") or {}).items()})
                    labels["alertname"] = str(rule["alert"])
                    for fired, resolved in episodes(sorted(set(points)), step, for_s, keep_s, end):
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
