"""An in-process fake of the Grafana HTTP API, for tests and benchmarks.

It runs ``http.server`` on 127.0.0.1 on a free port in a daemon thread; use it as a
context manager so it always stops::

    with FakeGrafana() as grafana:
        client = GrafanaClient(grafana.url, Auth(token=grafana.admin_token))

It follows Grafana 11 for the endpoints obs-as-code uses (see
/work/shared/grafana-api.md): search, folders (nested), dashboards/db with its
412/400/404 rules, dashboards by uid, datasources (list, get, create, update,
delete by uid or name; writes need the Admin role), token and basic auth.

Faults: :meth:`FakeGrafana.fail` makes the Nth matching request fail with 500, 503,
429 (with Retry-After), 412, 401, a hang past the client's timeout (``timeout``:
the write is applied but no response is sent, like a response lost in transit;
``timeout_before``: nothing applied), or a dropped connection (``reset``: nothing
applied; ``reset_after``: applied, then the connection is dropped); ``slow``
answers normally after :attr:`FakeGrafana.slow` seconds (a starved server).

Every request is recorded as ``(method, path)`` in :attr:`FakeGrafana.requests`.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import json
import re
import secrets
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

UID_RE = re.compile(r"^[A-Za-z0-9_-]*$")
ADMIN_TOKEN = "glsa_fakeAdminToken_0123456789abcdef"
VIEWER_TOKEN = "glsa_fakeViewerToken_0123456789abcdef"
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class _Reply(Exception):
    """Raised inside a handler to answer with ``status`` and a JSON ``body``."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def _error(status: int, message: str, reason: str | None = None) -> _Reply:
    body: dict[str, Any] = {"message": message}
    if reason:
        body["status"] = reason
    return _Reply(status, body)


class ProvisioningError(Exception):
    """Grafana's datasource provisioning failed: a real Grafana would not start."""


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass
class Fault:
    """Make matching requests number ``nth`` .. ``nth + times - 1`` fail with ``kind``."""

    method: str
    path: str  # prefix of the request path
    kind: str
    nth: int = 1
    times: int = 1
    retry_after: str | None = "1"
    seen: int = 0
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        return (self.method in ("*", method)) and path.startswith(self.path)


@dataclass
class _Dash:
    id: int
    uid: str
    dashboard: dict[str, Any]
    folder_uid: str | None
    version: int
    created: str
    versions: list[dict[str, Any]] = field(default_factory=list)


