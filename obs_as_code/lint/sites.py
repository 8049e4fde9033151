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

from obs_as_code.lint.types import STRINGS, children, is_a, selector_name
from obs_as_code.source import (
    SourceLocation,
    char_col,
    columns,
    file_text,
    keyword_location,
    latest_per_file,
    module_tree,
    mtime_ns,
)


def _read(path: str) -> str:
    """The text of the file at ``path`` as it is now: ``oac watch`` lints again
    in the same process once a module is saved, and positions read from the
    text of an earlier version named the wrong line and column."""
    return file_text(path, mtime_ns(path)) or ""


def _line_starts(path: str) -> tuple[int, ...]:
    """Offsets in :func:`_read` ``(path)`` of the start of each line."""
    return _starts(path, mtime_ns(path))


@latest_per_file
def _starts(path: str, mtime_ns: int) -> tuple[int, ...]:
    starts = [0]
    for m in re.finditer("\n", file_text(path, mtime_ns) or ""):
        starts.append(m.end())
    return tuple(starts)


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
    #: A dashboard's target in Python source (or its panel, or the dashboard,
    #: when the source map cannot place the target): never answered with text
    #: outside the value. Without an end of its own, the value is the expression
    #: (or top-level statement) that starts at ``line``/``col``, and a query is
    #: located in it only through a string literal there holding its whole text
    #: (:meth:`written`): a query the kit's helpers, an f-string or a constant
    #: built is not in the file as such, and its token found elsewhere (a
    #: comment, a constant, another panel) did not make this one. With an end,
    #: the search stays between start and end.
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

    def _bounds(self, text: str) -> tuple[int, int]:
        """Offsets in ``text`` (the file's) of this value's start and end."""
        begin = self._offset(self.line, self.col)
        end = self._offset(self.end_line, self.end_col) if self.end_line else len(text)
        return begin, max(end, begin)

    def locate(self, token: str, nth: int = 0) -> SourceLocation:
        """The position of the ``nth`` occurrence of ``token`` inside this value,
        else its first occurrence in the file (never for an :attr:`in_statement`
        site), else the value's start (always, for an :attr:`in_statement` site
        without an end: only :meth:`written` finds text within one)."""
        text = _read(self.path)
        if not token or not text or (self.in_statement and not self.end_line):
            return self.start
        begin, end = self._bounds(text)
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
        """Map ``expr[span[0]:span[1]]`` (a token of the expression) to the file.

        An :attr:`in_statement` site without an end answers with its own start
        unless a string literal within it holds ``expr`` (:meth:`written`)."""
        if span is None:
            return self.start
        if self.in_statement and not self.end_line:
            literal = self.written(expr)
            return self.start if literal is None else literal.locate_in_expr(expr, span)
        start, stop = span
        token = expr[start:stop]
        # Prefer the longest unambiguous context: the token with the rest of its line
        # (where the site may be answered with: within it, when it is bounded).
        line_end = expr.find("\n", start)
        context = expr[start : line_end if line_end >= 0 else len(expr)].rstrip()
        if len(context) > len(token):
            text = _read(self.path)
            begin, end = self._bounds(text) if self.in_statement else (0, len(text))
            if text.find(context, begin, end) >= 0:
                return self.locate(context, expr.count(context, 0, start))
        return self.locate(token, expr.count(token, 0, start))

    def written(self, expr: str) -> Site | None:
        """The string literal holding exactly ``expr`` within the Python value
        that starts at this site (the expression starting there, or the
        top-level statement; the statement holding :attr:`line` when nothing
        starts there), as a bounded :attr:`in_statement` site; None when there is
        none (the text was built: a helper, an f-string, a constant elsewhere).
        Asked for a finding only: it costs a walk of that part of the syntax tree."""
        try:
            mtime_ns = Path(self.path).stat().st_mtime_ns
        except OSError:
            return None
        found = _literals(self.path, mtime_ns, self.line, self.col).get(expr)
        if found is None:
            return None
        line, col, end_line, end_col = found
        return Site(self.file, self.path, line, col, end_line, end_col, in_statement=True)


