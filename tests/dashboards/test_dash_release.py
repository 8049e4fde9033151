"""What a build computes only for its checks is freed by reference counting once
used: the lint context and the dashboards' check views refer back to themselves,
and left alone they waited for the cyclic collector (which then walked them all)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from dash_support import write_project

from obs_as_code.dashboards.project import render_project
from obs_as_code.lint.engine import LintContext, run_checks
from obs_as_code.pipeline import compile_project, load

BOARD = """
from obs_as_code.dashboards import kit as k

board = k.dashboard("Requests", [
    k.timeseries("Rate", k.prom(k.rate("opencode_http_requests_total", 'service="api"', by=["status"])), unit=k.REQPS),
    k.timeseries("Raw", k.prom("rate(opencode_http_requests_total[5m])"), unit=k.REQPS),
], variables=[k.datasource_var()])
"""
RULES = """
from obs_as_code.model.rules import AlertRule, RuleGroup

group = RuleGroup(name="api", rules=[AlertRule(name="Down", expr="up == 0", for_="5m")])
"""


@pytest.fixture
def no_collector() -> Iterator[None]:
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def test_a_released_context_is_freed_without_the_collector(tmp_path: Path, no_collector: None) -> None:
    write_project(tmp_path, {"dashboards/d.py": BOARD, "alerts/a.py": RULES})
    project, _ = load(tmp_path)
    ctx = LintContext(project)
    found = run_checks(ctx)
    assert any(d.code == "OAC301" for d in found)  # the checks did read the dashboard
    assert ctx.queries()  # rule and panel queries, holding the context's methods
    ref = weakref.ref(ctx)
    ctx.release()
    del ctx
    assert ref() is None


def test_an_unreleased_context_waits_for_the_collector(tmp_path: Path, no_collector: None) -> None:
    # What release() is for: without it the context outlives its last reference.
    write_project(tmp_path, {"dashboards/d.py": BOARD, "alerts/a.py": RULES})
    project, _ = load(tmp_path)
    ctx = LintContext(project)
    run_checks(ctx)
    ref = weakref.ref(ctx)
    del ctx
    assert ref() is not None
    gc.collect()
    assert ref() is None


def test_the_compile_drops_its_renderings_once_written(tmp_path: Path, no_collector: None) -> None:
    write_project(tmp_path, {"dashboards/d.py": BOARD})
    compiled = compile_project(tmp_path)
    board = next(a for a in compiled.artifacts if a.path.startswith("grafana/dashboards/"))
    # The artifact keeps the JSON; the rendering (and its checks' views) is gone.
    fresh = render_project(compiled.project)  # renders again: nothing was cached
    assert fresh.dashboards[0].json == board.data
    assert fresh.dashboards[0].json is not board.data
    views = fresh.dashboards[0]
    from obs_as_code.lint.rules._dashboards import targets

    assert targets(views)  # views of the checks, each pointing back at its dashboard
    # Found by identity among the collector's objects, not by a weak reference:
    # compiled (mypyc), RenderedDashboard takes none.
    kind, ident = type(views), id(views)

    def alive() -> bool:
        return any(id(o) == ident and type(o) is kind for o in gc.get_objects())

    del views, fresh
    assert alive()  # the views hold it in a cycle
    from obs_as_code.dashboards.project import forget_rendered

    forget_rendered(compiled.project)
    assert not alive()
