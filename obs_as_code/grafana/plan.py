"""Read the build tree and Grafana's state, and decide what a publish would do.

The plan is pure data (:class:`Plan`); :mod:`.diff` renders it and :mod:`.publish`
applies it. Planning sends only reads:

* one ``GET /api/folders/:uid`` per folder the build needs (parents included);
* one paged ``GET /api/search?type=dash-db`` (limit 5000) for every dashboard with
  its tags, so the ``oac-hash`` tag tells which managed dashboards are up to date;
* ``GET /api/dashboards/uid/:uid`` only for dashboards that need a write or are in
  conflict (to check for hand edits and to show a per-panel diff), or for all
  managed dashboards with ``deep=True``;
* with datasources: one ``GET /api/datasources/uid/:uid`` per datasource, and one
  ``GET /api/datasources`` when the file has ``deleteDatasources`` (to find each
  deleted or previous name).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

import yaml

from obs_as_code.grafana.client import GrafanaClient
from obs_as_code.grafana.managed import content_hash, hash_tag, is_managed, strip_markers
from obs_as_code.model.datasource import unliteral
from obs_as_code.names import folder_uid, slug, valid_uid
from obs_as_code.render.grafana import ORG_ID, org_of

DASHBOARDS_DIR = Path("grafana/dashboards")
DATASOURCES_FILE = Path("grafana/provisioning/datasources/datasources.yaml")
#: Datasource fields compared to decide whether a PUT is needed.
DATASOURCE_FIELDS = ("name", "type", "url", "access", "isDefault", "jsonData", "basicAuth",
                     "basicAuthUser", "database", "user")


# -- the build ------------------------------------------------------------------


@dataclass
class BuildDashboard:
    """One dashboard file of the build."""

    uid: str
    title: str
    folder_path: str
    path: Path
    dashboard: dict[str, Any]
    hash: str

    @property
    def folder_uid(self) -> str | None:
        """UID of the target folder; ``None`` for the root (General) folder."""
        return folder_uid(self.folder_path) if self.folder_path else None


@dataclass(frozen=True)
class DeletedDatasourceEntry:
    """One ``deleteDatasources`` entry of the build (a ``DeletedDatasource`` or a
    ``previous_names`` entry): the name as Grafana reads it (``$$`` is one ``$``)."""

    name: str
    org_id: int = ORG_ID


@dataclass
class BuildTree:
    """What the build asks Grafana to hold."""

    dashboards: list[BuildDashboard] = field(default_factory=list)
    datasources: list[dict[str, Any]] = field(default_factory=list)
    #: ``deleteDatasources`` of the datasources file (read with ``datasources=True``).
    deleted_datasources: list[DeletedDatasourceEntry] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: Dashboards whose file is in the build but was left out for an error in
    #: ``errors``: uid (the file's, else its name's) -> file. Grafana's copy of one is
    #: not "missing from the build".
    left_out: dict[str, Path] = field(default_factory=dict)


def read_build(build_dir: str | Path, *, datasources: bool = False) -> BuildTree:
    """Load ``build/grafana/dashboards/**.json`` (and the datasources file when asked).

    Problems (unreadable JSON, missing or invalid uid, empty title, duplicate uids,
    duplicate titles in one folder) are collected in ``errors``; the offending
    dashboards are left out so the rest can still be planned.
    """
    root = Path(build_dir)
    tree = BuildTree()
    base = root / DASHBOARDS_DIR
    seen: dict[str, Path] = {}
    titles: dict[tuple[str, str], str] = {}
    for path in sorted(base.rglob("*.json")) if base.is_dir() else []:
        rel = path.relative_to(base)
        folder = PurePosixPath(*rel.parts[:-1]).as_posix() if len(rel.parts) > 1 else ""
        # The build names each file after its dashboard's uid: what a file too broken
        # to give its uid (a merge conflict in a committed build/) is taken to hold.
        if valid_uid(path.stem):
            tree.left_out[path.stem] = path
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            tree.errors.append(f"{path}: cannot read dashboard JSON: {exc}")
            continue
        if not isinstance(data, dict):
            tree.errors.append(f"{path}: dashboard JSON is not an object")
            continue
        if "dashboard" in data and "panels" not in data:
            tree.errors.append(f"{path}: wrapped in {{'dashboard': ...}}; expected plain JSON")
            continue
        uid = data.get("uid")
        title = data.get("title")
        if not isinstance(uid, str) or not valid_uid(uid):
            tree.errors.append(f"{path}: missing or invalid uid {uid!r}")
            continue
        if path.stem != uid:
            tree.left_out.pop(path.stem, None)
            tree.left_out[uid] = path
        if not isinstance(title, str) or not title.strip():
            tree.errors.append(f"{path}: empty title")
            continue
        if uid in seen:
            tree.errors.append(f"{path}: uid {uid!r} already used by {seen[uid]}")
            continue
        key = (folder, slug(title))
        if key in titles:
            tree.errors.append(
                f"{path}: title {title!r} already used in folder {folder or 'General'!r} "
                f"by {titles[key]}"
            )
            continue
        del tree.left_out[uid]
        seen[uid] = path
        titles[key] = uid
        clean = strip_markers(data)
        tree.dashboards.append(
            BuildDashboard(uid, title, folder, path, clean, content_hash(clean))
        )
    if datasources:
        tree.datasources, tree.deleted_datasources = _read_datasources(
            root / DATASOURCES_FILE, tree.errors)
    return tree


def _read_datasources(
    path: Path, errors: list[str]
) -> tuple[list[dict[str, Any]], list[DeletedDatasourceEntry]]:
    """Datasources of a provisioning file (each must have a uid and a name) and its
    ``deleteDatasources`` entries."""
    try:
        # Read from a stream: PyYAML's message then names the line and column
        # only; from a string it quotes the line, which may hold a secret.
        with path.open(encoding="utf-8") as stream:
            doc = yaml.safe_load(stream) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        errors.append(f"{path}: cannot read datasources: {exc}")
        return [], []
    out: list[dict[str, Any]] = []
    for i, item in enumerate(doc.get("datasources") or []):
        if not isinstance(item, dict) or not item.get("uid") or not item.get("name"):
            errors.append(f"{path}: datasource without uid or name: {_entry('datasources', i, item)}")
            continue
        # What Grafana reads from the file: "$$" is one "$" (the API takes values as
        # they are). secureJsonData holds references, resolved when publishing.
        out.append({k: v if k == "secureJsonData" else unliteral(v) for k, v in item.items()})
    return out, _read_deletions(path, doc, errors)


def _entry(section: str, index: int, item: Any) -> str:
    """An entry of the datasources file named for a message by its place, its
    name and uid (when it has them) and its keys: never its values, which may
    hold a credential (``basicAuthPassword``, ``secureJsonData`` ...)."""
    where = f"{section}[{index}]"
    if not isinstance(item, dict):
        return f"{where} is a {type(item).__name__}, not a mapping"
    named = [f"{key}={item[key]!r}" for key in ("name", "uid") if isinstance(item.get(key), str) and item[key]]
    keys = ", ".join(sorted(str(k) for k in item))
    return f"{where} ({', '.join(named)}{'; ' if named else ''}keys: {keys or 'none'})"


def _read_deletions(path: Path, doc: Any, errors: list[str]) -> list[DeletedDatasourceEntry]:
    """The ``deleteDatasources`` entries publish can apply. Left out, with an error:
    an entry without a name; one for another organisation than the datasources'
    (publish writes every datasource to the one organisation its client acts in);
    and one whose name the file also declares, which Grafana would delete and
    insert again (``oac build`` refuses it: OAC113, OAC114), so it is never deleted."""
    declared = {(org_of(d), unliteral(d["name"])) for d in doc.get("datasources") or []
                if isinstance(d, dict) and isinstance(d.get("name"), str)}
    out: list[DeletedDatasourceEntry] = []
    for i, item in enumerate(doc.get("deleteDatasources") or []):
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name.strip():
            errors.append(f"{path}: deleteDatasources entry without a name: {_entry('deleteDatasources', i, item)}")
            continue
        entry = DeletedDatasourceEntry(unliteral(name), org_of(item))
        if entry.org_id != ORG_ID:
            errors.append(f"{path}: deleteDatasources entry {entry.name!r} is for organisation "
                          f"{entry.org_id}; publish writes datasources to one organisation, "
                          "so it is not deleted")
        elif (entry.org_id, entry.name) in declared:
            errors.append(f"{path}: datasource {entry.name!r} is both declared and in "
                          "deleteDatasources (OAC113, OAC114); it is not deleted")
        elif entry not in out:
            out.append(entry)
    return out


# -- the plan -------------------------------------------------------------------


class Action(StrEnum):
    """What publish does with one object."""

    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    CONFLICT = "conflict"
    PRUNE = "prune"
    DELETE = "delete"  # datasources only: a deleted or previous name Grafana still has
    ORPHAN = "orphan"  # managed, not in the build, kept because --prune is off
    EXISTS = "exists"  # folders only


@dataclass
class FolderChange:
    """A folder the build needs."""

    path: str
    uid: str
    title: str
    parent_uid: str | None
    action: Action
    detail: str = ""


@dataclass
class DashboardChange:
    """What happens to one dashboard."""

    uid: str
    title: str
    action: Action
    folder_path: str = ""
    folder_uid: str | None = None
    reason: str = ""
    desired: BuildDashboard | None = None
    #: The live dashboard with markers stripped (only when it was fetched).
    live: dict[str, Any] | None = None
    live_version: int | None = None
    live_folder_uid: str | None = None
    live_folder_title: str = ""
    managed: bool = True
    #: Send ``overwrite: true`` (only with --force).
    overwrite: bool = False
    #: UID of a managed dashboard not in the build that holds this title in the
    #: target folder; it is deleted just before this dashboard is written.
    replaces: str | None = None


@dataclass
class DatasourceChange:
    """What happens to one datasource. For :attr:`Action.DELETE`, ``uid`` is the
    live datasource's, ``name`` the deleted name and ``desired`` empty."""

    uid: str
    name: str
    action: Action
    desired: dict[str, Any]
    live: dict[str, Any] | None = None
    changed_fields: list[str] = field(default_factory=list)
    reason: str = ""


@dataclass
class Plan:
    """Everything a publish would do, in the order it would do it."""

    folders: list[FolderChange] = field(default_factory=list)
    dashboards: list[DashboardChange] = field(default_factory=list)
    datasources: list[DatasourceChange] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    prune: bool = False
    force: bool = False

    def dashboards_with(self, *actions: Action) -> list[DashboardChange]:
        """Dashboard changes whose action is one of ``actions``."""
        return [d for d in self.dashboards if d.action in actions]

    @property
    def has_changes(self) -> bool:
        """True when publishing would write something or a conflict needs attention."""
        return (
            any(f.action is Action.CREATE for f in self.folders)
            or any(
                d.action in (Action.CREATE, Action.UPDATE, Action.CONFLICT, Action.PRUNE)
                for d in self.dashboards
            )
            or any(d.action in (Action.CREATE, Action.UPDATE, Action.CONFLICT, Action.DELETE)
                   for d in self.datasources)
        )

    def summary(self) -> dict[str, int]:
        """Counts per kind and action, e.g. ``{"dashboards.create": 3}``."""
        counts: dict[str, int] = {}
        for kind, items in (("folders", self.folders), ("dashboards", self.dashboards),
                            ("datasources", self.datasources)):
            for item in items:
                key = f"{kind}.{item.action.value}"
                counts[key] = counts.get(key, 0) + 1
        return dict(sorted(counts.items()))


def required_folders(tree: BuildTree) -> list[str]:
    """Folder paths the build needs, parents first (``team`` before ``team/llm``)."""
    paths: set[str] = set()
    for dash in tree.dashboards:
        parts = dash.folder_path.split("/") if dash.folder_path else []
        for depth in range(1, len(parts) + 1):
            paths.add("/".join(parts[:depth]))
    return sorted(paths, key=lambda p: (p.count("/"), p))


def _plan_folders(client: GrafanaClient, tree: BuildTree) -> list[FolderChange]:
    out: list[FolderChange] = []
    for path in required_folders(tree):
        uid = folder_uid(path)
        parent = path.rsplit("/", 1)[0] if "/" in path else ""
        parent_uid = folder_uid(parent) if parent else None
        title = path.rsplit("/", 1)[-1]
        live = client.get_folder(uid)
        if live is None:
            out.append(FolderChange(path, uid, title, parent_uid, Action.CREATE))
            continue
        notes = []
        if live.get("title") != title:
            notes.append(f"title is {live.get('title')!r}, build says {title!r} (not renamed)")
        # Only Grafana with nested folders reports parentUid; compare when present.
        if "parentUid" in live and (live.get("parentUid") or None) != parent_uid:
            notes.append(f"parent is {live.get('parentUid')!r}, build says {parent_uid!r}")
        out.append(FolderChange(path, uid, title, parent_uid, Action.EXISTS, "; ".join(notes)))
    return out


def _live_folder(hit: dict[str, Any]) -> str | None:
    value = hit.get("folderUid")
    return value if isinstance(value, str) and value else None


def compute_plan(
    client: GrafanaClient,
    tree: BuildTree,
    *,
    prune: bool = False,
    force: bool = False,
    deep: bool = False,
) -> Plan:
    """Compare ``tree`` with Grafana and return the :class:`Plan`.

    ``force`` turns conflicts (hand edits, unmanaged dashboards in the way) into
    overwrites; ``prune`` turns managed dashboards missing from the build into
    deletions; ``deep`` fetches every managed dashboard to find hand edits even
    where the build did not change (costs one GET per dashboard).
    """
    plan = Plan(errors=list(tree.errors), prune=prune, force=force)
    if prune and (tree.errors or not tree.dashboards):
        # A dashboard left out because its file is broken (or an empty build) must
        # not read as "removed from the build": pruning it would delete it for real.
        plan.errors.append("not pruning: the build has errors or no dashboards")
        prune = False
    plan.folders = _plan_folders(client, tree)
    hits = client.search([("type", "dash-db")])
    by_uid = {h["uid"]: h for h in hits if isinstance(h.get("uid"), str)}
    wanted = {d.uid for d in tree.dashboards}
    by_title: dict[tuple[str | None, str], list[dict[str, Any]]] = {}
    for hit in hits:
        by_title.setdefault((_live_folder(hit), slug(str(hit.get("title", "")))),
                            []).append(hit)

    for dash in tree.dashboards:
        change = DashboardChange(dash.uid, dash.title, Action.CREATE, dash.folder_path,
                                 dash.folder_uid, desired=dash)
        found = by_uid.get(dash.uid)
        if found is not None:
            _plan_existing(client, change, found, force=force, deep=deep)
        if change.action in (Action.CREATE, Action.UPDATE):
            _check_title_clash(change, by_title, wanted | tree.left_out.keys(), prune=prune,
                               force=force)
        plan.dashboards.append(change)

    for hit in hits:
        uid = hit.get("uid")
        if isinstance(uid, str) and uid not in wanted and is_managed(hit.get("tags")):
            if any(d.replaces == uid for d in plan.dashboards):
                continue  # deleted as part of the write that takes its title
            if uid in tree.left_out:
                # Never pruned (prune is off when the build has errors), never "missing".
                reason = (f"left out: its build file {tree.left_out[uid]} has an error "
                          "(above); Grafana's copy kept")
            else:
                reason = "" if prune else "not in the build; kept (use --prune to delete)"
            plan.dashboards.append(DashboardChange(
                uid, str(hit.get("title", "")), Action.PRUNE if prune else Action.ORPHAN,
                live_folder_uid=_live_folder(hit),
                live_folder_title=str(hit.get("folderTitle", "")),
                reason=reason,
            ))
    changes = [_plan_datasource(client, ds) for ds in tree.datasources]
    # Deletions come first: publish applies them before any create or update.
    plan.datasources = [*_plan_deletions(client, tree), *changes]
    return plan


def _plan_existing(
    client: GrafanaClient, change: DashboardChange, hit: dict[str, Any], *, force: bool,
    deep: bool,
) -> None:
    """Decide update/unchanged/conflict for a dashboard whose uid exists in Grafana."""
    desired = change.desired
    assert desired is not None
    tags = hit.get("tags")
    change.managed = is_managed(tags)
    change.live_folder_uid = _live_folder(hit)
    change.live_folder_title = str(hit.get("folderTitle", ""))
    same_place = change.live_folder_uid == desired.folder_uid
    if change.managed and hash_tag(tags) == desired.hash and same_place and not deep:
        change.action = Action.UNCHANGED
        return
    got = client.get_dashboard(desired.uid)
    if got is None:  # deleted between search and GET
        change.action = Action.CREATE
        return
    live = got.get("dashboard") if isinstance(got.get("dashboard"), dict) else {}
    meta = got.get("meta") if isinstance(got.get("meta"), dict) else {}
    assert isinstance(live, dict) and isinstance(meta, dict)
    version = live.get("version", meta.get("version"))
    change.live_version = version if isinstance(version, int) else None
    change.live = strip_markers(live)
    if isinstance(meta.get("folderUid"), str):
        change.live_folder_uid = meta["folderUid"] or None
        same_place = change.live_folder_uid == desired.folder_uid
    live_hash = content_hash(live)
    if not change.managed:
        change.reason = "an unmanaged dashboard (no oac-managed tag) already uses this uid"
    elif live_hash == desired.hash:
        # Content already equals the build (e.g. an earlier write whose response was
        # lost): only tags or the folder may need fixing; nothing of value is lost.
        change.action = Action.UNCHANGED if same_place and hash_tag(
            live.get("tags")) == desired.hash else Action.UPDATE
        change.reason = "" if same_place else "moved to another folder"
        return
    elif hash_tag(live.get("tags")) != live_hash:
        change.reason = "changed in Grafana since the last publish (hand edit)"
    else:
        change.action = Action.UPDATE
        return
    if force:
        change.action = Action.UPDATE
        change.overwrite = True
        change.reason += "; overwritten because of --force"
    else:
        change.action = Action.CONFLICT


def _check_title_clash(
    change: DashboardChange,
    by_title: dict[tuple[str | None, str], list[dict[str, Any]]],
    wanted: set[str],
    *,
    prune: bool,
    force: bool,
) -> None:
    """Grafana refuses (412 name-exists) a second dashboard with the same title in
    one folder (it compares slugs); find that before writing."""
    for other in by_title.get((change.folder_uid, slug(change.title)), []):
        other_uid = other.get("uid")
        if other_uid == change.uid:
            continue
        if is_managed(other.get("tags")) and other_uid not in wanted:
            if prune:
                change.replaces = str(other_uid)
                continue
            change.action = Action.CONFLICT
            change.reason = (f"title already used by managed dashboard {other_uid} that is "
                             "no longer in the build; publish with --prune to replace it")
            return
        if force and not is_managed(other.get("tags")) and change.replaces is None:
            # Not `overwrite: true`: Grafana would then save our dashboard under the
            # other one's uid. Delete the other just before writing ours instead.
            change.replaces = str(other_uid)
            change.reason = f"replaces unmanaged dashboard {other_uid} with the same title (--force)"
            continue
        change.action = Action.CONFLICT
        change.reason = (f"title already used in this folder by "
                         f"{'managed' if is_managed(other.get('tags')) else 'unmanaged'} "
                         f"dashboard {other_uid}")
        return


def _plan_datasource(client: GrafanaClient, desired: dict[str, Any]) -> DatasourceChange:
    uid = str(desired["uid"])
    change = DatasourceChange(uid, str(desired["name"]), Action.CREATE, desired)
    resp = client.get(f"/api/datasources/uid/{quote(uid, safe='')}")
    if resp.status == 404:
        return _secrets_resolved(change)
    if not resp.ok or not isinstance(resp.body, dict):
        change.action = Action.CONFLICT
        change.reason = f"cannot read datasource: {resp.message()}"
        return change
    change.live = resp.body
    change.changed_fields = [
        key for key in DATASOURCE_FIELDS
        if key in desired and _ds_value(desired[key]) != _ds_value(resp.body.get(key))
    ]
    # Grafana never returns secureJsonData, only which of its keys are set: a key the
    # build sets that is not set live needs a write (a changed secret cannot be seen).
    live_secure = resp.body.get("secureJsonFields") or {}
    if any(not live_secure.get(key) for key in desired.get("secureJsonData") or {}):
        change.changed_fields.append("secureJsonData")
    change.action = Action.UPDATE if change.changed_fields else Action.UNCHANGED
    if "name" in change.changed_fields:
        change.reason = f"renamed from {resp.body.get('name')!r}"
    if change.changed_fields and resp.body.get("readOnly"):
        # Grafana answers 403 to any write of a file-provisioned datasource, which the
        # client would take for a permission problem and abort the whole run.
        change.action = Action.CONFLICT
        change.reason = "read-only (provisioned from a file); change it there"
    return _secrets_resolved(change)


def _secrets_resolved(change: DatasourceChange) -> DatasourceChange:
    """``change``, or a conflict saying why when it writes a ``secureJsonData``
    reference that cannot be resolved in this environment (an unset variable, an
    unreadable file): publish resolves them as it writes, so `oac diff` shows
    beforehand what publish would fail on (never a value: the reference's name)."""
    secure = change.desired.get("secureJsonData")
    if change.action in (Action.CREATE, Action.UPDATE) and isinstance(secure, dict) and secure:
        from obs_as_code.grafana.publish import resolve_secure_json_data

        _values, problem = resolve_secure_json_data(secure)
        if problem:
            change.action = Action.CONFLICT
            change.reason = problem
    return change


def _ds_value(value: Any) -> Any:
    # Grafana returns {} for an unset jsonData and False for unset booleans.
    return value if value not in (None, {}) else None


def _plan_deletions(client: GrafanaClient, tree: BuildTree) -> list[DatasourceChange]:
    """A DELETE (by uid) for each ``deleteDatasources`` name Grafana has; nothing
    for a name it does not have. A datasource found under such a name that holds a
    uid the build declares is not deleted: it is that datasource under its old
    name, and its update (PUT by uid) renames it in place, keeping its id. A
    read-only one (provisioned from a file) is a conflict: Grafana refuses (403)."""
    if not tree.deleted_datasources:
        return []
    resp = client.get("/api/datasources")
    if not resp.ok or not isinstance(resp.body, list):
        return [DatasourceChange("", entry.name, Action.CONFLICT, {},
                                 reason=f"cannot list datasources: {resp.message()}")
                for entry in tree.deleted_datasources]
    by_name = {str(d["name"]): d for d in resp.body
               if isinstance(d, dict) and isinstance(d.get("name"), str)}
    declared = {str(d["uid"]) for d in tree.datasources}
    out: list[DatasourceChange] = []
    for entry in tree.deleted_datasources:
        live = by_name.get(entry.name)
        uid = live.get("uid") if live is not None else None
        if live is None or uid in declared:
            continue
        change = DatasourceChange(uid if isinstance(uid, str) else "", entry.name, Action.DELETE,
                                  {}, live=live, reason="in deleteDatasources")
        if live.get("readOnly"):
            change.action = Action.CONFLICT
            change.reason = "read-only (provisioned from a file); its deleteDatasources deletes it there"
        elif not change.uid:
            change.action = Action.CONFLICT
            change.reason = "Grafana lists it without a uid; not deleted"
        out.append(change)
    return out
