"""The build cache under ``.oac-cache/``: what an incremental build may reuse.

Each entry (one module's load result, one stage's result ...) is pickled on its
own into an append-only pack (``blobs-*.pack``); a small index
(``build-v4.pickle``) names where each entry is. Entries are never changed in
place (their classes are frozen): a build that reuses an entry reuses its bytes
in the pack, so it pickles and appends only the entries that changed. The
entries hold plain data only (bytes, strings, diagnostics, locations):

- per module: the sha256 of its source, the project modules it imported (recorded
  while it loaded), its definitions pickled, and its load diagnostics;
- per module: the results of the module-local stages (module-scope checks and
  module-local renderers), keyed by a hash of the module's definitions;
- per module: what the module-local generators added (SLO rule groups and dashboards);
- per project-wide stage (check or renderer): its diagnostics and artifacts, keyed
  by the load keys of the modules holding the kinds of definitions it reads.

Every key includes :func:`package_fingerprint` (our own source, the Python version,
the installed distributions and the registration lists), so upgrading obs-as-code
or a dependency, or registering a stage, invalidates everything. A cache that cannot be read is ignored, never trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import marshal
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from obs_as_code.diagnostics import Diagnostic
from obs_as_code.discover import PROJECT_DIRS

CACHE_DIR = ".oac-cache"
CACHE_FILE = "build-v4.pickle"
_FORMAT = 4
#: Entries live in an append-only pack beside the index, so that a build writes
#: only the index and the entries that changed instead of the whole cache (~55 MB
#: on the synthetic project: rewriting it was a fifth of a one-module rebuild;
#: pickling the unchanged entries again was still a tenth).
PACK_PREFIX = "blobs-"
#: Byte strings this long or longer (pickled definitions, file contents) are
#: stored beside their entry and read back as views of the mapped pack (entries
#: without definitions or artifacts are pickled whole: see ``_without_blobs``).
MIN_BLOB = 1024
#: A byte string read from the cache: ``bytes``, or a read-only view of the pack.
Blob = bytes | memoryview
#: The sections of :class:`BuildCache` whose entries go to the pack one by one.
_SECTIONS = ("modules", "local", "generated", "stages")

_PACKAGE_DIR = Path(__file__).resolve().parent


#: A module source modified this close (ns) to when it was hashed is read again next
#: time: a write in the same timestamp tick could leave the stat unchanged (git's
#: "racily clean" rule). Sources are hashed at the start of a build and the index
#: is written at its end, so the index's own mtime cannot serve as the reference
#: (as it does for ``build/``, :func:`written_before`); 2 s covers filesystems with
#: coarse timestamps (FAT, HFS+), and re-reading a recently edited source is cheap.
RACY_NS = 2 * 10**9


def settled(mtime_ns: int, ctime_ns: int, recorded_ns: int) -> bool:
    """True when a stat recorded at ``recorded_ns`` can vouch for a file's bytes:
    the file had last changed more than :data:`RACY_NS` before."""
    return recorded_ns - max(mtime_ns, ctime_ns) > RACY_NS


def sha256(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def package_fingerprint(extra: Iterable[str] = ()) -> str:
    """A hash of our own code, the installed distributions' versions and ``extra``
    (the registration lists).

    Hashing the source rather than trusting the version string means a changed
    renderer or check in a development checkout invalidates the cache too.
    """
    h = hashlib.sha256()
    h.update(f"{_FORMAT}|{sys.version}".encode())
    # Installed distributions with their versions (PyYAML, promql-parser ... shape
    # the output too): the dist-info directory names, one listdir per path entry.
    for entry in sys.path:
        try:
            names = sorted(n for n in os.listdir(entry or ".") if n.endswith(".dist-info"))
        except OSError:
            continue
        h.update("|".join(names).encode())
    for path in sorted(_PACKAGE_DIR.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        h.update(path.relative_to(_PACKAGE_DIR).as_posix().encode())
        h.update(path.read_bytes())
    for item in extra:
        h.update(b"\0" + item.encode())
    return h.hexdigest()


#: (mtime_ns, ctime_ns, size, inode, sha256, when hashed in ns) of a source file.
FileStat = tuple[int, int, int, int, str, int]
#: ``(group name, (identity of each rule, ...))`` per named rule group of a module:
#: what OAC116 compares (``incremental.rule_identities``).
RuleIdentities = tuple[tuple[str, tuple[bytes, ...]], ...]


@dataclass(frozen=True)
class ModuleEntry:
    """What loading one module produced, as plain data."""

    #: sha256 of the module's source.
    source: str
    #: The key the entry is valid for (source, dependencies, package).
    key: str
    #: Project modules (import names) this module imported directly.
    imports: tuple[str, ...]
    #: ``pickle`` of the module's definitions; None when they cannot be pickled
    #: safely (the module is then loaded on every build).
    definitions: Blob | None
    #: sha256 of ``definitions``.
    definitions_hash: str
    diagnostics: tuple[Diagnostic, ...]
    #: The import raised (no definitions, no OAC102).
    failed: bool = False
    #: Names of the classes (with their bases) of the module's definitions: which
    #: project-wide stages read this module (``incremental.STAGE_INPUTS``).
    kinds: tuple[str, ...] = ()
    #: Hash of its catalogs, scrape jobs and Prometheus configs (``incremental.context_hash``),
    #: or None when they cannot be hashed.
    context: str | None = None
    #: Names the module's recording rules record (``incremental.RECORDED_CHECKS``).
    recorded: tuple[str, ...] = ()
    #: Its recording rules summarized (``incremental.recording_summary``), or None.
    recording: tuple[tuple[str, str, tuple[str, ...]], ...] | None = ()
    #: ``(stage, hash)``: its rule groups as project-wide stages read them
    #: (``incremental.RULE_SUMMARIES``).
    summaries: tuple[tuple[str, str], ...] = ()
    #: ``(stage, value)``: its rule groups as the stages of
    #: ``incremental.LAZY_RULE_SUMMARIES`` read them, each taken when a build first
    #: needed it (None: it could not be taken).
    lazy: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class CachedArtifact:
    """An artifact as plain data. Its data stays pickled (``data_blob``) until
    someone reads it: a build only needs the serialized ``content``."""

    path: str
    data_blob: Blob
    format: str
    sources: tuple[str, ...]
    #: ``pickle`` of the source map (thousands of locations: kept as bytes so
    #: reading and writing the cache stays a copy, not an object graph).
    source_map_blob: Blob
    content: Blob
    #: sha256 of ``content`` (computed once, when it was rendered).
    sha256: str = ""


@dataclass(frozen=True)
class LocalEntry:
    """Results of the module-local stages for one module's definitions."""

    key: str
    diagnostics: tuple[Diagnostic, ...]
    #: renderer target -> its artifacts for this module.
    artifacts: dict[str, tuple[CachedArtifact, ...]]
    #: What the local renderers reported (kept apart: the clean pipeline decides
    #: whether to tolerate a failing renderer before these exist).
    render_diagnostics: tuple[Diagnostic, ...] = ()
    #: Identifiers of the module's queries: which recording rules its key covers.
    tokens: tuple[str, ...] = ()


