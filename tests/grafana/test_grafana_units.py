"""Unit tests: marker/hash scheme, reading the build, plan helpers, panel diff."""

from __future__ import annotations

import json
from pathlib import Path

from obs_as_code import Datasource, DeletedDatasource
from obs_as_code.grafana.client import Auth, GrafanaClient
from obs_as_code.grafana.diff import field_changes, panel_changes, render
from obs_as_code.grafana.managed import (
    HASH_PREFIX,
    MANAGED_TAG,
    content_hash,
    hash_tag,
    is_managed,
    mark,
    strip_markers,
)
from obs_as_code.grafana.plan import (
    Action,
    BuildTree,
    DashboardChange,
    DeletedDatasourceEntry,
    Plan,
    compute_plan,
    read_build,
    required_folders,
)

from .fake_grafana import FakeGrafana
from .helpers import dashboard, write_build, write_datasources


def test_hash_ignores_key_order_markers_and_grafana_fields() -> None:
    dash = dashboard("a", "A")
    shuffled = json.loads(json.dumps(dict(reversed(list(dash.items())))))
    stored = mark(dash) | {"id": 42, "version": 7}
    assert content_hash(dash) == content_hash(shuffled) == content_hash(stored)
    assert len(content_hash(dash)) == 12
    changed = dashboard("a", "A", expr="down")
    assert content_hash(changed) != content_hash(dash)


def test_mark_adds_managed_and_hash_tags_once() -> None:
    dash = dashboard("a", "A", tags=["team"])
    marked = mark(dash)
    assert marked["tags"] == ["team", MANAGED_TAG, HASH_PREFIX + content_hash(dash)]
    assert mark(marked)["tags"] == marked["tags"]  # re-marking never doubles tags
    assert is_managed(marked["tags"]) and not is_managed(dash["tags"])
    assert hash_tag(marked["tags"]) == content_hash(dash)
    assert strip_markers(marked) == dash
    assert "id" not in marked and "version" not in marked


def test_read_build_folders_and_errors(tmp_path: Path) -> None:
    write_build(tmp_path, {
        "root": dashboard("root", "Root"),
        "team/llm/llm": dashboard("llm", "LLM"),
        "team/api": dashboard("api", "API"),
        "team/dup": dashboard("api", "Other"),  # duplicate uid
        "team/bad": dashboard("bad uid!", "Bad"),  # invalid uid
        "team/notitle": dashboard("notitle", ""),
        "team/same-title": dashboard("same", "API"),  # same title in the same folder
    })
    (tmp_path / "grafana/dashboards/wrapped.json").write_text(
        json.dumps({"dashboard": dashboard("w", "W")}))
    (tmp_path / "grafana/dashboards/broken.json").write_text("{not json")
    tree = read_build(tmp_path)
    got = {d.uid: d.folder_path for d in tree.dashboards}
    assert got == {"root": "", "llm": "team/llm", "api": "team"}
    assert {d.uid: d.folder_uid for d in tree.dashboards} == {
        "root": None, "llm": "oac-team-llm", "api": "oac-team"}
    text = "\n".join(tree.errors)
    for needle in ("already used by", "invalid uid", "empty title", "wrapped",
                   "cannot read dashboard JSON", "title 'API' already used"):
        assert needle in text
    assert len(tree.errors) == 6
    assert required_folders(tree) == ["team", "team/llm"]


def test_read_build_datasources(tmp_path: Path) -> None:
    path = tmp_path / "grafana/provisioning/datasources/datasources.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("apiVersion: 1\ndatasources:\n  - name: Prometheus\n    type: prometheus\n"
                    "    uid: prom\n    url: http://127.0.0.1:9090\n  - name: NoUid\n"
                    "    type: prometheus\n")
    tree = read_build(tmp_path, datasources=True)
    assert [d["uid"] for d in tree.datasources] == ["prom"]
    assert len(tree.errors) == 1 and "without uid" in tree.errors[0]


def test_panel_changes_added_removed_changed_and_exprs() -> None:
    old = dashboard("a", "A", panels=3)
    new = dashboard("a", "A", panels=3)
    new["panels"][0]["targets"][0]["expr"] = "rate(x[5m])"
    new["panels"][1]["title"] = "Renamed"
    del new["panels"][2]
    new["panels"].append({"id": 9, "title": "Fresh", "type": "stat",
                          "targets": [{"refId": "A", "expr": "sum(y)"}]})
    changes = {c.key: c for c in panel_changes(old, new)}
    assert set(changes) == {"1", "2", "3", "9"}
    assert changes["1"].change == "changed"
    assert changes["1"].queries == [("A", 'up{panel="1"}', "rate(x[5m])")]
    assert changes["2"].fields == [("title", '"Panel 2"', '"Renamed"')]
    assert changes["3"].change == "removed"
    assert changes["9"].change == "added" and changes["9"].queries == [("A", None, "sum(y)")]
    assert field_changes(old, new | {"title": "B"}) == [("title", '"A"', '"B"')]


