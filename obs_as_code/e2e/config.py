"""Rewrite the built configs for a run on loopback, in seconds instead of minutes.

Only what a local run needs changes; everything else stays as built:

- ``prometheus.yml``: every scrape job's targets point at the synthetic
  exporter (or at the real Prometheus/Alertmanager for their self-monitoring
  jobs), scrape and evaluation intervals become ``interval``, alerts go to the
  loopback Alertmanager, rule files are the rewritten copies.
- rule files: ``for``, ``keep_firing_for``, range windows, subquery steps and
  ``offset`` are divided by the scenario's time factor. Windows shrink with
  ``for`` so that an alert also *resolves* within seconds once the incident ends.
- ``alertmanager.yml``: every receiver becomes a webhook to the recorder,
  keeping its name; grouping timers become short; mute/active time intervals
  are removed only when asked.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from obs_as_code.durations import DurationError, format_ms, parse_ms

#: Jobs that scrape Prometheus and Alertmanager themselves: pointed at the real servers.
SELF_JOBS = {"prometheus": "prometheus", "alertmanager": "alertmanager"}

_DUR = r"(?:\d+(?:ms|[smhdwy]))+"
# A range selector or subquery: [5m], [1h:1m], [30m:].
_RANGE_RE = re.compile(rf"\[(\s*)({_DUR})(\s*)(?::(\s*)({_DUR})?(\s*))?\]")
_OFFSET_RE = re.compile(rf"\b(offset\s+)(-?)({_DUR})\b")


def scale_duration(value: str, factor: float, *, minimum_ms: int = 0) -> str:
    """``value`` divided by ``factor``, at least ``minimum_ms`` (0 stays 0)."""
    ms = parse_ms(value)
    if ms == 0:
        return "0s"
    scaled = max(round(ms / factor), minimum_ms, 1)
    return format_ms(scaled)


def _code_spans(expr: str) -> list[tuple[int, int]]:
    """Spans of ``expr`` outside string literals and comments (where durations live)."""
    spans: list[tuple[int, int]] = []
    start = i = 0
    n = len(expr)
    while i < n:
        ch = expr[i]
        if ch in "\"'`":
            spans.append((start, i))
            j = i + 1
            while j < n and expr[j] != ch:
                j += 2 if expr[j] == "\\" and ch != "`" else 1
            i = j + 1
            start = i
        elif ch == "#":
            spans.append((start, i))
            j = expr.find("\n", i)
            i = n if j < 0 else j
            start = i
        else:
            i += 1
    spans.append((start, n))
    return [(a, b) for a, b in spans if b > a]


def scale_expr(expr: str, factor: float, *, min_window_ms: int) -> str:
    """PromQL ``expr`` with range windows, subquery steps and offsets divided by ``factor``.

    Windows are kept at least ``min_window_ms`` long so that ``rate()`` always
    has two samples; text inside strings and comments is left alone.
    """

    def window(m: re.Match[str]) -> str:
        out = f"[{m[1]}{scale_duration(m[2], factor, minimum_ms=min_window_ms)}{m[3]}"
        if m.group(4) is not None:
            step = scale_duration(m[5], factor, minimum_ms=1000) if m[5] else ""
            out += f":{m[4]}{step}{m[6]}"
        return out + "]"

    def offset(m: re.Match[str]) -> str:
        return f"{m[1]}{m[2]}{scale_duration(m[3], factor)}"

    pieces: list[str] = []
    last = 0
    for a, b in _code_spans(expr):
        pieces.append(expr[last:a])
        code = _RANGE_RE.sub(window, expr[a:b])
        pieces.append(_OFFSET_RE.sub(offset, code))
        last = b
    pieces.append(expr[last:])
    return "".join(pieces)


@dataclass(frozen=True)
class Timing:
    """How a run compresses time."""

    #: Every ``for``, window and offset is divided by this.
    factor: float = 60.0
    #: Scrape and evaluation interval of the run.
    interval: str = "1s"
    #: Shortest range window after scaling (two scrapes or more).
    min_window: str = "4s"


def rewrite_rules(doc: Mapping[str, Any], timing: Timing) -> dict[str, Any]:
    """A rule file with its durations scaled (see :func:`scale_expr`)."""
    out = copy.deepcopy(dict(doc))
    min_window = parse_ms(timing.min_window)
    for group in out.get("groups") or []:
        # Groups evaluate at the run's interval: a group `interval: 1m` would
        # otherwise dominate every scaled timer.
        group.pop("interval", None)
        for rule in group.get("rules") or []:
            rule["expr"] = scale_expr(str(rule["expr"]), timing.factor, min_window_ms=min_window)
            for key in ("for", "keep_firing_for"):
                if key in rule:
                    rule[key] = scale_duration(str(rule[key]), timing.factor)
    return out


def rule_records(doc: Mapping[str, Any]) -> set[str]:
    """Names of the recording rules in a rule file."""
    return {
        str(rule["record"])
        for group in doc.get("groups") or []
        for rule in group.get("rules") or []
        if "record" in rule
    }


def rewrite_prometheus(
    doc: Mapping[str, Any],
    *,
    targets: Mapping[str, str],
    alertmanager: str,
    rule_files: list[str],
    timing: Timing,
) -> dict[str, Any]:
    """``prometheus.yml`` for a loopback run.

    ``targets`` maps a job name to the ``host:port`` that serves it; a job
    missing from it keeps no target (it is not part of the run).
    """
    out = copy.deepcopy(dict(doc))
    glob = out.setdefault("global", {})
    glob["scrape_interval"] = timing.interval
    glob["evaluation_interval"] = timing.interval
    # A timeout longer than the interval is a config error.
    glob["scrape_timeout"] = timing.interval
    out["alerting"] = {
        **{k: v for k, v in (out.get("alerting") or {}).items() if k != "alertmanagers"},
        "alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}],
    }
    out["rule_files"] = list(rule_files)
    jobs = []
    for job in out.get("scrape_configs") or []:
        name = job["job_name"]
        if name not in targets:
            continue
        job = {
            k: v
            for k, v in job.items()
            # Discovery, TLS and auth belong to the real deployment, not the exporter.
            if not k.endswith("_sd_configs")
            and k not in ("scheme", "tls_config", "basic_auth", "authorization", "oauth2",
                          "proxy_url", "scrape_interval", "scrape_timeout")
        }
        statics = job.get("static_configs") or [{}]
        job["static_configs"] = [
            {**static, "targets": [targets[name]]} for static in statics
        ]
        jobs.append(job)
    out["scrape_configs"] = jobs
    return out


def rule_alerts(doc: Mapping[str, Any]) -> set[str]:
    """Names of the alerting rules in a rule file."""
    return {
        str(rule["alert"])
        for group in doc.get("groups") or []
        for rule in group.get("rules") or []
        if "alert" in rule
    }


def scrape_jobs(doc: Mapping[str, Any]) -> list[str]:
    """Job names of ``prometheus.yml`` in order."""
    return [str(job["job_name"]) for job in doc.get("scrape_configs") or []]


_TIMERS = {"group_wait": "1s", "group_interval": "1s", "repeat_interval": "1h"}


def _rewrite_route(route: dict[str, Any], *, strip_mutes: bool, top: bool) -> None:
    for key, value in _TIMERS.items():
        if top or key in route:
            route[key] = value
    if strip_mutes:
        route.pop("mute_time_intervals", None)
        route.pop("active_time_intervals", None)
    for child in route.get("routes") or []:
        _rewrite_route(child, strip_mutes=strip_mutes, top=False)


def rewrite_alertmanager(
    doc: Mapping[str, Any],
    *,
    webhook_base: str,
    config_dir: Path | None = None,
    strip_mute_time_intervals: bool = False,
) -> dict[str, Any]:
    """``alertmanager.yml`` whose receivers all post to ``webhook_base/<receiver>``.

    Receiver names, routes, inhibition and grouping stay; global settings of the
    integrations go (except ``resolve_timeout``); the timers become
    short (group_wait 1s, group_interval 1s, repeat_interval 1h so a run sees
    each group once and its resolution).
    """
    out = copy.deepcopy(dict(doc))
    out["receivers"] = [
        {
            "name": receiver["name"],
            "webhook_configs": [
                {"url": f"{webhook_base.rstrip('/')}/{receiver['name']}", "send_resolved": True}
            ],
        }
        for receiver in out.get("receivers") or []
    ]
    # Global settings other than resolve_timeout configure the integrations just
    # replaced (SMTP host, Slack URL, secret files that exist only in production).
    glob = out.get("global") or {}
    out["global"] = {k: v for k, v in glob.items() if k == "resolve_timeout"}
    if not out["global"]:
        del out["global"]
    _rewrite_route(out.setdefault("route", {}), strip_mutes=strip_mute_time_intervals, top=True)
    if strip_mute_time_intervals:
        out.pop("mute_time_intervals", None)
        out.pop("time_intervals", None)
    if config_dir is not None and out.get("templates"):
        # Template globs are relative to the config file, which moves to a temp dir.
        out["templates"] = [
            t if Path(t).is_absolute() else str(config_dir / t) for t in out["templates"]
        ]
    return out


def receiver_names(doc: Mapping[str, Any]) -> list[str]:
    """Receiver names of ``alertmanager.yml``."""
    return [str(r["name"]) for r in doc.get("receivers") or []]


__all__ = [
    "SELF_JOBS",
    "DurationError",
    "Timing",
    "receiver_names",
    "rewrite_alertmanager",
    "rewrite_prometheus",
    "rewrite_rules",
    "rule_alerts",
    "rule_records",
    "scale_duration",
    "scale_expr",
    "scrape_jobs",
]
