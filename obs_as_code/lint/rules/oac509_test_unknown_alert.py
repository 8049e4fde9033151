"""OAC509: an alert unit test about an alert its rule files do not define.

promtool passes a "does not fire" expectation for a misspelled alert name, so
such a test would pass while testing nothing.

An SLO declared twice (OAC406) is generated once, from its first declaration:
the tests of the copy (``burn_rate_tests``) then test a module without the
copy's rule groups. That is the duplicate's consequence, reported once by
OAC406, not a mistake in each test: the alerts the skipped SLO would have had
count as defined by its module.

The same holds for an SLO the generator refuses (OAC401, OAC405 ...): it gets
no rule groups, and its tests' alerts are the consequence of that one error,
not a misspelt name. An SLO's alerts count as defined by its module whether or
not it was generated.
"""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.model.rules import AlertRule, RuleGroup
from obs_as_code.model.tests import RuleTest
from obs_as_code.render.tests import tested_modules
from obs_as_code.slo.generate import alert_names
from obs_as_code.slo.model import SLO
from obs_as_code.source import keyword_location


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    alerts_by_module: dict[str, set[str]] = {}
    for group in ctx.project.all(RuleGroup):
        names = alerts_by_module.setdefault(group.module or group.location.file, set())
        names.update(r.name for r in group.rules if isinstance(r, AlertRule))
    # And the alerts of its SLOs, generated or not: skipped as duplicates (OAC406)
    # or refused (OAC40x, reported at the SLO).
    for slo in ctx.project.all(SLO):
        alerts_by_module.setdefault(slo.module or slo.location.file, set()).update(alert_names(slo))
    for test in ctx.project.all(RuleTest):
        modules = tested_modules(test)
        missing = [m for m in modules if m not in alerts_by_module]
        if missing:
            yield error(keyword_location(test.location, "rule_modules"), "OAC509",
                        f"rule test {test.name!r} tests {', '.join(missing)}, which declares no rule groups",
                        hint=_module_hint(missing, list(alerts_by_module)))
            continue
        known = set().union(*(alerts_by_module.get(m, set()) for m in modules))
        for exp in test.alerts:
            if exp.alertname not in known:
                yield error(keyword_location(exp.location, "alertname"), "OAC509",
                            f"rule test {test.name!r} expects alert {exp.alertname!r}, which {', '.join(modules)} does not define",
                            hint="promtool would pass a 'does not fire' check on it without testing anything")


def _module_hint(missing: list[str], modules: list[str]) -> str | None:
    """``rule_modules`` names modules by their path from the project root
    (``alerts/api.py``): for a name written another way (``alerts.api``,
    ``alerts/api``, ``api``), the module of rule groups it means."""
    for name in missing:
        stem = name.removesuffix(".py").replace(".", "/")
        means = sorted(m for m in modules if m.removesuffix(".py") == stem or m.removesuffix(".py").rsplit("/", 1)[-1] == stem)
        if means:
            return f"rule_modules names a module by its path from the project root: write {means[0]!r}, not {name!r}"
        return f"rule_modules names a module by its path from the project root; modules with rule groups: {', '.join(sorted(modules)) or 'none'}"
    return None


CHECK = Check("OAC509", "test-unknown-alert", "alert unit tests are about alerts their rule files define", run)