class FakeGrafana:
    """The fake server and its state (folders, dashboards, datasources)."""

    def __init__(
        self,
        *,
        tokens: dict[str, str] | None = None,
        users: dict[str, tuple[str, str]] | None = None,
        hang: float = 1.0,
        slow: float = 1.0,
    ) -> None:
        self.tokens = tokens if tokens is not None else {ADMIN_TOKEN: "Admin",
                                                         VIEWER_TOKEN: "Viewer"}
        self.users = users if users is not None else {"admin": ("admin", "Admin")}
        self.admin_token = next((t for t, r in self.tokens.items() if r == "Admin"), "")
        self.hang = hang
        self.slow = slow
        self.lock = threading.RLock()
        self.requests: list[tuple[str, str]] = []
        self.faults: list[Fault] = []
        self.folders: dict[str, dict[str, Any]] = {}
        self.dashboards: dict[str, _Dash] = {}
        self.datasources: dict[str, dict[str, Any]] = {}
        #: uid -> the secureJsonData written (never returned by the API, as in Grafana).
        self.secure_json_data: dict[str, dict[str, Any]] = {}
        self._next_id = 1
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:43121``."""
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeGrafana:
        """Start serving on a free port of 127.0.0.1."""
        fake = self

        class Handler(_Handler):
            grafana = fake

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeGrafana:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- test helpers -----------------------------------------------------------

    def fail(self, method: str, path: str, kind: str, *, nth: int = 1, times: int = 1,
             retry_after: str | None = "1") -> Fault:
        """Inject a fault on the ``nth`` request matching ``method`` and path prefix."""
        fault = Fault(method.upper(), path, kind, nth, times, retry_after)
        with self.lock:
            self.faults.append(fault)
        return fault

    def writes(self) -> list[tuple[str, str]]:
        """Recorded requests that change state."""
        return [r for r in self.requests if r[0] in WRITE_METHODS]

    def reset_requests(self) -> None:
        """Forget recorded requests."""
        with self.lock:
            self.requests.clear()

    def dashboard_state(self) -> dict[str, tuple[str | None, dict[str, Any]]]:
        """``uid -> (folderUid, stored dashboard)`` snapshot."""
        with self.lock:
            return {u: (d.folder_uid, copy.deepcopy(d.dashboard))
                    for u, d in self.dashboards.items()}

    # -- file provisioning (what Grafana does with provisioning/datasources at start) --

    def provision_datasources(self, doc: Any) -> None:
        """Apply one datasource provisioning file (its parsed YAML) as Grafana 11
        does when it starts (pkg/services/provisioning/datasources): first each
        ``deleteDatasources`` entry, looked up by ``(orgId, name)`` and skipped
        when absent; then each ``datasources`` entry, looked up by ``(orgId, name)``,
        *not* by uid: updated in place when found (its uid too), inserted when not,
        an insert with a uid another datasource holds failing. A failure raises
        :class:`ProvisioningError` (Grafana's datasource provisioning error, which
        stops its start) after what was applied before it, as Grafana leaves it.
        Strings are read as Grafana reads them (``$$`` is one ``$``; environment
        references are not expanded). Only organisation 1 exists; ``prune`` and
        several files are not modelled."""
        from obs_as_code.model.datasource import unliteral

        entries = [e for e in doc.get("datasources") or [] if isinstance(e, dict)]
        if sum(bool(e.get("isDefault")) for e in entries) > 1:
            raise ProvisioningError("datasource.yaml config is invalid. Only one datasource per "
                                    "organization can be marked as default")
        with self.lock:
            for gone in doc.get("deleteDatasources") or []:
                if int(gone.get("orgId") or 1) != 1:
                    raise ProvisioningError(f"organization {gone.get('orgId')} not found")
                found = self._by_name(unliteral(str(gone["name"])))
                if found is not None:
                    del self.datasources[found["uid"]]
                    self.secure_json_data.pop(found["uid"], None)
            for raw in entries:
                entry = unliteral({k: v for k, v in raw.items() if k != "secureJsonData"})
                if int(entry.get("orgId") or 1) != 1:
                    raise ProvisioningError(f"organization {entry.get('orgId')} not found")
                current = self._by_name(str(entry["name"]))
                uid = str(entry.get("uid") or "")
                if current is None:
                    if uid in self.datasources:
                        raise ProvisioningError("data source with the same uid already exists")
                    current = {"id": self.new_id(), "uid": uid or secrets.token_hex(7), "orgId": 1,
                               "version": 0}
                elif uid and uid != current["uid"]:
                    if uid in self.datasources:
                        # The database's unique (org_id, uid) index refuses the update.
                        raise ProvisioningError(f"uid {uid!r} is held by another data source")
                    del self.datasources[current["uid"]]
                    current["uid"] = uid
                self.datasources[current["uid"]] = current
                for key in ("name", "type", "url", "access", "isDefault", "jsonData", "basicAuth",
                            "basicAuthUser"):
                    if key in entry:
                        current[key] = copy.deepcopy(entry[key])
                current.setdefault("access", "proxy")
                current.setdefault("jsonData", {})
                current["readOnly"] = not entry.get("editable", False)
                current["typeName"] = str(current["type"]).capitalize()
                current["version"] += 1
                if current.get("isDefault"):
                    for other in self.datasources.values():
                        if other is not current:
                            other["isDefault"] = False
                secure = raw.get("secureJsonData") or {}
                self.secure_json_data[current["uid"]] = dict(secure)
                current["secureJsonFields"] = {k: True for k in secure}

    def _by_name(self, name: str) -> dict[str, Any] | None:
        return next((d for d in self.datasources.values() if d["name"] == name), None)

    def new_id(self) -> int:
        with self.lock:
            self._next_id += 1
            return self._next_id

    # -- API implementation ----------------------------------------------------

    def folder_hit(self, f: dict[str, Any]) -> dict[str, Any]:
        hit = {"id": f["id"], "uid": f["uid"], "orgId": 1, "title": f["title"],
               "uri": f"db/{_slug(f['title'])}", "url": f["url"], "slug": "",
               "type": "dash-folder", "tags": [], "isStarred": False, "sortMeta": 0}
        parent = self.folders.get(f.get("parentUid") or "")
        if parent is not None:
            hit.update(folderId=parent["id"], folderUid=parent["uid"],
                       folderTitle=parent["title"], folderUrl=parent["url"])
        return hit

    def dash_hit(self, d: _Dash) -> dict[str, Any]:
        title = str(d.dashboard.get("title", ""))
        hit = {"id": d.id, "uid": d.uid, "orgId": 1, "title": title,
               "uri": f"db/{_slug(title)}", "url": f"/d/{d.uid}/{_slug(title)}",
               "slug": "", "type": "dash-db", "tags": list(d.dashboard.get("tags") or []),
               "isStarred": False, "sortMeta": 0}
        folder = self.folders.get(d.folder_uid or "")
        if folder is not None:
            hit.update(folderId=folder["id"], folderUid=folder["uid"],
                       folderTitle=folder["title"], folderUrl=folder["url"])
        return hit

    def search(self, q: dict[str, list[str]]) -> list[dict[str, Any]]:
        def multi(name: str) -> list[str]:
            return [v for raw in q.get(name, []) for v in raw.split(",") if v]
        query = (q.get("query") or [""])[0].lower()
        tags = q.get("tag", [])
        kind = (q.get("type") or [""])[0]
        folder_uids = multi("folderUIDs")
        dash_uids = multi("dashboardUIDs")
        limit = min(int((q.get("limit") or ["1000"])[0]), 5000)
        page = max(int((q.get("page") or ["1"])[0]), 1)
        hits: list[dict[str, Any]] = []
        if kind in ("", "dash-folder") and not tags and not dash_uids:
            for f in self.folders.values():
                parent = f.get("parentUid") or "general"
                if folder_uids and parent not in folder_uids:
                    continue
                if query in f["title"].lower():
                    hits.append(self.folder_hit(f))
        if kind in ("", "dash-db"):
            for d in self.dashboards.values():
                dtags = d.dashboard.get("tags") or []
                if any(t not in dtags for t in tags):
                    continue
                if dash_uids and d.uid not in dash_uids:
                    continue
                if folder_uids and (d.folder_uid or "general") not in folder_uids:
                    continue
                if query in str(d.dashboard.get("title", "")).lower():
                    hits.append(self.dash_hit(d))
        hits.sort(key=lambda h: (h["type"] != "dash-folder", h["title"].lower(), h["uid"]))
        return hits[(page - 1) * limit: page * limit]

    def folder_view(self, f: dict[str, Any]) -> dict[str, Any]:
        parents = []
        p = self.folders.get(f.get("parentUid") or "")
        while p is not None:
            parents.insert(0, {"uid": p["uid"], "title": p["title"]})
            p = self.folders.get(p.get("parentUid") or "")
        out = dict(f, hasAcl=False, canSave=True, canEdit=True, canAdmin=True, canDelete=True,
                   createdBy="admin", updatedBy="admin")
        if parents:
            out["parents"] = parents
        return out

    def create_folder(self, body: dict[str, Any]) -> dict[str, Any]:
        title = body.get("title")
        if not isinstance(title, str) or not title.strip():
            raise _error(400, "folder title cannot be empty")
        uid = body.get("uid") or secrets.token_hex(7)
        if not isinstance(uid, str) or not UID_RE.match(uid):
            raise _error(400, "uid contains illegal characters")
        if len(uid) > 40:
            raise _error(400, "uid too long, max 40 characters")
        if uid in self.folders:
            raise _error(409, "a folder with the same uid already exists")
        parent = body.get("parentUid") or None
        if parent is not None and parent not in self.folders:
            raise _Reply(404, {"status": "not-found", "message": "folder not found"})
        if any(f["title"] == title and (f.get("parentUid") or None) == parent
               for f in self.folders.values()):
            raise _error(409, "a folder with the same name already exists in the parent")
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        folder = {"id": self.new_id(), "uid": uid, "title": title,
                  "url": f"/dashboards/f/{uid}/{_slug(title)}", "version": 1,
                  "created": now, "updated": now}
        if parent is not None:
            folder["parentUid"] = parent
        self.folders[uid] = folder
        return self.folder_view(folder)

    def delete_folder(self, uid: str) -> dict[str, Any]:
        folder = self.folders.get(uid)
        if folder is None:
            raise _Reply(404, {"status": "not-found", "message": "Folder not found"})
        for child in [f for f in self.folders.values() if f.get("parentUid") == uid]:
            self.delete_folder(child["uid"])
        for d in [d for d in self.dashboards.values() if d.folder_uid == uid]:
            del self.dashboards[d.uid]
        del self.folders[uid]
        return {"message": "Folder deleted", "id": folder["id"], "title": folder["title"]}

    def save_dashboard(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("dashboard"), dict):
            raise _error(400, "bad request data")
        dash = copy.deepcopy(body["dashboard"])
        title = dash.get("title")
        if not isinstance(title, str) or not title.strip():
            raise _error(400, "Dashboard title cannot be empty", "empty-name")
        uid = dash.get("uid")
        if uid in (None, ""):
            uid = secrets.token_hex(7)
        if not isinstance(uid, str) or not UID_RE.match(uid):
            raise _error(400, "uid contains illegal characters")
        if len(uid) > 40:
            raise _error(400, "uid too long, max 40 characters")
        overwrite = bool(body.get("overwrite"))
        folder_uid = body.get("folderUid") or None
        if folder_uid is not None and folder_uid not in self.folders:
            raise _Reply(404, {"message": "Folder not found", "status": "not-found"})
        existing = self.dashboards.get(uid)
        if existing is not None and not overwrite and dash.get("version") != existing.version:
            raise _error(412, "The dashboard has been changed by someone else",
                         "version-mismatch")
        # Grafana compares slugs of titles within one folder.
        clash = next((d for d in self.dashboards.values()
                      if d.uid != uid and d.folder_uid == folder_uid
                      and _slug(str(d.dashboard.get("title", ""))) == _slug(title)), None)
        if clash is not None and not overwrite:
            raise _error(412, "A dashboard with the same name in the folder already exists",
                         "name-exists")
        if clash is not None:
            # Like Grafana: with overwrite, the save takes over the clashing dashboard,
            # uid included (the uid that was sent is dropped).
            if existing is not None:
                del self.dashboards[existing.uid]
            uid, existing = clash.uid, clash
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        if existing is None:
            existing = _Dash(self.new_id(), uid, {}, folder_uid, 0, now)
            self.dashboards[uid] = existing
        existing.version += 1
        existing.folder_uid = folder_uid
        dash.update(id=existing.id, uid=uid, version=existing.version)
        existing.dashboard = dash
        existing.versions.append({"version": existing.version, "created": now,
                                  "message": str(body.get("message") or "")})
        return {"id": existing.id, "uid": uid, "url": f"/d/{uid}/{_slug(title)}",
                "status": "success", "version": existing.version, "slug": _slug(title),
                "folderUid": folder_uid or ""}

    def get_dashboard(self, uid: str) -> dict[str, Any]:
        d = self.dashboards.get(uid)
        if d is None:
            raise _error(404, "Dashboard not found", "not-found")
        folder = self.folders.get(d.folder_uid or "")
        title = str(d.dashboard.get("title", ""))
        meta = {"type": "db", "canSave": True, "canEdit": True, "canAdmin": True,
                "canStar": True, "canDelete": True, "slug": _slug(title),
                "url": f"/d/{uid}/{_slug(title)}", "expires": "0001-01-01T00:00:00Z",
                "created": d.created, "updated": d.versions[-1]["created"],
                "updatedBy": "admin", "createdBy": "admin", "version": d.version,
                "hasAcl": False, "isFolder": False, "folderId": folder["id"] if folder else 0,
                "folderUid": folder["uid"] if folder else "",
                "folderTitle": folder["title"] if folder else "General",
                "folderUrl": folder["url"] if folder else "", "provisioned": False,
                "provisionedExternalId": ""}
        return {"dashboard": copy.deepcopy(d.dashboard), "meta": meta}

    def save_datasource(self, body: Any, uid: str | None = None) -> dict[str, Any]:
        if not isinstance(body, dict) or not body.get("name") or not body.get("type"):
            raise _error(400, "Required fields are missing: name and type")
        current = self.datasources.get(uid) if uid is not None else None
        if uid is not None and current is None:
            raise _error(404, "Data source not found")
        if current is not None and current.get("readOnly"):
            raise _error(403, "Cannot modify read-only data source")
        for ds in self.datasources.values():
            if ds["name"] == body["name"] and ds is not current:
                raise _error(409, "data source with the same name already exists")
        if current is None:
            new_uid = body.get("uid") or secrets.token_hex(7)
            if new_uid in self.datasources:
                raise _error(409, "data source with the same uid already exists")
            current = {"id": self.new_id(), "uid": new_uid, "orgId": 1, "version": 0,
                       "readOnly": False}
            self.datasources[new_uid] = current
        for key in ("name", "type", "url", "access", "isDefault", "jsonData", "basicAuth",
                    "basicAuthUser", "user", "database"):
            if key in body:
                current[key] = copy.deepcopy(body[key])
        # Grafana keeps secureJsonData encrypted and only says which keys are set.
        secure = body.get("secureJsonData") or {}
        self.secure_json_data[current["uid"]] = {**self.secure_json_data.get(current["uid"], {}), **secure}
        current["secureJsonFields"] = {k: True for k in self.secure_json_data[current["uid"]]}
        current.setdefault("access", "proxy")
        current.setdefault("isDefault", False)
        current.setdefault("jsonData", {})
        current.setdefault("url", "")
        current["typeName"] = str(current["type"]).capitalize()
        current["version"] += 1
        return current

    def route(self, method: str, path: str, q: dict[str, list[str]], body: Any,
              role: str | None) -> tuple[int, Any]:
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if path == "/api/health":
            return 200, {"commit": "fake", "database": "ok", "version": "11.6.0-fake"}
        if role is None:
            raise _error(401, "Unauthorized")
        if method in WRITE_METHODS and role == "Viewer":
            raise _error(403, "Access denied")
        if parts[:2] == ["api", "datasources"] and method in WRITE_METHODS and role != "Admin":
            raise _error(403, "Access denied")
        with self.lock:
            if path == "/api/search" and method == "GET":
                return 200, self.search(q)
            if parts[:2] == ["api", "folders"]:
                return self.route_folders(method, parts[2:], q, body)
            if parts[:3] == ["api", "dashboards", "db"] and method == "POST":
                return 200, self.save_dashboard(body)
            if parts[:3] == ["api", "dashboards", "uid"] and len(parts) >= 4:
                uid = parts[3]
                if len(parts) == 5 and parts[4] == "versions" and method == "GET":
                    self.get_dashboard(uid)
                    return 200, {"continueToken": "",
                                 "versions": list(reversed(self.dashboards[uid].versions))}
                if len(parts) == 4 and method == "GET":
                    return 200, self.get_dashboard(uid)
                if len(parts) == 4 and method == "DELETE":
                    d = self.dashboards.pop(uid, None)
                    if d is None:
                        raise _error(404, "Dashboard not found", "not-found")
                    title = d.dashboard.get("title")
                    return 200, {"title": title, "message": f"Dashboard {title} deleted",
                                 "id": d.id}
            if parts[:2] == ["api", "datasources"]:
                return self.route_datasources(method, parts[2:], body)
        raise _error(404, "Not found")

    def route_folders(self, method: str, rest: list[str], q: dict[str, list[str]],
                      body: Any) -> tuple[int, Any]:
        if not rest and method == "GET":
            parent = (q.get("parentUid") or [""])[0] or None
            limit = int((q.get("limit") or ["1000"])[0])
            page = int((q.get("page") or ["1"])[0])
            kids = sorted((f for f in self.folders.values()
                           if (f.get("parentUid") or None) == parent), key=lambda f: f["title"])
            items = [{"id": f["id"], "uid": f["uid"], "title": f["title"],
                      **({"parentUid": f["parentUid"]} if f.get("parentUid") else {})}
                     for f in kids]
            return 200, items[(page - 1) * limit: page * limit]
        if not rest and method == "POST":
            if not isinstance(body, dict):
                raise _error(400, "bad request data")
            return 200, self.create_folder(body)
        if len(rest) == 1 and method == "GET":
            folder = self.folders.get(rest[0])
            if folder is None:
                raise _Reply(404, {"status": "not-found", "message": "Folder not found"})
            return 200, self.folder_view(folder)
        if len(rest) == 1 and method == "DELETE":
            return 200, self.delete_folder(rest[0])
        raise _error(404, "Not found")

    def route_datasources(self, method: str, rest: list[str], body: Any) -> tuple[int, Any]:
        if not rest and method == "GET":
            return 200, sorted(self.datasources.values(), key=lambda d: d["name"])
        if not rest and method == "POST":
            ds = self.save_datasource(body)
            return 200, {"datasource": ds, "id": ds["id"], "message": "Datasource added",
                         "name": ds["name"]}
        if len(rest) == 2 and rest[0] in ("uid", "name"):
            if rest[0] == "uid":
                found = self.datasources.get(rest[1])
            else:
                found = next((d for d in self.datasources.values() if d["name"] == rest[1]),
                             None)
            if method == "GET":
                if found is None:
                    raise _error(404, "Data source not found")
                return 200, found
            if method == "PUT" and rest[0] == "uid":
                ds = self.save_datasource(body, rest[1])
                return 200, {"datasource": ds, "id": ds["id"], "message": "Datasource updated",
                             "name": ds["name"]}
            if method == "DELETE":
                # Grafana 11 (pkg/api/datasources.go, DeleteDataSourceByUID and
                # ...ByName): 404 when absent, 403 for a read-only (file-provisioned)
                # one, else the row and its encrypted secureJsonData are deleted.
                if found is None:
                    raise _error(404, "Data source not found")
                if found.get("readOnly"):
                    raise _error(403, "Cannot delete read-only data source")
                del self.datasources[found["uid"]]
                self.secure_json_data.pop(found["uid"], None)
                return 200, {"message": "Data source deleted", "id": found["id"]}
        raise _error(404, "Not found")

    def role_for(self, header: str | None) -> str | None:
        """The role of the caller, or ``None`` when unauthenticated."""
        if not header:
            return None
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer":
            return self.tokens.get(value.strip())
        if scheme.lower() == "basic":
            try:
                user, _, password = base64.b64decode(value).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return None
            known = self.users.get(user)
            return known[1] if known and known[0] == password else None
        return None

    def will_hang(self, method: str, path: str) -> bool:
        """Whether the next ``method path`` request gets a ``timeout`` or
        ``timeout_before`` fault (what :meth:`fault_for` would choose, counting nothing)."""
        with self.lock:
            for fault in self.faults:
                if fault.matches(method, path) and fault.nth <= fault.seen + 1 < fault.nth + fault.times:
                    return fault.kind in ("timeout", "timeout_before")
            return False

    def fault_for(self, method: str, path: str) -> Fault | None:
        with self.lock:
            chosen = None
            for fault in self.faults:
                if fault.matches(method, path):
                    fault.seen += 1
                    if chosen is None and fault.nth <= fault.seen < fault.nth + fault.times:
                        fault.fired += 1
                        chosen = fault
            return chosen


class _Handler(BaseHTTPRequestHandler):
    grafana: FakeGrafana
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without TCP_NODELAY each response
    # waits ~40 ms for a delayed ACK.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _drop(self) -> None:
        """Close the connection abruptly (RST) without a response."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))

    def _handle(self) -> None:
        g = self.grafana
        split = urlsplit(self.path)
        path = split.path
        method = self.command
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        with g.lock:
            g.requests.append((method, path))
        fault = g.fault_for(method, path)
        kind = fault.kind if fault else None
        if kind == "slow":
            time.sleep(g.slow)
        if kind in ("reset", "timeout_before"):
            if kind == "timeout_before":
                time.sleep(g.hang)
            self._drop()
            return
        if kind in ("500", "503"):
            self._send(int(kind), {"message": "Internal Server Error"})
            return
        if kind == "429":
            assert fault is not None
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            self._send(429, {"message": "Too Many Requests"}, headers)
            return
        if kind == "412":
            self._send(412, {"message": "The dashboard has been changed by someone else",
                             "status": "version-mismatch"})
            return
        if kind == "401":
            self._send(401, {"message": "Unauthorized"})
            return
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            self._send(400, {"message": "bad request data"})
            return
        try:
            status, out = g.route(method, path, parse_qs(split.query),
                                  body, g.role_for(self.headers.get("Authorization")))
            headers: dict[str, str] = {}
        except _Reply as reply:
            status, out, headers = reply.status, reply.body, reply.headers
        if kind == "timeout":
            time.sleep(g.hang)  # applied, but the client gives up before the answer
            self._drop()
            return
        if kind == "reset_after":
            self._drop()
            return
        self._send(status, out, headers)

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()


def main() -> None:
    """Serve the fake standalone (for trying the CLI or the OAC_GRAFANA_URL test mode)
    on 127.0.0.1; it stops by itself after ``--seconds``."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--seconds", type=float, default=300.0)
    args = parser.parse_args()
    with FakeGrafana() as fake:
        print(fake.url, flush=True)
        time.sleep(args.seconds)


if __name__ == "__main__":
    main()
