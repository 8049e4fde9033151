"""Where a query or an annotation is written, down to the column of a token.

promql-parser gives no source positions, so a check names the offending node,
:func:`node_span` finds that token in the expression text, and :class:`Site`
finds the same text in the file that holds the expression: a Python string
literal (possibly split over lines, or built in a variable elsewhere in the
module), a YAML scalar, or a JSON string.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import promql_parser as pp

from obs_as_code.lint.types import children, is_a, selector_name
from obs_as_code.source import SourceLocation, keyword_location, module_tree


@lru_cache(maxsize=256)
def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


@lru_cache(maxsize=256)
def _line_starts(path: str) -> tuple[int, ...]:
    starts = [0]
    for m in re.finditer("\n", _read(path)):
        starts.append(m.end())
    return tuple(starts)


def clear_caches() -> None:
    """Forget file contents (tests rewrite fixtures)."""
    _read.cache_clear()
    _line_starts.cache_clear()
    _python_spans.cache_clear()


@dataclass(frozen=True)
class Site:
    """A value written in a file: ``file`` as shown to users, ``path`` to read it,
    1-based ``line``/``col`` of its start and ``end_line``/``end_col`` of its end."""

    file: str
    path: str
    line: int
    col: int
    end_line: int = 0
    end_col: int = 0
    #: Search for a token only within the top-level statement holding ``line``
    #: (without an end of its own): a dashboard's panel whose target the source
    #: map cannot place. The text elsewhere in the file (a comment, another
    #: constant) did not make that panel; the statement's start is then the answer.
    in_statement: bool = False

    @property
    def start(self) -> SourceLocation:
        return SourceLocation(self.file, self.line, self.col)

    def _offset(self, line: int, col: int) -> int:
        starts = _line_starts(self.path)
        if line <= 0 or line > len(starts):
            return 0
        return starts[line - 1] + max(col - 1, 0)

    def _location(self, offset: int) -> SourceLocation:
        starts = _line_starts(self.path)
        lo, hi = 0, len(starts) - 1
        while lo < hi:  # last line start <= offset
            mid = (lo + hi + 1) // 2
            if starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return SourceLocation(self.file, lo + 1, offset - starts[lo] + 1)

    def locate(self, token: str, nth: int = 0) -> SourceLocation:
        """The position of the ``nth`` occurrence of ``token`` inside this value,
        else its first occurrence in the file, else the value's start."""
        text = _read(self.path)
        if not token or not text:
            return self.start
        begin = self._offset(self.line, self.col)
        if self.end_line:
            end = self._offset(self.end_line, self.end_col)
        elif self.in_statement:
            stop = _statement_end(self.path, self.line)
            end = self._offset(*stop) if stop is not None else begin
        else:
            end = len(text)
        end = max(end, begin)
        found = -1
        pos = begin
        for _ in range(nth + 1):
            hit = text.find(token, pos, end)
            if hit < 0:
                break
            found, pos = hit, hit + len(token)
        if found < 0:
            found = text.find(token, begin, end)
        if found < 0 and not self.in_statement:
            found = text.find(token)
        return self._location(found) if found >= 0 else self.start

    def locate_in_expr(self, expr: str, span: tuple[int, int] | None) -> SourceLocation:
        """Map ``expr[span[0]:span[1]]`` (a token of the expression) to the file."""
        if span is None:
            return self.start
        start, stop = span
        token = expr[start:stop]
        # Prefer the longest unambiguous context: the token with the rest of its line.
        line_end = expr.find("\n", start)
        context = expr[start : line_end if line_end >= 0 else len(expr)].rstrip()
        if len(context) > len(token) and context in _read(self.path):
            return self.locate(context, expr.count(context, 0, start))
        return self.locate(token, expr.count(token, 0, start))


def _statement_end(path: str, line: int) -> tuple[int, int] | None:
    """(end line, end col, 1-based) of the top-level statement of a Python file that
    holds ``line``; None when there is none (or the file does not parse)."""
    try:
        tree = module_tree(path, Path(path).stat().st_mtime_ns)
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return None
    for node in tree.body:
        if node.lineno <= line <= (node.end_lineno or node.lineno):
            return (node.end_lineno or node.lineno), (node.end_col_offset or 0) + 1
    return None


