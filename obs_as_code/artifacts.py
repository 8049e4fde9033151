"""Output files: serialize once, write ``build/`` atomically, compare for ``--check``.

The whole tree is written into a temporary sibling directory and swapped into
place, so a failed or interrupted build never leaves ``build/`` half-written.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from obs_as_code import names, serialize
from obs_as_code.cache import written_before
from obs_as_code.source import SourceLocation

Format = Literal["yaml", "json", "text"]

#: Data path inside an artifact (keys and list indexes) -> where the user declared it.
SourceMap = Mapping[tuple[str | int, ...], SourceLocation]

MANIFEST = "manifest.json"


@dataclass
class Artifact:
    """One output file: its path under ``build/``, its data and where it came from."""

    path: str
    data: Any
    format: Format
    sources: Sequence[str] = ()
    source_map: SourceMap = field(default_factory=dict)
    _content: bytes | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Every stage checks the user's names first (OAC310 for folders); this is the
        # last guard that nothing is written outside build/.
        problem = names.relative_path_problem(self.path)
        if problem is not None:
            raise ValueError(f"artifact path {self.path!r} is not a plain relative path under build/: {problem}")

    @property
    def content(self) -> bytes:
        """The serialized bytes (computed once)."""
        if self._content is None:
            if self.format == "yaml":
                text = serialize.dump_yaml(self.data)
            elif self.format == "json":
                text = serialize.dump_json(self.data)
            else:
                text = str(self.data)
            self._content = text.encode("utf-8")
        return self._content

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


#: ``_Written``'s data not decoded yet.
_UNREAD: Any = object()


class _Written(Artifact):
    """A JSON artifact whose data was let go once serialized: ``data`` is decoded
    from ``content`` when asked for (equal to what was rendered, with the keys in
    the file's order). See :func:`release_data`."""

    @property
    def data(self) -> Any:
        found = self.__dict__.get("_data", _UNREAD)
        if found is _UNREAD:
            found = self.__dict__["_data"] = json.loads(self.content)
        return found

    @data.setter
    def data(self, value: Any) -> None:
        self.__dict__["_data"] = value


def release_data(artifacts: list[Artifact]) -> None:
    """Let go, in place, of the data of the JSON artifacts already serialized;
    each one's ``data`` is decoded from its bytes if read again.

    A build's dashboards are most of the objects it leaves alive (1,000 of them:
    ~110,000 dicts and lists), and a caller with the cyclic collector on walks
    every one at its next collection (0.1 s); freed now, reference counting
    takes them in a third of that. Nothing a build does after writing reads
    them; validators read the files.
    """
    for i, a in enumerate(artifacts):
        if type(a) is Artifact and a.format == "json" and a._content is not None and type(a.data) is dict:
            artifacts[i] = _Written(a.path, _UNREAD, a.format, a.sources, a.source_map, a._content)


def with_manifest(artifacts: Sequence[Artifact]) -> list[Artifact]:
    """The artifacts plus ``manifest.json``: every file, its sha256 and its sources."""
    files = {
        a.path: {"sha256": a.sha256, "sources": sorted(set(a.sources))}
        for a in sorted(artifacts, key=lambda a: a.path)
    }
    manifest = Artifact(MANIFEST, {"generator": "obs-as-code", "files": files}, "json")
    return [*artifacts, manifest]


def read_tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` as ``{relative posix path: bytes}``."""
    return {path: (root / path).read_bytes() for path in sorted(_listing(root))}


@dataclass
class TreeDiff:
    """How ``build/`` differs from what a build would write."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    #: Files compared by reading them (not vouched for by a settled stamp).
    read: int = field(default=0, compare=False)
    #: The stat of every file of the tree compared, as :func:`compare` found them.
    listing: dict[str, os.stat_result] = field(default_factory=dict, compare=False, repr=False)

    @property
    def clean(self) -> bool:
        return not (self.added or self.changed or self.removed)

    def lines(self) -> list[str]:
        return (
            [f"new: {p}" for p in self.added]
            + [f"stale: {p}" for p in self.changed]
            + [f"extra: {p}" for p in self.removed]
        )


#: What identifies a file's bytes without reading them: size, mtime and ctime in
#: nanoseconds, inode. Any write to the file changes its ctime, which no tool can
#: set back (unlike mtime), so an unchanged stamp means unchanged bytes, once the
#: file had last changed before the stamps were recorded
#: (:func:`obs_as_code.cache.written_before`).
Stamp = tuple[int, int, int, int]
#: ``{relative path: (stamp, sha256)}`` of a tree's files as last seen.
Stamps = dict[str, tuple[Stamp, str]]


def _stamp(st: os.stat_result) -> Stamp:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _listing(root: Path) -> dict[str, os.stat_result]:
    """``{relative posix path: stat}`` of every file under ``root``."""
    out: dict[str, os.stat_result] = {}
    if not root.is_dir():
        return out
    stack = [("", str(root))]
    while stack:
        prefix, directory = stack.pop()
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append((f"{prefix}{entry.name}/", entry.path))
                elif entry.is_file():
                    out[prefix + entry.name] = entry.stat()
    return out


def tree_stamps(out_dir: Path, artifacts: Iterable[Artifact], listing: Mapping[str, os.stat_result] | None = None) -> Stamps:
    """Stamps of the files of ``out_dir`` that hold exactly ``artifacts`` (just
    written or compared equal), for the next :func:`compare`; ``listing``: their
    stats when the caller has them."""
    if listing is None:
        listing = _listing(out_dir)
    return {a.path: (_stamp(listing[a.path]), a.sha256) for a in artifacts if a.path in listing}


def compare(out_dir: Path, artifacts: Iterable[Artifact], *, known: tuple[Stamps, int] | None = None) -> TreeDiff:
    """Compare ``artifacts`` with the files in ``out_dir`` without writing anything.

    ``known`` (stamps from :func:`tree_stamps` after the last build, and the mtime
    of the file they were recorded in) spares reading the files whose stamp is
    unchanged and that had last changed before that file was written: their
    sha256 is compared instead. Other files are read (a file changed in the same
    timestamp tick as the stamps were written is racy until stamped again).
    """
    current = _listing(out_dir)
    stamps, written_ns = known or ({}, 0)
    wanted = {a.path: a for a in artifacts}
    diff = TreeDiff(listing=current)
    for path in sorted(wanted):
        artifact = wanted[path]
        st = current.get(path)
        if st is None:
            diff.added.append(path)
            continue
        seen = stamps.get(path)
        if seen is not None and seen[0] == _stamp(st) and written_before(st.st_mtime_ns, st.st_ctime_ns, written_ns):
            same = seen[1] == artifact.sha256
        else:
            same = (out_dir / path).read_bytes() == artifact.content
            diff.read += 1
        if not same:
            diff.changed.append(path)
    diff.removed = sorted(set(current) - set(wanted))
    return diff


def _make_parent(root: str, rel: str, made: set[str]) -> None:
    """Create the folder of ``root + rel`` unless ``made`` says it was (``root``
    ends with a separator; plain strings: with thousands of files, building Path
    objects was a third of writing them)."""
    parent = rel.rpartition("/")[0]
    if parent and parent not in made:
        os.makedirs(root + parent, exist_ok=True)
        made.add(parent)


def write_atomic(out_dir: Path, artifacts: Iterable[Artifact], *, unchanged: Collection[str] = (), keep_old: Path | None = None) -> None:
    """Replace ``out_dir`` with exactly ``artifacts``.

    Files go into a temporary directory next to ``out_dir``; then the old tree is
    renamed aside, the new one renamed in, and the old one removed (or moved to
    ``keep_old``, on the same file system: a spare for :func:`swap_in`). At no
    point is a partly written tree at ``out_dir``. Paths in ``unchanged`` (their
    bytes equal the file already in ``out_dir``, see :func:`compare`) are
    hard-linked from it rather than written: after a one-file change, writing and
    deleting every file was most of an incremental build.
    """
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        new_root, old_root = f"{tmp}{os.sep}", f"{out_dir}{os.sep}"
        made: set[str] = set()
        for artifact in artifacts:
            rel = artifact.path
            _make_parent(new_root, rel, made)
            target = new_root + rel
            if rel in unchanged:
                try:
                    os.link(old_root + rel, target)
                    continue
                except OSError:  # no hard links here (or the file went away): write it
                    pass
            with open(target, "wb") as fh:
                fh.write(artifact.content)
        os.chmod(tmp, 0o755)
        old: Path | None = None
        if out_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f"{out_dir.name}.old-", dir=out_dir.parent))
            old.rmdir()
            out_dir.rename(old)
        tmp.rename(out_dir)
        if old is not None:
            if keep_old is not None:
                shutil.rmtree(keep_old, ignore_errors=True)
                try:
                    old.rename(keep_old)
                    return
                except OSError:
                    pass
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def swap_in(out_dir: Path, artifacts: Iterable[Artifact], spare: Path, spare_diff: TreeDiff) -> dict[str, os.stat_result]:
    """Replace ``out_dir`` with exactly ``artifacts`` by patching ``spare``, a tree
    that ``spare_diff`` (:func:`compare` of ``spare``) says how far it is from them,
    and swapping it in; the old ``out_dir`` becomes the spare.

    The spare is an earlier build's tree, so a rebuild writes the files changed
    since then and renames two directories, instead of linking every file into a
    new tree and deleting the old one (two thirds of a one-module rebuild's time
    in ``build/``). Files are replaced, never written in place: the spare may share
    inodes (hard links) with ``out_dir``. As with :func:`write_atomic`, at no point
    is a partly written tree at ``out_dir``. Returns the stat of every file of the
    new ``out_dir`` (the spare's as compared, the written ones taken again).
    """
    wanted = {a.path: a for a in artifacts}
    stats = dict(spare_diff.listing)
    root = f"{spare}{os.sep}"
    made: set[str] = set()
    for rel in [*spare_diff.added, *spare_diff.changed]:
        _make_parent(root, rel, made)
        target = root + rel
        part = f"{target}.oac-{os.getpid()}"
        with open(part, "wb") as fh:
            fh.write(wanted[rel].content)
        os.replace(part, target)
        stats[rel] = os.stat(target)
    for rel in spare_diff.removed:
        os.unlink(root + rel)
        del stats[rel]
        parent = rel.rpartition("/")[0]
        while parent:  # a clean write makes no empty directories
            try:
                os.rmdir(root + parent)
            except OSError:
                break
            parent = parent.rpartition("/")[0]
    os.chmod(spare, 0o755)
    if not out_dir.exists():  # deleted by hand since the last build
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        spare.rename(out_dir)
        return stats
    aside = Path(tempfile.mkdtemp(prefix=f"{out_dir.name}.old-", dir=out_dir.parent))
    aside.rmdir()
    out_dir.rename(aside)
    try:
        spare.rename(out_dir)
    except BaseException:
        aside.rename(out_dir)
        raise
    aside.rename(spare)
    return stats
