"""OAC305: a latency panel without a time unit. ``histogram_quantile`` over a
``_seconds`` histogram shown as a plain number reads "0.25" where people expect
"250 ms"."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._dashboards import panel_title, promql_targets, rendered

#: Grafana's time unit ids.
TIME_UNITS = frozenset({"ns", "µs", "us", "ms", "s", "m", "h", "d", "dtdurations", "dtdurationms", "dthms", "dtdhms", "clockms", "clocks"})
#: Units that say the panel deliberately shows a ratio (e.g. share under 500 ms).
RATIO_UNITS = frozenset({"percentunit", "percent"})
_QUANTILE_OF_TIME = re.compile(r"histogram_quantile\s*\(.*_(seconds|milliseconds)_bucket", re.S)
_AVERAGE_OF_TIME = re.compile(r"_(seconds|milliseconds)_sum\b.*/.*_(seconds|milliseconds)_count\b", re.S)
_LATENCY_TITLE = re.compile(r"latency|duration|response time", re.I)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _at(value: Any, *keys: str | int) -> Any:
    """``value[k0][k1]...`` through dicts and lists, None where a step is missing."""
    for key in keys:
        if isinstance(key, int):
            value = value[key] if isinstance(value, list) and len(value) > key else None
        else:
            value = value.get(key) if isinstance(value, dict) else None
    return value


def unit(panel: dict[str, Any]) -> str | None:
    """The unit the panel shows its values in, read where its type keeps it:
    a heatmap's y axis (``options.yAxis.unit``; ``yAxis.format`` before Grafana 9),
    a legacy graph's left axis (``yaxes[0].format``), a singlestat's ``format``;
    else, and for every other type, the field default (``fieldConfig.defaults.unit``)."""
    kind = panel.get("type")
    own: str | None = None
    if kind == "heatmap":
        own = _text(_at(panel, "options", "yAxis", "unit")) or _text(_at(panel, "yAxis", "format"))
    elif kind == "graph":
        own = _text(_at(panel, "yaxes", 0, "format"))
    elif kind == "singlestat":
        own = _text(panel.get("format"))
    return own or _text(_at(panel, "fieldConfig", "defaults", "unit"))


@lru_cache(maxsize=1 << 14)
def returns_time(expr: str) -> bool:
    """A quantile of a ``_seconds`` histogram, or a ``_sum`` / ``_count`` mean of one
    (cached: dashboards repeat queries, and the patterns scan the whole text)."""
    return bool(_QUANTILE_OF_TIME.search(expr) or _AVERAGE_OF_TIME.search(expr))


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for board in rendered(ctx):
        flagged: set[tuple[str | int, ...]] = set()
        for t in promql_targets(board):
            expr = t.expr
            if "_seconds" not in expr and "_milliseconds" not in expr:
                continue  # neither pattern nor the latency-title test can match
            if t.panel_path in flagged:
                continue
            u = unit(t.panel)
            if u in TIME_UNITS:
                continue
            timed = returns_time(expr)
            titled = bool(_LATENCY_TITLE.search(panel_title(t.panel))) and "_seconds" in expr
            if not (timed or titled) or (u in RATIO_UNITS and not timed):
                continue
            flagged.add(t.panel_path)
            yield error(
                board.locate(t.panel_path),
                "OAC305",
                f"latency panel {panel_title(t.panel)!r} in dashboard {board.title!r} has "
                f"{'unit ' + repr(u) if u else 'no unit'}; its query returns seconds",
                hint='set unit="s" (kit.SECONDS)',
            )


CHECK = Check("OAC305", "latency-unit", "latency panels must use a time unit", run)
