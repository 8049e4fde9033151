"""OAC106: two rule groups with the same name, or a group without one."""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code import names
from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.model.rules import RuleGroup


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    # Prometheus identifies a group by (file, name); across files a shared name
    # is legal but makes alerts and dashboards ambiguous, so we reject both.
    first: dict[str, RuleGroup] = {}
    for group in ctx.project.all(RuleGroup):
        if group.name == "":
            # promtool refuses the rule file ("Groupname must not be empty"); a
            # blank name is a name to it. (A rule file given to `oac lint` has
            # OAC219 say it: the lint drops OAC106 for those.) At the call, as the
            # duplicates: the incremental build keys this check by each group's
            # name, module and call (RULE_SUMMARIES), not by the keyword's column.
            yield error(group.location, "OAC106", "rule group without a name: Prometheus refuses an empty group name")
            continue
        other = first.get(group.name)
        if other is None:
            first[group.name] = group
            continue
        same_file = names.rule_file(other.module) == names.rule_file(group.module)
        where = "in the same rule file" if same_file else f"also declared in {other.module}"
        yield error(
            group.location,
            "OAC106",
            f"duplicate rule group name {group.name!r} ({where}, first at {other.location})",
        )


CHECK = Check("OAC106", "duplicate-group", "rule group names must be given and unique in the project", run)