@latest_per_file
def _python_nodes(path: str, mtime_ns: int) -> tuple[dict[tuple[int, int], ast.stmt], dict[tuple[int, int], ast.expr]]:
    """A Python file's top-level statements and its expressions (the outermost
    one of those starting at the same place) by their (line, 1-based col), the
    column in characters as every :class:`SourceLocation` counts it (the tree's
    own offsets are UTF-8 bytes)."""
    # The tree the loader already parsed (source.module_tree), not a new parse.
    tree = module_tree(path, mtime_ns)
    cols = columns(path, mtime_ns)
    statements = {(node.lineno, cols.char_col(node.lineno, node.col_offset)): node for node in tree.body}
    expressions: dict[tuple[int, int], ast.expr] = {}
    for node in ast.walk(tree):  # breadth first: an outer expression comes first
        if isinstance(node, ast.expr):
            expressions.setdefault((node.lineno, cols.char_col(node.lineno, node.col_offset)), node)
    return statements, expressions


def _python_spans(path: str) -> dict[tuple[int, int], ast.expr]:
    """:func:`_python_nodes`' expressions of the file at ``path`` (empty when it
    cannot be read or parsed)."""
    try:
        return _python_nodes(path, Path(path).stat().st_mtime_ns)[1]
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return {}


@lru_cache(maxsize=1024)
def _literals(path: str, mtime_ns: int, line: int, col: int) -> dict[str, tuple[int, int, int, int]]:
    """Every string literal within the value starting at (``line``, ``col``) of a
    Python file (see :meth:`Site.written`): its text -> (line, col, end line, end
    col) of its first occurrence, columns counted in characters, 1-based."""
    try:
        statements, expressions = _python_nodes(path, mtime_ns)
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return {}
    node: ast.AST | None = statements.get((line, col)) or expressions.get((line, col))
    if node is None:
        node = next((s for s in statements.values() if s.lineno <= line <= (s.end_lineno or s.lineno)), None)
    if node is None:
        return {}
    found = sorted(
        (n.lineno, n.col_offset, n.end_lineno, n.end_col_offset, n.value)
        for n in ast.walk(node)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.end_lineno is not None and n.end_col_offset is not None
    )
    cols = columns(path, mtime_ns)
    out: dict[str, tuple[int, int, int, int]] = {}
    for start, col_bytes, end, end_bytes, value in found:
        out.setdefault(value, (start, cols.char_col(start, col_bytes), end, cols.char_col(end, end_bytes)))
    return out


def python_site(root: Path, loc: SourceLocation, keyword: str) -> Site:
    """The site of keyword argument ``keyword`` in the call a definition was built by."""
    # keyword_location reads the file under the project root, which run_checks sets.
    value = keyword_location(loc, keyword)
    path = str(root / loc.file)
    node = _python_spans(path).get((value.line, value.col)) if value != loc else None
    if node is None or node.end_lineno is None or node.end_col_offset is None:
        return Site(loc.file, path, value.line, value.col, value.line, 0)
    return Site(loc.file, path, value.line, value.col, node.end_lineno, char_col(path, node.end_lineno, node.end_col_offset))


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
    masked = STRINGS.sub(lambda m: '"' + " " * (len(m.group()) - 2) + '"', expr)
    hits = list(re.finditer(pattern, masked))
    if index < len(hits):
        return hits[index].start(), hits[index].end()
    return None


def label_span(expr: str, after: int, label: str) -> tuple[int, int] | None:
    """The first ``label`` token at or after offset ``after`` (for matchers and ``by``)."""
    masked = STRINGS.sub(lambda m: '"' + " " * (len(m.group()) - 2) + '"', expr)
    m = re.compile(r"(?<![\w:])" + re.escape(label) + r"(?![\w:])").search(masked, after)
    return (m.start(), m.end()) if m else None