def test_nested_changes_name_the_value_that_changed() -> None:
    # An SLO objective edit changes one threshold step: the diff once printed two
    # cut-off copies of fieldConfig that looked alike.
    steps = [{"color": "red", "value": None}, {"color": "green", "value": 0.99}]
    old = dashboard("a", "A", panels=1)
    old["panels"][0]["fieldConfig"] = {"defaults": {"decimals": 3, "unit": "percentunit",
                                                    "thresholds": {"mode": "absolute", "steps": steps}}}
    old["templating"] = {"list": [{"name": "job", "query": "label_values(up, job)"}]}
    new = json.loads(json.dumps(old))
    new["panels"][0]["fieldConfig"]["defaults"]["thresholds"]["steps"][1]["value"] = 0.995
    new["panels"][0]["fieldConfig"]["defaults"]["min"] = 0
    new["templating"]["list"][0]["query"] = "label_values(up, instance)"
    (change,) = panel_changes(old, new)
    assert change.fields == [("fieldConfig.defaults.min", "null", "0"),
                             ("fieldConfig.defaults.thresholds.steps[1].value", "0.99", "0.995")]
    assert field_changes(old, new) == [
        ("templating.list[0].query", '"label_values(up, job)"', '"label_values(up, instance)"')]
    # A list that grew is shown whole; many changes in one field are counted.
    new["tags"] = ["generated", "slo"]
    new["links"] = {f"l{i}": i for i in range(10)}
    assert field_changes(old, new)[:2] == [
        ("links", "null", _short_json(new["links"])),
        ("tags", '["generated"]', '["generated", "slo"]')]
    many = {f"k{i}": i for i in range(10)}
    (wide,) = panel_changes({"panels": [{"id": 1, "options": many}]},
                            {"panels": [{"id": 1, "options": {k: v + 1 for k, v in many.items()}}]})
    assert len(wide.fields) == 7 and wide.fields[-1] == ("options (4 more changes)", "...", "...")


