"""OAC320: a regex in a Loki query that Loki cannot compile. Loki compiles a
stream selector's matcher (``{job=~"api|web"}``) and a label filter
(``| status=~"5.."``) as Prometheus does, ``^(?:value)$``, a line filter
(``|~ "time(out|d out)"``, ``!~ "..."``) and the ``regexp`` parser stage as they
are, all with Go's regexp (RE2 syntax), and the ``regexp`` stage needs a named
group to extract a label. The query is refused and the panel shows the error.
A value holding a Grafana variable is left alone: Loki compiles the value once
Grafana has written the variable in. The queries read are the dashboard's Loki
queries (:func:`~obs_as_code.lint.rules._loki.loki_queries`: panels' targets,
query variables' stream selectors, annotations)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.goregex import go_regex_problem, promql_regex_problem
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._dashboards import rendered
from obs_as_code.lint.rules._loki import loki_queries, query_offset_location
from obs_as_code.lint.rules.oac318_loki_empty_selector import STRING, logql_string

CODE = "OAC320"

#: A string skipped whole (group 1); a matcher or label filter ``label=~"re"``
#: (groups 2-4); a line filter ``|~ "re"`` or ``!~ "re"`` (groups 5-6); the
#: regexp stage (group 7). A string found by no other branch is skipped by the first.
_REGEX = re.compile(
    rf"({STRING})"
    rf"|([A-Za-z_]\w*)\s*(=~|!~)\s*({STRING})"
    rf"|(\|~|!~)\s*({STRING})"
    rf"|\|\s*regexp\s*({STRING})"
)
#: A named group, as Go 1.21 (Loki 2.9) writes one.
_NAMED_GROUP = re.compile(r"(?<!\\)\(\?P<")


def regex_problems(expr: str) -> Iterator[str]:
    """What Loki says of each regex of the LogQL query ``expr`` it cannot use,
    the regex shown as written; values holding a Grafana variable are skipped."""
    for _offset, problem in placed_regex_problems(expr):
        yield problem


def placed_regex_problems(expr: str) -> Iterator[tuple[int, str]]:
    """:func:`regex_problems`, each with the offset in ``expr`` of the string
    holding the regex."""
    if "~" not in expr and "regexp" not in expr:
        return
    for m in _REGEX.finditer(expr):
        if m.group(1) is not None:
            continue
        group = 4 if m.group(4) is not None else 6 if m.group(6) is not None else 7
        literal = m.group(group)
        at = m.start(group)
        if "$" in literal or "[[" in literal:
            continue
        if m.group(4) is not None:
            what = f"{m.group(2)}{m.group(3)}{literal}"
        elif m.group(6) is not None:
            what = f"the line filter {m.group(5)} {literal}"
        else:
            what = f"| regexp {literal}"
        value = logql_string(literal)
        if value is None:
            # \d, \. or \s in double quotes: Go's strconv.Unquote, which Loki's
            # lexer applies, refuses them (the commonest way to write a regex there).
            yield at, f"{what}: Loki cannot read the string: in double quotes a backslash starts a Go escape, and \\d or \\. is none"
            continue
        if m.group(4) is not None:
            problem = promql_regex_problem(value)
        else:
            problem = go_regex_problem(value)
            if m.group(7) is not None and problem is None and _NAMED_GROUP.search(value) is None:
                yield at, f"{what} has no named group (?P<name>...): at least one named capture must be supplied"
                continue
        if problem is not None:
            yield at, f"error parsing regexp in {what}: {problem}"


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for board in rendered(ctx):
        for q in loki_queries(board):
            for offset, problem in placed_regex_problems(q.expr):
                yield error(
                    query_offset_location(ctx, q, offset),
                    CODE,
                    f"Loki refuses the query of {q.what} of dashboard {board.title!r}: {problem}",
                    hint=None if q.origin == "variable" else _HINT,
                )


_HINT = (
    "Go's regexp: a named group is (?P<name>...), a repeat at most {1000}; "
    "in a double-quoted string a backslash is written \\\\ (or use `backquotes`)"
)


CHECK = Check(CODE, "loki-regex", "every regex of a Loki query must compile with Go's regexp", run)
