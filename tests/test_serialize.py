import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obs_as_code.serialize import HAVE_LIBYAML, dump_json, dump_yaml, load_yaml

# Any text a user may put in a label or annotation value (surrogates cannot be
# encoded in UTF-8 at all, so they are not text a file can hold).
texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,10}", fullmatch=True), texts, max_size=5))
def test_label_and_annotation_values_round_trip(values: dict[str, str]) -> None:
    doc = {"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "up", "labels": values, "annotations": values}]}]}
    assert load_yaml(dump_yaml(doc)) == doc


@pytest.mark.parametrize("value", ["yes", "no", "on", "off", "y", "n", "true", "null", "~", "1e3", "0o17", "0x1F", "12", "1_000", ".inf", ".nan", ":leading", "", "- dash", "# hash", "a: b"])
def test_ambiguous_scalars_are_quoted(value: str) -> None:
    text = dump_yaml({"v": value})
    assert text != f"v: {value}\n", text
    assert load_yaml(text) == {"v": value}


def test_multiline_template_is_a_literal_block() -> None:
    text = dump_yaml({"description": "{{ $value | humanizePercentage }} failed\non {{ $labels.job }}\n"})
    assert text == "description: |\n  {{ $value | humanizePercentage }} failed\n  on {{ $labels.job }}\n"


def test_order_kept_and_json_sorted() -> None:
    assert dump_yaml({"b": 1, "a": 2}) == "b: 1\na: 2\n"
    assert dump_json({"b": 1, "a": 2}) == '{\n  "a": 2,\n  "b": 1\n}\n'


def test_uses_libyaml() -> None:
    assert HAVE_LIBYAML, "PyYAML was built without libyaml: the C emitter is expected here"


# --- scan_text: the text the checks search, not output -------------------------

_JSON_LEAVES = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False) | st.text()
_JSON_DATA = st.recursive(_JSON_LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20)


@given(_JSON_DATA)
def test_scan_text_reads_back_as_the_same_data_with_the_same_strings(data: object) -> None:
    """orjson's text or json's (big integers, surrogates): either reads back as
    the data, and every string in it is escaped as json.dumps escapes it, so a
    search of strings finds the same things (the variable names OAC306 reads)."""
    from obs_as_code.lint.rules._dashboards import VARIABLE
    from obs_as_code.serialize import scan_text

    text = scan_text(data)
    reference = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    assert json.loads(text) == json.loads(reference)
    assert VARIABLE.findall(text) == VARIABLE.findall(reference)


def test_scan_text_falls_back_to_json_for_what_orjson_refuses() -> None:
    from obs_as_code.serialize import scan_text

    assert scan_text({1: "$a"}) == '{"1":"$a"}'  # a key that is no string
    assert scan_text([2**65]) == f"[{2**65}]"  # beyond 64 bits
    assert scan_text({"expr": 'rate(x{a="1"}[5m])'}) == '{"expr":"rate(x{a=\\"1\\"}[5m])"}'