def test_a_panel_inserted_is_added_and_the_ones_below_moved(tmp_path: Path) -> None:
    # Panel ids are positions: inserting one renumbers all below. Matched by id, each
    # of those read as "changed" into its neighbour (title, query, type).
    old = dashboard("a", "A", panels=4)
    new = json.loads(json.dumps(old))
    fresh = {"id": 2, "title": "Requests", "type": "stat", "gridPos": {"h": 8, "w": 12, "x": 12, "y": 0},
             "targets": [{"refId": "A", "expr": "sum(rate(requests_total[5m]))"}]}
    new["panels"].insert(1, fresh)
    for i, panel in enumerate(new["panels"]):
        panel["id"] = i + 1
        panel["gridPos"] = {**panel["gridPos"], "x": 12 * (i % 2), "y": 8 * (i // 2)}
    new["panels"][3]["title"] = "Panel 3, renamed"  # same id as before, another title
    del new["panels"][-1]  # Panel 4 removed
    changes = [(c.key, c.title, c.change) for c in panel_changes(old, new)]
    assert changes == [
        ("2", "Requests", "added"),
        ("3", "Panel 2", "moved"),
        ("4", "Panel 3, renamed", "changed"),
        ("4", "Panel 4", "removed"),
    ]
    moved = panel_changes(old, new)[1]
    assert moved.fields == [("gridPos.x", "12", "0"), ("gridPos.y", "0", "8"), ("id", "2", "3")]
    live = dashboard("b", "B", panels=4)
    built = json.loads(json.dumps(new)) | {"uid": "b", "title": "B"}
    write_build(tmp_path, {"team/b": built})
    tree = read_build(tmp_path)
    assert isinstance(tree, BuildTree)
    plan = Plan(dashboards=[DashboardChange("b", "B", Action.UPDATE, "team", "oac-team",
                                            desired=tree.dashboards[0], live=live, live_folder_uid="oac-team")])
    text = render(plan, "text")
    assert "panel 3 'Panel 2': moved (gridPos.x 12 -> 0, gridPos.y 0 -> 8, id 2 -> 3)" in text
    assert "panel 2 'Requests': added" in text and "panel 4 'Panel 4': removed" in text


def _short_json(value: object) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "..."


def test_panel_changes_see_panels_inside_collapsed_rows() -> None:
    old = {"panels": [{"id": 1, "type": "row", "title": "r", "panels": [
        {"id": 2, "title": "inner", "targets": [{"refId": "A", "expr": "a"}]}]}]}
    new = json.loads(json.dumps(old))
    new["panels"][0]["panels"][0]["targets"][0]["expr"] = "b"
    (change,) = panel_changes(old, new)
    assert (change.key, change.queries) == ("2", [("A", "a", "b")])


def _plan_with_update(tmp_path: Path) -> Plan:
    live = dashboard("a", "A")
    built = dashboard("a", "A", expr="errors")
    write_build(tmp_path, {"team/a": built})
    tree = read_build(tmp_path)
    assert isinstance(tree, BuildTree)
    change = DashboardChange("a", "A", Action.UPDATE, "team", "oac-team",
                             desired=tree.dashboards[0], live=live, live_folder_uid="oac-team")
    orphan = DashboardChange("old", "Old", Action.ORPHAN, live_folder_title="team",
                             reason="not in the build")
    return Plan(dashboards=[change, orphan])


def test_render_formats(tmp_path: Path) -> None:
    plan = _plan_with_update(tmp_path)
    text = render(plan, "text")
    assert "~ update    a 'A'" in text
    assert 'expr A: up{panel="1"} -> errors{panel="1"}' in text
    assert "? orphan" in text
    data = json.loads(render(plan, "json"))
    assert data["has_changes"] is True
    (entry, orphan) = data["dashboards"]
    assert entry["panels"][0]["queries"][0] == {
        "refId": "A", "old": 'up{panel="1"}', "new": 'errors{panel="1"}'}
    assert orphan["action"] == "orphan"
    md = render(plan, "markdown")
    assert md.startswith("### Grafana diff")
    assert "#### Folder `team`" in md
    assert '`up{panel="1"}` -> `errors{panel="1"}`' in md
    assert render(Plan(), "text").endswith("no changes")


def test_progress_only_on_a_terminal_outside_ci() -> None:
    import io

    from obs_as_code.grafana.progress import ProgressBar, wants_progress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert wants_progress(Tty(), "text", {}) is True
    assert wants_progress(Tty(), "json", {}) is False
    assert wants_progress(Tty(), "text", {"CI": "true"}) is False
    assert wants_progress(io.StringIO(), "text", {}) is False
    stream = Tty()
    bar = ProgressBar(stream, width=10)
    bar(5, 10)
    bar.close()
    assert stream.getvalue() == "\rpublishing [#####.....] 5/10\n"


def test_git_sha_from_env_or_git_files(tmp_path: Path) -> None:
    from obs_as_code.grafana.publish import current_git_sha, publish_message

    assert current_git_sha(tmp_path, {"GITHUB_SHA": "0123456789abcdef0123"}) == "0123456789ab"
    git = tmp_path / "repo" / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (git / "packed-refs").write_text("# pack-refs\nfeedfacecafe1234 refs/heads/main\n")
    sub = tmp_path / "repo" / "src"
    sub.mkdir()
    assert current_git_sha(sub, {}) == "feedfacecafe"
    (git / "refs" / "heads" / "main").write_text("abcdef0123456789\n")
    assert current_git_sha(sub, {}) == "abcdef012345"
    assert publish_message("abc") == "oac publish abc" and publish_message(None) == "oac publish"


def test_dashboard_without_tags_round_trips_to_the_same_hash() -> None:
    bare = dashboard("a", "A")
    del bare["tags"]
    stored = mark(bare) | {"id": 3, "version": 2}
    assert stored["tags"][0] == MANAGED_TAG
    assert strip_markers(stored) == bare
    assert content_hash(stored) == content_hash(bare) == content_hash(bare | {"tags": []})


# -- datasource deletions (deleteDatasources) -------------------------------------------


def _ds_file(root: Path, text: str) -> None:
    path = root / "grafana/provisioning/datasources/datasources.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_read_build_reads_delete_datasources_and_refuses_what_it_cannot_delete(
        tmp_path: Path) -> None:
    _ds_file(tmp_path, "apiVersion: 1\ndeleteDatasources:\n"
             "  - {name: Tempo, orgId: 1}\n  - {name: 'Cost $$', orgId: 1}\n  - {name: Jaeger}\n"
             "  - {name: Other org, orgId: 2}\n  - {name: Loki, orgId: 1}\n  - {orgId: 1}\n"
             "  - {name: Tempo, orgId: 1}\n"
             "datasources:\n  - {name: Loki, type: loki, uid: loki}\n")
    tree = read_build(tmp_path, datasources=True)
    # "$$" is one "$" (as Grafana reads the file); no orgId is Grafana's default org 1.
    assert tree.deleted_datasources == [DeletedDatasourceEntry("Tempo", 1),
                                        DeletedDatasourceEntry("Cost $", 1),
                                        DeletedDatasourceEntry("Jaeger", 1)]
    errors = "\n".join(tree.errors)
    assert "'Other org' is for organisation 2" in errors
    assert "'Loki' is both declared and in deleteDatasources (OAC113, OAC114); it is not deleted" in errors
    assert "deleteDatasources entry without a name" in errors
    assert len(tree.errors) == 3
    assert read_build(tmp_path).deleted_datasources == []  # only with datasources=True


def test_plan_deletes_what_grafana_has_renames_in_place_and_skips_the_absent(
        fake: FakeGrafana, tmp_path: Path) -> None:
    write_build(tmp_path, {"a": dashboard("a", "A")})
    write_datasources(
        tmp_path,
        Datasource("Logs", "loki", "http://loki:3100", uid="loki", previous_names=["Loki"]),
        Datasource("Traces", "tempo", "http://tempo:3200", uid="traces", previous_names=["Tempo (UI)"]),
        DeletedDatasource("Jaeger"), DeletedDatasource("Never there"), DeletedDatasource("Provisioned"))
    with GrafanaClient(fake.url, Auth(token=fake.admin_token)) as client:
        for name, uid in (("Loki", "loki"), ("Tempo (UI)", "P2E3A1B0C9D8"), ("Jaeger", "jaeger"),
                          ("Provisioned", "prov")):
            assert client.post("/api/datasources", {"name": name, "type": "loki", "uid": uid,
                                                    "url": "http://loki:3100"}).ok
        fake.datasources["prov"]["readOnly"] = True
        client.reset_counts()
        plan = compute_plan(client, read_build(tmp_path, datasources=True))
        assert client.writes_sent == 0
        assert client.counts[("GET", "/api/datasources")] == 1  # one list for every name
    got = [(d.uid, d.name, d.action, d.changed_fields, d.reason) for d in plan.datasources]
    assert got == [
        # Deletions first, in the file's (sorted) order; "Never there" is not planned at all.
        ("jaeger", "Jaeger", Action.DELETE, [], "in deleteDatasources"),
        ("prov", "Provisioned", Action.CONFLICT, [],
         "read-only (provisioned from a file); its deleteDatasources deletes it there"),
        ("P2E3A1B0C9D8", "Tempo (UI)", Action.DELETE, [], "in deleteDatasources"),
        # "Loki" holds a uid the build declares: the same datasource, renamed by its PUT.
        ("loki", "Logs", Action.UPDATE, ["name"], "renamed from 'Loki'"),
        ("traces", "Traces", Action.CREATE, [], ""),
    ]
    assert plan.has_changes and plan.summary() == {
        "dashboards.create": 1, "datasources.conflict": 1, "datasources.create": 1,
        "datasources.delete": 2, "datasources.update": 1}
    text = render(plan, "text")
    assert "- datasource jaeger 'Jaeger' - in deleteDatasources" in text
    assert "~ datasource loki 'Logs' (name) - renamed from 'Loki'" in text
    md = render(plan, "markdown")
    assert "- **delete** datasource `jaeger` (Jaeger)" in md
    assert [d["action"] for d in json.loads(render(plan, "json"))["datasources"]] == [
        "delete", "conflict", "delete", "update", "create"]


def test_plan_without_deletions_left_in_grafana_has_no_datasource_changes(
        fake: FakeGrafana, tmp_path: Path) -> None:
    write_build(tmp_path, {"a": dashboard("a", "A")})
    write_datasources(tmp_path, Datasource("Loki", "loki", "http://loki:3100", uid="loki"),
                      DeletedDatasource("Tempo"))
    with GrafanaClient(fake.url, Auth(token=fake.admin_token)) as client:
        assert client.post("/api/datasources", {"name": "Loki", "type": "loki", "uid": "loki",
                                                "url": "http://loki:3100"}).ok
        plan = compute_plan(client, read_build(tmp_path, datasources=True))
    assert [d.action for d in plan.datasources] == [Action.UNCHANGED]
    assert plan.summary() == {"dashboards.create": 1, "datasources.unchanged": 1}
