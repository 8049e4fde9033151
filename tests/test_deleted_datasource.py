"""Removing a datasource: ``DeletedDatasource`` renders ``deleteDatasources``, and
``oac build`` refuses to drop a datasource the last build shows without it (OAC114).

Grafana's file provisioning never deletes a datasource a file stops listing
(tests/grafana/fake_grafana.py ``provision_datasources`` models it;
tests/grafana/test_provisioning_parity.py runs these builds through it).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from obs_as_code import Datasource, DeletedDatasource, names, serialize
from obs_as_code.load import Project
from obs_as_code.pipeline import build, compile_project
from obs_as_code.previous_build import Removal, removals
from obs_as_code.render.grafana import render_datasources
from tests.oac_testing import ProjectFactory, run_oac, tree_snapshot

DS_FILE = f"build/{names.DATASOURCES_FILE}"

V1 = """\
from obs_as_code import Datasource

loki = Datasource("Loki", "loki", "http://loki:3100", uid="loki")
tempo = Datasource("Tempo", "tempo", "http://tempo:3200", uid="tempo", secure_json_data={"token": "${TEMPO_TOKEN}"})
"""
#: Tempo removed.
REMOVED = V1.replace('tempo = Datasource("Tempo", "tempo", "http://tempo:3200", uid="tempo", '
                     'secure_json_data={"token": "${TEMPO_TOKEN}"})\n', "")
DELETED = """\
from obs_as_code import DeletedDatasource