@dataclass(frozen=True)
class GeneratedEntry:
    """What the module-local generators added for one module's definitions."""

    #: The module's load key, the generator list and, for generators reading
    #: repository files, the stamp of those files.
    key: str
    #: Each generated definition: (its class names, its ``pickle``).
    parts: tuple[tuple[tuple[str, ...], Blob], ...]
    definitions_hash: str
    kinds: tuple[str, ...]
    context: str | None
    diagnostics: tuple[Diagnostic, ...]
    recorded: tuple[str, ...] = ()
    recording: tuple[tuple[str, str, tuple[str, ...]], ...] | None = ()
    summaries: tuple[tuple[str, str], ...] = ()
    lazy: tuple[tuple[str, Any], ...] = ()
    #: What the module's definitions claim project-wide (SLO ids): see
    #: ``incremental.GENERATOR_CLAIMS``.
    claims: tuple[str, ...] = ()


@dataclass(frozen=True)
class StageEntry:
    """The result of one project-wide check or renderer, keyed by a hash of the
    modules (load keys) holding the definition kinds it reads."""

    key: str
    diagnostics: tuple[Diagnostic, ...]
    artifacts: tuple[CachedArtifact, ...] = ()
    #: A renderer raised (tolerated: earlier stages had found errors).
    failed: bool = False
    #: What the stage's output claims project-wide (the UIDs of a module's dashboards).
    keys: tuple[str, ...] = ()


