"""plain_json: SDK output to JSON data in one walk, exactly what encoding it with the
SDK's encoder and decoding the text (nulls dropped) gives; anything it does not mirror
is left to the encoder."""

from __future__ import annotations

import enum
import json
from typing import Any

import pytest
from dash_support import REPO
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from hypothesis import given, settings
from hypothesis import strategies as st

from obs_as_code.dashboards.render import _decode, _NotPlain, plain_json, source_json


class Color(enum.StrEnum):
    RED = "red"


class Mode(enum.IntEnum):
    ONE = 1


class Model:
    """Like an SDK model: serialized through ``to_json``."""

    def __init__(self, payload: Any):
        self.payload = payload

    def to_json(self) -> Any:
        return self.payload


class FreshModel(Model):
    """Like a generated SDK model: its ``to_json`` builds a new dict on every call
    (plain_json converts such a payload in place)."""

    def to_json(self) -> Any:
        return dict(self.payload) if type(self.payload) is dict else self.payload


FreshModel.__module__ = "grafana_foundation_sdk.models.fake"


def _encoded(value: Any) -> Any:
    return _decode(json.dumps(value, cls=JSONEncoder))


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6),
    st.sampled_from([Color.RED, Mode.ONE]),
)
_KEYS = st.sampled_from(["value", "a", "b", "null", "value ", ""])
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(_KEYS, inner, max_size=4),
        inner.map(Model),
        st.dictionaries(_KEYS, inner, max_size=4).map(FreshModel),
    ),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(_VALUES)
def test_plain_json_is_the_encoder_round_trip(value: Any) -> None:
    expected = _encoded(value)
    got = plain_json(value)
    assert got == expected
    # Same order and same types (1 stays an int, an enum becomes its plain value).
    assert json.dumps(got) == json.dumps(expected)
    assert type(json.loads(json.dumps(got))) is type(expected)


@pytest.mark.parametrize(
    "value",
    [
        {1: "a"},  # json makes the key "1"
        {"x": float("nan")},
        {"x": object()},  # the encoder raises TypeError
        type("D", (dict,), {})(a=1),  # a dict subclass: the encoder may read it differently
        Model(b"bytes"),
    ],
)
def test_what_plain_json_does_not_mirror_is_left_to_the_encoder(value: Any) -> None:
    with pytest.raises(_NotPlain):
        plain_json(value)


def test_a_cycle_ends_in_recursion_error_and_source_json_reports_the_encoders_error() -> None:
    from grafana_foundation_sdk.builders import dashboard as sdk

    board = sdk.Dashboard("Cycle")
    model = board.build()
    cycle: list[Any] = []
    cycle.append(cycle)
    model.tags = cycle
    with pytest.raises(RecursionError):
        plain_json(model)
    with pytest.raises(ValueError, match="Circular reference"):
        source_json(board)


def test_the_shipped_dashboards_convert_as_the_encoder_does() -> None:
    from obs_as_code.discover import discover
    from obs_as_code.load import load_project
    from obs_as_code.model.dashboard import DashboardDef

    project, _ = load_project(REPO, discover(REPO, ("dashboards",)))
    sources = [d.source for d in project.all(DashboardDef)]
    assert sources
    for source in sources:
        model = source.build() if hasattr(source, "build") else source
        assert json.dumps(plain_json(model)) == json.dumps(_encoded(model))


def test_converting_leaves_the_sdk_models_as_they_were() -> None:
    # Payloads are converted in place (they are made afresh by every to_json):
    # the models themselves must not change, so converting twice gives the same.
    from obs_as_code.discover import discover
    from obs_as_code.load import load_project
    from obs_as_code.model.dashboard import DashboardDef

    project, _ = load_project(REPO, discover(REPO, ("dashboards",)))
    for d in project.all(DashboardDef):
        model = d.source.build() if hasattr(d.source, "build") else d.source
        before = json.dumps(model, cls=JSONEncoder)
        first = plain_json(model)
        assert json.dumps(model, cls=JSONEncoder) == before
        assert plain_json(model) == first


def test_a_fresh_payload_keeps_the_base_threshold_value_and_drops_other_nulls() -> None:
    got = plain_json(FreshModel({"value": None, "color": "green", "unit": None, "inner": FreshModel({"a": None})}))
    assert got == {"value": None, "color": "green", "inner": {}}
