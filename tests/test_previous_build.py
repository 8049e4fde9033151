"""Renaming a datasource: ``previous_names`` renders ``deleteDatasources``, and
``oac build`` refuses a rename the last build shows without it (OAC113).

Grafana's file provisioning finds a datasource by ``(orgId, name)``: a new name
is inserted, and the insert of a uid the old entry still holds fails, which stops
Grafana's start (tests/grafana/fake_grafana.py ``provision_datasources`` models
it; tests/grafana/test_provisioning_parity.py runs these builds through it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from obs_as_code import Datasource, names, serialize
from obs_as_code.load import Project
from obs_as_code.pipeline import build, compile_project
from obs_as_code.previous_build import Rename, renames
from obs_as_code.render.grafana import render_datasources
from tests.oac_testing import ProjectFactory, run_oac, tree_snapshot

DS_FILE = f"build/{names.DATASOURCES_FILE}"

V1 = """\
from obs_as_code import Datasource

loki = Datasource("Loki", "loki", "http://loki:3100", uid="loki")
prometheus = Datasource(
    name="Prometheus",
    type="prometheus",
    url="http://prometheus:9090",
    uid="prometheus",
    is_default=True,
)
"""
#: Both renamed; "Loki" is positional (line 3), "Prometheus" a keyword (line 5).
RENAMED = V1.replace('"Loki"', '"Logs"').replace('name="Prometheus"', 'name="Metrics"')
FIXED = RENAMED.replace('uid="loki")', 'uid="loki", previous_names=["Loki"])').replace(
    "    is_default=True,\n", '    is_default=True,\n    previous_names=["Prometheus"],\n'
)


def _project(*datasources: Datasource) -> Project:
    return Project(root=Path("."), definitions=list(datasources))


def _doc(root: Path) -> Any:
    return serialize.load_yaml((root / DS_FILE).read_text(encoding="utf-8"))


# --- the model ------------------------------------------------------------------


def test_previous_names_must_be_a_list_of_names() -> None:
    with pytest.raises(TypeError, match=r"previous_names must be a list of names \(strings\), not str: write previous_names=\[\.\.\.\]"):
        Datasource("Logs", "loki", "http://l", uid="loki", previous_names="Loki")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"previous_names\[1\] must be names \(strings\), not int"):
        Datasource("Logs", "loki", "http://l", uid="loki", previous_names=["Loki", 3])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=r"previous_names\[0\] is empty"):
        Datasource("Logs", "loki", "http://l", uid="loki", previous_names=[" "])
    assert Datasource("Logs", "loki", "http://l", uid="loki", previous_names=("Loki",)).previous_names == ("Loki",)


def test_a_wrong_previous_names_is_reported_at_the_users_line(make_project: ProjectFactory) -> None:
    root = make_project({"datasources/main.py": V1.replace('uid="loki")', 'uid="loki", previous_names="Old")')})
    result = run_oac("build", "-C", str(root))
    assert result.exit_code == 1
    assert "datasources/main.py:3:82: OAC101 module datasources/main.py raised TypeError: Datasource previous_names" in result.output


# --- rendering ------------------------------------------------------------------


def test_previous_names_render_delete_datasources_sorted_once_before_datasources() -> None:
    doc, found = render_datasources(_project(
        Datasource("Metrics", "prometheus", "http://p", uid="prom", previous_names=["Prometheus", "Prom $old"]),
        Datasource("Logs", "loki", "http://l", uid="loki", previous_names=["Loki", "Prometheus"]),
    ))
    assert found == []
    assert list(doc) == ["apiVersion", "deleteDatasources", "datasources"]
    # Sorted by name, each once, in org 1; a "$" doubled as in every string Grafana expands.
    assert doc["deleteDatasources"] == [
        {"name": "Loki", "orgId": 1},
        {"name": "Prom $$old", "orgId": 1},
        {"name": "Prometheus", "orgId": 1},
    ]
    text = serialize.dump_yaml(doc)
    assert text.index("deleteDatasources:") < text.index("\ndatasources:")
    assert "- name: Loki\n  orgId: 1\n" in text


def test_without_previous_names_the_file_is_as_before() -> None:
    doc, found = render_datasources(_project(Datasource("Loki", "loki", "http://l", uid="loki")))
    assert found == [] and list(doc) == ["apiVersion", "datasources"]


def test_a_previous_name_in_use_is_an_error(make_project: ProjectFactory) -> None:
    # Grafana would delete that datasource and insert it again at every start.
    root = make_project({"datasources/main.py": V1.replace(
        'uid="loki")', 'uid="loki",\n                  previous_names=["Old", "Prometheus", "Loki"])')})
    result = run_oac("build", "-C", str(root))
    assert result.exit_code == 1 and not (root / "build").exists()
    lines = [line for line in result.output.splitlines() if ": OAC113 " in line]
    assert lines == [
        "datasources/main.py:4:34: OAC113 datasource 'loki' lists previous name 'Loki', which is its own "
        "name: Grafana would delete that datasource and insert it again at every start",
        "datasources/main.py:4:34: OAC113 datasource 'loki' lists previous name 'Prometheus', which is the "
        "name of datasource 'prometheus' (at datasources/main.py:5:14): Grafana would delete that datasource "
        "and insert it again at every start",
    ]
    assert "hint: remove 'Loki' from previous_names\n" in result.output
    assert "docs/lint/OAC113.md: reusing or swapping names" in result.output


# --- what the last build shows --------------------------------------------------


def _entry(name: str, uid: str, **more: Any) -> dict[str, Any]:
    return {"name": name, "type": "loki", "uid": uid, **more}


def test_renames_are_same_uid_other_name_not_deleted() -> None:
    previous = {"datasources": [_entry("Loki", "loki"), _entry("Tempo", "tempo"), _entry("A $$x", "a"),
                                _entry("Gone", "gone"), _entry("Other org", "o", orgId=2)]}
    made = {
        "deleteDatasources": [{"name": "Tempo", "orgId": 1}],
        "datasources": [
            _entry("Logs", "loki"),  # renamed, old name not deleted
            _entry("Traces", "tempo"),  # renamed, old name deleted
            _entry("A $$x", "a"),  # same name, "$" doubled in both
            _entry("New", "new"),  # no previous entry
            _entry("Other org", "o", orgId=1),  # another organisation's uid
        ],
    }
    assert renames(previous, made) == [Rename("loki", 1, "Loki", "Logs")]
    # The names as Grafana reads them ("$$" is one "$").
    assert renames({"datasources": [_entry("A $$x", "a")]}, {"datasources": [_entry("B", "a")]}) == [
        Rename("a", 1, "A $x", "B")]
    # Deleted in another organisation only: still a rename in org 1.
    made_org2 = {"deleteDatasources": [{"name": "Loki", "orgId": 2}], "datasources": [_entry("Logs", "loki")]}
    assert [r.uid for r in renames(previous, made_org2)] == ["loki"]


def test_a_uid_listed_twice_is_no_rename() -> None:
    # A second Datasource with a taken uid is OAC307's error ("declared twice");
    # OAC113 said the first one, unchanged, was "named 'Prom2' now".
    previous = {"datasources": [_entry("Loki", "loki"), _entry("Tempo", "tempo")]}
    made = {"datasources": [_entry("Loki", "loki"), _entry("Logs", "loki"), _entry("Traces", "tempo"),
                            _entry("Logs", "loki", orgId=2)]}
    assert renames(previous, made) == [Rename("tempo", 1, "Tempo", "Traces")]


@pytest.mark.parametrize("previous", [None, [], "text", {"datasources": "x"}, {"datasources": [1, {"uid": 3}]}])
def test_renames_ignores_what_no_build_wrote(previous: Any) -> None:
    assert renames(previous, {"datasources": [_entry("Logs", "loki")]}) == []


def test_a_rename_without_previous_names_stops_the_build_at_the_users_line(make_project: ProjectFactory) -> None:
    root = make_project({"datasources/main.py": V1})
    assert run_oac("build", "-C", str(root)).exit_code == 0
    before = tree_snapshot(root / "build")
    (root / "datasources/main.py").write_text(RENAMED, encoding="utf-8")
    for args in ((), ("--no-cache",), ("--check",), ("--check", "--no-cache")):
        result = run_oac("build", "-C", str(root), *args)
        assert result.exit_code == 1, args
        found = [line for line in result.output.splitlines() if ": OAC113 " in line]
        assert found == [
            f"datasources/main.py:3:8: OAC113 datasource 'loki' is named 'Logs' now, 'Loki' in the last build "
            f"({DS_FILE}): Grafana finds provisioned datasources by name, so it would insert 'Logs' with the uid "
            "'Loki' still holds and fail to start",
            f"datasources/main.py:5:10: OAC113 datasource 'prometheus' is named 'Metrics' now, 'Prometheus' in "
            f"the last build ({DS_FILE}): Grafana finds provisioned datasources by name, so it would insert "
            "'Metrics' with the uid 'Prometheus' still holds and fail to start",
        ], args
        assert "hint: add previous_names=['Loki'] to this Datasource" in result.output
        assert "hint: add previous_names=['Prometheus'] to this Datasource" in result.output
        # --check reports the error, not a stale build/ to rebuild (that would lose the old name).
        assert "OAC112" not in result.output and "is stale" not in result.output
        # Nothing written: the old name stays in build/ until the definition says it.
        assert tree_snapshot(root / "build") == before

    (root / "datasources/main.py").write_text(FIXED, encoding="utf-8")
    result = run_oac("build", "-C", str(root))
    assert result.exit_code == 0, result.output
    doc = _doc(root)
    assert doc["deleteDatasources"] == [{"name": "Loki", "orgId": 1}, {"name": "Prometheus", "orgId": 1}]
    assert [(d["uid"], d["name"]) for d in doc["datasources"]] == [("loki", "Logs"), ("prometheus", "Metrics")]
    assert run_oac("build", "-C", str(root), "--check", "--no-cache").exit_code == 0
    # Once every Grafana has started with the rename, previous_names may go: the
    # last build names the datasources as the sources do, so nothing is reported.
    (root / "datasources/main.py").write_text(RENAMED, encoding="utf-8")
    result = run_oac("build", "-C", str(root))
    assert result.exit_code == 0, result.output
    assert "deleteDatasources" not in _doc(root)


def test_the_output_does_not_depend_on_the_previous_build(make_project: ProjectFactory, tmp_path: Path) -> None:
    # Same sources, same bytes: in place over the old build, or into an empty directory.
    root = make_project({"datasources/main.py": V1})
    assert run_oac("build", "-C", str(root)).exit_code == 0
    (root / "datasources/main.py").write_text(FIXED, encoding="utf-8")
    assert run_oac("build", "-C", str(root)).exit_code == 0
    fresh = tmp_path / "fresh"
    assert run_oac("build", "-C", str(root), "--out", str(fresh), "--no-cache").exit_code == 0
    assert tree_snapshot(fresh) == tree_snapshot(root / "build")


def test_a_first_build_has_nothing_to_compare_with(make_project: ProjectFactory) -> None:
    root = make_project({"datasources/main.py": RENAMED})
    result = build(root)
    assert result.ok and result.wrote, result.diagnostics


def test_a_hand_edited_previous_file_is_not_compared(make_project: ProjectFactory) -> None:
    root = make_project({"datasources/main.py": V1})
    assert build(root).ok
    (root / DS_FILE).write_text("datasources: [unclosed\n", encoding="utf-8")
    (root / "datasources/main.py").write_text(RENAMED, encoding="utf-8")
    assert build(root).ok


def test_the_check_is_not_part_of_compiling(make_project: ProjectFactory) -> None:
    # compile_project (oac lint, oac validate) sees the sources alone.
    root = make_project({"datasources/main.py": V1})
    assert build(root).ok
    (root / "datasources/main.py").write_text(RENAMED, encoding="utf-8")
    assert compile_project(root).ok
    assert [d.code for d in build(root).diagnostics] == ["OAC113", "OAC113"]


def test_json_format_carries_the_finding(make_project: ProjectFactory) -> None:
    root = make_project({"datasources/main.py": V1})
    assert build(root).ok
    (root / "datasources/main.py").write_text(RENAMED, encoding="utf-8")
    result = run_oac("build", "-C", str(root), "--format", "json")
    assert result.exit_code == 1
    found = [d for d in json.loads(result.stdout) if d["code"] == "OAC113"]
    assert [(d["file"], d["line"]) for d in found] == [("datasources/main.py", 3), ("datasources/main.py", 5)]


def test_a_second_rename_keeps_the_first_previous_name_in_the_hint(make_project: ProjectFactory) -> None:
    root = make_project({"datasources/main.py": V1})
    assert build(root).ok
    (root / "datasources/main.py").write_text(FIXED, encoding="utf-8")
    assert build(root).ok
    (root / "datasources/main.py").write_text(FIXED.replace('"Logs"', '"Logs v2"'), encoding="utf-8")
    [found] = build(root).diagnostics
    assert (found.code, found.location.line) == ("OAC113", 3)
    assert found.message.startswith("datasource 'loki' is named 'Logs v2' now, 'Logs' in the last build")
    assert found.hint is not None and found.hint.startswith("add previous_names=['Loki', 'Logs'] to this Datasource")


def test_no_comment_silences_it(make_project: ProjectFactory) -> None:
    # The fix is harmless wherever it is not needed: nothing to silence.
    root = make_project({"datasources/main.py": V1})
    assert build(root).ok
    (root / "datasources/main.py").write_text(
        RENAMED.replace('uid="loki")', 'uid="loki")  # oac: ignore[OAC113]'), encoding="utf-8")
    assert [(d.code, d.location.line) for d in build(root).diagnostics] == [("OAC113", 3), ("OAC113", 5)]