@dataclass
class BuildCache:
    """Everything an incremental build may reuse; see the module docstring.

    Replace entries, never change them: :func:`write` recognizes an entry read
    from the pack by its identity and keeps its bytes there."""

    fingerprint: str = ""
    modules: dict[str, ModuleEntry] = field(default_factory=dict)
    local: dict[str, LocalEntry] = field(default_factory=dict)
    #: module path -> what the generators added for it.
    generated: dict[str, GeneratedEntry] = field(default_factory=dict)
    #: project-wide check code or renderer target -> its last result.
    stages: dict[str, StageEntry] = field(default_factory=dict)
    #: path -> the stat and hash of a source file, so unchanged files are not read.
    stats: dict[str, FileStat] = field(default_factory=dict)
    #: The registered checks described (``lint.engine.describe_checks``): our
    #: code is part of the fingerprint, so they hold while the cache does.
    checks: tuple[tuple[str, str, str, str, bool, str], ...] = ()


def cache_path(root: Path) -> Path:
    """Where the cache of the project at ``root`` lives."""
    return root / CACHE_DIR / CACHE_FILE


@dataclass
class _Pack:
    """What this process knows of a cache directory's pack: its file name; for
    every entry read from it or written to it, where it is (by object identity, so
    an entry a build reuses is neither pickled nor written again); and the same
    for the byte strings stored out of line."""

    name: str
    #: id(entry) -> (entry, offset, length, bytes it uses with its blobs); the
    #: entry is held so its id stays unique.
    refs: dict[int, tuple[Any, int, int, int]] = field(default_factory=dict)
    #: id(blob) -> (blob, offset, length).
    blobs: dict[int, tuple[Any, int, int]] = field(default_factory=dict)

    def extent(self) -> int:
        """Where the last thing these refs name ends."""
        ends = [at + length for _e, at, length, _s in self.refs.values()]
        ends += [at + length for _b, at, length in self.blobs.values()]
        return max(ends, default=0)


_PACKS: dict[str, _Pack] = {}

#: What reading a damaged, truncated or foreign cache file can raise: it is then ignored.
_UNREADABLE = (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError, IndexError, KeyError)
_ENTRY_TYPES: dict[str, type] = {"modules": ModuleEntry, "local": LocalEntry, "generated": GeneratedEntry, "stages": StageEntry}


class _EntryUnpickler(pickle.Unpickler):
    """Unpickles one entry; its out-of-line byte strings come back as read-only
    memoryviews of the mapped pack, so the ones a build never reads (most file
    contents, most pickled definitions) cost neither a copy nor a page fault."""

    def __init__(self, data: Any, view: memoryview, pack: _Pack) -> None:
        super().__init__(io.BytesIO(data))
        self._view = view
        self._pack = pack
        self.used = 0

    def persistent_load(self, pid: Any) -> Any:
        offset, length = pid
        if offset < 0 or offset + length > len(self._view):
            raise pickle.UnpicklingError("blob outside the pack")
        blob = self._view[offset : offset + length]
        self._pack.blobs[id(blob)] = (blob, offset, length)
        self.used += length
        return blob


