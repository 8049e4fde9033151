"""OAC210: a Go template syntax error in an annotation or label."""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._templates import read
from obs_as_code.model.rules import AlertRule
from obs_as_code.source import keyword_location

CODE = "OAC210"


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for _group, rule in ctx.rules():
        if not isinstance(rule, AlertRule):
            continue
        for key, text in {**rule.annotations, **{f"label {k}": v for k, v in rule.labels.items()}}.items():
            if not isinstance(text, str) or ("{{" not in text and "}}" not in text):
                continue
            for offset, problem in read(text).errors:
                snippet = text[offset : offset + 12].split("\n")[0]
                # A label's error at its labels= argument (the rule's call is often long).
                loc = ctx.annotation_location(rule, key, snippet) if not key.startswith("label ") else keyword_location(rule.location, "labels")
                yield error(loc, CODE, f"template error in {key if key.startswith('label ') else 'annotation ' + repr(key)} of alert {rule.name!r}: {problem}", hint="Prometheus would fail to expand this template")


# Lint only: in a build, `oac validate` (promtool) rejects the same templates, at
# the same line, through OAC901.
CHECK = Check(CODE, "template-syntax", "annotation templates are valid Go templates", run, lint_only=True)
