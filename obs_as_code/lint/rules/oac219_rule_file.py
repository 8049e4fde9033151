"""OAC219: a rule file or dashboard file that cannot be read as one."""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic
from obs_as_code.lint.engine import Check, LintContext

CODE = "OAC219"


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    # The loader (obs_as_code.lint.files) decodes strictly and collects every problem.
    yield from (d for d in ctx.file_diagnostics if d.code == CODE)


CHECK = Check(CODE, "rule-file", "rule YAML decodes strictly (like rulefmt); dashboard JSON parses", run)
