"""build/grafana as a stock Grafana provisions it from files, against `oac publish`.

Facts of Grafana's file provisioning (pkg/services/provisioning, 11.x) that these
tests model, nothing more:

* every ``*.yaml``/``*.yml`` of ``provisioning/datasources`` and
  ``provisioning/dashboards`` is read; ``apiVersion`` 1 is the current format;
* a dashboard provider of type ``file`` walks ``options.path`` (made absolute
  against Grafana's working directory, so a relative path is fragile), skipping
  directories whose name starts with ``.`` and files not ending in ``.json``;
* with ``foldersFromFilesStructure`` a file's folder is the *name of its
  directory* (only the last part of a nested path), the General folder for files
  directly under ``path``; the folder is looked up by that title and created with
  the provider's ``folderUid`` (all directories would share it) or a generated uid,
  so ``folder``/``folderUid`` must be left out;
* datasources are looked up by *name* (the uid is stored with them) and at most
  one per organisation may have ``isDefault``; every string is expanded
  (``$VAR``, ``${VAR}``, ``$__env{}``, ``$__file{}``), ``$$`` being one ``$``;
* a file's ``deleteDatasources`` (by name and orgId; a name not found is skipped)
  are applied before its ``datasources``; a datasource not found by name is
  inserted, and an insert with a uid another datasource holds fails, which stops
  Grafana's start; a datasource no file lists any more is kept, with its secrets
  (``FakeGrafana.provision_datasources`` models this; Grafana 11.1's
  ``prune: true``, which the build does not render, is not: docs/lint/OAC114.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from obs_as_code.grafana.publish import publish
from obs_as_code.model.datasource import unliteral
from obs_as_code.render.preview import GRAFANA_DASHBOARDS_PATH, compose
from obs_as_code.serialize import load_yaml
from tests.oac_testing import ProjectFactory, run_oac

from .fake_grafana import FakeGrafana, ProvisioningError
from .helpers import Target

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
PROVISIONING = BUILD / "grafana" / "provisioning"


def _provider() -> dict[str, Any]:
    [path] = sorted((PROVISIONING / "dashboards").glob("*.y*ml"))
    doc: dict[str, Any] = load_yaml(path.read_text(encoding="utf-8"))
    assert doc["apiVersion"] == 1
    [provider] = doc["providers"]
    return dict(provider)


def file_provisioned(dashboards_dir: Path) -> set[tuple[str, str, str]]:
    """``(folder title, uid, title)`` of every dashboard a file provider with
    ``foldersFromFilesStructure`` would make of ``dashboards_dir`` ("" = General)."""
    out = set()
    for path in sorted(dashboards_dir.rglob("*.json")):
        if any(part.startswith(".") for part in path.relative_to(dashboards_dir).parts[:-1]):
            continue
        folder = "" if path.parent == dashboards_dir else path.parent.name
        dash = json.loads(path.read_text(encoding="utf-8"))
        out.add((folder, str(dash["uid"]), str(dash["title"])))
    return out


def test_dashboard_provider_is_what_grafana_needs_for_folders_from_files() -> None:
    provider = _provider()
    assert provider["type"] == "file" and provider["options"]["foldersFromFilesStructure"] is True
    # With folderUid set every directory would land in that one folder.
    assert "folder" not in provider and "folderUid" not in provider
    # Absolute (a relative path resolves against Grafana's working directory), and
    # where the preview stack links build/grafana/dashboards.
    path = provider["options"]["path"]
    assert path == GRAFANA_DASHBOARDS_PATH and Path(path).is_absolute()
    grafana = compose()["services"]["grafana"]
    assert f"ln -s /oac/${{OAC_BUILD_DIR:-build}}/grafana/dashboards {path}" in grafana["entrypoint"][2]


def test_publish_gives_the_folders_and_dashboards_file_provisioning_gives(
        fake_target: Target, fake: FakeGrafana) -> None:
    expected = file_provisioned(BUILD / "grafana" / "dashboards")
    assert len(expected) == len(list((BUILD / "grafana" / "dashboards").rglob("*.json")))
    assert len({f for f, _, _ in expected if f}) > 1  # several folders
    with fake_target.client() as client:
        _, result = publish(client, str(BUILD), datasources=True)
    assert result.ok, result.render()
    titles = {uid: f["title"] for uid, f in fake.folders.items()}
    assert all(f.get("parentUid") is None for f in fake.folders.values())  # one level, as provisioned
    published = {(titles.get(folder or "", ""), uid, str(d["title"]))
                 for uid, (folder, d) in fake.dashboard_state().items()}
    assert published == expected
    # The datasources as Grafana reads the provisioning file ($$ -> $), by name and uid.
    doc = load_yaml((PROVISIONING / "datasources" / "datasources.yaml").read_text(encoding="utf-8"))
    assert doc["apiVersion"] == 1 and "deleteDatasources" not in doc
    entries = doc["datasources"]
    assert len({e["name"] for e in entries}) == len({e["uid"] for e in entries}) == len(entries) == 4
    assert sum(bool(e.get("isDefault")) for e in entries) == 1
    for entry in entries:
        live = fake.datasources[entry["uid"]]
        assert live["name"] == unliteral(entry["name"]) and live["url"] == unliteral(entry["url"])
        assert live["type"] == entry["type"] and live.get("jsonData") == unliteral(entry.get("jsonData"))
        assert live["isDefault"] == entry["isDefault"]


def test_the_provisioning_model_follows_grafana(tmp_path: Path) -> None:
    # Nested directories: only the last part names the folder; dot-directories
    # and non-JSON files are skipped; files at the top go to General.
    for rel, uid in (("a.json", "top"), ("team/llm/b.json", "b"), ("x/llm/c.json", "c"),
                     (".git/d.json", "d"), ("team/notes.txt", "e")):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"uid": uid, "title": uid.upper()}), encoding="utf-8")
    assert file_provisioned(tmp_path) == {("", "top", "TOP"), ("llm", "b", "B"), ("llm", "c", "C")}


def _datasources_doc(build_dir: Path) -> Any:
    return load_yaml((build_dir / "grafana/provisioning/datasources/datasources.yaml").read_text(encoding="utf-8"))


def _live(grafana: FakeGrafana) -> dict[str, str]:
    return {uid: str(d["name"]) for uid, d in grafana.datasources.items()}


def test_a_grafana_provisioned_from_the_shipped_file_starts_again_unchanged() -> None:
    grafana = FakeGrafana()
    doc = _datasources_doc(BUILD)
    grafana.provision_datasources(doc)
    assert _live(grafana) == {e["uid"]: unliteral(e["name"]) for e in doc["datasources"]}
    assert all(d["readOnly"] for d in grafana.datasources.values())
    ids = {uid: d["id"] for uid, d in grafana.datasources.items()}
    grafana.provision_datasources(doc)  # the next start
    assert {uid: d["id"] for uid, d in grafana.datasources.items()} == ids


RENAME_V1 = """\
from obs_as_code import Datasource

