"""OAC210: an annotation or label template Go's text/template parser refuses."""

from __future__ import annotations

import re
from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._gotemplate import parse_error
from obs_as_code.model.rules import AlertRule
from obs_as_code.source import keyword_location

CODE = "OAC210"
_OPENER = re.compile(r"\{\{-?\s*(if|range|with|define|block)\b")


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for _group, rule in ctx.rules():
        if not isinstance(rule, AlertRule):
            continue  # promtool parses the templates of alerting rules only
        for key, text in {**rule.annotations, **{f"label {k}": v for k, v in rule.labels.items()}}.items():
            if not isinstance(text, str) or "{{" not in text:
                continue  # no action: plain text, which always parses
            found = parse_error(text)
            if found is None:
                continue
            offset, problem = found
            opener = _OPENER.match(text, offset)
            if problem == "unexpected EOF" and opener is not None:
                # Go's message names no action: the offset is the one left open.
                problem += f" ({{{{ {opener.group(1)} }}}} without {{{{ end }}}})"
            snippet = text[offset : offset + 12].split("\n")[0]
            # A label's error at its labels= argument (the rule's call is often long).
            loc = ctx.annotation_location(rule, key, snippet) if not key.startswith("label ") else keyword_location(rule.location, "labels")
            yield error(
                loc,
                CODE,
                f"template error in {key if key.startswith('label ') else 'annotation ' + repr(key)} of alert {rule.name!r}: {problem}",
                hint="promtool check rules refuses the rule file, and Prometheus does not load it",
            )


# In a build too: the rule file it would write is one promtool (oac validate)
# and Prometheus refuse.
CHECK = Check(CODE, "template-syntax", "annotation templates are valid Go templates", run)