def read(root: Path, fingerprint: str) -> BuildCache:
    """The cache of ``root``, or an empty one when absent, unreadable or stale.

    The pack stays mapped while anything read from it is alive (a file another
    build replaces keeps its bytes until then: packs are appended to, never
    rewritten)."""
    import mmap

    path = cache_path(root)
    try:
        with path.open("rb") as fh:
            index = pickle.load(fh)
        if not (isinstance(index, tuple) and len(index) == 6 and index[0] == _FORMAT and index[2] == fingerprint):
            return BuildCache(fingerprint=fingerprint)
        _format, name, _fingerprint, stats, where, checks = index
        if not (isinstance(stats, dict) and isinstance(checks, tuple)):
            return BuildCache(fingerprint=fingerprint)
        pack = _Pack(name)
        cache = BuildCache(fingerprint=fingerprint, stats=stats, checks=checks)
        with (path.parent / pack.name).open("rb") as blobs_fh:
            size = os.fstat(blobs_fh.fileno()).st_size
            view = memoryview(mmap.mmap(blobs_fh.fileno(), 0, access=mmap.ACCESS_READ) if size else b"")
        for section in _SECTIONS:
            entries: dict[str, Any] = getattr(cache, section)
            kind = _ENTRY_TYPES[section]
            for key, (offset, length) in where[section].items():
                if offset < 0 or offset + length > size:
                    raise ValueError("entry outside the pack")
                unpickler = _EntryUnpickler(view[offset : offset + length], view, pack)
                entry = unpickler.load()
                if type(entry) is not kind:
                    raise TypeError(f"not a {kind.__name__}")
                entries[key] = entry
                pack.refs[id(entry)] = (entry, offset, length, length + unpickler.used)
    except _UNREADABLE:
        return BuildCache(fingerprint=fingerprint)
    _PACKS[str(path)] = pack
    return cache


def write(root: Path, cache: BuildCache) -> None:
    """Record ``cache``: entries not in the pack yet are appended to it, then the
    index is replaced atomically (a concurrent reader sees old or new; appending
    leaves the entries an old index names in place). When less than half of the
    pack is still referenced, a new pack of the live entries replaces it."""
    path = cache_path(root)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        pack = _PACKS.get(str(path))
        if pack is None or not (path.parent / pack.name).is_file():
            pack = _new_pack()
        pack = _write_index(path, cache, pack)
        size = (path.parent / pack.name).stat().st_size
        live = sum(used for _entry, _offset, _length, used in pack.refs.values())
        if size > 2 * live + (1 << 20):
            old = pack.name
            pack = _write_index(path, cache, _new_pack())
            (path.parent / old).unlink(missing_ok=True)
        _PACKS[str(path)] = pack
        for stale in path.parent.glob(f"{PACK_PREFIX}*.pack"):
            if stale.name != pack.name and stale.stat().st_mtime < time.time() - 3600:
                stale.unlink(missing_ok=True)  # left by an interrupted compaction
        for older in ("build-v2.pickle", "build-v3.pickle"):  # formats before this one
            (path.parent / older).unlink(missing_ok=True)
    except OSError:
        # A read-only checkout still builds; it just cannot reuse anything.
        return


def _new_pack() -> _Pack:
    return _Pack(f"{PACK_PREFIX}{os.urandom(6).hex()}.pack")


def _lock(fh: Any) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: builds there write one at a time
        return
    fcntl.flock(fh.fileno(), fcntl.LOCK_EX)


