"""Where a user declared something: captured at construction, carried by every stage."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from types import CodeType, FrameType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    import ast
    from collections.abc import Callable

_PACKAGE_DIR = str(Path(__file__).resolve().parent)

#: The project root while the loader imports user modules; locations are made
#: relative to it and frames outside it are skipped.
project_root: ContextVar[str | None] = ContextVar("oac_project_root", default=None)



@contextmanager
def at_project_root(root: str | Path) -> Iterator[None]:
    """Set :data:`project_root` to ``root`` inside the block: loading, checking and
    validating read the user's files (keyword columns) relative to it, whatever
    the current directory (``oac lint -C DIR``)."""
    token = project_root.set(str(root))
    try:
        yield
    finally:
        project_root.reset(token)


#: Absolute path of the module the loader is importing right now.
loading_file: ContextVar[str | None] = ContextVar("oac_loading_file", default=None)


@dataclass(frozen=True, order=True)
class SourceLocation:
    """A position in a user's file: ``file`` relative to the project root when
    possible, 1-based ``line`` and ``col``."""

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        if self.col <= 0:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.col}"


UNKNOWN = SourceLocation("<unknown>")


def relative(path: str) -> str:
    """``path`` relative to the current project root (POSIX separators)."""
    root = project_root.get()
    if root is not None and path.startswith(root + "/"):
        return path[len(root) + 1 :]
    return path


Positions = list[tuple[int | None, int | None, int | None, int | None]]

#: id(code) -> (code, its instruction positions, the character columns of its
#: file). Decoding positions is O(code size), and a module declaring hundreds of
#: definitions captures hundreds of times from one code object: decode each
#: once, and look its file up once (not a ``stat`` per definition). Bounded to
#: the last few code objects (one module loads at a time); the code object is
#: held so its id stays unique while cached.
_POSITIONS: dict[int, tuple[CodeType, Positions, Columns]] = {}
_POSITIONS_MAX = 32


def _positions(code: CodeType) -> tuple[Positions, Columns]:
    hit = _POSITIONS.get(id(code))
    if hit is not None and hit[0] is code:
        return hit[1], hit[2]
    if len(_POSITIONS) >= _POSITIONS_MAX:
        _POSITIONS.pop(next(iter(_POSITIONS)))
    positions = list(code.co_positions())
    # The file as it is now: the version the code was compiled from, unless
    # edited since (then its positions are stale anyway).
    cols = columns(code.co_filename)
    _POSITIONS[id(code)] = (code, positions, cols)
    return positions, cols


#: (id(code), instruction offset, project root) -> (code, location): a module
#: building many definitions through helpers (a dashboard's panels and targets)
#: captures the same call site again and again. Keyed by identity, not by code
#: equality (equal code objects of two files compare equal); the code is held so
#: its id stays unique. Bounded like :data:`_POSITIONS` (cleared when full).
_LOCATIONS: dict[tuple[int, int, str | None], tuple[CodeType, SourceLocation]] = {}
_LOCATIONS_MAX = 4096


def frame_location(frame: FrameType, root: str | None = None) -> SourceLocation:
    """The location of the instruction a frame is executing (column from 3.11 positions);
    ``root`` is the current project root when the caller has read it already."""
    code = frame.f_code
    key = (id(code), frame.f_lasti, root if root is not None else project_root.get())
    hit = _LOCATIONS.get(key)
    if hit is not None and hit[0] is code:
        return hit[1]
    if len(_LOCATIONS) >= _LOCATIONS_MAX:
        _LOCATIONS.clear()
    found = _frame_location(frame)
    _LOCATIONS[key] = (code, found)
    return found


def _frame_location(frame: FrameType) -> SourceLocation:
    code = frame.f_code
    col = 0
    line = frame.f_lineno
    index = frame.f_lasti // 2
    positions, cols = _positions(code)
    pos = positions[index] if index < len(positions) else None
    if pos is not None:
        if pos[0] is not None:
            line = pos[0]
        if pos[2] is not None:
            # Positions count UTF-8 bytes; a column counts characters.
            col = cols.char_col(line, pos[2])
    return SourceLocation(relative(code.co_filename), line or 0, col)


def is_user_file(filename: str, root: str | None) -> bool:
    """True for a file of the user's project: under ``root`` (anywhere but the
    interpreter's libraries when None), never obs-as-code's own package, even when
    the package sits inside the project (as in this repository)."""
    if filename.startswith(_PACKAGE_DIR) or filename.startswith("<"):
        return False
    if root is not None:
        return filename.startswith(root + "/")
    return "site-packages" not in filename and not filename.startswith(sys.prefix)


#: project root -> file name -> :func:`is_user_file` (which depends on nothing else).
_USER_FILES: dict[str | None, dict[str, bool]] = {}


#: capture()'s last results by the frame that called into this package and the
#: instruction it runs. While a frame runs, every frame above it stays where it
#: is, so the same instruction of the same frame gives the same location: a kit
#: dashboard's panels and targets, built in one comprehension, walk the stack
#: once per call site. Generator and coroutine frames are left out (resumed from
#: elsewhere, the frames above them change). The frames are held, so that their
#: ids stay unique; only a few.
_BY_CALLER: dict[tuple[int, int, str | None, str | None], tuple[FrameType, SourceLocation]] = {}
_BY_CALLER_MAX = 8
_RESUMABLE = 0x20 | 0x80 | 0x100 | 0x200  # CO_GENERATOR, CO_COROUTINE, CO_ITERABLE_COROUTINE, CO_ASYNC_GENERATOR


def capture(skip: int = 1) -> SourceLocation:
    """Location of the innermost user frame calling into this package.

    Called by definition constructors. Module-level code gets its own line; a
    definition built inside a helper function (``alerts/_lib.py``) called from the
    module being loaded points at the call in that module, where the user wrote
    the values. Frames are the user's when they lie in the project (or, when no
    project is loading, outside this package and site-packages).
    """
    root = project_root.get()
    loading = loading_file.get()
    frame = sys._getframe(skip)
    caller: FrameType | None = frame
    while caller is not None and caller.f_code.co_filename.startswith(_PACKAGE_DIR):
        caller = caller.f_back
    if caller is None or caller.f_code.co_flags & _RESUMABLE:
        return _capture(frame, root, loading)
    key = (id(caller), caller.f_lasti, root, loading)
    hit = _BY_CALLER.get(key)
    if hit is not None and hit[0] is caller:
        return hit[1]
    found = _capture(frame, root, loading)
    if len(_BY_CALLER) >= _BY_CALLER_MAX:
        _BY_CALLER.pop(next(iter(_BY_CALLER)))
    _BY_CALLER[key] = (caller, found)
    return found


def forget_callers() -> None:
    """Drop :func:`capture`'s remembered frames (the loader calls it once the
    project's modules are imported, so that their frames are not kept)."""
    _BY_CALLER.clear()


