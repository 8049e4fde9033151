"""Apply a :class:`~obs_as_code.grafana.plan.Plan` to Grafana.

Order: datasource deletions (``deleteDatasources``), datasources, folders (parents
first), dashboards, then pruning. Deleting first frees the names and uids the
creates need. Pruning only runs when every write before it succeeded, so a
dashboard is never deleted before its replacement is written.

Every write is safe to retry and to rerun:

* a folder POST answered 409 is checked with a GET (our earlier attempt may have
  landed before its response was lost);
* a dashboard POST answered 412 is checked with a GET: if Grafana already holds the
  built content in the right folder, the write counts as done;
* a DELETE answered 404 counts as done.

A 401/403 stops the run at once; the result still lists what was applied, and a
rerun picks up from Grafana's state.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

from obs_as_code.grafana.client import AuthError, GrafanaClient, GrafanaError
from obs_as_code.grafana.managed import content_hash, mark
from obs_as_code.grafana.plan import (
    Action,
    DashboardChange,
    DatasourceChange,
    FolderChange,
    Plan,
    compute_plan,
    read_build,
)
from obs_as_code.model.datasource import secure_reference

#: Called after each write with (done, total).
Progress = Callable[[int, int], None]


@dataclass
class Outcome:
    """What happened to one object."""

    kind: str  # folder | dashboard | datasource
    uid: str
    title: str
    action: str  # create | update | prune | conflict ...
    status: str  # applied | failed | skipped | planned | kept (an orphan, without --prune)
    message: str = ""
    version: int | None = None


@dataclass
class PublishResult:
    """The report of one publish."""

    outcomes: list[Outcome] = field(default_factory=list)
    aborted: str | None = None
    #: The HTTP status (401 or 403) of the auth error that aborted the run, for the
    #: CLI's hint; not part of the report.
    abort_status: int | None = None
    dry_run: bool = False
    requests: int = 0
    writes: int = 0
    errors: list[str] = field(default_factory=list)

    def with_status(self, status: str) -> list[Outcome]:
        """Outcomes with the given status."""
        return [o for o in self.outcomes if o.status == status]

    @property
    def ok(self) -> bool:
        """True when everything planned was applied (nothing failed or skipped)."""
        return (not self.aborted and not self.errors
                and not any(o.status in ("failed", "skipped") for o in self.outcomes))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        counts: dict[str, int] = {}
        for o in self.outcomes:
            counts[o.status] = counts.get(o.status, 0) + 1
        return {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "aborted": self.aborted,
            "errors": self.errors,
            "counts": dict(sorted(counts.items())),
            "requests": self.requests,
            "writes": self.writes,
            "outcomes": [asdict(o) for o in self.outcomes],
        }

    def render(self, fmt: str = "text") -> str:
        """The report as ``text`` or ``json``."""
        if fmt == "json":
            return json.dumps(self.to_dict(), indent=2, sort_keys=True)
        lines = []
        for o in self.outcomes:
            msg = f" - {o.message}" if o.message else ""
            lines.append(f"{o.status:8} {o.action:7} {o.kind:10} {o.uid} ({o.title}){msg}")
        for err in self.errors:
            lines.append(f"error    {err}")
        counts = self.to_dict()["counts"]
        summary = ", ".join(f"{n} {s}" for s, n in counts.items()) or "nothing to do"
        head = "dry run: " if self.dry_run else ""
        lines.append(f"{head}{summary}; {self.requests} requests, {self.writes} writes")
        if self.aborted:
            lines.append(f"ABORTED: {self.aborted}")
        return "\n".join(lines)


def publish_message(git_sha: str | None) -> str:
    """The version message stored with each dashboard save."""
    return f"oac publish {git_sha}" if git_sha else "oac publish"


def resolve_secure_json_data(data: Mapping[str, Any]) -> tuple[dict[str, str], str]:
    """``secureJsonData`` of the build with its references resolved here, as Grafana
    resolves them when it reads the provisioning file (the HTTP API does not):
    ``${NAME}`` and ``$__env{NAME}`` from this process's environment, ``$__file{PATH}`` from the file.
    Returns the values and, when one cannot be resolved, a message naming the key
    and the reference, never a value."""
    out: dict[str, str] = {}
    for key, value in data.items():
        ref = secure_reference(value)
        if ref is None:
            return {}, f"secureJsonData.{key} is not a ${{ENV}} or $__file{{/path}} reference (check OAC111)"
        kind, name = ref
        if kind == "env":
            if name not in os.environ:
                return {}, f"secureJsonData.{key}: environment variable {name} is not set"
            out[key] = os.environ[name]
        else:
            try:
                out[key] = Path(name).read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as exc:
                return {}, f"secureJsonData.{key}: cannot read {name}: {type(exc).__name__}"
    return out, ""


class _Publisher:
    def __init__(self, client: GrafanaClient, plan: Plan, message: str,
                 progress: Progress | None) -> None:
        self.client = client
        self.plan = plan
        self.message = message
        self.progress = progress
        self.result = PublishResult(errors=list(plan.errors))
        self.failed_folders: set[str] = set()
        self.done = 0
        self.total = count_writes(plan)

    def tick(self) -> None:
        """Count one finished step and report progress."""
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)

    def add(self, kind: str, uid: str, title: str, action: Action | str, status: str,
            message: str = "", version: int | None = None) -> None:
        """Record the outcome of one object."""
        self.result.outcomes.append(Outcome(kind, uid, title, str(action), status, message,
                                            version))

    # -- datasources --------------------------------------------------------------

    def datasource(self, ds: DatasourceChange) -> None:
        """Create (POST) or update (PUT by uid) one datasource."""
        body = {k: v for k, v in ds.desired.items() if k not in ("orgId", "version", "editable")}
        if "secureJsonData" in body:
            secure, problem = resolve_secure_json_data(body["secureJsonData"])
            if problem:
                self.add("datasource", ds.uid, ds.name, ds.action, "failed", problem)
                return
            body["secureJsonData"] = secure
        if ds.action is Action.CREATE:
            resp = self.client.post("/api/datasources", body)
            if resp.status == 409:
                self.add("datasource", ds.uid, ds.name, ds.action, "failed",
                         f"{resp.message()} (under another uid?)")
                return
        else:
            if ds.live is not None and "id" in ds.live:
                body["id"] = ds.live["id"]
            resp = self.client.put(f"/api/datasources/uid/{quote(ds.uid, safe='')}", body)
        status = "applied" if resp.ok else "failed"
        self.add("datasource", ds.uid, ds.name, ds.action, status,
                 "" if resp.ok else resp.message())

    def delete_datasource(self, ds: DatasourceChange) -> None:
        """Delete one datasource by uid (a deleted or previous name); 404 means already gone."""
        resp = self.client.delete(f"/api/datasources/uid/{quote(ds.uid, safe='')}")
        if resp.ok or resp.status == 404:
            self.add("datasource", ds.uid, ds.name, Action.DELETE, "applied",
                     "" if resp.ok else "already deleted")
        else:
            self.add("datasource", ds.uid, ds.name, Action.DELETE, "failed", resp.message())

    # -- folders ------------------------------------------------------------------

    def folder(self, f: FolderChange) -> None:
        """Create one folder under its parent; a 409 for our own uid counts as done."""
        if f.parent_uid is not None and f.parent_uid in self.failed_folders:
            self.failed_folders.add(f.uid)
            self.add("folder", f.uid, f.title, f.action, "skipped", "parent folder failed")
            return
        body: dict[str, Any] = {"uid": f.uid, "title": f.title}
        if f.parent_uid is not None:
            body["parentUid"] = f.parent_uid
        resp = self.client.post("/api/folders", body)
        if resp.ok:
            self.add("folder", f.uid, f.title, f.action, "applied")
            return
        if resp.status == 409 and self.client.get_folder(f.uid) is not None:
            # An earlier attempt landed (lost response) or a concurrent run made it.
            self.add("folder", f.uid, f.title, f.action, "applied", "already existed")
            return
        self.failed_folders.add(f.uid)
        self.add("folder", f.uid, f.title, f.action, "failed", resp.message())

    # -- dashboards ---------------------------------------------------------------

    def dashboard(self, d: DashboardChange) -> None:
        """Write one dashboard (create, update, move), verifying a 412 before failing."""
        assert d.desired is not None
        if d.folder_uid is not None and d.folder_uid in self.failed_folders:
            self.add("dashboard", d.uid, d.title, d.action, "skipped",
                     f"folder {d.folder_path!r} could not be created")
            return
        if d.replaces is not None:
            resp = self.client.delete(f"/api/dashboards/uid/{quote(d.replaces, safe='')}")
            if not resp.ok and resp.status != 404:
                self.add("dashboard", d.uid, d.title, d.action, "failed",
                         f"cannot delete {d.replaces} which holds this title: {resp.message()}")
                return
            self.add("dashboard", d.replaces, d.title, Action.PRUNE, "applied",
                     f"replaced by {d.uid}")
        dashboard = mark(d.desired.dashboard)
        dashboard["uid"] = d.uid
        dashboard["id"] = None
        if d.action is Action.UPDATE and d.live_version is not None and not d.overwrite:
            # Optimistic locking: a save in Grafana after our GET makes this a 412.
            dashboard["version"] = d.live_version
        body: dict[str, Any] = {"dashboard": dashboard, "overwrite": d.overwrite,
                                "message": self.message}
        if d.folder_uid is not None:
            body["folderUid"] = d.folder_uid  # omitted = root; Grafana moves it there
        resp = self.client.post("/api/dashboards/db", body)
        if resp.ok:
            got = resp.body if isinstance(resp.body, dict) else {}
            if got.get("uid") not in (None, d.uid):
                self.add("dashboard", d.uid, d.title, d.action, "failed",
                         f"Grafana saved it under uid {got.get('uid')}")
                return
            version = got.get("version")
            self.add("dashboard", d.uid, d.title, d.action, "applied", d.reason,
                     version if isinstance(version, int) else None)
            return
        if resp.status == 412 and self._already_there(d):
            self.add("dashboard", d.uid, d.title, d.action, "applied",
                     "already up to date (earlier attempt landed)")
            return
        reason = resp.reason()
        msg = resp.message()
        if reason == "version-mismatch":
            msg = "changed in Grafana during the publish; rerun to re-plan"
        self.add("dashboard", d.uid, d.title, d.action, "failed",
                 f"HTTP {resp.status}: {msg}")

    def _already_there(self, d: DashboardChange) -> bool:
        """After a 412: does Grafana already hold the built content in place?"""
        assert d.desired is not None
        got = self.client.get_dashboard(d.uid)
        if got is None or not isinstance(got.get("dashboard"), dict):
            return False
        meta = got.get("meta") if isinstance(got.get("meta"), dict) else {}
        assert isinstance(meta, dict)
        folder = meta.get("folderUid") or None
        return bool(content_hash(got["dashboard"]) == d.desired.hash
                    and folder == d.folder_uid)

    def prune(self, d: DashboardChange) -> None:
        """Delete one managed dashboard; 404 means already gone."""
        resp = self.client.delete(f"/api/dashboards/uid/{quote(d.uid, safe='')}")
        if resp.ok or resp.status == 404:
            self.add("dashboard", d.uid, d.title, Action.PRUNE, "applied")
        else:
            self.add("dashboard", d.uid, d.title, Action.PRUNE, "failed", resp.message())

    # -- driver -------------------------------------------------------------------

    def steps(self) -> list[tuple[Callable[[], None], tuple[str, str, str, str]]]:
        """Each write as (thunk, (kind, uid, title, action)), in apply order."""
        p = self.plan
        steps: list[tuple[Callable[[], None], tuple[str, str, str, str]]] = []
        for ds in p.datasources:
            if ds.action is Action.DELETE:
                steps.append((partial(self.delete_datasource, ds),
                              ("datasource", ds.uid, ds.name, ds.action.value)))
        for ds in p.datasources:
            if ds.action in (Action.CREATE, Action.UPDATE):
                steps.append((partial(self.datasource, ds),
                              ("datasource", ds.uid, ds.name, ds.action.value)))
        for f in p.folders:
            if f.action is Action.CREATE:
                steps.append((partial(self.folder, f),
                              ("folder", f.uid, f.title, f.action.value)))
        for d in p.dashboards_with(Action.CREATE, Action.UPDATE):
            steps.append((partial(self.dashboard, d),
                          ("dashboard", d.uid, d.title, d.action.value)))
        for d in p.dashboards_with(Action.PRUNE):
            steps.append((self._prune_step(d), ("dashboard", d.uid, d.title, "prune")))
        return steps

    def _prune_step(self, d: DashboardChange) -> Callable[[], None]:
        def run() -> None:
            failed = [o for o in self.result.outcomes if o.status in ("failed", "skipped")]
            if failed:
                self.add("dashboard", d.uid, d.title, Action.PRUNE, "skipped",
                         f"not pruned: {len(failed)} earlier writes did not apply")
            else:
                self.prune(d)
        return run

    def run(self, dry_run: bool) -> PublishResult:
        """Run every step in order; stop only on an auth error."""
        for d in self.plan.dashboards_with(Action.CONFLICT):
            self.add("dashboard", d.uid, d.title, d.action, "skipped",
                     f"{d.reason} (use --force to overwrite)")
        for ds in self.plan.datasources:
            if ds.action is Action.CONFLICT:
                self.add("datasource", ds.uid, ds.name, ds.action, "skipped", ds.reason)
        # Not a failure, but not "nothing to do" either: a dashboard whose module was
        # removed stays in Grafana until a publish with --prune.
        for d in self.plan.dashboards_with(Action.ORPHAN):
            self.add("dashboard", d.uid, d.title, d.action, "kept", d.reason)
        steps = self.steps()
        if dry_run:
            for _, (kind, uid, title, action) in steps:
                self.add(kind, uid, title, action, "planned")
            return self.result
        for i, (step, (kind, uid, title, action)) in enumerate(steps):
            try:
                step()
            except AuthError as exc:
                self.result.aborted = str(exc)
                self.result.abort_status = exc.status
                for _, (k, u, t, a) in steps[i:]:
                    self.add(k, u, t, a, "skipped", "not applied: run aborted")
                break
            except GrafanaError as exc:
                # Retries exhausted for this object: report it, carry on with the rest.
                if kind == "folder":
                    self.failed_folders.add(uid)
                self.add(kind, uid, title, action, "failed", str(exc))
            self.tick()
        return self.result


def count_writes(plan: Plan) -> int:
    """Number of write steps publish would take for ``plan``."""
    return (sum(ds.action in (Action.CREATE, Action.UPDATE, Action.DELETE)
                for ds in plan.datasources)
            + sum(f.action is Action.CREATE for f in plan.folders)
            + len(plan.dashboards_with(Action.CREATE, Action.UPDATE, Action.PRUNE)))


def apply_plan(
    client: GrafanaClient,
    plan: Plan,
    *,
    dry_run: bool = False,
    git_sha: str | None = None,
    progress: Progress | None = None,
) -> PublishResult:
    """Apply ``plan``; with ``dry_run`` send no writes and mark every step ``planned``.

    The result's ``ok`` is False when anything failed, was skipped (conflicts,
    folders that could not be made) or the run was aborted by an auth error.
    """
    start_requests, start_writes = client.requests_sent, client.writes_sent
    publisher = _Publisher(client, plan, publish_message(git_sha), progress)
    result = publisher.run(dry_run)
    result.dry_run = dry_run
    result.requests = client.requests_sent - start_requests
    result.writes = client.writes_sent - start_writes
    return result


def publish(
    client: GrafanaClient,
    build_dir: str | Path,
    *,
    prune: bool = False,
    force: bool = False,
    dry_run: bool = False,
    datasources: bool = False,
    git_sha: str | None = None,
    progress: Progress | None = None,
) -> tuple[Plan, PublishResult]:
    """Read ``build_dir``, plan against Grafana, apply; return both plan and result.

    An :class:`AuthError` during planning propagates (nothing was written).
    """
    start_requests, start_writes = client.requests_sent, client.writes_sent
    tree = read_build(build_dir, datasources=datasources)
    plan = compute_plan(client, tree, prune=prune, force=force)
    result = apply_plan(client, plan, dry_run=dry_run, git_sha=git_sha, progress=progress)
    result.requests = client.requests_sent - start_requests
    result.writes = client.writes_sent - start_writes
    return plan, result


def current_git_sha(start: str | Path = ".", env: Mapping[str, str] | None = None) -> str | None:
    """The commit being published: ``OAC_GIT_SHA`` or ``GITHUB_SHA``, else read from
    ``.git`` without running git (worktrees and packed refs included)."""
    env = os.environ if env is None else env
    for key in ("OAC_GIT_SHA", "GITHUB_SHA"):
        if env.get(key):
            return env[key][:12]
    here = Path(start).resolve()
    for directory in (here, *here.parents):
        dotgit = directory / ".git"
        if dotgit.exists():
            break
    else:
        return None
    try:
        if dotgit.is_file():  # a worktree: ".git" holds "gitdir: <path>"
            gitdir = Path(dotgit.read_text().split(":", 1)[1].strip())
            gitdir = gitdir if gitdir.is_absolute() else (dotgit.parent / gitdir)
        else:
            gitdir = dotgit
        common = gitdir
        if (gitdir / "commondir").is_file():
            common = (gitdir / (gitdir / "commondir").read_text().strip()).resolve()
        head = (gitdir / "HEAD").read_text().strip()
        if not head.startswith("ref:"):
            return head[:12]
        ref = head.split(":", 1)[1].strip()
        for base in (gitdir, common):
            if (base / ref).is_file():
                return (base / ref).read_text().strip()[:12]
        packed = common / "packed-refs"
        if packed.is_file():
            for line in packed.read_text().splitlines():
                if line.endswith(" " + ref):
                    return line.split(" ", 1)[0][:12]
    except (OSError, IndexError):
        return None
    return None
