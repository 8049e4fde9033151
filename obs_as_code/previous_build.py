"""Checks of a build against the build it replaces: changes that the files alone
allow but that a Grafana which read the previous files cannot apply.

OAC113: a datasource renamed (same ``uid``, another ``name``) whose old name the
new ``datasources.yaml`` does not list in ``deleteDatasources``. Grafana's file
provisioning finds a datasource by ``(orgId, name)``: the new name is not found,
so Grafana inserts it with a uid its old entry still holds; the insert fails
("data source with the same uid already exists") and, datasource provisioning
failing, Grafana does not start. ``Datasource(previous_names=[...])`` renders the
old name into ``deleteDatasources``, which Grafana applies first.

OAC114: a datasource of the previous file that the new one neither lists (by
uid or by name) nor deletes. File provisioning never deletes what a file stops
listing (Grafana's ``prune`` aside, docs/lint/OAC114.md says why it is not
used): every Grafana that provisioned it keeps it, and the secrets it holds.
``DeletedDatasource("Name")`` renders the name into ``deleteDatasources``.

Run by ``oac build`` and ``oac build --check`` after rendering, before anything is
written: the error stops the build, so ``build/`` keeps the file that shows the
old name until the definition says it. The rendered bytes never depend on the
previous build (the check only reads it); a build into an empty directory has
nothing to compare with and checks nothing (docs/lint/OAC113.md says why the
check lives here rather than in ``oac build --check`` only or ``oac diff``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from obs_as_code import names, serialize
from obs_as_code.artifacts import MANIFEST, Artifact
from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.load import Project
from obs_as_code.model.datasource import Datasource, DeletedDatasource, unliteral
from obs_as_code.render.grafana import org_of
from obs_as_code.source import SourceLocation, keyword_location

#: A datasource renamed without its previous name (see the module's docstring).
RENAME_CODE = "OAC113"
#: A datasource removed without being declared deleted (see the module's docstring).
REMOVAL_CODE = "OAC114"
#: Where a project declares its datasources (and their deletions).
DATASOURCES_DIR = "datasources"


@dataclass(frozen=True)
class Rename:
    """A datasource whose ``uid`` the previous file holds under ``old`` and the new
    one under ``new`` (names as Grafana reads them: ``$$`` is one ``$``), with
    ``old`` missing from the new file's ``deleteDatasources``."""

    uid: str
    org_id: int
    old: str
    new: str


@dataclass(frozen=True)
class Removal:
    """A datasource the previous file provisions (``uid``, ``name`` as Grafana
    reads it) that the new file neither lists, by uid or by name, nor deletes."""

    uid: str
    org_id: int
    name: str


def _entries(doc: Any, key: str) -> list[Mapping[str, Any]]:
    items = doc.get(key) if isinstance(doc, Mapping) else None
    return [e for e in items if isinstance(e, Mapping)] if isinstance(items, list) else []


def _deleted(made: Any) -> set[tuple[int, str]]:
    """``(orgId, name)`` of every ``deleteDatasources`` entry of ``made`` (names as
    Grafana reads them)."""
    return {(org_of(e), unliteral(e["name"])) for e in _entries(made, "deleteDatasources") if isinstance(e.get("name"), str)}


def renames(previous: Any, made: Any) -> list[Rename]:
    """The renames from the provisioning document ``previous`` (the last build's
    ``datasources.yaml``) to ``made`` (the one this build makes) that ``made``'s
    ``deleteDatasources`` does not cover, sorted by uid. Entries without a string
    uid and name are skipped: Grafana matches none of them to another."""
    old_names: dict[tuple[int, str], str] = {}
    for e in _entries(previous, "datasources"):
        uid, name = e.get("uid"), e.get("name")
        if isinstance(uid, str) and isinstance(name, str):
            old_names.setdefault((org_of(e), uid), unliteral(name))
    deleted = _deleted(made)
    # A uid listed twice is its own error (OAC307): which of the two "renamed" it
    # is no question to ask.
    listed = Counter((org_of(e), e.get("uid")) for e in _entries(made, "datasources"))
    found: list[Rename] = []
    for e in _entries(made, "datasources"):
        uid, name = e.get("uid"), e.get("name")
        if not isinstance(uid, str) or not isinstance(name, str):
            continue
        org = org_of(e)
        if listed[(org, uid)] > 1:
            continue
        old = old_names.get((org, uid))
        new = unliteral(name)
        if old is not None and old != new and (org, old) not in deleted:
            found.append(Rename(uid, org, old, new))
    return sorted(found, key=lambda r: (r.uid, r.org_id))


