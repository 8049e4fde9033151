"""A build renders each dashboard once: the Grafana renderer, the OAC3xx checks,
the PromQL checks over panel queries and OAC506 share that rendering."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from obs_as_code.dashboards import render as render_module
from obs_as_code.pipeline import Compiled

HEAD = "from obs_as_code.dashboards import kit as k\n\n"

BOARDS = {
    f"dashboards/d{i}.py": HEAD
    + f'''board = k.dashboard("Board {i}", [
    k.timeseries("Requests", k.prom(k.rate("opencode_http_requests_total", 'service="s{i}"', by=["status"])), unit=k.REQPS),
    k.timeseries("Recorded", k.prom('sum(job:undefined_{i}:rate5m{{job=~"$job"}})'), unit=k.SHORT),
], variables=[k.datasource_var(), k.query_var("job", "label_values(up, job)")])
'''
    for i in range(3)
}


def _count_renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The modules of the dashboards rendered from now on, one entry per rendering."""
    calls: list[str] = []
    real = render_module.render_dashboard

    def counting(d: Any, **kwargs: Any) -> Any:
        calls.append(d.module)
        return real(d, **kwargs)

    import obs_as_code.dashboards as package
    import obs_as_code.dashboards.project as project_module

    # Every name it is imported under (modules that import it lazily read the package's).
    for module in (render_module, package, project_module):
        monkeypatch.setattr(module, "render_dashboard", counting)
    return calls


def test_each_dashboard_is_rendered_once_per_build(project: Callable[..., Compiled], monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_renders(monkeypatch)
    compiled = project(BOARDS)
    assert sorted(calls) == sorted(BOARDS)
    assert len([a for a in compiled.artifacts if a.path.startswith("grafana/dashboards/")]) == 3
    # OAC506 still reads the kit dashboards (through the shared rendering), at the panel's line.
    found = sorted((d.location.file, d.location.line, d.message.split("recording rule ")[1].split(",")[0])
                   for d in compiled.diagnostics if d.code == "OAC506")
    assert found == [(f"dashboards/d{i}.py", 5, f"job:undefined_{i}:rate5m") for i in range(3)]


def test_a_dashboard_without_recording_rules_gives_no_oac506(project: Callable[..., Compiled]) -> None:
    compiled = project({"dashboards/d.py": HEAD + '''board = k.dashboard("Plain", [
    k.timeseries("Requests", k.prom(k.rate("x_total", 'a="b:c"', by=["status"])), unit=k.REQPS),
], variables=[k.datasource_var()])
'''})
    assert [d for d in compiled.diagnostics if d.code == "OAC506"] == []


def test_text_the_checks_read_is_the_file_written(project: Callable[..., Compiled]) -> None:
    from obs_as_code.serialize import dump_json

    compiled = project(BOARDS)
    boards = [a for a in compiled.artifacts if a.path.startswith("grafana/dashboards/")]
    assert len(boards) == 3
    for a in boards:
        assert a._content is not None  # made during lint (OAC306/OAC506), not again
        assert a._content == dump_json(a.data).encode("utf-8")

    # Without checks nothing reads the text early: the renderer leaves serializing
    # to the serializer (worker processes with --jobs).
    from obs_as_code.dashboards.project import _CACHE_ATTR, render_project
    from obs_as_code.render.grafana import render

    fresh = project(BOARDS, lint=False).project
    vars(fresh).pop(_CACHE_ATTR, None)  # the compile dropped its rendering already
    made, _diags = render(fresh)
    assert all(r.made_text is None for r in render_project(fresh).dashboards)
    assert [a._content for a in made if a.path.startswith("grafana/dashboards/")] == [None] * 3


def test_identical_modules_keep_their_own_panel_locations(project: Callable[..., Compiled]) -> None:
    # Call-site locations are cached per code object; two files with the same text
    # have equal code objects, and each must still point at its own file.
    same = HEAD + 'board = k.dashboard("Same", [k.timeseries("Up", k.prom("sum(up)"), unit=k.SHORT)], variables=[k.datasource_var()])\n'
    compiled = project({"dashboards/a.py": same, "dashboards/b.py": same})
    boards = sorted((a for a in compiled.artifacts if a.path.startswith("grafana/dashboards/")), key=lambda a: a.path)
    assert [a.source_map[("panels", 0)].file for a in boards] == ["dashboards/a.py", "dashboards/b.py"]
    assert [a.source_map[("panels", 0, "targets", 0)].file for a in boards] == ["dashboards/a.py", "dashboards/b.py"]


def test_dict_dashboard_panel_lines_are_found_only_when_asked(project: Callable[..., Compiled]) -> None:
    from obs_as_code.dashboards.render import LazySourceMap

    compiled = project({"dashboards/plain.py": '''board = {"title": "Plain", "schemaVersion": 41, "panels": [
    {"id": 1, "type": "stat", "title": "A", "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0}},
    {"id": 2, "type": "stat", "title": "B", "gridPos": {"h": 4, "w": 6, "x": 6, "y": 0}},
]}
'''})
    (artifact,) = [a for a in compiled.artifacts if a.path.startswith("grafana/dashboards/")]
    smap = artifact.source_map
    assert isinstance(smap, LazySourceMap) and smap.pending  # nothing asked during the build
    assert smap[()].line == 1 and smap.pending  # the dashboard's own line needs no parse
    assert [smap[("panels", i)].line for i in (0, 1)] == [2, 3]
    assert not smap.pending and len(smap) == 3


def test_an_incremental_build_with_a_cold_cache_renders_each_dashboard_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Per module, the dashboard checks, the PromQL checks scoped to the module and
    # OAC506 read one rendering, made with the project's datasources as in a
    # clean build. Output equals the clean build's.
    from dash_support import write_project

    from obs_as_code.pipeline import build

    write_project(tmp_path, BOARDS, datasources=True)
    clean = build(tmp_path, tmp_path / "clean", check=False)
    calls = _count_renders(monkeypatch)
    cold = build(tmp_path, incremental=True)
    assert sorted(calls) == sorted(BOARDS)
    assert [(d.code, d.location, d.message) for d in cold.diagnostics] == [(d.code, d.location, d.message) for d in clean.diagnostics]
    assert {a.path: a.content for a in cold.compiled.artifacts} == {a.path: a.content for a in clean.compiled.artifacts}
