"""The compiled modules against their own source, on dashboards nobody wrote.

mypyc checks declared types at run time and has no instance ``__dict__``; where
such a difference shows, the compiled module would answer a user's odd
dashboard JSON differently from the Python one (another error, or another
output). Each module is loaded a second time from its ``.py`` under a private
name, and both are given the same generated dashboards: same result, or the
same kind of error.
"""

from __future__ import annotations

import copy
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from obs_as_code import _native
from obs_as_code.model.datasource import Datasource

pytestmark = pytest.mark.skipif(
    _native.state() != "compiled", reason="the modules are not compiled here (make setup compiles them)"
)


def _python_copy(name: str) -> ModuleType:
    """Module ``name`` loaded again from its source, as ``<name>__python``."""
    module = importlib.import_module(name)
    assert module.__file__ is not None and not module.__file__.endswith(".py")  # the compiled one
    source = _native.compiled_sources()[name]
    spec = importlib.util.spec_from_file_location(f"{name}__python", source)
    assert spec is not None and spec.loader is not None
    copy_ = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = copy_
    spec.loader.exec_module(copy_)
    return copy_


@pytest.fixture(scope="module")
def pairs() -> dict[str, tuple[ModuleType, ModuleType]]:
    names = ("obs_as_code.dashboards.render", "obs_as_code.lint.files")
    return {name.rpartition(".")[2]: (importlib.import_module(name), _python_copy(name)) for name in names}


KEYS = (
    "panels", "targets", "title", "gridPos", "datasource", "type", "uid", "expr", "refId", "hide",
    "rows", "collapsed", "templating", "list", "name", "query", "repeat", "repeatDirection", "id",
    "annotations", "x", "y", "w", "h", "schemaVersion", "__inputs", "dashboard", "options",
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 40),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(["", "A", "prometheus", "loki", "${DS_PROM}", "$datasource", "rate(x[5m])", "row", "timeseries", "-- Mixed --"]),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)),
    max_leaves=25,
)
DASHBOARDS = st.dictionaries(st.sampled_from(KEYS), JSON, max_size=6)
DATASOURCES = (Datasource("Prometheus", "prometheus", "http://prometheus:9090", uid="prometheus", is_default=True),)


def _outcome(fn: Callable[..., Any], *args: Any) -> tuple[str, Any]:
    """``("ok", repr of the result)`` or ``("error", the exception's type name)``.
    The repr, not the value: ``True == 1 == 1.0``, and a value's type changed on
    the way (mypyc converts at typed boundaries) is a difference in the output."""
    try:
        return "ok", repr(fn(*args))
    except Exception as exc:  # the kind of failure is what is compared
        return "error", type(exc).__name__


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=DASHBOARDS)
def test_normalize_and_the_panel_walks_agree(pairs: dict[str, tuple[ModuleType, ModuleType]], data: dict[str, Any]) -> None:
    compiled, python = pairs["render"]
    for fn in ("normalize", "panel_list", "plain_json"):
        args = (data, DATASOURCES) if fn == "normalize" else (data.get("panels"),) if fn == "panel_list" else (data,)
        ours = _outcome(getattr(compiled, fn), *copy.deepcopy(args))
        theirs = _outcome(getattr(python, fn), *copy.deepcopy(args))
        if fn == "plain_json" and ours[0] == "error":  # each module raises its own _NotPlain class
            assert theirs[0] == "error"
            continue
        assert ours == theirs, fn


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=DASHBOARDS)
def test_the_target_walks_agree(pairs: dict[str, tuple[ModuleType, ModuleType]], data: dict[str, Any]) -> None:
    compiled, python = pairs["files"]
    for fn in ("target_list", "panels_only"):
        assert _outcome(getattr(compiled, fn), copy.deepcopy(data)) == _outcome(getattr(python, fn), copy.deepcopy(data)), fn


def test_the_python_copies_are_python(pairs: dict[str, tuple[ModuleType, ModuleType]]) -> None:
    for compiled, python in pairs.values():
        assert python.__file__ is not None and python.__file__.endswith(".py")
        assert compiled.__file__ is not None and compiled.__file__ != python.__file__


def test_a_difference_would_be_seen(pairs: dict[str, tuple[ModuleType, ModuleType]], monkeypatch: pytest.MonkeyPatch) -> None:
    # The comparison can fail: the Python copy changed to give every panel id 2,
    # and the same dashboard now normalizes differently.
    compiled, python = pairs["render"]
    board: dict[str, Any] = {"panels": [{"type": "text"}]}
    assert compiled.normalize(copy.deepcopy(board))["panels"][0]["id"] == python.home_id("type\x1ftext", 0)
    real = python.panel_list
    monkeypatch.setattr(python, "panel_list", lambda panels: [((), {"id": 2, **p}) for _path, p in real(panels)])
    assert _outcome(compiled.normalize, copy.deepcopy(board)) != _outcome(python.normalize, copy.deepcopy(board))


def test_the_compiled_sources_exist() -> None:
    assert all(Path(p).is_file() for p in _native.compiled_sources().values())