loki = Datasource("Loki", "loki", "http://loki:3100", uid="loki")
prometheus = Datasource("Prometheus", "prometheus", "http://prometheus:9090", uid="prometheus", is_default=True)
"""


def test_a_renamed_datasource_reaches_a_provisioned_grafana_with_previous_names(
        make_project: ProjectFactory, tmp_path: Path) -> None:
    root = make_project({"datasources/main.py": RENAME_V1})
    assert run_oac("build", "-C", str(root)).exit_code == 0
    grafana = FakeGrafana()
    grafana.provision_datasources(_datasources_doc(root / "build"))
    loki_id = grafana.datasources["loki"]["id"]

    renamed = RENAME_V1.replace('"Loki"', '"Logs"')
    (root / "datasources/main.py").write_text(renamed, encoding="utf-8")
    refused = run_oac("build", "-C", str(root))
    assert refused.exit_code == 1 and ": OAC113 datasource 'loki' is named 'Logs' now" in refused.output
    # What the build refuses to write (a build with nothing to compare with makes
    # it): Grafana's next start fails, and the old entry stays.
    unchecked = tmp_path / "unchecked"
    assert run_oac("build", "-C", str(root), "--out", str(unchecked)).exit_code == 0
    with pytest.raises(ProvisioningError, match="data source with the same uid already exists"):
        grafana.provision_datasources(_datasources_doc(unchecked))
    assert grafana.datasources["loki"]["name"] == "Loki"

    (root / "datasources/main.py").write_text(
        renamed.replace('uid="loki")', 'uid="loki", previous_names=["Loki"])'), encoding="utf-8")
    assert run_oac("build", "-C", str(root)).exit_code == 0
    doc = _datasources_doc(root / "build")
    assert doc["deleteDatasources"] == [{"name": "Loki", "orgId": 1}]
    grafana.provision_datasources(doc)
    assert _live(grafana) == {"loki": "Logs", "prometheus": "Prometheus"}
    assert grafana.datasources["loki"]["id"] != loki_id  # deleted, then inserted with its uid
    state = _live(grafana), grafana.datasources["loki"]["id"]
    grafana.provision_datasources(doc)  # every later start: "Loki" is not found, nothing to delete
    assert (_live(grafana), grafana.datasources["loki"]["id"]) == state
    # A Grafana that never saw "Loki" starts from the same file too.
    fresh = FakeGrafana()
    fresh.provision_datasources(doc)
    assert _live(fresh) == {"loki": "Logs", "prometheus": "Prometheus"}


REMOVAL_V1 = """\
from obs_as_code import Datasource

