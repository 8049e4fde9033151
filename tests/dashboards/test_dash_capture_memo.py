"""capture() remembers its answer per calling frame and instruction; every panel
and target still gets the line it got without the memo (loops, helpers,
comprehensions, generators resumed from several modules, two calls on one line)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dash_support import write_project

from obs_as_code import source
from obs_as_code.dashboards.project import render_project
from obs_as_code.discover import discover
from obs_as_code.load import load_project

FILES = {
    "dashboards/_lib.py": '''
        from obs_as_code.dashboards import kit as k


        def panel(name):
            return k.timeseries(name, k.prom(f"sum(rate({name}_total[5m]))"))


        def panels(names):
            return [panel(n) for n in names]


        def lazily(names):
            for n in names:
                yield k.timeseries(n, k.prom(f"sum(rate({n}_total[5m]))"))


        SHARED = lazily(["g1", "g2", "g3", "g4"])
        ''',
    "dashboards/a.py": '''
        from obs_as_code.dashboards import kit as k
        from dashboards._lib import SHARED, panel, panels

        items = []
        for i in range(3):
            items.append(k.timeseries(f"t{i}", k.prom(f"sum(rate(x{i}_total[5m]))")))
            items.append(panel(f"p{i}"))
        items += panels(["q1", "q2"])
        items.append(next(SHARED))
        items += [k.stat(n, k.prom("sum(up)")) for n in ("s1", "s2")]; items.append(k.text("t", "x"))
        dashboard = k.dashboard("A", items, uid="a")
        ''',
    "dashboards/b.py": '''
        from obs_as_code.dashboards import kit as k
        from dashboards._lib import SHARED, lazily

        first = next(SHARED)
        dashboard = k.dashboard(
            "B",
            [first, next(SHARED), *lazily(["l1", "l2"]), k.timeseries("own", k.prom("sum(up)"))],
            uid="b",
        )
        ''',
}


class _NoMemo(dict[Any, Any]):
    """A memo that never keeps anything: every capture walks the stack."""

    def __setitem__(self, key: Any, value: Any) -> None:
        pass


def _locations(root: Path) -> dict[tuple[str, tuple[Any, ...]], source.SourceLocation]:
    project, diagnostics = load_project(root, discover(root, ("dashboards",)))
    assert not diagnostics
    rendered = render_project(project)
    assert not rendered.diagnostics
    out = {}
    for board in rendered.dashboards:
        for path, loc in board.source_map.items():
            out[(board.uid, path)] = loc
    return out


def test_the_memo_gives_the_locations_of_a_full_walk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_project(tmp_path, FILES)
    with_memo = _locations(root)
    monkeypatch.setattr(source, "_BY_CALLER", _NoMemo())
    walked = _locations(root)
    assert with_memo == walked
    # The memo did not make everything one line: each module-level call has its own.
    lines_a = {loc.line for (uid, _path), loc in walked.items() if uid == "a" and loc.file == "dashboards/a.py"}
    assert len(lines_a) >= 4
    # Panels from the generator point at the module that resumed it.
    files_b = {loc.file for (uid, _path), loc in walked.items() if uid == "b"}
    assert "dashboards/b.py" in files_b


def test_generator_and_coroutine_frames_are_never_remembered() -> None:
    def gen() -> Any:
        yield source.capture()

    next(gen())
    assert all(not (frame.f_code.co_flags & source._RESUMABLE) for frame, _loc in source._BY_CALLER.values())


def test_loading_a_project_lets_go_of_the_remembered_frames(tmp_path: Path) -> None:
    _locations(write_project(tmp_path, FILES))
    assert not source._BY_CALLER
