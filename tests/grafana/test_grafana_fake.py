"""The fake's API contract. These run against a real Grafana too (OAC_GRAFANA_URL),
which keeps the fake honest: a rule the real server breaks fails here first."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from obs_as_code.grafana.client import GrafanaClient

from .fake_grafana import VIEWER_TOKEN, FakeGrafana, ProvisioningError
from .helpers import Target, dashboard


def _save(client: GrafanaClient, dash: dict[str, Any], **extra: Any) -> tuple[int, dict[str, Any]]:
    resp = client.post("/api/dashboards/db", {"dashboard": dash, **extra})
    return resp.status, resp.body if isinstance(resp.body, dict) else {}


def test_dashboard_save_rules(target: Target) -> None:
    p = target.prefix
    with target.client() as c:
        assert _save(c, dashboard("x" * 41, f"{p} long"))[0] == 400
        assert _save(c, dashboard("bad uid!", f"{p} bad"))[0] == 400
        status, body = _save(c, dashboard(f"{p}-empty", ""))
        assert status == 400
        status, body = _save(c, dashboard(f"{p}-a", f"{p} A"))
        assert status == 200 and body["version"] == 1 and body["uid"] == f"{p}-a"
        # Without overwrite, the stored version must be sent back.
        status, body = _save(c, dashboard(f"{p}-a", f"{p} A"))
        assert (status, body.get("status")) == (412, "version-mismatch")
        status, body = _save(c, dashboard(f"{p}-a", f"{p} A") | {"version": 1})
        assert status == 200 and body["version"] == 2
        status, body = _save(c, dashboard(f"{p}-a", f"{p} A"), overwrite=True)
        assert status == 200 and body["version"] == 3
        # Same title, same folder, other uid.
        status, body = _save(c, dashboard(f"{p}-b", f"{p} A"))
        assert (status, body.get("status")) == (412, "name-exists")
        assert _save(c, dashboard(f"{p}-b", f"{p} B"), folderUid=f"{p}-nofolder")[0] in (400, 404)
        # A null uid gets one generated.
        generated = dashboard("", f"{p} generated")
        generated["uid"] = None
        status, body = _save(c, generated)
        assert status == 200 and isinstance(body["uid"], str) and body["uid"]
        assert c.delete(f"/api/dashboards/uid/{body['uid']}").ok


def test_get_meta_move_to_root_and_delete(target: Target) -> None:
    p = target.prefix
    with target.client() as c:
        folder = c.post("/api/folders", {"uid": f"{p}-f", "title": f"{p} folder"})
        assert folder.ok and folder.body["uid"] == f"{p}-f"
        assert _save(c, dashboard(f"{p}-m", f"{p} M"), folderUid=f"{p}-f")[0] == 200
        got = c.get_dashboard(f"{p}-m")
        assert got is not None
        assert got["meta"]["folderUid"] == f"{p}-f" and got["meta"]["version"] == 1
        assert got["dashboard"]["version"] == 1 and isinstance(got["dashboard"]["id"], int)
        # An update without folderUid moves the dashboard to the root (General).
        assert _save(c, dashboard(f"{p}-m", f"{p} M") | {"version": 1})[0] == 200
        got = c.get_dashboard(f"{p}-m")
        assert got is not None and not got["meta"].get("folderUid")
        assert c.delete(f"/api/dashboards/uid/{p}-m").ok
        assert c.get_dashboard(f"{p}-m") is None
        assert c.delete(f"/api/dashboards/uid/{p}-m").status == 404


def test_folders_nested_conflict_and_delete(target: Target) -> None:
    p = target.prefix
    with target.client() as c:
        assert c.post("/api/folders", {"uid": f"{p}-top", "title": f"{p} top"}).ok
        assert c.post("/api/folders", {"uid": f"{p}-top", "title": f"{p} again"}).status == 409
        child = c.post("/api/folders", {"uid": f"{p}-kid", "title": "kid",
                                        "parentUid": f"{p}-top"})
        assert child.ok
        got = c.get_folder(f"{p}-kid")
        assert got is not None and got["parentUid"] == f"{p}-top"
        kids = c.get("/api/folders", {"parentUid": f"{p}-top"}).body
        assert [k["uid"] for k in kids] == [f"{p}-kid"]
        assert _save(c, dashboard(f"{p}-in", f"{p} in"), folderUid=f"{p}-kid")[0] == 200
        assert c.delete(f"/api/folders/{p}-top").ok
        assert c.get_folder(f"{p}-top") is None and c.get_folder(f"{p}-kid") is None
        assert c.get_dashboard(f"{p}-in") is None  # deleted with its folder
        assert c.get_folder(f"{p}-missing") is None


def test_search_filters_and_paging(target: Target) -> None:
    p = target.prefix
    with target.client() as c:
        assert c.post("/api/folders", {"uid": f"{p}-sf", "title": f"{p} sf"}).ok
        for i in range(5):
            tags = [f"{p}-tag", f"{p}-n{i}"]
            status, _ = _save(c, dashboard(f"{p}-s{i}", f"{p} s{i}", tags=tags),
                              folderUid=f"{p}-sf" if i < 3 else None)
            assert status == 200
        tagged = c.search([("tag", f"{p}-tag")], page_size=2)  # 3 pages
        assert sorted(h["uid"] for h in tagged) == [f"{p}-s{i}" for i in range(5)]
        assert all(h["type"] == "dash-db" and f"{p}-tag" in h["tags"] for h in tagged)
        both = c.search([("tag", f"{p}-tag"), ("tag", f"{p}-n1")])
        assert [h["uid"] for h in both] == [f"{p}-s1"]
        in_folder = c.search([("type", "dash-db"), ("folderUIDs", f"{p}-sf")])
        assert sorted(h["uid"] for h in in_folder) == [f"{p}-s0", f"{p}-s1", f"{p}-s2"]
        assert all(h["folderUid"] == f"{p}-sf" for h in in_folder)
        by_uid = c.search([("dashboardUIDs", f"{p}-s4")])
        assert [h["uid"] for h in by_uid] == [f"{p}-s4"]
        folders = c.search([("type", "dash-folder"), ("query", f"{p} sf")])
        assert [h["uid"] for h in folders] == [f"{p}-sf"]
        for i in range(3, 5):
            assert c.delete(f"/api/dashboards/uid/{p}-s{i}").ok


def test_datasources_crud(target: Target) -> None:
    p = target.prefix
    body = {"name": f"{p} prom", "type": "prometheus", "uid": f"{p}-prom",
            "url": "http://127.0.0.1:9090", "access": "proxy"}
    with target.client() as c:
        created = c.post("/api/datasources", body)
        assert created.ok and created.body["datasource"]["uid"] == f"{p}-prom"
        try:
            assert c.post("/api/datasources", body | {"uid": f"{p}-other"}).status == 409
            assert c.get(f"/api/datasources/name/{p} prom").body["uid"] == f"{p}-prom"
            put = c.put(f"/api/datasources/uid/{p}-prom", body | {"url": "http://p:9090"})
            assert put.ok
            assert c.get(f"/api/datasources/uid/{p}-prom").body["url"] == "http://p:9090"
            # A rename over the API is an update by uid (what `oac publish` sends):
            # the old name is gone, nothing else appears.
            renamed = c.put(f"/api/datasources/uid/{p}-prom", body | {"name": f"{p} metrics"})
            assert renamed.ok and renamed.body["datasource"]["name"] == f"{p} metrics"
            assert c.get(f"/api/datasources/uid/{p}-prom").body["name"] == f"{p} metrics"
            assert c.get(f"/api/datasources/name/{p} prom").status == 404
            assert c.get(f"/api/datasources/name/{p} metrics").body["uid"] == f"{p}-prom"
            listed = [d["uid"] for d in c.get("/api/datasources").body if str(d["uid"]).startswith(p)]
            assert listed == [f"{p}-prom"]
        finally:
            assert c.delete(f"/api/datasources/uid/{p}-prom").ok
        assert c.get(f"/api/datasources/uid/{p}-prom").status == 404


def test_datasource_delete_by_uid_and_by_name(target: Target) -> None:
    # Grafana 11, pkg/api/datasources.go: both answer {"message", "id"}; an unknown
    # uid or name is 404 "Data source not found" (what publish takes for "already gone").
    p = target.prefix
    with target.client() as c:
        ids = {}
        for suffix in ("a", "b"):
            made = c.post("/api/datasources", {"name": f"{p} {suffix}", "type": "prometheus",
                                               "uid": f"{p}-{suffix}", "url": "http://127.0.0.1:9090"})
            assert made.ok
            ids[suffix] = made.body["id"]
        by_uid = c.delete(f"/api/datasources/uid/{p}-a")
        assert (by_uid.status, by_uid.body) == (200, {"message": "Data source deleted", "id": ids["a"]})
        by_name = c.delete(f"/api/datasources/name/{p} b")
        assert (by_name.status, by_name.body) == (200, {"message": "Data source deleted", "id": ids["b"]})
        for path in (f"/api/datasources/uid/{p}-a", f"/api/datasources/name/{p} b"):
            gone = c.delete(path)
            assert (gone.status, gone.message()) == (404, "Data source not found"), path
            assert c.get(path).status == 404


def test_datasource_delete_refused_for_read_only_and_viewers(fake_target: Target,
                                                            fake: FakeGrafana) -> None:
    # A file-provisioned (read-only) datasource: 403 "Cannot delete read-only data
    # source", by uid and by name. A viewer may not delete at all (403 before the 404).
    with fake_target.client() as c:
        assert c.post("/api/datasources", {"name": "P", "type": "prometheus", "uid": "p"}).ok
    fake.datasources["p"]["readOnly"] = True
    admin = {"Authorization": f"Bearer {fake.admin_token}"}
    viewer = {"Authorization": f"Bearer {VIEWER_TOKEN}"}
    for path in ("/api/datasources/uid/p", "/api/datasources/name/P"):
        got = requests.delete(fake.url + path, headers=admin, timeout=5)
        assert (got.status_code, got.json()) == (403, {"message": "Cannot delete read-only data source"})
    fake.datasources["p"]["readOnly"] = False
    for path in ("/api/datasources/uid/p", "/api/datasources/uid/absent"):
        assert requests.delete(fake.url + path, headers=viewer, timeout=5).status_code == 403
    assert "p" in fake.datasources


def test_health_needs_no_auth_but_the_api_does(target: Target) -> None:
    health = requests.get(f"{target.url}/api/health", timeout=5)
    assert health.status_code == 200 and health.json()["database"] == "ok"
    assert requests.get(f"{target.url}/api/search", timeout=5).status_code == 401


def test_overwrite_on_a_title_clash_takes_over_the_other_uid(fake_target: Target) -> None:
    # What Grafana's legacy store does (getExistingDashboardByTitleAndFolder copies the
    # existing id and uid). Publish therefore never relies on overwrite for clashes.
    with fake_target.client() as c:
        assert _save(c, dashboard("first", "Clash: A"))[0] == 200
        status, body = _save(c, dashboard("second", "clash a"))
        assert (status, body.get("status")) == (412, "name-exists")  # same slug
        status, body = _save(c, dashboard("second", "clash a"), overwrite=True)
        assert status == 200 and body["uid"] == "first" and body["version"] == 2
        assert c.get_dashboard("second") is None


def test_file_provisioning_finds_datasources_by_name() -> None:
    # The model of Grafana's start-up provisioning the parity tests use.
    grafana = FakeGrafana()
    grafana.provision_datasources({"deleteDatasources": [{"name": "Never there", "orgId": 1}],
                                   "datasources": [{"name": "A", "type": "loki", "uid": "a"}]})
    assert grafana.datasources["a"]["name"] == "A" and grafana.datasources["a"]["readOnly"] is True
    # Found by name: the uid is updated in place.
    grafana.provision_datasources({"datasources": [{"name": "A", "type": "loki", "uid": "a2"}]})
    assert list(grafana.datasources) == ["a2"]
    # Not found by name: inserted, and the uid is taken.
    with pytest.raises(ProvisioningError, match="same uid already exists"):
        grafana.provision_datasources({"datasources": [{"name": "B", "type": "loki", "uid": "a2"}]})
    # Deleted first, then inserted.
    grafana.provision_datasources({"deleteDatasources": [{"name": "A", "orgId": 1}],
                                   "datasources": [{"name": "B", "type": "loki", "uid": "a2", "editable": True}]})
    assert {u: d["name"] for u, d in grafana.datasources.items()} == {"a2": "B"}
    assert grafana.datasources["a2"]["readOnly"] is False
    with pytest.raises(ProvisioningError, match="Only one datasource per organization"):
        grafana.provision_datasources({"datasources": [{"name": "C", "type": "loki", "isDefault": True},
                                                       {"name": "D", "type": "loki", "isDefault": True}]})