def _replace(path: Path, fill: Callable[[IO[bytes]], None]) -> None:
    """Write ``path`` through a temporary sibling renamed over it: a concurrent
    reader sees the old file or the new one, never a part."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fill(fh)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class _EntryPickler(pickle.Pickler):
    """Pickles one entry; byte strings of :data:`MIN_BLOB` or more are appended
    to the pack on their own (once per pack) and named by offset."""

    def __init__(self, fh: IO[bytes], out: IO[bytes], offset: int, blobs: dict[int, tuple[Any, int, int]]) -> None:
        super().__init__(fh, protocol=pickle.HIGHEST_PROTOCOL)
        self._out = out
        self.offset = offset
        self._blobs = blobs
        self.used = 0

    def persistent_id(self, obj: Any) -> Any:
        kind = type(obj)
        if kind is not bytes and kind is not memoryview:
            return None
        length = len(obj) if kind is bytes else obj.nbytes
        if length < MIN_BLOB:
            return None
        hit = self._blobs.get(id(obj))
        if hit is None or hit[0] is not obj:
            hit = (obj, self.offset, length)
            self._out.write(obj)
            self.offset += length
            self._blobs[id(obj)] = hit
        self.used += length
        return (hit[1], hit[2])


def _without_blobs(entry: Any) -> bool:
    """Whether ``entry`` holds no byte string (a stage's or a module's findings
    without artifacts: most of a cold build's entries), so that pickling it
    needs no :class:`_EntryPickler`, which calls back into Python for every
    object only to find none (its findings are text)."""
    kind = type(entry)
    if kind is StageEntry:
        return not entry.artifacts
    if kind is LocalEntry:
        return not any(entry.artifacts.values())
    return False


def _write_index(path: Path, cache: BuildCache, pack: _Pack) -> _Pack:
    """Append ``cache``'s new entries to ``pack`` and replace the index; the pack
    as it is now (its refs are the entries this index names)."""
    refs: dict[int, tuple[Any, int, int, int]] = {}
    where: dict[str, dict[str, tuple[int, int]]] = {}
    with (path.parent / pack.name).open("ab") as out:
        # Two builds writing at once must not interleave their appends (each
        # computes its entries' offsets from the end it found): one at a time, and
        # the index is replaced before the lock is released.
        _lock(out)
        offset = out.seek(0, os.SEEK_END)
        known = pack
        if pack.extent() > offset:
            known = _Pack(pack.name)  # the pack is not the one these refs were taken from
        blobs = dict(known.blobs)
        for section in _SECTIONS:
            placed = where[section] = {}
            for key, entry in getattr(cache, section).items():
                hit = refs.get(id(entry)) or known.refs.get(id(entry))
                if hit is not None and hit[0] is entry:
                    pass
                elif _without_blobs(entry):
                    # The same bytes as _EntryPickler's, without its call per object.
                    data = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
                    out.write(data)
                    hit = (entry, offset, len(data), len(data))
                    offset += len(data)
                else:
                    buffer = io.BytesIO()
                    pickler = _EntryPickler(buffer, out, offset, blobs)
                    pickler.dump(entry)
                    data = buffer.getvalue()
                    out.write(data)
                    hit = (entry, pickler.offset, len(data), len(data) + pickler.used)
                    offset = pickler.offset + len(data)
                refs[id(entry)] = hit
                placed[key] = (hit[1], hit[2])
        out.flush()
        index = (_FORMAT, pack.name, cache.fingerprint, cache.stats, where, cache.checks)
        _replace(path, lambda fh: pickle.dump(index, fh, protocol=pickle.HIGHEST_PROTOCOL))
    return _Pack(pack.name, refs, blobs)


STAMPS_PREFIX = "tree-stamps-"
#: Bumped when the shape of a stamps file changes: stamps of another format are ignored.
_STAMPS_FORMAT = 3


def _tree_id(out_dir: Path) -> str:
    """A short name for an output directory, for the files kept about it."""
    return hashlib.sha256(str(out_dir).encode()).hexdigest()[:16]


def stamps_path(root: Path, out_dir: Path, *, spare: bool = False) -> Path:
    """The file holding the stamps of ``out_dir``'s files (or of its spare tree,
    :func:`spare_path`): one per tree, because its own mtime is part of what it
    records."""
    return root / CACHE_DIR / f"{STAMPS_PREFIX}{_tree_id(out_dir)}{'.spare' if spare else ''}.pickle"


def spare_path(root: Path, out_dir: Path) -> Path | None:
    """Where the previous tree of ``out_dir`` is kept for the next incremental
    build to patch (``artifacts.swap_in``), or None when ``.oac-cache`` is on
    another file system than ``out_dir`` (a directory rename cannot move it)."""
    cache_dir = root / CACHE_DIR
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        if os.stat(cache_dir).st_dev != os.stat(out_dir.parent).st_dev:
            return None
    except OSError:
        return None
    return cache_dir / f"spare-{_tree_id(out_dir)}"


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` plus ``.lock`` for the block."""
    with open(f"{path}.lock", "ab") as fh:
        _lock(fh)
        yield


def retire_stamps(root: Path, out_dir: Path) -> None:
    """``out_dir``'s tree became its spare: so do its stamps (a rename keeps the
    file's mtime, their racily-clean reference)."""
    current, spare = stamps_path(root, out_dir), stamps_path(root, out_dir, spare=True)
    try:
        os.replace(current, spare)
    except OSError:
        spare.unlink(missing_ok=True)


