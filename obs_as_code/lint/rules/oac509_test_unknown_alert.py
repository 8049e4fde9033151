"""OAC509: an alert unit test about an alert its rule files do not define.

promtool passes a "does not fire" expectation for a misspelled alert name, so
such a test would pass while testing nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.model.rules import AlertRule, RuleGroup
from obs_as_code.model.tests import RuleTest
from obs_as_code.render.tests import tested_modules
from obs_as_code.source import keyword_location


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    alerts_by_module: dict[str, set[str]] = {}
    for group in ctx.project.all(RuleGroup):
        names = alerts_by_module.setdefault(group.module or group.location.file, set())
        names.update(r.name for r in group.rules if isinstance(r, AlertRule))
    for test in ctx.project.all(RuleTest):
        modules = tested_modules(test)
        missing = [m for m in modules if m not in alerts_by_module]
        if missing:
            yield error(keyword_location(test.location, "rule_modules"), "OAC509",
                        f"rule test {test.name!r} tests {', '.join(missing)}, which declares no rule groups")
            continue
        known = set().union(*(alerts_by_module[m] for m in modules))
        for exp in test.alerts:
            if exp.alertname not in known:
                yield error(keyword_location(exp.location, "alertname"), "OAC509",
                            f"rule test {test.name!r} expects alert {exp.alertname!r}, which {', '.join(modules)} does not define",
                            hint="promtool would pass a 'does not fire' check on it without testing anything")


CHECK = Check("OAC509", "test-unknown-alert", "alert unit tests are about alerts their rule files define", run)
