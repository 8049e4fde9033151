"""Where a token inside a rule's expression is reported."""

from __future__ import annotations

import textwrap
from pathlib import Path

from obs_as_code.diagnostics import Diagnostic
from obs_as_code.lint.api import lint

#: A 15s scrape interval: a [10s] window is under two of them (OAC205, an error).
SCRAPE = 'from obs_as_code import PrometheusConfig\n\nconfig = PrometheusConfig(scrape_interval="15s")\n'


def at(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """(line, col), 1-based and in characters, of the ``nth`` ``needle`` in ``text``."""
    found = -1
    for _ in range(nth + 1):
        found = text.index(needle, found + 1)
    line_start = text.rfind("\n", 0, found) + 1
    return text.count("\n", 0, found) + 1, found - line_start + 1


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def found(diagnostics: list[Diagnostic], code: str) -> list[tuple[str, int, int]]:
    return sorted((d.location.file, d.location.line, d.location.col) for d in diagnostics if d.code == code)


# --- a token inside a PromQL string ------------------------------------------------


def _decoy(root: Path, name: str) -> tuple[list[tuple[str, int, int]], tuple[str, int, int]]:
    """OAC205's position for a rule named ``name``, and where its token is.

    The same text is in a comment above: were the literal searched from a wrong
    column (or none), the search would fall back to the first occurrence in the
    file, the comment."""
    text = (
        "from obs_as_code import AlertRule, RuleGroup\n"
        "# sum(rate(a_total[10s])) > 1 was the first try\n"
        f'g = RuleGroup(name="g", rules=[AlertRule(name="{name}", expr="sum(rate(a_total[10s])) > 1")])\n'
    )
    write(root, {"alerts/a.py": text, "scrape/prometheus.py": SCRAPE})
    return found(lint(root, select=["OAC205"]), "OAC205"), ("alerts/a.py", *at(text, "[10s]", 1))


def test_a_token_inside_the_expression_from_another_folder(tmp_path: Path) -> None:
    # The tests run from the repository, not the project: the keyword's position
    # is read from the file under the project's root, not the working directory.
    reported, token = _decoy(tmp_path, "ascii")
    assert reported == [token]
