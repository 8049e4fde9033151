"""Shared helpers of the Grafana tests: test targets (fake or real) and build trees."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from obs_as_code.grafana.client import Auth, GrafanaClient, RetryPolicy
from obs_as_code.model.base import Definition
from obs_as_code.names import folder_uid

from .fake_grafana import FakeGrafana

#: Client timeout in tests, for a request the fake answers: generous, since on a
#: loaded machine an answer of the in-process fake can take well over the 0.3 s
#: this once was (the client then retried, and the request counts, the recorded
#: sleeps and the "earlier attempt landed" outcomes the tests assert changed).
TEST_TIMEOUT = 10.0
#: Client timeout for a request the fake hangs on (a ``timeout`` fault): short, so
#: those tests stay quick; the fake hangs far longer (see FAKE_HANG).
HANG_TIMEOUT = 0.3
#: How long the fake hangs on a ``timeout`` fault: longer than HANG_TIMEOUT by far,
#: so the client has given up first however late it is scheduled.
FAKE_HANG = 5.0


class FaultTimeouts(requests.Session):
    """A session that gives a request the fake will hang on HANG_TIMEOUT, and
    every other request the timeout the client asked for (TEST_TIMEOUT)."""

    def __init__(self, fake: FakeGrafana) -> None:
        super().__init__()
        self.fake = fake

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        method_s = method.decode() if isinstance(method, bytes) else method
        url_s = url.decode() if isinstance(url, bytes) else url
        if self.fake.will_hang(method_s.upper(), urlsplit(url_s).path):
            kwargs["timeout"] = HANG_TIMEOUT
        return super().request(method, url, *args, **kwargs)


@dataclass
class Target:
    """A Grafana to test against: the fake, or a real one from OAC_GRAFANA_URL."""

    name: str
    url: str
    auth: Auth
    fake: FakeGrafana | None
    #: Unique per test so runs against a shared real Grafana never collide.
    prefix: str
    sleeps: list[float] = field(default_factory=list)

    def client(self, *, attempts: int = 5, budget: float = 30.0,
               auth: Auth | None = None) -> GrafanaClient:
        """A client with a fast, recorded backoff (no real sleeping)."""
        return GrafanaClient(
            self.url, auth or self.auth, timeout=TEST_TIMEOUT,
            retry=RetryPolicy(attempts=attempts, base=0.01, cap=0.05, budget=budget),
            sleep=self.sleeps.append,
            session=FaultTimeouts(self.fake) if self.fake else None,
        )


def real_auth() -> Auth:
    """Credentials for the real Grafana: GRAFANA_TOKEN, else basic auth (admin/admin)."""
    if os.environ.get("GRAFANA_TOKEN"):
        return Auth(token=os.environ["GRAFANA_TOKEN"])
    return Auth(user=os.environ.get("GRAFANA_USER", "admin"),
                password=os.environ.get("GRAFANA_PASSWORD", "admin"))


def cleanup_real(t: Target) -> None:
    """Delete what a test made in the real Grafana (its folders hold its dashboards,
    its datasources have its prefix in their uid or name)."""
    with t.client() as client:
        listed = client.get("/api/datasources").body
        for ds in listed if isinstance(listed, list) else []:
            if str(ds.get("uid", "")).startswith(t.prefix) or str(ds.get("name", "")).startswith(t.prefix):
                client.delete(f"/api/datasources/uid/{ds['uid']}")
        for hit in client.search([("type", "dash-db"), ("query", t.prefix)]):
            if str(hit.get("uid", "")).startswith(t.prefix):
                client.delete(f"/api/dashboards/uid/{hit['uid']}")
        for hit in client.search([("type", "dash-folder"), ("query", t.prefix)]):
            if str(hit.get("title", "")).startswith(t.prefix):
                client.delete(f"/api/folders/{hit['uid']}")


# -- build trees ------------------------------------------------------------------


def dashboard(uid: str, title: str, *, panels: int = 2, expr: str = "up",
              tags: list[str] | None = None) -> dict[str, Any]:
    """A plain built dashboard with ``panels`` timeseries panels."""
    return {
        "uid": uid,
        "title": title,
        "tags": tags if tags is not None else ["generated"],
        "schemaVersion": 39,
        "time": {"from": "now-6h", "to": "now"},
        "panels": [
            {"id": i + 1, "title": f"Panel {i + 1}", "type": "timeseries",
             "gridPos": {"h": 8, "w": 12, "x": 12 * (i % 2), "y": 8 * (i // 2)},
             "targets": [{"refId": "A", "expr": f'{expr}{{panel="{i + 1}"}}'}]}
            for i in range(panels)
        ],
    }


def write_build(root: Path, dashboards: dict[str, dict[str, Any]]) -> Path:
    """Write ``{"<folder path>/<uid>": dashboard}`` under root/grafana/dashboards."""
    base = root / "grafana" / "dashboards"
    if base.exists():
        for old in base.rglob("*.json"):
            old.unlink()
    base.mkdir(parents=True, exist_ok=True)
    for key, dash in dashboards.items():
        path = base / f"{key}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(dash, indent=2), encoding="utf-8")
    return root


def sample_build(prefix: str, n: int = 6) -> dict[str, dict[str, Any]]:
    """``n`` dashboards spread over General, ``<prefix>team`` and ``<prefix>team/llm``."""
    folders = ["", f"{prefix}team", f"{prefix}team/llm"]
    out = {}
    for i in range(n):
        folder = folders[i % 3]
        uid = f"{prefix}-dash-{i}"
        key = f"{folder}/{uid}" if folder else uid
        out[key] = dashboard(uid, f"{prefix} Dashboard {i}")
    return out


def folder_uids(build: dict[str, dict[str, Any]]) -> set[str]:
    """Folder UIDs (parents included) a sample build needs."""
    out = set()
    for key in build:
        parts = key.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            out.add(folder_uid("/".join(parts[:depth])))
    return out


def write_datasources(root: Path, *definitions: Definition) -> Path:
    """Write ``root/grafana/provisioning/datasources/datasources.yaml`` as ``oac build``
    renders it for ``definitions`` (``Datasource`` and ``DeletedDatasource``: previous
    names and deletions become ``deleteDatasources``); a build error fails the test."""
    from obs_as_code import serialize
    from obs_as_code.load import Project
    from obs_as_code.render.grafana import render_datasources

    doc, diagnostics = render_datasources(Project(root=Path("."), definitions=list(definitions)))
    assert not diagnostics, [d.message for d in diagnostics]
    path = root / "grafana" / "provisioning" / "datasources" / "datasources.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(serialize.dump_yaml(doc), encoding="utf-8")
    return path
