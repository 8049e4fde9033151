"""OAC209: ``$value`` formatted for the wrong unit (a ratio shown with ``%``...)."""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, Severity
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._promql import diag, parsed
from obs_as_code.lint.rules._templates import read
from obs_as_code.lint.types import result_node
from obs_as_code.model.rules import AlertRule
from obs_as_code.source import SourceLocation

CODE = "OAC209"
_DIMENSIONLESS = {None, "ratio", "percent", "bool"}


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for q, root in parsed(ctx, ("alert",)):
        rule = q.rule
        if not isinstance(rule, AlertRule):
            continue
        t = ctx.type_of(result_node(root))
        severity = Severity.ERROR if t.certain else Severity.WARNING
        for key, text in rule.annotations.items():
            if not isinstance(text, str):
                continue
            for offset, funcs, after in read(text).values:
                token = text[offset - 2 : offset + 10] if offset >= 2 else "$value"
                token = token.split("}}")[0] if "{{" in token else "$value"

                def where(rule: AlertRule = rule, key: str = key, token: str = token) -> SourceLocation:
                    return ctx.annotation_location(rule, key, token)

                last = funcs[-1] if funcs else ""
                if after == "%" and t.unit == "ratio" and last not in ("humanizePercentage",):
                    yield diag(where(), CODE, f"annotation {key!r} of alert {rule.name!r} prints a 0..1 ratio followed by '%': 0.05 shows as 0.05%", severity, "use {{ $value | humanizePercentage }} (it multiplies by 100 and adds %)")
                elif last == "humanizePercentage" and t.unit is not None and t.unit not in ("ratio", "bool", "s/s"):
                    yield diag(where(), CODE, f"annotation {key!r} of alert {rule.name!r} uses humanizePercentage on a value in {t.unit}, not a 0..1 ratio", severity, "humanizePercentage multiplies by 100; use humanize, or compute a ratio")
                elif last == "humanizeDuration" and t.unit is not None and t.unit != "seconds":
                    yield diag(where(), CODE, f"annotation {key!r} of alert {rule.name!r} uses humanizeDuration on a value in {t.unit}, not seconds", severity, "humanizeDuration reads seconds; use humanize or humanize1024 for other units")
                elif last == "humanizePercentage" and after == "%":
                    yield diag(where(), CODE, f"annotation {key!r} of alert {rule.name!r} appends '%' after humanizePercentage, which already adds it", Severity.WARNING, "drop the extra '%'")


CHECK = Check(CODE, "value-format", "annotations format $value for its unit", run)