tempo = DeletedDatasource("Tempo")
"""
MESSAGE = (
    f"OAC114 datasource 'Tempo' (uid 'tempo') is in the last build ({DS_FILE}) and no longer declared: "
    "Grafana's file provisioning never deletes a datasource a file stops listing, so every Grafana that "
    "provisioned it would keep it, and any secret it holds"
)


def _project(*definitions: Datasource | DeletedDatasource) -> Project:
    return Project(root=Path("."), definitions=list(definitions))


def _doc(root: Path) -> Any:
    return serialize.load_yaml((root / DS_FILE).read_text(encoding="utf-8"))


def _oac114(output: str) -> list[str]:
    return [line for line in output.splitlines() if " OAC114 " in line]


# --- the model ------------------------------------------------------------------


def test_a_deleted_datasource_is_a_name() -> None:
    with pytest.raises(TypeError, match=r"DeletedDatasource name must be a string, not int"):
        DeletedDatasource(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"DeletedDatasource name is empty"):
        DeletedDatasource("  ")
    assert DeletedDatasource("Tempo").name == "Tempo"


def test_a_wrong_deleted_datasource_is_reported_at_the_users_line(make_project: ProjectFactory) -> None:
    root = make_project({"datasources/main.py": V1, "datasources/gone.py": DELETED.replace('"Tempo"', "None")})
    result = run_oac("build", "-C", str(root))
    assert result.exit_code == 1
    assert "datasources/gone.py:3:9: OAC101 module datasources/gone.py raised TypeError: DeletedDatasource name" in result.output


# --- rendering ------------------------------------------------------------------


def test_deleted_datasources_join_previous_names_sorted_once() -> None:
    doc, found = render_datasources(_project(
        Datasource("Logs", "loki", "http://l", uid="loki", previous_names=["Loki"]),
        DeletedDatasource("Tempo"),
        DeletedDatasource("Loki"),  # also a previous name: listed once
        DeletedDatasource("A $x"),
        DeletedDatasource("Tempo"),  # declared twice: listed once
    ))
    assert found == []
    assert list(doc) == ["apiVersion", "deleteDatasources", "datasources"]
    assert doc["deleteDatasources"] == [
        {"name": "A $$x", "orgId": 1},  # "$" doubled, as in every string Grafana expands
        {"name": "Loki", "orgId": 1},
        {"name": "Tempo", "orgId": 1},
    ]


def test_a_deleted_name_in_use_is_an_error(make_project: ProjectFactory) -> None:
    # Grafana would delete that datasource and insert it again at every start.
    root = make_project({"datasources/main.py": V1, "datasources/gone.py": DELETED.replace("Tempo", "Loki")})
    result = run_oac("build", "-C", str(root))
    assert result.exit_code == 1 and not (root / "build").exists()
    assert _oac114(result.output) == [
        "datasources/gone.py:3:9: OAC114 deleted datasource 'Loki' is the name of datasource 'loki' "
        "(at datasources/main.py:3:8): Grafana would delete that datasource and insert it again at every start"
    ]
    assert "hint: remove DeletedDatasource('Loki') once every Grafana has started" in result.output


def test_only_deletions_still_make_the_file(make_project: ProjectFactory) -> None:
    # Every datasource removed: the file must still say what Grafana deletes.
    doc, found = render_datasources(_project(DeletedDatasource("Tempo")))
    assert found == [] and doc == {"apiVersion": 1, "deleteDatasources": [{"name": "Tempo", "orgId": 1}],
                                   "datasources": []}
    root = make_project({"datasources/gone.py": DELETED})
    assert run_oac("build", "-C", str(root)).exit_code == 0
    assert _doc(root)["deleteDatasources"] == [{"name": "Tempo", "orgId": 1}]
    assert json.loads((root / "build/manifest.json").read_text())["files"][names.DATASOURCES_FILE]["sources"] == [
        "datasources/gone.py"]


# --- what the last build shows --------------------------------------------------


def _entry(name: str, uid: str, **more: Any) -> dict[str, Any]:
    return {"name": name, "type": "loki", "uid": uid, **more}


def test_removals_are_neither_kept_by_uid_or_name_nor_deleted() -> None:
    previous = {"datasources": [
        _entry("Loki", "loki"), _entry("Tempo", "tempo"), _entry("Old", "old"), _entry("Same name", "s1"),
        _entry("Gone $$x", "x"), _entry("Deleted", "d"), _entry("Renamed", "r"), _entry("Org 2", "o", orgId=2),
    ]}
    made = {
        "deleteDatasources": [{"name": "Deleted", "orgId": 1}, {"name": "Old", "orgId": 2}],
        "datasources": [
            _entry("Loki", "loki"),  # unchanged
            _entry("Same name", "s2"),  # its name: Grafana updates that entry, uid too
            _entry("Now named", "r"),  # its uid: a rename (OAC113's business)
            _entry("Org 2", "o"),  # same uid and name, but in organisation 1
        ],
    }
    assert removals(previous, made) == [
        Removal("x", 1, "Gone $x"),  # the name as Grafana reads it
        Removal("old", 1, "Old"),  # deleted in another organisation only
        Removal("o", 2, "Org 2"),
        Removal("tempo", 1, "Tempo"),
    ]
    assert removals(previous, previous) == []
    assert [r.name for r in removals(previous, {})] == ["Deleted", "Gone $x", "Loki", "Old", "Org 2", "Renamed",
                                                        "Same name", "Tempo"]


@pytest.mark.parametrize("previous", [None, [], "text", {"datasources": "x"}, {"datasources": [1, {"uid": 3}, {"name": "n"}]}])
def test_removals_ignore_what_no_build_wrote(previous: Any) -> None:
    assert removals(previous, {"datasources": []}) == []


def test_a_removal_without_deleted_datasource_stops_the_build(make_project: ProjectFactory) -> None:
    root = make_project({"datasources/main.py": V1})
    assert run_oac("build", "-C", str(root)).exit_code == 0
    before = tree_snapshot(root / "build")
    (root / "datasources/main.py").write_text(REMOVED, encoding="utf-8")
    for args in ((), ("--no-cache",), ("--check",), ("--check", "--no-cache")):
        result = run_oac("build", "-C", str(root), *args)
        assert result.exit_code == 1, args
        # No line: the declaration is gone; the module that wrote the file.
        assert _oac114(result.output) == [f"datasources/main.py: {MESSAGE}"], args
        assert ("hint: declare DeletedDatasource('Tempo') in a module under datasources/ "
                "(from obs_as_code import DeletedDatasource)") in result.output
        assert "OAC112" not in result.output and "is stale" not in result.output
        assert tree_snapshot(root / "build") == before  # nothing written

    (root / "datasources/gone.py").write_text(DELETED, encoding="utf-8")
    result = run_oac("build", "-C", str(root))
    assert result.exit_code == 0, result.output
    doc = _doc(root)
    assert doc["deleteDatasources"] == [{"name": "Tempo", "orgId": 1}]
    assert [d["uid"] for d in doc["datasources"]] == ["loki"]
    assert run_oac("build", "-C", str(root), "--check", "--no-cache").exit_code == 0
    # Once every Grafana has started with it, the declaration may go: the last
    # build does not list Tempo any more.
    (root / "datasources/gone.py").unlink()
    assert run_oac("build", "-C", str(root)).exit_code == 0
    assert "deleteDatasources" not in _doc(root)


def test_declaring_the_datasource_again_is_the_other_fix(make_project: ProjectFactory) -> None:
    root = make_project({"datasources/main.py": V1})
    assert build(root).ok
    (root / "datasources/main.py").write_text(REMOVED, encoding="utf-8")
    assert [d.code for d in build(root).diagnostics] == ["OAC114"]
    (root / "datasources/main.py").write_text(V1.replace("http://tempo:3200", "http://tempo:3201"), encoding="utf-8")
    assert build(root).ok


def test_the_error_points_at_the_module_that_wrote_the_file(make_project: ProjectFactory) -> None:
    root = make_project({"datasources/b.py": V1})
    assert build(root).ok
    # a.py sorts first, but b.py wrote the last file (the build's manifest says so).
    (root / "datasources/a.py").write_text(
        'from obs_as_code import Datasource\nx = Datasource("X", "loki", "http://x", uid="x")\n', encoding="utf-8")
    (root / "datasources/b.py").write_text(REMOVED, encoding="utf-8")
    [found] = build(root).diagnostics
    assert (found.code, found.location.file, found.location.line) == ("OAC114", "datasources/b.py", 0)
    # That module gone (or the manifest unreadable): the first module declaring datasources.
    (root / "datasources/b.py").unlink()
    (root / "build/manifest.json").write_text("{", encoding="utf-8")
    assert sorted((d.location.file, d.message.split("'")[1]) for d in build(root).diagnostics) == [
        ("datasources/a.py", "Loki"), ("datasources/a.py", "Tempo")]


def test_every_datasource_removed_points_at_the_directory(make_project: ProjectFactory) -> None:
    root = make_project({"datasources/main.py": V1})
    assert build(root).ok
    shutil.rmtree(root / "datasources")
    (root / "alerts").mkdir()
    (root / "alerts/a.py").write_text(
        'from obs_as_code import RuleGroup, AlertRule\n'
        'g = RuleGroup("g", rules=[AlertRule("A", "up == 0")])\n', encoding="utf-8")
    before = tree_snapshot(root / "build")
    result = run_oac("build", "-C", str(root))
    assert result.exit_code == 1
    assert [line.split(": OAC114 ")[0] for line in _oac114(result.output)] == ["datasources/", "datasources/"]
    assert tree_snapshot(root / "build") == before


def test_a_rename_and_a_removal_are_both_reported(make_project: ProjectFactory) -> None:
    root = make_project({"datasources/main.py": V1})
    assert build(root).ok
    (root / "datasources/main.py").write_text(REMOVED.replace('"Loki"', '"Logs"'), encoding="utf-8")
    found = build(root).diagnostics
    assert [(d.code, d.location.line) for d in found] == [("OAC114", 0), ("OAC113", 3)]


def test_the_output_does_not_depend_on_the_previous_build(make_project: ProjectFactory, tmp_path: Path) -> None:
    root = make_project({"datasources/main.py": V1})
    assert run_oac("build", "-C", str(root)).exit_code == 0
    (root / "datasources/main.py").write_text(REMOVED, encoding="utf-8")
    (root / "datasources/gone.py").write_text(DELETED, encoding="utf-8")
    assert run_oac("build", "-C", str(root)).exit_code == 0
    fresh = tmp_path / "fresh"
    assert run_oac("build", "-C", str(root), "--out", str(fresh), "--no-cache").exit_code == 0
    assert tree_snapshot(fresh) == tree_snapshot(root / "build")


def test_a_first_build_and_compiling_compare_nothing(make_project: ProjectFactory) -> None:
    root = make_project({"datasources/main.py": REMOVED})
    assert build(root).ok
    (root / "datasources/main.py").write_text(V1, encoding="utf-8")
    assert build(root).ok
    (root / "datasources/main.py").write_text(REMOVED, encoding="utf-8")
    assert compile_project(root).ok  # oac lint, oac validate: the sources alone
    (root / DS_FILE).write_text("datasources: [unclosed\n", encoding="utf-8")
    assert build(root).ok  # a hand-edited previous file is not compared


def test_json_format_carries_the_finding(make_project: ProjectFactory) -> None:
    root = make_project({"datasources/main.py": V1})
    assert build(root).ok
    (root / "datasources/main.py").write_text(REMOVED, encoding="utf-8")
    result = run_oac("build", "-C", str(root), "--format", "json")
    assert result.exit_code == 1
    found = [d for d in json.loads(result.stdout) if d["code"] == "OAC114"]
    assert [(d["file"], d["line"], d["hint"].split(" in ")[0]) for d in found] == [
        ("datasources/main.py", 0, "declare DeletedDatasource('Tempo')")]


def test_a_dashboard_still_reading_the_removed_uid_is_reported_too(make_project: ProjectFactory) -> None:
    dashboard = (
        "from obs_as_code import DashboardDef\n"
        'd = DashboardDef({"title": "T", "schemaVersion": 41, "panels": [{"id": 1, "type": "traces", "title": "t", '
        '"gridPos": {"x": 0, "y": 0, "w": 12, "h": 8}, "datasource": {"type": "tempo", "uid": "tempo"}}]}, uid="t")\n'
    )
    root = make_project({"datasources/main.py": V1, "dashboards/d.py": dashboard})
    assert build(root).ok
    (root / "datasources/main.py").write_text(REMOVED, encoding="utf-8")
    (root / "datasources/gone.py").write_text(DELETED, encoding="utf-8")
    found = build(root).diagnostics
    assert [(d.code, d.location.file) for d in found] == [("OAC307", "dashboards/d.py")], found
    assert "datasource uid 'tempo' is not declared" in found[0].message


@pytest.mark.parametrize("with_dashboard", [False, True])
def test_an_incremental_build_sees_every_deletion_edit(make_project: ProjectFactory, with_dashboard: bool) -> None:
    # The provisioning file is rendered from the datasources' modules only (the
    # per-module dashboard path included): a module holding only deletions is one.
    from obs_as_code import incremental, pipeline

    files = {"datasources/main.py": REMOVED}
    if with_dashboard:
        files["dashboards/d.py"] = (
            'from obs_as_code import DashboardDef\nd = DashboardDef({"title": "T", "schemaVersion": 41, "panels": []}, uid="t")\n')
    root = make_project(files)

    def both() -> tuple[Any, Any]:
        made = incremental.compile_incremental(root)
        assert incremental.last_run.fallback is None, incremental.last_run.fallback
        clean = pipeline.compile_project(root)
        as_built = ({a.path: a.content for a in made.artifacts}, [repr(d) for d in made.diagnostics])
        return as_built, ({a.path: a.content for a in clean.artifacts}, [repr(d) for d in clean.diagnostics])

    def deleted(made: Any) -> Any:
        return serialize.load_yaml(made[0][names.DATASOURCES_FILE].decode()).get("deleteDatasources")

    cached, clean = both()
    assert cached == clean and deleted(cached) is None
    for text, expected in (
        (DELETED, [{"name": "Tempo", "orgId": 1}]),
        (DELETED.replace('"Tempo"', '"Traces"'), [{"name": "Traces", "orgId": 1}]),
        (DELETED + 'old = DeletedDatasource("Jaeger")\n', [{"name": "Jaeger", "orgId": 1}, {"name": "Tempo", "orgId": 1}]),
    ):
        (root / "datasources/gone.py").write_text(text, encoding="utf-8")
        cached, clean = both()
        assert cached == clean and deleted(cached) == expected, text
    (root / "datasources/gone.py").write_text(DELETED.replace("Tempo", "Loki"), encoding="utf-8")  # in use
    cached, clean = both()
    assert cached == clean and [line for line in cached[1] if "OAC114" in line], cached[1]
    (root / "datasources/gone.py").unlink()
    cached, clean = both()
    assert cached == clean and deleted(cached) is None