def _capture(start: FrameType, root: str | None, loading: str | None) -> SourceLocation:
    """:func:`capture` from ``start`` up, without the memo."""
    # A dashboard captures twice per panel, from the same few files: the verdict
    # per file is remembered (for this root).
    verdicts = _USER_FILES.get(root)
    if verdicts is None:
        if len(_USER_FILES) >= 8:
            _USER_FILES.clear()
        verdicts = _USER_FILES[root] = {}
    frame: FrameType | None = start
    innermost: FrameType | None = None
    while frame is not None:
        code = frame.f_code
        filename = code.co_filename
        user = verdicts.get(filename)
        if user is None:
            user = verdicts[filename] = is_user_file(filename, root)
        if user:
            if innermost is None:
                innermost = frame
                # Module-level code declares directly: that line is the answer.
                if code.co_name == "<module>" or loading is None:
                    break
            if filename == loading:
                # Built by a helper function: point at the call in the module
                # being loaded, where the user wrote the values.
                return frame_location(frame, root)
        frame = frame.f_back
    return frame_location(innermost, root) if innermost is not None else UNKNOWN


#: Attribute on SDK model objects holding the user's line (the SDK ignores it when
#: serializing; the dashboard renderer reads it to build the source map). Here, not
#: in the kit, so that rendering does not import the SDK's builders.
LOCATION_ATTR = "_oac_location"


