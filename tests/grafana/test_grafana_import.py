"""``oac import grafana`` as a function, against every available Grafana (the fake,
and a real one in the grafana workflow): what publish put in a folder comes
back as modules that build the same dashboards."""

from __future__ import annotations

from pathlib import Path

from obs_as_code.grafana.importer import folder_dir, import_folder, pull_folder, write_modules
from obs_as_code.grafana.publish import publish
from obs_as_code.importers.dashboard import normalize, semantic_view
from obs_as_code.pipeline import compile_project

from .helpers import Target, sample_build, write_build

_DATASOURCES = (
    "from obs_as_code import Datasource\n"
    "PROM = Datasource('Prometheus', 'prometheus', 'http://prometheus:9090', uid='prometheus', is_default=True)\n"
)


def test_published_folders_come_back_as_modules_that_build_the_same(target: Target, tmp_path: Path) -> None:
    build = sample_build(target.prefix, 6)
    write_build(tmp_path / "build", build)
    project = tmp_path / "proj"
    (project / "datasources").mkdir(parents=True)
    (project / "datasources" / "main.py").write_text(_DATASOURCES, encoding="utf-8")
    folders = sorted({key.rpartition("/")[0] for key in build})
    with target.client() as client:
        _, result = publish(client, str(tmp_path / "build"))
        assert result.ok, result.render()
        for folder in folders:
            title = folder or "General"
            mine = {key.rpartition("/")[2] for key in build if key.rpartition("/")[0] == folder}
            # A real Grafana's General folder may hold other tests' dashboards: only ours count.
            pulled = [d for d in pull_folder(client, title) if d.get("uid") in mine]
            assert sorted(d["uid"] for d in pulled) == sorted(mine), folder
            plan = import_folder(pulled, project, folder_dir(project, title), origin=title)
            assert plan.writable and plan.problems == [], (plan.refused, plan.problems)
            assert len(write_modules(plan)) == len(mine)
    compiled = compile_project(project)
    assert compiled.ok, compiled.diagnostics
    built = {a.path: a.data for a in compiled.artifacts if a.path.startswith("grafana/dashboards/")}
    assert sorted(built) == sorted(f"grafana/dashboards/{key}.json" for key in build)
    for key, original in build.items():
        assert semantic_view(built[f"grafana/dashboards/{key}.json"]) == semantic_view(normalize(original)), key
