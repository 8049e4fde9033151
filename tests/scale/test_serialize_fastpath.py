"""The serializer's shortcuts (scalar fast path, memoized resolution) change no byte."""

from __future__ import annotations

from typing import Any

import pytest
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


# --- the direct writer (serialize._fast_yaml) ----------------------------------------------

_SPECIAL = st.sampled_from(list(" \t\n:#-?,[]{}&*!|>'\"%@`.~=<0123456789eEyYnN+_xo\u00e9\u2028\x85\ufeff\x7f\u00a0"))
_TEXT = st.one_of(
    st.text(_SPECIAL, max_size=8),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6),
    st.sampled_from(["yes", "No", "null", "~", "1e3", "0x1", "2020-01-01", "1:20", ".inf", "-.5", "<<", "=", "---", "...", "a\nb\n", "a\n", "\n", "x\n\n", "- a", "a: b", "k" * 130]),
)
_DATA = st.recursive(
    st.one_of(_TEXT, st.integers(), st.floats(), st.booleans(), st.none()),
    lambda c: st.one_of(st.lists(c, max_size=4), st.dictionaries(_TEXT, c, max_size=4)),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(value=st.one_of(st.dictionaries(_TEXT, _DATA, min_size=1, max_size=4), st.lists(_DATA, min_size=1, max_size=4)))
def test_direct_writer_writes_pyyaml_bytes_or_declines(value: Any) -> None:
    fast = serialize._fast_yaml(value)
    if fast is not None:
        assert fast == serialize._dump_yaml_pyyaml(value)
    assert serialize.dump_yaml(value) == reference(value)


def test_direct_writer_takes_the_common_shapes() -> None:
    # What rule files and configs hold: without this the property above could pass
    # with a writer that always declines.
    rule_file = {
        "groups": [
            {
                "name": "api",
                "interval": "1m",
                "rules": [
                    {
                        "alert": "HighErrorRate",
                        "expr": 'sum by (job) (rate(http_requests_total{code=~"5.."}[5m]))\n/ sum by (job) (rate(http_requests_total[5m])) > 0.05',
                        "for": "10m",
                        "labels": {"severity": "critical", "team": "platform", "on": "yes"},
                        "annotations": {"summary": "{{ $labels.job }}: errors", "description": "it's 5% of\n{{ $value }}\n"},
                    },
                    {"record": "job:up:sum", "expr": "sum by (job) (up)", "labels": {}},
                ],
                "limit": 0,
            }
        ],
        "empty": [],
        "ratio": 0.999,
        "big": 1e20,
        "none": None,
        "flag": False,
    }
    fast = serialize._fast_yaml(rule_file)
    assert fast is not None
    assert fast == reference(rule_file)
    assert "'yes'" in fast and "|-\n" in fast and "- alert: HighErrorRate\n" in fast


@pytest.mark.parametrize(
    "value",
    [
        {"tab": "a\tb"},  # libyaml double-quotes with an escape
        {"kept": "a\n\n"},  # |+ and a document end marker
        {"lead": "\nx"},  # needs an indentation indicator
        {1: "int key"},
        {"astral": "\U00010000"},
        [{"k": "v"}] * 2,  # one object twice: anchor and alias
    ],
)
def test_direct_writer_declines_what_it_does_not_write_exactly(value: Any) -> None:
    assert serialize._fast_yaml(value) is None
    assert serialize.dump_yaml(value) == reference(value)


def test_shipped_build_yaml_goes_through_the_direct_writer() -> None:
    from pathlib import Path

    from obs_as_code.pipeline import compile_project

    compiled = compile_project(Path(__file__).resolve().parents[2])
    yamls = [a for a in compiled.artifacts if a.format == "yaml"]
    assert yamls
    for artifact in yamls:
        fast = serialize._fast_yaml(artifact.data)
        assert fast is not None, artifact.path
        assert fast == serialize._dump_yaml_pyyaml(artifact.data), artifact.path


# --- JSON through orjson (serialize._fast_json) ---------------------------------------------

_JSON_KEYS = st.one_of(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=5), st.sampled_from(["a", "b", "1"]))
_JSON = st.recursive(
    st.one_of(st.text(max_size=8), st.integers(), st.floats(), st.booleans(), st.none(), st.sampled_from(["x: 0.00001", "1e5", ": 1e5", "null"])),
    lambda c: st.one_of(st.lists(c, max_size=4), st.dictionaries(_JSON_KEYS, c, max_size=4)),
    max_leaves=15,
)