def removals(previous: Any, made: Any) -> list[Removal]:
    """The datasources of the provisioning document ``previous`` that ``made``
    lists neither by uid (else a rename, :func:`renames`) nor by name (else
    Grafana updates that entry in place, the uid too) in the same organisation,
    and whose name ``made``'s ``deleteDatasources`` does not list: what every
    Grafana that read ``previous`` keeps. Sorted by name, then uid."""
    kept_uids: set[tuple[int, str]] = set()
    kept_names: set[tuple[int, str]] = set()
    for e in _entries(made, "datasources"):
        uid, name = e.get("uid"), e.get("name")
        if isinstance(uid, str):
            kept_uids.add((org_of(e), uid))
        if isinstance(name, str):
            kept_names.add((org_of(e), unliteral(name)))
    deleted = _deleted(made)
    found: dict[tuple[int, str], Removal] = {}
    for e in _entries(previous, "datasources"):
        uid, raw = e.get("uid"), e.get("name")
        if not isinstance(uid, str) or not isinstance(raw, str):
            continue
        org, name = org_of(e), unliteral(raw)
        if (org, uid) in kept_uids or (org, name) in kept_names or (org, name) in deleted:
            continue
        found.setdefault((org, name), Removal(uid, org, name))
    return sorted(found.values(), key=lambda r: (r.name, r.uid, r.org_id))


def check(project: Project, artifacts: Sequence[Artifact], out_dir: Path) -> list[Diagnostic]:
    """OAC113 for every datasource of ``artifacts`` renamed since the build in
    ``out_dir`` without its previous name, at the user's ``Datasource(`` (its
    ``name=`` when written as a keyword); OAC114 for every datasource of that
    build that ``artifacts`` neither provision nor delete (no datasources file
    made counts as an empty one). Nothing when ``out_dir`` holds no datasources
    file (a first build), when the files are equal (the usual case, decided
    without parsing), or when the previous file cannot be read as YAML (nothing
    Grafana could have provisioned from either)."""
    made = next((a for a in artifacts if a.path == names.DATASOURCES_FILE), None)
    if made is None and not (out_dir / names.DATASOURCES_FILE).is_file():
        return []  # neither build has datasources: nothing read (a no-op build reads no file of build/)
    try:
        before = (out_dir / names.DATASOURCES_FILE).read_bytes()
    except OSError:
        return []
    content = made.content if made is not None else b""
    if before == content:
        return []
    try:
        previous = serialize.load_yaml(before.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError):  # not a file a build wrote: it replaces it
        return []
    doc = serialize.load_yaml(content.decode("utf-8")) if made is not None else {}
    found = renames(previous, doc)
    out = diagnostics(found, project.all(Datasource), out_dir) if found else []
    gone = removals(previous, doc)
    if gone:
        out.extend(removal_diagnostics(gone, removal_location(project, out_dir), out_dir))
    return out


def diagnostics(found: Iterable[Rename], declared: Sequence[Datasource], out_dir: Path) -> list[Diagnostic]:
    """One OAC113 error per rename of ``found``, at the datasource that declares
    its uid (``declared``)."""
    by_uid = {d.uid: d for d in declared}
    shown = f"{out_dir.name}/{names.DATASOURCES_FILE}"
    out: list[Diagnostic] = []
    for r in found:
        d = by_uid.get(r.uid)
        where = keyword_location(d.location, "name") if d is not None else None
        previous = [*(d.previous_names if d is not None else []), r.old]
        out.append(
            error(
                where,
                RENAME_CODE,
                f"datasource {r.uid!r} is named {r.new!r} now, {r.old!r} in the last build ({shown}): "
                f"Grafana finds provisioned datasources by name, so it would insert {r.new!r} with the "
                f"uid {r.old!r} still holds and fail to start",
                hint=f"add previous_names={previous!r} to this Datasource: the old name is "
                "rendered into deleteDatasources, which Grafana applies first",
            )
        )
    return out


def removal_location(project: Project, out_dir: Path) -> SourceLocation:
    """Where to report a removed datasource, whose declaration is gone: the first
    module of the project that wrote the last datasources file (the build's
    manifest lists them) and still declares datasources or deletions, else the
    first module that does, else the ``datasources/`` directory. No line: none
    of them says more than where the declaration belongs."""
    declaring = sorted({d.location.file for d in [*project.all(Datasource), *project.all(DeletedDatasource)]})
    wrote: list[str] = []
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        entry = manifest["files"][names.DATASOURCES_FILE]
        wrote = [s for s in entry["sources"] if isinstance(s, str)]
    except (OSError, ValueError, KeyError, TypeError):  # no manifest, or not one a build wrote
        pass
    for file in [*(w for w in wrote if w in declaring), *declaring]:
        return SourceLocation(file)
    return SourceLocation(f"{DATASOURCES_DIR}/")


def removal_diagnostics(found: Iterable[Removal], where: SourceLocation, out_dir: Path) -> list[Diagnostic]:
    """One OAC114 error per removal of ``found``, at ``where``."""
    shown = f"{out_dir.name}/{names.DATASOURCES_FILE}"
    return [
        error(
            where,
            REMOVAL_CODE,
            f"datasource {r.name!r} (uid {r.uid!r}) is in the last build ({shown}) and no longer declared: "
            "Grafana's file provisioning never deletes a datasource a file stops listing, so every Grafana "
            "that provisioned it would keep it, and any secret it holds",
            hint=f"declare DeletedDatasource({r.name!r}) in a module under {DATASOURCES_DIR}/ (from obs_as_code "
            "import DeletedDatasource): it is rendered into deleteDatasources; or declare the Datasource again",
        )
        for r in found
    ]
