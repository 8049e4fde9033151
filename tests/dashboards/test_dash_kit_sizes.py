"""The kit's layout arguments (``width``, ``height``) of a wrong type or out of
the grid: an error naming the argument and what to write, at the user's line
(OAC101), instead of the SDK's "'>' not supported between 'str' and 'int'"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from obs_as_code.dashboards import kit as k
from obs_as_code.pipeline import Compiled

PANELS: list[Callable[..., Any]] = [
    lambda **kw: k.timeseries("Req", k.prom("sum(up)"), **kw),
    lambda **kw: k.stat("Up", k.prom("sum(up)"), **kw),
    lambda **kw: k.gauge("Up", k.prom("sum(up)"), **kw),
    lambda **kw: k.bargauge("Up", k.prom("sum(up)"), **kw),
    lambda **kw: k.table("Up", k.prom("sum(up)"), **kw),
    lambda **kw: k.logs("Logs", k.loki('{job="x"}'), **kw),
    lambda **kw: k.text("Note", "hello", **kw),
]


@pytest.mark.parametrize("make", PANELS)
@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"width": "12"}, "width='12' (str): width is a number of grid columns, 1 to 24: write width=12"),
        ({"height": None}, "height=None (NoneType): height is a number of grid rows, at least 1: write height=8"),
        ({"width": 12.5}, "width=12.5 (float): width is a number of grid columns, 1 to 24: write width=12"),
        ({"width": 30}, "width=30: width is a number of grid columns, 1 to 24: write width=24"),
        ({"height": 0}, "height=0: height is a number of grid rows, at least 1: write height=1"),
        ({"width": True}, "width=True (bool): width is a number of grid columns, 1 to 24: write width=12"),
    ],
)
def test_a_bad_size_names_the_argument(make: Callable[..., Any], kwargs: dict[str, Any], says: str) -> None:
    with pytest.raises((TypeError, ValueError)) as raised:
        make(**kwargs)
    assert says in str(raised.value)


@given(st.integers(1, 24), st.integers(1, 60))
def test_every_size_on_the_grid_is_taken(width: int, height: int) -> None:
    pos = k.stat("Up", k.prom("sum(up)"), width=width, height=height).build().grid_pos
    assert pos is not None and (pos.w, pos.h) == (width, height)


def test_the_build_shows_it_at_the_users_line(project: Callable[..., Compiled]) -> None:
    compiled = project({"dashboards/t.py": '''from obs_as_code.dashboards import kit as k

board = k.dashboard("T", [
    k.stat("Up", k.prom("sum(up)")),
    k.timeseries("A", k.prom("sum(up)"), width="12"),
])
'''})
    found = [d for d in compiled.diagnostics if d.code == "OAC101"]
    assert len(found) == 1 and found[0].location.line == 5, found
    assert "k.timeseries('A'): width='12' (str)" in found[0].message and "write width=12" in found[0].message