def location_of(model: Any) -> SourceLocation | None:
    """Where the user built ``model`` through :mod:`obs_as_code.dashboards.kit`, if they did."""
    loc = getattr(model, LOCATION_ATTR, None)
    return loc if isinstance(loc, SourceLocation) else None


T = TypeVar("T")


class latest_per_file(Generic[T]):  # lower case: used as a decorator, like functools.cache
    """Memo of ``fn(path, mtime_ns)`` (what is read or derived from the file at
    ``path`` as of ``mtime_ns``) holding one entry per file, its latest.

    ``functools.cache`` kept an entry per edit: ``oac watch`` rebuilding for a
    day kept a syntax tree of every version of every module it re-read. Like
    ``cache``, a call that raises stores nothing.
    """

    def __init__(self, fn: Callable[[str, int], T]) -> None:
        self._fn = fn
        self._memo: dict[str, tuple[int, T]] = {}
        self.__doc__ = fn.__doc__
        self.__wrapped__ = fn

    def __call__(self, path: str, mtime_ns: int) -> T:
        hit = self._memo.get(path)
        if hit is not None and hit[0] == mtime_ns:
            return hit[1]
        value = self._fn(path, mtime_ns)
        self._memo[path] = (mtime_ns, value)
        return value

    def cache_clear(self) -> None:
        """Forget every entry."""
        self._memo.clear()

    def __len__(self) -> int:
        return len(self._memo)

    def __iter__(self) -> Iterator[str]:
        """The paths held."""
        return iter(self._memo)


@latest_per_file
def module_tree(path: str, mtime_ns: int) -> ast.Module:
    """The syntax tree of the Python file at ``path`` as of ``mtime_ns``, parsed once.

    The loader (assignment lines), keyword positions, dashboard panel lines and
    lint sites all need positions in the same user modules; each used to parse
    them again, and ``ast.parse`` is one of the largest costs of a build (about
    40 ms for a 70 KB dashboard module). The tree is shared, so callers must not
    modify it. Raises ``OSError``, ``UnicodeDecodeError``, ``SyntaxError`` or
    ``ValueError`` like reading and parsing the file would.
    """
    import ast  # lazily: `oac --help` does not need it

    del mtime_ns  # cache key only: an edited file is parsed again
    # utf-8-sig: Python runs a file starting with a byte order mark, which
    # ast.parse refuses in text ("invalid non-printable character U+FEFF").
    return ast.parse(Path(path).read_text(encoding="utf-8-sig"))


def mtime_ns(path: str) -> int:
    """The modification time of the file at ``path`` in nanoseconds (-1 when it
    cannot be read): the cache key of the file readers below."""
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return -1


@latest_per_file
def file_text(path: str, mtime_ns: int) -> str | None:
    """The text of the file at ``path`` as of ``mtime_ns``, read once per version
    (None when it cannot be read as UTF-8). Without a byte order mark, and with
    universal newlines: Python's, YAML's and our columns do not count either."""
    del mtime_ns  # cache key only
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None


@latest_per_file
def file_lines(path: str, mtime_ns: int) -> tuple[str, ...]:
    """:func:`file_text`'s lines, numbered as Python and YAML number them: split at
    "\n" only (``str.splitlines()`` also breaks at a form feed, U+2028 ...);
    empty when the file cannot be read."""
    text = file_text(path, mtime_ns)
    return () if text is None else tuple(text.split("\n"))