def _json_reference(value: Any) -> str:
    import json

    return json.dumps(serialize._finite(value), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@settings(max_examples=400, deadline=None)
@given(value=_JSON)
def test_json_writer_writes_json_dumps_bytes(value: Any) -> None:
    fast = serialize._fast_json(value)
    if fast is not None:
        assert fast == _json_reference(value)
    assert serialize.dump_json(value) == _json_reference(value)


@pytest.mark.parametrize("value", [{"small": 1e-05}, {"big": 1e16}, {"e": [-5.960464477539063e-08]}, {1: "int key"}, {"big int": 2**70}])
def test_json_writer_declines_numbers_and_keys_orjson_writes_differently(value: Any) -> None:
    assert serialize._fast_json(value) is None
    assert serialize.dump_json(value) == _json_reference(value)


def test_json_has_no_nan() -> None:
    # JSON has no NaN or infinity; Grafana rejects them. Both writers say null.
    value = {"a": float("nan"), "b": [float("inf"), 1.5], "c": {"d": float("-inf")}}
    expected = '{\n  "a": null,\n  "b": [\n    null,\n    1.5\n  ],\n  "c": {\n    "d": null\n  }\n}\n'
    assert serialize.dump_json(value) == expected
    assert serialize.dump_json({**value, "e": 1e-9}).startswith('{\n  "a": null')  # the json fallback


def test_shipped_dashboards_go_through_the_json_writer() -> None:
    from pathlib import Path

    from obs_as_code.pipeline import compile_project

    compiled = compile_project(Path(__file__).resolve().parents[2])
    # manifest.json included: its sha256 digests hold digit-then-"e" runs inside strings.
    jsons = [a for a in compiled.artifacts if a.format == "json"]
    assert any(a.path == "manifest.json" for a in jsons)
    assert len(jsons) > 5
    for artifact in jsons:
        fast = serialize._fast_json(artifact.data)
        assert fast is not None, artifact.path
        assert fast == _json_reference(artifact.data), artifact.path


def test_block_tests_equal_their_plain_regex_spelling() -> None:
    """_yaml_fast's block-scalar tests (one character class, substring tests) decide
    as the regexes they replaced, for every BMP character at any place of a line."""
    import re

    from obs_as_code import _yaml_fast

    odd = _yaml_fast._ODD
    block_ok = re.compile(rf"[^\n{odd}](?:[^{odd}]|\n)*\Z")
    needs_quotes = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x85\u2028\u2029\ufeff]|[ \t]\n|\r")
    assert odd != _yaml_fast._ODD_BUT_NEWLINE
    for code in range(0x10000):
        c = chr(code)
        for value in (c + "a\nb", "a" + c + "\nb", "a\n" + c, "a\nb" + c + "\n", c + "\n"):
            assert (_yaml_fast._BLOCK_OK.match(value) is not None) == (block_ok.match(value) is not None), (hex(code), value)
            spec = "\n" in value and not needs_quotes.search(value) and not value.startswith((" ", "\t"))
            assert _yaml_fast.block_style(value) == spec, (hex(code), value)


def test_direct_writer_leaves_deep_nesting_to_pyyaml() -> None:
    # Compiled, the writer recurses on the C stack with no recursion check.
    from obs_as_code import _yaml_fast

    deep: Any = "leaf"
    for _ in range(_yaml_fast.MAX_DEPTH + 5):
        deep = {"k": [deep]}
    assert serialize._fast_yaml(deep) is None
    assert serialize.dump_yaml(deep) == reference(deep)
    shallow: Any = "leaf"
    for _ in range(20):
        shallow = {"k": [shallow]}
    assert serialize._fast_yaml(shallow) == reference(shallow)