loki = Datasource("Loki", "loki", "http://loki:3100", uid="loki")
tempo = Datasource("Tempo", "tempo", "http://tempo:3200", uid="tempo", secure_json_data={"token": "${TEMPO_TOKEN}"})
"""


def test_a_removed_datasource_leaves_a_provisioned_grafana_with_deleted_datasource(
        make_project: ProjectFactory, tmp_path: Path) -> None:
    root = make_project({"datasources/main.py": REMOVAL_V1})
    assert run_oac("build", "-C", str(root)).exit_code == 0
    grafana = FakeGrafana()
    grafana.provision_datasources(_datasources_doc(root / "build"))
    assert grafana.secure_json_data["tempo"] == {"token": "${TEMPO_TOKEN}"}
    loki_id = grafana.datasources["loki"]["id"]

    removed = REMOVAL_V1.split("tempo = ")[0]
    (root / "datasources/main.py").write_text(removed, encoding="utf-8")
    refused = run_oac("build", "-C", str(root))
    assert refused.exit_code == 1 and ": OAC114 datasource 'Tempo' (uid 'tempo') is in the last build" in refused.output
    # What the build refuses to write (a build with nothing to compare with makes
    # it): Grafana starts, and keeps Tempo and its secret.
    unchecked = tmp_path / "unchecked"
    assert run_oac("build", "-C", str(root), "--out", str(unchecked)).exit_code == 0
    grafana.provision_datasources(_datasources_doc(unchecked))
    assert _live(grafana) == {"loki": "Loki", "tempo": "Tempo"} and "tempo" in grafana.secure_json_data

    (root / "datasources/gone.py").write_text(
        'from obs_as_code import DeletedDatasource\n\ntempo = DeletedDatasource("Tempo")\n', encoding="utf-8")
    assert run_oac("build", "-C", str(root)).exit_code == 0
    doc = _datasources_doc(root / "build")
    assert doc["deleteDatasources"] == [{"name": "Tempo", "orgId": 1}]
    grafana.provision_datasources(doc)
    assert _live(grafana) == {"loki": "Loki"} and "tempo" not in grafana.secure_json_data
    assert grafana.datasources["loki"]["id"] == loki_id  # the others are updated in place
    grafana.provision_datasources(doc)  # every later start: "Tempo" is not found, nothing to delete
    assert _live(grafana) == {"loki": "Loki"} and grafana.datasources["loki"]["id"] == loki_id
    # A Grafana that never had it starts from the same file.
    fresh = FakeGrafana()
    fresh.provision_datasources(doc)
    assert _live(fresh) == {"loki": "Loki"}
