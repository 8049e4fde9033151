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
    said: set[tuple[int, str]] = set()  # (group, label): a group's label once, not once per alert
    for group, rule in ctx.rules():
        if not isinstance(rule, AlertRule):
            continue  # promtool parses the templates of alerting rules only
        # The group's labels are written into each rule's (rule labels win).
        inherited = {k: v for k, v in group.labels.items() if k not in rule.labels}
        for key, text in {**rule.annotations, **{f"label {k}": v for k, v in {**inherited, **rule.labels}.items()}}.items():
            if not isinstance(text, str) or "{{" not in text:
                continue  # no action: plain text, which always parses
            from_group = key.startswith("label ") and key[6:] in inherited
            if from_group:
                if (id(group), key) in said:
                    continue
                said.add((id(group), key))
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
            if not key.startswith("label "):
                loc = ctx.annotation_location(rule, key, snippet)
            else:
                loc = keyword_location(group.location if from_group else rule.location, "labels")
            what = "annotation " + repr(key) if not key.startswith("label ") else key
            owner = f"group {group.name!r} (its alerts get it)" if from_group else f"alert {rule.name!r}"
            yield error(
                loc,
                CODE,
                f"template error in {what} of {owner}: {problem}",
                hint="promtool check rules refuses the rule file, and Prometheus does not load it",
            )


# In a build too: the rule file it would write is one promtool (oac validate)
# and Prometheus refuse.
CHECK = Check(CODE, "template-syntax", "annotation templates are valid Go templates", run)
