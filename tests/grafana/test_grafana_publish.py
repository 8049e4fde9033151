"""Publish against Grafana: cold, no-op, updates, read-back, prune, conflicts.

Tests taking the ``target`` fixture also run against a real Grafana when
``OAC_GRAFANA_URL`` is set (the GitHub workflow does this); the others use the fake.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from obs_as_code import Datasource, DeletedDatasource
from obs_as_code.grafana.client import GrafanaClient
from obs_as_code.grafana.managed import MANAGED_TAG, strip_markers
from obs_as_code.grafana.plan import Action, compute_plan, read_build
from obs_as_code.grafana.publish import publish
from obs_as_code.names import folder_uid
from tests.oac_testing import REPO, load_file_module

from .fake_grafana import FakeGrafana
from .helpers import Target, dashboard, folder_uids, sample_build, write_build, write_datasources


def read_back(client: GrafanaClient, build: dict[str, dict[str, Any]]) -> None:
    """Every built dashboard is in Grafana, in its folder, with the built content."""
    for key, dash in build.items():
        got = client.get_dashboard(dash["uid"])
        assert got is not None, dash["uid"]
        assert strip_markers(got["dashboard"]) == dash
        assert MANAGED_TAG in got["dashboard"]["tags"]
        folder = key.rsplit("/", 1)[0] if "/" in key else ""
        assert (got["meta"].get("folderUid") or None) == (folder_uid(folder) if folder else None)


def test_cold_publish_then_noop_sends_no_writes(target: Target, tmp_path: Path) -> None:
    build = sample_build(target.prefix, 9)
    write_build(tmp_path, build)
    with target.client() as client:
        _, first = publish(client, str(tmp_path), git_sha="abc123")
        assert first.ok, first.render()
        n_folders = len(folder_uids(build))
        assert n_folders == 2
        assert len(first.with_status("applied")) == 9 + n_folders
        read_back(client, build)

        client.reset_counts()
        plan, second = publish(client, str(tmp_path))
        assert second.ok and second.outcomes == []
        assert not plan.has_changes
        # Exactly one GET per folder and one search page: no GET per dashboard.
        assert client.writes_sent == 0
        assert client.requests_sent == n_folders + 1
        assert dict(client.counts) == {("GET", "/api/folders/*"): n_folders,
                                       ("GET", "/api/search"): 1}


def test_nested_folders_have_parents(target: Target, tmp_path: Path) -> None:
    build = sample_build(target.prefix, 3)
    write_build(tmp_path, build)
    with target.client() as client:
        _, result = publish(client, str(tmp_path))
        assert result.ok, result.render()
        child = client.get_folder(folder_uid(f"{target.prefix}team/llm"))
        assert child is not None
        assert child["title"] == "llm"
        assert child.get("parentUid") == folder_uid(f"{target.prefix}team")


def test_one_changed_dashboard_costs_one_get_and_one_write(target: Target,
                                                           tmp_path: Path) -> None:
    build = sample_build(target.prefix, 6)
    write_build(tmp_path, build)
    with target.client() as client:
        assert publish(client, str(tmp_path))[1].ok
        key = next(k for k in build if k.endswith("-dash-1"))
        build[key] = dashboard(build[key]["uid"], build[key]["title"], expr="errors")
        write_build(tmp_path, build)
        client.reset_counts()
        plan, result = publish(client, str(tmp_path), git_sha="feedbeef")
        assert result.ok, result.render()
        assert [d.uid for d in plan.dashboards_with(Action.UPDATE)] == [build[key]["uid"]]
        assert client.writes_sent == 1
        assert client.counts[("GET", "/api/dashboards/uid/*")] == 1
        read_back(client, build)
        got = client.get_dashboard(build[key]["uid"])
        assert got is not None and got["meta"]["version"] == 2


def test_move_to_another_folder(target: Target, tmp_path: Path) -> None:
    uid = f"{target.prefix}-mover"
    first = {f"{target.prefix}a/{uid}": dashboard(uid, f"{target.prefix} Mover")}
    write_build(tmp_path, first)
    with target.client() as client:
        assert publish(client, str(tmp_path))[1].ok
        second = {f"{target.prefix}b/{uid}": dashboard(uid, f"{target.prefix} Mover")}
        write_build(tmp_path, second)
        plan, result = publish(client, str(tmp_path))
        assert result.ok, result.render()
        assert plan.dashboards_with(Action.UPDATE)[0].reason == "moved to another folder"
        read_back(client, second)
        # ... and to the root (General): the folderUid is omitted, Grafana moves it.
        third = {uid: dashboard(uid, f"{target.prefix} Mover")}
        write_build(tmp_path, third)
        assert publish(client, str(tmp_path))[1].ok
        read_back(client, third)


def test_dry_run_sends_no_writes(target: Target, tmp_path: Path) -> None:
    write_build(tmp_path, sample_build(target.prefix, 4))
    with target.client() as client:
        _, result = publish(client, str(tmp_path), dry_run=True)
        assert client.writes_sent == 0
        assert result.dry_run and result.ok
        assert {o.status for o in result.outcomes} == {"planned"}
        assert len(result.outcomes) == 4 + 2


def test_publish_message_carries_git_sha(fake_target: Target, fake: FakeGrafana,
                                         tmp_path: Path) -> None:
    write_build(tmp_path, {"a": dashboard("a", "A")})
    with fake_target.client() as client:
        assert publish(client, str(tmp_path), git_sha="0123abcd")[1].ok
        resp = client.get("/api/dashboards/uid/a/versions")
    assert resp.body["versions"][0]["message"] == "oac publish 0123abcd"


def test_prune_deletes_only_managed_dashboards_missing_from_build(
        fake_target: Target, fake: FakeGrafana, tmp_path: Path) -> None:
    build = sample_build("p", 6)
    write_build(tmp_path, build)
    with fake_target.client() as client:
        assert publish(client, str(tmp_path))[1].ok
        # Someone's own dashboard, not managed by us, in one of our folders.
        resp = client.post("/api/dashboards/db", {"dashboard": dashboard("mine", "Mine"),
                                                  "folderUid": folder_uid("pteam")})
        assert resp.ok
        removed = [k for k in build if k.endswith(("-dash-1", "-dash-2"))]
        for key in removed:
            del build[key]
        write_build(tmp_path, build)

        plan, kept = publish(client, str(tmp_path))  # without --prune: reported only
        assert {d.uid for d in plan.dashboards_with(Action.ORPHAN)} == {"p-dash-1", "p-dash-2"}
        assert kept.ok and "p-dash-1" in fake.dashboards

        fake.reset_requests()
        _, pruned = publish(client, str(tmp_path), prune=True)
        assert pruned.ok, pruned.render()
    assert sorted(fake.writes()) == [("DELETE", "/api/dashboards/uid/p-dash-1"),
                                     ("DELETE", "/api/dashboards/uid/p-dash-2")]
    assert set(fake.dashboards) == {d["uid"] for d in build.values()} | {"mine"}


def _hand_edit(client: GrafanaClient, uid: str) -> None:
    """What a person does in the UI: change a panel and save (tags are kept)."""
    got = client.get_dashboard(uid)
    assert got is not None
    dash = got["dashboard"]
    dash["panels"][0]["title"] = "edited by hand"
    resp = client.post("/api/dashboards/db", {"dashboard": dash,
                                              "folderUid": got["meta"]["folderUid"]})
    assert resp.ok, resp.body


def test_hand_edit_is_reported_and_only_overwritten_with_force(target: Target,
                                                               tmp_path: Path) -> None:
    uid = f"{target.prefix}-edited"
    build = {f"{target.prefix}team/{uid}": dashboard(uid, f"{target.prefix} Edited")}
    write_build(tmp_path, build)
    with target.client() as client:
        assert publish(client, str(tmp_path))[1].ok
        _hand_edit(client, uid)
        # Build unchanged: the cheap plan cannot see the edit, --deep can.
        assert not compute_plan(client, read_build(tmp_path)).has_changes
        deep = compute_plan(client, read_build(tmp_path), deep=True)
        assert deep.dashboards[0].action is Action.CONFLICT
        # Build changes: the edit is found and the dashboard is left alone.
        build[f"{target.prefix}team/{uid}"] = dashboard(uid, f"{target.prefix} Edited",
                                                        expr="new")
        write_build(tmp_path, build)
        plan, result = publish(client, str(tmp_path))
        assert plan.dashboards[0].action is Action.CONFLICT
        assert "hand edit" in plan.dashboards[0].reason
        assert not result.ok and result.writes == 0
        got = client.get_dashboard(uid)
        assert got is not None and got["dashboard"]["panels"][0]["title"] == "edited by hand"
        _, forced = publish(client, str(tmp_path), force=True)
        assert forced.ok, forced.render()
        read_back(client, build)


def test_unmanaged_dashboard_with_same_uid_or_title(fake_target: Target, fake: FakeGrafana,
                                                    tmp_path: Path) -> None:
    with fake_target.client() as client:
        assert client.post("/api/dashboards/db", {"dashboard": dashboard("same", "X")}).ok
        assert client.post("/api/dashboards/db", {"dashboard": dashboard("other", "Title")}).ok
        write_build(tmp_path, {"same": dashboard("same", "Same"),
                               "new": dashboard("new", "Title")})
        plan, result = publish(client, str(tmp_path))
        actions = {d.uid: (d.action, d.reason) for d in plan.dashboards}
        assert actions["same"][0] is Action.CONFLICT and "unmanaged" in actions["same"][1]
        assert actions["new"][0] is Action.CONFLICT and "unmanaged dashboard other" in \
            actions["new"][1]
        assert not result.ok and fake.dashboards["same"].dashboard["title"] == "X"
        _, forced = publish(client, str(tmp_path), force=True)
        assert forced.ok, forced.render()
    assert set(fake.dashboards) == {"same", "new"}
    assert fake.dashboards["same"].dashboard["title"] == "Same"


def test_renamed_uid_with_same_title_replaces_old_with_prune(
        fake_target: Target, fake: FakeGrafana, tmp_path: Path) -> None:
    write_build(tmp_path, {"f/old-uid": dashboard("old-uid", "Same title")})
    with fake_target.client() as client:
        assert publish(client, str(tmp_path))[1].ok
        write_build(tmp_path, {"f/new-uid": dashboard("new-uid", "Same title")})
        plan, result = publish(client, str(tmp_path))
        assert plan.dashboards[0].action is Action.CONFLICT and not result.ok
        assert "--prune" in plan.dashboards[0].reason
        plan, result = publish(client, str(tmp_path), prune=True)
        assert result.ok, result.render()
        assert plan.dashboards[0].replaces == "old-uid"
    assert set(fake.dashboards) == {"new-uid"}


def test_datasources_created_then_updated_by_uid(fake_target: Target, fake: FakeGrafana,
                                                 tmp_path: Path) -> None:
    write_build(tmp_path, {"a": dashboard("a", "A")})
    path = tmp_path / "grafana/provisioning/datasources/datasources.yaml"
    path.parent.mkdir(parents=True)
    body = ("apiVersion: 1\ndatasources:\n  - name: Prometheus\n    type: prometheus\n"
            "    uid: prom\n    access: proxy\n    url: {url}\n    isDefault: true\n"
            "    jsonData: {{httpMethod: POST}}\n")
    path.write_text(body.format(url="http://127.0.0.1:9090"))
    with fake_target.client() as client:
        _, first = publish(client, str(tmp_path), datasources=True)
        assert first.ok, first.render()
        assert fake.datasources["prom"]["url"] == "http://127.0.0.1:9090"
        client.reset_counts()
        assert publish(client, str(tmp_path), datasources=True)[1].outcomes == []
        assert client.writes_sent == 0
        path.write_text(body.format(url="http://prom:9090"))
        plan, second = publish(client, str(tmp_path), datasources=True)
        assert second.ok and plan.datasources[0].changed_fields == ["url"]
    assert fake.datasources["prom"]["url"] == "http://prom:9090"
    assert fake.datasources["prom"]["jsonData"] == {"httpMethod": "POST"}


def test_deleted_and_previous_datasource_names_are_deleted_by_publish(target: Target,
                                                                     tmp_path: Path) -> None:
    # deleteDatasources over the API: a deleted name and a previous name held by
    # another uid are deleted (by uid), a previous name held by the declared uid is
    # renamed in place, an absent name costs nothing; a rerun writes nothing.
    p = target.prefix
    write_build(tmp_path, {f"{p}-a": dashboard(f"{p}-a", f"{p} A")})
    write_datasources(
        tmp_path,
        Datasource(f"{p} Logs", "loki", "http://127.0.0.1:3100", uid=f"{p}-loki",
                   previous_names=[f"{p} Loki", f"{p} Loki (old)"]),
        DeletedDatasource(f"{p} Tempo"), DeletedDatasource(f"{p} Never there"))
    with target.client() as client:
        ids = {}
        for name, uid in ((f"{p} Loki", f"{p}-loki"), (f"{p} Loki (old)", f"{p}-loki-old"),
                          (f"{p} Tempo", f"{p}-tempo")):
            made = client.post("/api/datasources", {"name": name, "type": "loki", "uid": uid,
                                                    "url": "http://127.0.0.1:3100", "access": "proxy"})
            assert made.ok, made.body
            ids[uid] = made.body["id"]
        plan, result = publish(client, str(tmp_path), datasources=True)
        assert result.ok, result.render()
        assert [(d.uid, d.action) for d in plan.datasources] == [
            (f"{p}-loki-old", Action.DELETE), (f"{p}-tempo", Action.DELETE),
            (f"{p}-loki", Action.UPDATE)]
        for gone in (f"{p}-loki-old", f"{p}-tempo"):
            assert client.get(f"/api/datasources/uid/{gone}").status == 404
        live = client.get(f"/api/datasources/uid/{p}-loki").body
        assert (live["name"], live["id"]) == (f"{p} Logs", ids[f"{p}-loki"])
        plan, again = publish(client, str(tmp_path), datasources=True)
        assert again.ok and again.writes == 0 and again.outcomes == [], again.render()


def test_datasource_name_taken_under_other_uid_is_a_failure(
        fake_target: Target, fake: FakeGrafana, tmp_path: Path) -> None:
    write_build(tmp_path, {"a": dashboard("a", "A")})
    path = tmp_path / "grafana/provisioning/datasources/datasources.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("apiVersion: 1\ndatasources:\n  - {name: P, type: prometheus, uid: p2}\n")
    with fake_target.client() as client:
        assert client.post("/api/datasources", {"name": "P", "type": "prometheus",
                                                "uid": "p1"}).ok
        _, result = publish(client, str(tmp_path), datasources=True)
    assert not result.ok
    assert [o.status for o in result.outcomes if o.kind == "datasource"] == ["failed"]


def test_benchmark_noop_needs_only_folder_and_search_requests() -> None:
    bench = load_file_module("bench_publish", REPO / "benchmarks" / "bench_publish.py")
    figures = bench.run(n=40)
    assert figures["noop_writes"] == 0
    assert figures["noop_requests"] == 6 + 1  # 6 folders + 1 search page
    assert figures["cold_writes"] == 40 + 6


def test_read_only_datasource_is_reported_not_written(fake_target: Target, fake: FakeGrafana,
                                                      tmp_path: Path) -> None:
    write_build(tmp_path, {"a": dashboard("a", "A")})
    path = tmp_path / "grafana/provisioning/datasources/datasources.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("apiVersion: 1\ndatasources:\n  - {name: P, type: prometheus, uid: p, "
                    "url: 'http://new:9090'}\n")
    with fake_target.client() as client:
        assert client.post("/api/datasources", {"name": "P", "type": "prometheus", "uid": "p",
                                                "url": "http://old:9090"}).ok
        fake.datasources["p"]["readOnly"] = True  # as if provisioned from a file
        plan, result = publish(client, str(tmp_path), datasources=True)
    assert plan.datasources[0].action is Action.CONFLICT
    assert not result.ok and fake.datasources["p"]["url"] == "http://old:9090"


def test_secure_json_data_is_resolved_by_publish_and_never_read_back(
        fake_target: Target, fake: FakeGrafana, tmp_path: Path, monkeypatch: Any) -> None:
    write_build(tmp_path, {"a": dashboard("a", "A")})
    path = tmp_path / "grafana/provisioning/datasources/datasources.yaml"
    path.parent.mkdir(parents=True)
    secret_file = tmp_path / "tenant"
    secret_file.write_text("tenant-42\n")
    path.write_text("apiVersion: 1\ndatasources:\n  - name: Mimir\n    type: prometheus\n"
                    "    uid: mimir\n    url: https://mimir\n    basicAuth: true\n    basicAuthUser: svc\n"
                    "    secureJsonData:\n      basicAuthPassword: ${MIMIR_TOKEN}\n"
                    f"      httpHeaderValue1: $__file{{{secret_file}}}\n")
    monkeypatch.delenv("MIMIR_TOKEN", raising=False)
    with fake_target.client() as client:
        planned, missing = publish(client, str(tmp_path), datasources=True)
        assert not missing.ok and "mimir" not in fake.datasources
        [failed] = [o for o in missing.outcomes if o.kind == "datasource"]
        assert failed.message == "secureJsonData.basicAuthPassword: environment variable MIMIR_TOKEN is not set"
        # The plan (what `oac diff` shows) says so before anything is written.
        from obs_as_code.grafana.diff import render

        assert planned.datasources[0].action is Action.CONFLICT
        assert "datasource mimir 'Mimir' - secureJsonData.basicAuthPassword: environment variable MIMIR_TOKEN is not set" in render(planned)
        monkeypatch.setenv("MIMIR_TOKEN", "s3cr3t-XYZZY")
        _, created = publish(client, str(tmp_path), datasources=True)
        assert created.ok, created.render()
        assert fake.secure_json_data["mimir"] == {"basicAuthPassword": "s3cr3t-XYZZY",
                                                  "httpHeaderValue1": "tenant-42"}
        live = client.get("/api/datasources/uid/mimir").body
        assert live["basicAuthUser"] == "svc" and "s3cr3t-XYZZY" not in str(live)
        assert live["secureJsonFields"] == {"basicAuthPassword": True, "httpHeaderValue1": True}
        assert "s3cr3t-XYZZY" not in created.render()
        # Every key set: nothing to write again (Grafana cannot show a changed secret).
        plan, again = publish(client, str(tmp_path), datasources=True)
        assert again.outcomes == [] and plan.datasources[0].action is Action.UNCHANGED


def test_env_reference_in_grafanas_spelling_is_resolved_by_publish(monkeypatch: Any) -> None:
    # "$__env{NAME}" is what Grafana's docs write; a provisioned Grafana expands it
    # like "${NAME}", so publish must too (it refused it as a literal).
    from obs_as_code.grafana.publish import resolve_secure_json_data

    monkeypatch.setenv("MIMIR_TOKEN", "s3cr3t-XYZZY")
    assert resolve_secure_json_data({"basicAuthPassword": "$__env{MIMIR_TOKEN}"}) == (
        {"basicAuthPassword": "s3cr3t-XYZZY"}, "")
    monkeypatch.delenv("MIMIR_TOKEN")
    assert resolve_secure_json_data({"basicAuthPassword": "$__env{MIMIR_TOKEN}"}) == (
        {}, "secureJsonData.basicAuthPassword: environment variable MIMIR_TOKEN is not set")


def test_a_dollar_in_a_datasource_reaches_grafana_as_written(fake_target: Target, fake: FakeGrafana,
                                                              tmp_path: Path) -> None:
    # The provisioning file doubles "$" (Grafana would expand ${__value.raw} as an
    # environment variable); the API takes values as they are: publish sends one.
    from obs_as_code import Datasource, serialize
    from obs_as_code.render.grafana import datasource_entry

    derived = {"derivedFields": [{"name": "trace", "matcherRegex": "trace_id=(\\w+)$",
                                  "url": "${__value.raw}", "datasourceUid": "tempo"}]}
    loki = Datasource("Loki $env", "loki", "http://loki:3100", uid="loki", json_data=derived)
    write_build(tmp_path, {"a": dashboard("a", "A")})
    path = tmp_path / "grafana/provisioning/datasources/datasources.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(serialize.dump_yaml({"apiVersion": 1, "datasources": [datasource_entry(loki)]}))
    assert "$${__value.raw}" in path.read_text() and "name: Loki $$env" in path.read_text()
    with fake_target.client() as client:
        _, first = publish(client, str(tmp_path), datasources=True)
        assert first.ok, first.render()
        client.reset_counts()
        assert publish(client, str(tmp_path), datasources=True)[1].outcomes == []  # nothing differs
    assert fake.datasources["loki"]["jsonData"] == derived
    assert fake.datasources["loki"]["name"] == "Loki $env"


def test_a_renamed_datasource_is_updated_by_uid(target: Target, tmp_path: Path) -> None:
    # The file of a rename (deleteDatasources lists the old name, for file
    # provisioning); over the API the datasource is found by uid and renamed in place.
    p = target.prefix
    write_build(tmp_path, {"a": dashboard(f"{p}-a", f"{p} A")})
    path = tmp_path / "grafana/provisioning/datasources/datasources.yaml"
    path.parent.mkdir(parents=True)
    entry = f"  - {{name: {p} loki, type: loki, uid: {p}-loki, url: 'http://loki:3100', access: proxy}}\n"
    path.write_text(f"apiVersion: 1\ndatasources:\n{entry}")
    with target.client() as client:
        try:
            _, first = publish(client, str(tmp_path), datasources=True)
            assert first.ok, first.render()
            path.write_text(f"apiVersion: 1\ndeleteDatasources:\n  - {{name: {p} loki, orgId: 1}}\n"
                            f"datasources:\n{entry.replace(f'name: {p} loki', f'name: {p} logs')}")
            plan, second = publish(client, str(tmp_path), datasources=True)
            assert second.ok, second.render()
            [change] = plan.datasources
            assert change.action is Action.UPDATE and change.changed_fields == ["name"]
            assert client.get(f"/api/datasources/uid/{p}-loki").body["name"] == f"{p} logs"
            assert client.get(f"/api/datasources/name/{p} loki").status == 404
            assert publish(client, str(tmp_path), datasources=True)[1].outcomes == []
        finally:
            client.delete(f"/api/datasources/uid/{p}-loki")
