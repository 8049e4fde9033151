"""The e2e report: per scenario, alerts expected vs fired, time to fire, receivers hit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from obs_as_code.e2e.runner import ScenarioResult
from obs_as_code.serialize import dump_json


def _secs(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}s"


def summary(results: Sequence[ScenarioResult]) -> dict[str, int]:
    """How many scenarios passed, failed and were skipped."""
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
    return counts


def render_text(results: Sequence[ScenarioResult]) -> str:
    """A terminal report (times are seconds since Prometheus started)."""
    lines: list[str] = []
    for r in results:
        lines.append(f"{r.status.upper():7} {r.name}  ({r.duration:.1f}s)")
        if r.description:
            lines.append(f"        {r.description}")
        if r.status == "skipped":
            lines.append(f"        skipped: {r.reason}")
            continue
        lines.append(f"        expected: {', '.join(r.expected) if r.expected else 'nothing fires'}")
        for a in r.alerts:
            if a.fired_after is None:
                continue
            where = ", ".join(a.receivers) if a.receivers else (a.suppressed or "not notified")
            lines.append(
                f"        {a.verdict:10} {_label_text(a.labels)}  fired {_secs(a.fired_after)}"
                f"  notified {_secs(a.notified_after)} -> {where}  resolved {_secs(a.resolved_after)}"
            )
        if r.receivers:
            hit = ", ".join(f"{name} ({n} group{'s' if n != 1 else ''})" for name, n in r.receivers.items())
            lines.append(f"        receivers: {hit}")
        for failure in r.failures:
            first, *rest = failure.splitlines() or [""]
            lines.append(f"        FAIL {first}")
            lines.extend(f"             {line}" for line in rest)
        # A second run is never silent: say why, and what the first one saw.
        for note in r.retried_after:
            first, *rest = note.splitlines() or [""]
            lines.append(f"        RETRIED {first}")
            lines.extend(f"                {line}" for line in rest)
    counts = summary(results)
    lines.append(
        f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped"
    )
    return "\n".join(lines) + "\n"


def _label_text(labels: dict[str, str]) -> str:
    name = labels.get("alertname", "?")
    inner = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k not in ("alertname", "instance"))
    return f"{name}{{{inner}}}"


def to_json(results: Sequence[ScenarioResult]) -> dict[str, Any]:
    """The report as plain data."""
    return {"summary": summary(results), "scenarios": [r.to_json() for r in results]}


def render_json(results: Sequence[ScenarioResult]) -> str:
    """The report as JSON (sorted keys, via the one serializer)."""
    return dump_json(to_json(results))
