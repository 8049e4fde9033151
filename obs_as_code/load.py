"""Import user modules in isolation and collect what they declare.

The only place that runs user code. Each module is imported with the project root
on ``sys.path`` (so modules can share helpers: ``from alerts._lib import page``),
and every project module is dropped from ``sys.modules`` afterwards, so two loads
in one process never see each other's state. A module that raises is reported at
the innermost line of the user's own code, with the traceback trimmed to the
user's frames.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import importlib
import importlib.util
import re
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.discover import PROJECT_DIRS, ModuleRef, discover
from obs_as_code.model.base import Definition, FieldTypeError, FieldValueError
from obs_as_code.redact import is_secret_name, redact_line, scrub_files
from obs_as_code.source import (
    SourceLocation,
    at_project_root,
    char_col,
    columns,
    forget_callers,
    is_user_file,
    keyword_location,
    latest_per_file,
    loading_file,
    module_tree,
    project_root,
)

T = TypeVar("T", bound=Definition)

#: Turns a foreign object found in a module's globals (a grafanalib dashboard, a
#: plain dict in ``dashboards/``) into a Definition, or returns None.
Adapter = Callable[[str, Any, ModuleRef, SourceLocation], Definition | None]

#: Attribute an adapter function sets to True to receive, in place of the
#: location, a function returning it (``Callable[[], SourceLocation]``): finding
#: a global's line reads the module's bytecode or syntax tree, which an adapter
#: that knows a better location (a kit dashboard carries its own) never needs.
LAZY_LOCATION = "oac_lazy_location"

#: "module:function" of each adapter, imported only when a module holds an object
#: that is not one of ours.
ADAPTERS: list[str] = [
    "obs_as_code.dashboards.adapters:adapt",
]


@dataclass
class Project:
    """Everything a project declares, with the modules it came from."""

    root: Path
    modules: list[ModuleRef] = field(default_factory=list)
    definitions: list[Definition] = field(default_factory=list)

    def all(self, kind: type[T]) -> list[T]:
        """Every definition of ``kind`` in module order (a new list each call)."""
        # Checks ask for the same kinds hundreds of times (once per SLO, say), and
        # each scan of a large project's definitions cost ~1 ms. The index is
        # remembered with the list it was built from and its length: generators
        # only append, and replacing the list starts a new index.
        definitions = self.definitions
        index: tuple[list[Definition], int, dict[type, list[Any]]] | None = self.__dict__.get("_kinds")
        if index is None or index[0] is not definitions or index[1] != len(definitions):
            index = (definitions, len(definitions), {})
            self.__dict__["_kinds"] = index
        found = index[2].get(kind)
        if found is None:
            found = index[2][kind] = [d for d in definitions if isinstance(d, kind)]
        return list(found)


def _user_frames(tb: Any, root: str) -> list[traceback.FrameSummary]:
    return [f for f in traceback.extract_tb(tb) if is_user_file(f.filename, root)]


def _relative(path: str, root: str) -> str:
    return path[len(root) + 1 :] if path.startswith(root + "/") else path


def exception_diagnostic(exc: BaseException, ref: ModuleRef, root: Path) -> Diagnostic:
    """OAC101 at the innermost user frame of ``exc`` (SyntaxError at its own position)."""
    root_s = str(root)
    if isinstance(exc, SyntaxError) and exc.filename:
        loc = SourceLocation(_relative(exc.filename, root_s), exc.lineno or 0, _syntax_error_col(exc))
        # for="5m" (Prometheus' key) is a syntax error: for is a Python keyword.
        keyword = _KEYWORD_ARGUMENT.search(exc.text or "")
        hint = f"{keyword[1]} is a Python keyword: write {keyword[1]}_=" if keyword else None
        return error(loc, "OAC101", f"syntax error: {exc.msg}", hint=hint)
    frames = _user_frames(exc.__traceback__, root_s)
    if frames:
        last = frames[-1]
        colno = getattr(last, "colno", None)
        line = last.lineno or 0
        # A traceback's column counts UTF-8 bytes, ours characters.
        col = char_col(last.filename, line, colno) if isinstance(colno, int) else 0
        loc = SourceLocation(_relative(last.filename, root_s), line, col)
        if isinstance(exc, (FieldValueError, FieldTypeError)):
            # At the keyword argument holding the value, when the call has it.
            with at_project_root(root):
                loc = keyword_location(loc, exc.field)
    else:
        loc = SourceLocation(ref.path, 1, 1)
    trace = " <- ".join(
        f"{_relative(f.filename, root_s)}:{f.lineno} in {f.name}" for f in reversed(frames)
    )
    # A user's own exception may quote a URL with its password or token, or a
    # secret its module wrote (int(password) quotes the string it was given).
    name = "ValueError" if isinstance(exc, FieldValueError) else "TypeError" if isinstance(exc, FieldTypeError) else type(exc).__name__
    message = f"{name}: {redact_line(_scrubbed(str(exc), frames))}" if str(exc) else name
    fields = _keyword_hint(exc) or _import_hint(exc, root)
    hint = f"traceback (user frames): {trace}" if len(frames) > 1 else None
    if fields is not None:
        hint = fields if hint is None else f"{fields}; {hint}"
    found = error(loc, "OAC101", f"module {ref.path} raised {message}", hint=hint)
    if isinstance(exc, (FieldValueError, FieldTypeError)) and _may_hold_secrets(exc.field):
        # The line is not echoed: it is the keyword's, whose value the line
        # masking may miss (a list, a call: not a string literal).
        return dataclasses.replace(found, show_source=False)
    return found


#: Fields where literal secrets get written beside other keys: ``extra=``
#: (bearer_token, a discovery's secret_key, http_headers' secrets) and a
#: datasource's ``secure_json_data`` (its values belong to be references).
_SECRET_HOLDERS = frozenset({"extra", "secure_json_data"})


def _may_hold_secrets(field_name: str) -> bool:
    """Whether the keyword argument ``field_name=`` may hold a secret that
    :func:`redact_line` does not mask (it masks a string literal given to a
    secret-named keyword, not ``password=["hunter2"]``)."""
    return field_name in _SECRET_HOLDERS or is_secret_name(field_name)


def _scrubbed(text: str, frames: list[traceback.FrameSummary]) -> str:
    """``text`` with the secrets written in the files of ``frames`` (the user's
    modules the exception went through) replaced by ``<redacted>``."""
    return scrub_files(text, (f.filename for f in frames))


#: A keyword argument named by a Python keyword: the model spells them with a
#: trailing underscore (AlertRule.for_, Route.continue_, Email.from_, global_).
_KEYWORD_ARGUMENT = re.compile(r"(?:^|[(,])\s*(for|continue|from|global)\s*=(?!=)")
_UNEXPECTED_KEYWORD = re.compile(r"^(\w+)\.__init__\(\) got an unexpected keyword argument '(\w+)'$")
#: Keys of Prometheus' and Alertmanager's YAML that are spelled otherwise here.
_YAML_NAMES = {"record": "name", "alert": "name", "for": "for_", "continue": "continue_", "from": "from_",
               "global": "global_", "location": "time_zone"}


def _keyword_hint(exc: BaseException) -> str | None:
    """For ``Model(unknown=...)`` of one of our declaration classes: the keyword
    meant (Prometheus' YAML spelling, or a close name) and the ones it takes."""
    match = _UNEXPECTED_KEYWORD.match(str(exc)) if isinstance(exc, TypeError) else None
    if match is None:
        return None
    import dataclasses
    import difflib

    import obs_as_code
    from obs_as_code import slo

    cls = getattr(obs_as_code, match[1], None) or getattr(slo, match[1], None)
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        return None
    names = [f.name for f in dataclasses.fields(cls) if f.init and f.name not in ("location", "module")]
    wanted = _YAML_NAMES.get(match[2])
    if wanted not in names:
        close = difflib.get_close_matches(match[2], names, n=1)
        wanted = close[0] if close else None
    takes = f"{match[1]} takes {', '.join(names)}"
    return f"did you mean {wanted}=? {takes}" if wanted else takes


_CANNOT_IMPORT = re.compile(r"^cannot import name '(\w+)' from '([\w.]+)'")


def _import_hint(exc: BaseException, root: Path) -> str | None:
    """For an import of a project module by a name Python cannot find (``from _lib
    import x``, ``alerts.lib``): the module meant, as the project root names it;
    for a name the module lacks (``from alerts._lib import run_book``): the name meant."""
    import difflib

    if isinstance(exc, ModuleNotFoundError) and exc.name and exc.name.startswith("obs_as_code."):
        import pkgutil

        import obs_as_code

        ours = [f"obs_as_code.{m.name}" for m in pkgutil.iter_modules(obs_as_code.__path__) if not m.name.startswith("_")]
        near = difflib.get_close_matches(exc.name, ours, n=1, cutoff=0.75)
        return f"did you mean {near[0]}?" if near else None
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        modules = [ref.name for ref in discover(root) if ref.name.rsplit(".", 1)[-1] != "__init__"]
        last = {m: m.rsplit(".", 1)[-1] for m in modules}
        wanted = exc.name.rsplit(".", 1)[-1]
        # Its own name alone (from _lib import x), or misspelt, with or without its folder.
        meant = [m for m in modules if last[m] == wanted] or difflib.get_close_matches(exc.name, modules, n=1, cutoff=0.75)
        if not meant:
            near = difflib.get_close_matches(wanted, sorted(set(last.values())), n=1, cutoff=0.75)
            meant = [m for m in modules if near and last[m] == near[0]]
        if not meant:
            return None
        return f"did you mean {meant[0]}? project modules import each other from the project root: from {meant[0]} import ..."
    match = _CANNOT_IMPORT.match(str(exc)) if type(exc) is ImportError else None
    module = sys.modules.get(match[2]) if match is not None else None
    if match is None or module is None or "did you mean" in str(exc).lower():
        return None
    # What it exports (a package's __all__, not the submodules imported so far), else its names.
    exported = getattr(module, "__all__", None)
    close = _close(match[1], [n for n in (exported if isinstance(exported, (list, tuple)) else dir(module)) if not n.startswith("__")], 0.6)
    if close is not None:
        return f"did you mean {close}?"
    if match[2].split(".", 1)[0] != "obs_as_code":
        return None
    # A name of another of our packages (from obs_as_code import SLO): where it is.
    import importlib

    for package, names in (
        ("obs_as_code.dashboards", ["kit"]),
        *((p, list(importlib.import_module(p).__all__)) for p in ("obs_as_code", "obs_as_code.slo", "obs_as_code.e2e")),
    ):
        found = _close(match[1], names, 0.8)
        if found is not None and package != match[2]:
            return f"from {package} import {found}"
    return None


def _close(name: str, names: list[str], cutoff: float) -> str | None:
    """The name of ``names`` closest to ``name``, case aside (``Slo`` is ``SLO``)."""
    import difflib

    lower = {n.lower(): n for n in sorted(names)}
    found = difflib.get_close_matches(name.lower(), list(lower), n=1, cutoff=cutoff)
    return lower[found[0]] if found else None


def _syntax_error_col(exc: SyntaxError) -> int:
    """The 1-based character column of a SyntaxError raised importing a file.

    ``offset`` should count characters, and does for an error the parser finds
    in text (``compile(str)``); but the import system compiles the file's bytes,
    and the parser then counts bytes (without a coding declaration), as the
    compiler does for what it finds after parsing (``return`` outside a
    function), from the syntax tree's offsets. So: parse the file's text again
    (:func:`module_tree`, on the error path only) and take that error's
    column; when the text parses, the compiler raised it: convert its bytes."""
    offset = exc.offset or 0
    path = exc.filename
    line = exc.lineno or 0
    if offset <= 0 or line <= 0 or not path:
        return offset
    try:
        mtime_ns = Path(path).stat().st_mtime_ns
        module_tree(path, mtime_ns)
    except SyntaxError as again:
        same = again.lineno == line and again.msg == exc.msg and again.offset is not None
        return again.offset if same and again.offset is not None else offset
    except (OSError, UnicodeDecodeError, ValueError):
        return offset
    return char_col(path, line, offset - 1, mtime_ns)


@latest_per_file
def _global_locations(path: str, mtime_ns: int) -> dict[str, SourceLocation]:
    tree = module_tree(path, mtime_ns)  # shared with later stages (parsed once)
    cols = columns(path, mtime_ns)
    out: dict[str, SourceLocation] = {}
    for node in tree.body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        for t in targets:
            if isinstance(t, ast.Name):
                out.setdefault(t.id, SourceLocation("", t.lineno, cols.char_col(t.lineno, t.col_offset)))
    return out


_STORE_NAME = 90  # dis.opmap["STORE_NAME"] (3.11)
_EXTENDED_ARG = 144  # dis.opmap["EXTENDED_ARG"]
_STORE_NAME_BYTE = bytes([_STORE_NAME])


@latest_per_file
def _compiled_stores(path: str, mtime_ns: int) -> tuple[str, dict[str, list[int]]] | None:
    """``(source text, name -> lines where module-level code stores it at column 0)``,
    read from the module's bytecode cache (written when it was imported), or None
    when there is no valid one. Much cheaper than parsing the source: a module of
    large dict dashboards took ~50 ms to parse and ~1 ms this way."""
    import importlib.util
    import marshal
    import os

    del mtime_ns  # cache key only
    try:
        with open(importlib.util.cache_from_source(path), "rb") as f:
            data = f.read()
        st = os.stat(path)
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, NotImplementedError, ValueError):
        return None
    # The checks the import system makes on a timestamp-based .pyc.
    if (
        len(data) < 16
        or data[:4] != importlib.util.MAGIC_NUMBER
        or int.from_bytes(data[4:8], "little") != 0
        or int.from_bytes(data[8:12], "little") != int(st.st_mtime) & 0xFFFFFFFF
        or int.from_bytes(data[12:16], "little") != st.st_size & 0xFFFFFFFF
    ):
        return None
    try:
        code = marshal.loads(data[16:])
    except (EOFError, ValueError, TypeError):
        return None
    raw = code.co_code
    positions = list(code.co_positions())
    stores: dict[str, list[int]] = {}
    # The STORE_NAME opcodes found by a bytes search (a module of dict dashboards
    # is mostly other instructions: stepping through each in Python cost ~1.7 ms
    # a module); a match at an odd offset is an argument byte, not an opcode.
    i = raw.find(_STORE_NAME_BYTE)
    while i >= 0:
        if i % 2 == 0:
            arg, j, shift = raw[i + 1], i - 2, 8
            while j >= 0 and raw[j] == _EXTENDED_ARG:  # the argument's higher bytes
                arg |= raw[j + 1] << shift
                j, shift = j - 2, shift + 8
            line, _end, col, _end_col = positions[i // 2]
            if line is not None and col == 0:
                stores.setdefault(code.co_names[arg], []).append(line)
        i = raw.find(_STORE_NAME_BYTE, i + 1)
    return text, stores


def _stored_location(path: str, mtime_ns: int, name: str) -> SourceLocation | None:
    """The location :func:`_global_locations` gives ``name``, found without parsing
    when that is certain, else None: the first whole-word mention of ``name`` in the
    file must be a plain assignment at the start of a line that the module's
    bytecode really stores (not a docstring example), so no earlier binding
    (``x = name = ...``, ``name: T``) can come first."""
    found = _compiled_stores(path, mtime_ns)
    if found is None:
        return None
    text, stores = found
    lines = stores.get(name)
    if not lines:
        return None
    start = _first_word(text, name)
    if start < 0 or (start and text[start - 1] != "\n"):
        return None
    line = text.count("\n", 0, start) + 1
    if line != lines[0] or not _ASSIGNED.match(text, start + len(name)):
        return None
    return SourceLocation("", line, 1)


def _word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _first_word(text: str, name: str) -> int:
    """Offset of the first whole-word ``name`` in ``text``, or -1. (``str.find``
    and a look at both ends: a regex with a look-behind scanned ~1 ms per module.)"""
    at = text.find(name)
    while at >= 0:
        end = at + len(name)
        if (at == 0 or not _word_char(text[at - 1])) and (end == len(text) or not _word_char(text[end])):
            return at
        at = text.find(name, at + 1)
    return -1


#: What follows the name in ``name = ...`` or ``name: T = ...`` (not ``==``, ``:=``).
_ASSIGNED = re.compile(r"[ \t]*(?::(?!=)[^=\n]*)?=(?!=)")


def global_location(root: Path, ref: ModuleRef, name: str) -> SourceLocation:
    """Where module-level ``name`` is assigned in ``ref`` (for objects we did not build)."""
    path = root / ref.path
    try:
        mtime_ns = path.stat().st_mtime_ns
        found = _stored_location(str(path), mtime_ns, name)
        if found is None:
            found = _global_locations(str(path), mtime_ns).get(name)
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        found = None
    if found is None:
        return SourceLocation(ref.path, 1, 1)
    return SourceLocation(ref.path, found.line, found.col)


def _candidates(value: Any) -> Iterator[Any]:
    if isinstance(value, (list, tuple)):
        yield from value
    elif isinstance(value, dict) and not _looks_like_data(value):
        yield from value.values()
    else:
        yield value


def _looks_like_data(value: dict[Any, Any]) -> bool:
    # A module-level dict of definitions is a registry; any other dict is data
    # (a plain dashboard JSON), which adapters may claim.
    return not any(isinstance(v, Definition) for v in value.values())


def _adapters() -> list[Adapter]:
    out: list[Adapter] = []
    for target in ADAPTERS:
        module_name, attr = target.split(":")
        out.append(getattr(importlib.import_module(module_name), attr))
    return out


class _Where:
    """:func:`global_location` of one name, found on the first call."""

    __slots__ = ("found", "name", "ref", "root")

    def __init__(self, root: Path, ref: ModuleRef, name: str):
        self.root, self.ref, self.name = root, ref, name
        self.found: SourceLocation | None = None

    def __call__(self) -> SourceLocation:
        if self.found is None:
            self.found = global_location(self.root, self.ref, self.name)
        return self.found


def collect(module: Any, ref: ModuleRef, root: Path) -> list[tuple[str, Definition]]:
    """The top-level definitions in a module's globals, with the global's name."""
    found: list[tuple[str, Definition]] = []
    adapters: list[Adapter] | None = None
    for name, value in vars(module).items():
        if name.startswith("_") or isinstance(value, type) or (callable(value) and not isinstance(value, Definition)):
            continue
        if getattr(value, "__module__", None) == "builtins" and not isinstance(value, (list, tuple, dict)):
            continue
        for item in _candidates(value):
            if isinstance(item, Definition):
                if item.top_level:
                    # Assigned itself (not in a list), in the module that made it.
                    if item is value and item.location.file == ref.path:
                        item.assigned_to(name)
                    found.append((name, item))
                continue
            if item is None or isinstance(item, (str, int, float, bool, bytes)):
                continue
            if adapters is None:
                adapters = _adapters()
            where = _Where(root, ref, name)
            for adapt in adapters:
                # The lazy ones take the function (typed for the others: Adapter).
                loc: Any = where if getattr(adapt, LAZY_LOCATION, False) else where()
                adapted = adapt(name, item, ref, loc)
                if adapted is not None:
                    found.append((name, adapted))
                    break
    return found


def declares_nothing(ref: ModuleRef) -> Diagnostic:
    """OAC102 for a module that declares no definition."""
    return error(
        SourceLocation(ref.path, 1, 1),
        "OAC102",
        f"module {ref.path} declares nothing",
        hint="assign definitions (RuleGroup, ScrapeJob, Dashboard ...) to module-level "
        "names, or name the module _something.py if it only holds helpers",
    )


def _project_module_names() -> list[str]:
    tops = set(PROJECT_DIRS)
    return [m for m in sys.modules if m.split(".", 1)[0] in tops]


def _forget_project_modules() -> None:
    for name in _project_module_names():
        del sys.modules[name]
    importlib.invalidate_caches()


def import_project_module(root: Path, ref: ModuleRef) -> ModuleType:
    """Import ``ref`` as ``importlib.import_module(ref.name)`` does (with the project
    root first on ``sys.path``), but from the file discovery found rather than by
    searching its package's path for it.

    The search is what importing cost besides running the module: the finders
    on ``sys.meta_path`` in turn, the package path (of a namespace package,
    recomputed from ``sys.path`` on every import), a ``stat`` per candidate;
    about 40 microseconds a module, 4 % of a clean build of 1,000 dashboard
    modules. Packages (``__init__.py``) and what is imported already go the
    usual way.
    """
    name = ref.name
    found = sys.modules.get(name)
    if found is not None:
        return found
    parent, _, child = name.rpartition(".")
    if not parent or ref.path.rsplit("/", 1)[-1] == "__init__.py":
        return importlib.import_module(name)
    if parent not in sys.modules:
        importlib.import_module(parent)
        found = sys.modules.get(name)  # the package may import the module itself
        if found is not None:
            return found
    spec = importlib.util.spec_from_file_location(name, str(root / ref.path))
    if spec is None or spec.loader is None:  # not a source file: let the import system say why
        return importlib.import_module(name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    # As the import system marks a module while it runs: `from m import x` of a
    # module still running then says "partially initialized module ... (most
    # likely due to a circular import)" instead of a bare "cannot import name".
    spec._initializing = True  # type: ignore[attr-defined]
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    finally:
        spec._initializing = False  # type: ignore[attr-defined]
    module = sys.modules[name]  # as the import system does: a module may replace itself
    setattr(sys.modules[parent], child, module)
    return module


def load_project(root: Path, refs: Iterable[ModuleRef]) -> tuple[Project, list[Diagnostic]]:
    """Import every module in ``refs`` and collect its definitions.

    Returns the project and the load diagnostics (OAC101 a module raised, OAC102 a
    module declares nothing). Every module is tried, so one run reports them all.
    """
    root = root.resolve()
    refs = list(refs)
    project = Project(root=root, modules=refs)
    diagnostics: list[Diagnostic] = []
    held: list[tuple[ModuleRef, Definition]] = []
    failed: set[str] = set()
    token = project_root.set(str(root))
    sys.path.insert(0, str(root))
    _forget_project_modules()
    try:
        for ref in refs:
            file_token = loading_file.set(str(root / ref.path))
            try:
                module = import_project_module(root, ref)
            except (Exception, SystemExit) as exc:  # user code may raise anything
                diagnostics.append(exception_diagnostic(exc, ref, root))
                failed.add(ref.path)
                continue
            finally:
                loading_file.reset(file_token)
            held.extend((ref, definition) for _name, definition in collect(module, ref, root))
        # An object reachable from several modules (imported from a shared one)
        # belongs to the module that declared it, else to the first that holds it.
        owner: dict[int, ModuleRef] = {}
        for ref, definition in held:
            current = owner.get(id(definition))
            if current is None or (
                definition.location.file == ref.path and current.path != ref.path
            ):
                owner[id(definition)] = ref
        counted: set[int] = set()
        declared: dict[str, int] = {r.path: 0 for r in refs}
        for ref, definition in held:
            if owner[id(definition)] is not ref or id(definition) in counted:
                continue
            counted.add(id(definition))
            definition.module = ref.path
            project.definitions.append(definition)
            declared[ref.path] += 1
        for ref in refs:
            if declared[ref.path] == 0 and not ref.helper and ref.path not in failed:
                diagnostics.append(declares_nothing(ref))
    finally:
        _forget_project_modules()
        forget_callers()
        with contextlib.suppress(ValueError):
            sys.path.remove(str(root))
        project_root.reset(token)
    return project, diagnostics