class Columns:
    """Character columns on the lines of one version of a file.

    Python counts a position on a line in UTF-8 bytes (frames'
    ``co_positions()``, ``ast`` nodes' ``col_offset``/``end_col_offset``, a
    traceback's ``colno``); a :class:`SourceLocation` counts characters, as
    editors and YAML do and as the caret under the line needs. Only the lines
    holding a non-ASCII character are kept: on any other line a byte is a
    character and the conversion is one dictionary lookup.
    """

    __slots__ = ("_wide",)

    def __init__(self, wide: dict[int, str]) -> None:
        #: 1-based line number -> text of every line that is not ASCII.
        self._wide = wide

    def char_col(self, line: int, byte_col: int) -> int:
        """The 1-based column, in characters, of the 0-based UTF-8 byte offset
        ``byte_col`` on 1-based ``line``."""
        text = self._wide.get(line)
        if text is None:
            return byte_col + 1
        # No more characters than bytes: the first byte_col characters hold them.
        head = text[:byte_col]
        if head.isascii():
            return byte_col + 1
        return len(head.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore")) + 1


_NO_COLUMNS = Columns({})


@latest_per_file
def _columns(path: str, mtime_ns: int) -> Columns:
    del mtime_ns  # cache key only
    try:
        with open(path, "rb") as f:
            data = f.read()
        if data.isascii():
            return _NO_COLUMNS  # the common case: bytes only, not decoded
        # Python's offsets start after a byte order mark.
        text = data.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return _NO_COLUMNS  # not UTF-8 on disk: bytes are the best we have
    # Python's own line breaks ("\r\n", "\r", "\n"; str.splitlines() would
    # also break at "\x0c", U+2028 ...).
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return Columns({n: line for n, line in enumerate(lines, 1) if not line.isascii()})


def columns(path: str, mtime_ns: int | None = None) -> Columns:
    """:class:`Columns` of the file at ``path`` as of ``mtime_ns`` (its
    modification time now when None), read once per version of the file."""
    if mtime_ns is None:
        try:
            mtime_ns = os.stat(path).st_mtime_ns
        except OSError:
            return _NO_COLUMNS
    return _columns(path, mtime_ns)


def char_col(path: str, line: int, byte_col: int, mtime_ns: int | None = None) -> int:
    """The 1-based character column of Python's 0-based UTF-8 byte offset
    ``byte_col`` on ``line`` of the file at ``path`` (see :class:`Columns`)."""
    return columns(path, mtime_ns).char_col(line, byte_col)


@latest_per_file
def _call_keywords(path: str, mtime_ns: int) -> dict[tuple[int, int], dict[str, tuple[int, int]]]:
    """``(line, col)`` of every call in a file -> its keyword arguments'
    positions, columns in characters (as :func:`capture` gives a call's)."""
    import ast

    tree = module_tree(path, mtime_ns)
    cols = columns(path, mtime_ns)
    out: dict[tuple[int, int], dict[str, tuple[int, int]]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            kws = {
                kw.arg: (kw.value.lineno, cols.char_col(kw.value.lineno, kw.value.col_offset))
                for kw in node.keywords
                if kw.arg is not None
            }
            out[(node.lineno, cols.char_col(node.lineno, node.col_offset))] = kws
    return out


def keyword_location(loc: SourceLocation, keyword: str) -> SourceLocation:
    """Where the value of ``keyword=`` is written in the call at ``loc``.

    ``AlertRule(`` on line 10 with ``expr=`` on line 12 gives line 12, so an
    invalid expression is reported on the line that holds it. Falls back to
    ``loc`` when the call was not written with that keyword.
    """
    root = project_root.get()
    path = Path(loc.file) if root is None else Path(root) / loc.file
    try:
        calls = _call_keywords(str(path), path.stat().st_mtime_ns)
    except (OSError, SyntaxError, ValueError):
        return loc
    found = calls.get((loc.line, loc.col), {}).get(keyword)
    if found is None:
        return loc
    return SourceLocation(loc.file, found[0], found[1])
