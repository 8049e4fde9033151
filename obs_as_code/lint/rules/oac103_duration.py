"""OAC103: a value that is not a Prometheus duration."""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.durations import DurationError, parse_ms
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.source import keyword_location

_FIELDS = (
    "for_",
    "keep_firing_for",
    "interval",
    "scrape_interval",
    "evaluation_interval",
    "scrape_timeout",
    "timeout",
    # Alertmanager (the same duration grammar): amtool refused them only in validate.
    "group_wait",
    "group_interval",
    "repeat_interval",
    "resolve_timeout",
    # Alert unit tests (AlertExpectation, ExprExpectation): promtool refuses the
    # whole test file over one bad eval_time, at the generated file's name.
    "at",
)


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for d in ctx.definitions():
        for attr in _FIELDS:
            value = getattr(d, attr, None)
            if value is None:
                continue
            try:
                parse_ms(value)
            except DurationError as exc:
                yield error(keyword_location(d.location, attr), "OAC103", f"{attr.rstrip('_')}: {exc}")


CHECK = Check("OAC103", "duration", "durations must be Prometheus durations such as 5m or 1h30m", run)