@lru_cache(maxsize=128)
def _python_spans(path: str) -> dict[tuple[int, int], tuple[int, int]]:
    """(line, col) of every expression node in a Python file -> its (end_line, end_col)."""
    try:
        # The tree the loader already parsed (source.module_tree), not a new parse.
        tree = module_tree(path, Path(path).stat().st_mtime_ns)
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return {}
    out: dict[tuple[int, int], tuple[int, int]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.expr) and node.end_lineno is not None and node.end_col_offset is not None:
            out.setdefault((node.lineno, node.col_offset + 1), (node.end_lineno, node.end_col_offset + 1))
    return out


def python_site(root: Path, loc: SourceLocation, keyword: str) -> Site:
    """The site of keyword argument ``keyword`` in the call a definition was built by."""
    value = keyword_location(loc, keyword)
    path = str(root / loc.file)
    end = _python_spans(path).get((value.line, value.col)) if value != loc else None
    if end is None:
        return Site(loc.file, path, value.line, value.col, value.line, 0)
    return Site(loc.file, path, value.line, value.col, end[0], end[1])


# --- tokens of an expression ------------------------------------------------------

_CMP = {
    ">": r">(?!=)",
    "<": r"<(?!=)",
    ">=": r">=",
    "<=": r"<=",
    "==": r"==",
    "!=": r"!=(?!~)",
}


def _pattern(node: Any) -> str | None:
    if is_a(node, "VectorSelector"):
        name = selector_name(node)
        if node.name:
            return r"(?<![\w:\"])" + re.escape(str(name)) + r"(?![\w:\"])"
        return r"\{"
    if is_a(node, "MatrixSelector"):
        return r"\[\s*" + re.escape(pp.display_duration(node.range)) + r"\s*\]"
    if is_a(node, "Call"):
        return r"\b" + re.escape(str(node.func.name)) + r"\s*\("
    if is_a(node, "AggregateExpr"):
        return r"\b" + re.escape(str(node.op)) + r"\b"
    if is_a(node, "BinaryExpr"):
        op = str(node.op)
        return _CMP.get(op) or (r"\b" + op + r"\b" if op.isalpha() else re.escape(op))
    if is_a(node, "NumberLiteral"):
        return None
    if is_a(node, "SubqueryExpr"):
        return r"\[[^\]]*:[^\]]*\]"
    return None


def _in_order(node: Any) -> Iterator[Any]:
    # Textual order: a binary operator sits between its operands; every other
    # node's own token comes before its children's.
    if is_a(node, "BinaryExpr"):
        yield from _in_order(node.lhs)
        yield node
        yield from _in_order(node.rhs)
        return
    if is_a(node, "MatrixSelector"):
        yield from _in_order(node.vector_selector)
        yield node
        return
    if is_a(node, "SubqueryExpr"):
        yield from _in_order(node.expr)
        yield node
        return
    yield node
    for child in children(node):
        yield from _in_order(child)


_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')


def node_span(expr: str, root: Any, node: Any) -> tuple[int, int] | None:
    """``(start, end)`` of ``node``'s own token in ``expr`` (a function name, a
    metric name, an operator, a range), or None when it cannot be found."""
    pattern = _pattern(node)
    if pattern is None:
        return None
    same = [n for n in _in_order(root) if _pattern(n) == pattern]
    index = next((i for i, n in enumerate(same) if n is node), None)
    if index is None:
        return None
    # Blank out string literals (label values) so tokens inside them never match.
    masked = _STRINGS.sub(lambda m: '"' + " " * (len(m.group()) - 2) + '"', expr)
    hits = list(re.finditer(pattern, masked))
    if index < len(hits):
        return hits[index].start(), hits[index].end()
    return None


def label_span(expr: str, after: int, label: str) -> tuple[int, int] | None:
    """The first ``label`` token at or after offset ``after`` (for matchers and ``by``)."""
    masked = _STRINGS.sub(lambda m: '"' + " " * (len(m.group()) - 2) + '"', expr)
    m = re.compile(r"(?<![\w:])" + re.escape(label) + r"(?![\w:])").search(masked, after)
    return (m.start(), m.end()) if m else None
