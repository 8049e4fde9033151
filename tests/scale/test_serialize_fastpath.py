"""The serializer's shortcuts (scalar fast path, memoized resolution) change no byte."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from obs_as_code import serialize


class Reference(serialize._Dumper):
    """The same dumper with PyYAML's own generic paths."""

    represent_data = yaml.representer.BaseRepresenter.represent_data
    resolve = yaml.resolver.BaseResolver.resolve


def reference(data: Any) -> str:
    text: str = yaml.dump(
        data, Dumper=Reference, default_flow_style=False, sort_keys=False, allow_unicode=True, width=2**31 - 1, indent=2
    )
    return text


scalars = st.one_of(
    st.text(),
    st.sampled_from(["yes", "on", "1e3", "0o17", ".inf", ":x", "y", "~", "null", "12", "a\nb", " lead", "", "- x"]),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
)
data = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=25,
)


@settings(max_examples=100, deadline=None)
@given(value=data)
def test_same_output_as_generic_dumper(value: Any) -> None:
    assert serialize.dump_yaml(value) == reference(value)


@given(value=st.dictionaries(st.text(max_size=5), scalars, min_size=1, max_size=3))
def test_shared_objects_still_anchor_like_pyyaml(value: dict[str, Any]) -> None:
    shared = [value, {"a": value, "b": [value, "x"]}, "tail"]
    assert serialize.dump_yaml(shared) == reference(shared)
