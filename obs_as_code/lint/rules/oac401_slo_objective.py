"""OAC401: an SLO objective outside (0, 100) (error), or at most 1 (warning: a ratio)."""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, error, warning
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.slo.model import SLO, objective_usable
from obs_as_code.source import keyword_location


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for slo in ctx.project.all(SLO):
        value = slo.objective
        ok = objective_usable(value)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            yield error(
                keyword_location(slo.location, "objective"),
                "OAC401",
                f"SLO {slo.id!r}: objective must be a number, not {type(value).__name__} ({value!r})",
                hint="objectives are percentages of good events, e.g. objective=99.9",
            )
        elif not ok:
            yield error(
                keyword_location(slo.location, "objective"),
                "OAC401",
                f"SLO {slo.id!r}: objective {value!r} is outside (0, 100)",
                hint="objectives are percentages of good events, e.g. 99.9 (not 0.999, not 100: "
                "a 100% objective leaves no error budget to alert on)",
            )
        elif value <= 1:
            # Legal, but an objective of 0.999% is a ratio written where a
            # percentage belongs far more often than a real target.
            yield warning(
                keyword_location(slo.location, "objective"),
                "OAC401",
                f"SLO {slo.id!r}: objective {value!r} looks like a ratio: it means {value:g}%, not {value * 100:g}%",
                hint=f"write objective={value * 100:g}",
            )


CHECK = Check("OAC401", "slo-objective", "SLO objectives must be percentages strictly between 0 and 100", run)