def written_before(mtime_ns: int, ctime_ns: int, reference_ns: int) -> bool:
    """Git's racily-clean rule: a stat recorded just before a file stamped
    ``reference_ns`` was written can vouch for a file's bytes when the file last
    changed in an earlier timestamp tick. A file changed in the same tick could
    change again in that tick without its stat showing it, so it is read."""
    return max(mtime_ns, ctime_ns) < reference_ns


def read_stamps(root: Path, out_dir: Path, *, spare: bool = False) -> tuple[dict[str, Any], int] | None:
    """The stamps of ``out_dir``'s files (or its spare's) recorded after the last
    incremental build (:func:`obs_as_code.artifacts.tree_stamps`) and the mtime of
    the file holding them (for :func:`written_before`), or None."""
    try:
        with stamps_path(root, out_dir, spare=spare).open("rb") as fh:
            written_ns = os.fstat(fh.fileno()).st_mtime_ns
            found = pickle.load(fh)
    except _UNREADABLE:
        return None
    ok = isinstance(found, tuple) and len(found) == 3 and found[0] == _STAMPS_FORMAT and found[1] == str(out_dir)
    return (found[2], written_ns) if ok and isinstance(found[2], dict) else None


def write_stamps(root: Path, out_dir: Path, stamps: Mapping[str, Any]) -> None:
    """Record ``stamps`` for ``out_dir``; call it right after taking them."""
    path = stamps_path(root, out_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _replace(path, lambda fh: pickle.dump((_STAMPS_FORMAT, str(out_dir), dict(stamps)), fh, protocol=pickle.HIGHEST_PROTOCOL))
        (path.parent / "tree-stamps.pickle").unlink(missing_ok=True)  # format 2 kept one file for all
    except OSError:
        return


class UnsafeToCache(Exception):
    """Definitions refer to project code (a class declared in a user module)."""


class _DefinitionPickler(pickle.Pickler):
    """Pickles definitions, refusing anything whose class lives in the project.

    Unpickling such an object would import a user module outside the loader,
    with its side effects, so those modules are loaded on every build instead.
    """

    def reducer_override(self, obj: Any) -> Any:
        kind = type(obj)
        if kind in _PLAIN_TYPES:  # called for every object: a dashboard has hundreds
            return NotImplemented
        owner = obj if isinstance(obj, type) else kind
        module = getattr(owner, "__module__", "") or ""
        called = callable(obj) and not isinstance(obj, type)
        if called:
            module = getattr(obj, "__module__", "") or module
        if module.split(".", 1)[0] in PROJECT_DIRS or module == "__main__":
            raise UnsafeToCache(module)
        if not called and not isinstance(obj, type):
            _PLAIN_TYPES.add(kind)  # the verdict on such an object is its class's
        return NotImplemented


#: Classes of the non-callable objects :class:`_DefinitionPickler` has let
#: through: their instances are judged by the class alone.
_PLAIN_TYPES: set[type] = set()


def pickle_definitions(definitions: list[Any]) -> bytes | None:
    """``pickle`` of ``definitions``, or None when they cannot be cached safely."""
    buffer = io.BytesIO()
    try:
        _DefinitionPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(definitions)
    except (UnsafeToCache, pickle.PicklingError, TypeError, AttributeError, RecursionError, ValueError):
        return None
    return buffer.getvalue()


def data_key(fmt: str, data: Any) -> str | None:
    """A hash identifying ``data`` exactly, or None when it is not plain data.

    ``marshal`` (version 2: no shared references, so equal data gives equal
    bytes) encodes the types renderers emit, keeps dict order (which YAML output
    follows) and refuses everything else.
    """
    try:
        blob = marshal.dumps(data, 2)
    except ValueError:
        return None
    return sha256(fmt.encode() + b"\0" + blob)


def module_key(fingerprint: str, path: str, source: str, dependencies: Mapping[str, str]) -> str:
    """Key of a module's load entry: its source and the sources it imports."""
    h = hashlib.sha256(f"{fingerprint}|{path}|{source}".encode())
    for name in sorted(dependencies):
        h.update(f"|{name}={dependencies[name]}".encode())
    return h.hexdigest()
