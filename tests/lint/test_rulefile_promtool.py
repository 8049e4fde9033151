"""``oac lint FILE.yaml`` decodes a rule file as ``promtool check rules`` 2.42
does (rulefmt on gopkg.in/yaml.v3): the same verdict, every error at its place.

The tables below are what promtool 2.42 said (pinned here; the tests marked
integration check that the installed promtool still says it), and the
differential test compares the two on seeded random variants of a valid file
(tests/lint/rulefile_variants.py). ``OAC_RULEFILE_VARIANTS=20000`` runs a large
sample to look for new disagreements; the suite runs a few hundred.

Deliberate differences (we refuse what promtool accepts, or the reverse):

- OAC2xx meaning checks other than OAC210 (the lint's purpose: promtool
  accepts these files, tests/lint/test_checks.py);
- OAC105, a rule name repeated with the same labels: promtool says "lint error
  ... duplicate rule(s) found" but exits 0 unless ``--lint-fatal``;
- OAC104 on a label name starting with ``__`` (reserved for Prometheus, the
  project's rule for every label map);
- a group's ``query_offset`` and ``labels`` (read by later Prometheus releases)
  and ``partial_response_strategy`` (Thanos) are accepted, as the project
  accepts keys of later releases; promtool 2.42 refuses them as unknown fields.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from obs_as_code.diagnostics import Severity
from obs_as_code.lint.api import lint
from obs_as_code.lint.files import read_rule_file
from tests.lint.differential import oac_verdicts, promtool_verdicts
from tests.lint.rulefile_variants import variant
from tests.oac_testing import need_binary

#: (spelling of a group's limit, None when promtool 2.42 accepts it, else the
#: YAML type in its "cannot unmarshal !!TYPE `...` into int").
LIMITS: list[tuple[str, str | None]] = [
    ("-1", None), ("1.5", None), ("0x10", None), ("1_000", None), ("+5", None), ("0", None),
    ("9223372036854775807", None), ("-9223372036854775808", None), ("9223372036854775808", "!!int"),
    ("18446744073709551615", "!!int"), ("18446744073709551616", "!!float"),
    ("-9223372036854775809", None), ("+9223372036854775808", None),  # not ints to go-yaml: floats, <= 2**63
    ("9.2e18", None), ("9.3e18", "!!float"), ("9223372036854775808.0", None), ("9223372036854776833.0", "!!float"),
    ("1e19", "!!float"), ("-1e30", None), ("1e400", "!!str"), ("-1e400", "!!str"), ("1e-400", None),
    (".5", None), (".5e3", None), (".5_5", None), ("._5", "!!str"), ("1_0.5", None), ("1.", None), ("-.5", None), ("+.5", None),
    ("1e3", None), ("1E3", None), ("09.5", None), ("08", None), ("0777", None),
    (".inf", "!!float"), ("+.inf", "!!float"), ("-.inf", None), (".nan", "!!float"), (".NaN", "!!float"),
    ("Inf", "!!str"), ("infinity", "!!str"), ("NaN", "!!str"),
    ("~", None), ("null", None), ("Null", None), ("NULL", None), ("", None),
    ("true", "!!bool"), ("yes", "!!str"), ("on", "!!str"), ("y", "!!str"), ("no", "!!str"),
    ("abc", "!!str"), ("'3'", "!!str"), ('"3"', "!!str"), ("1,000", "!!str"), ("2001-12-14", "!!timestamp"),
    ("0b101", None), ("-0b101", None), ("0B101", None), ("0o17", None), ("-0o17", None), ("0O17", None), ("0o18", "!!str"),
    ("0x", "!!str"), ("0X1F", None), ("-0x10", None), ("+0x10", None), ("0x1p3", "!!str"), ("0x_10", None),
    ("_1", "!!str"), ("1_", None), ("1__0", None),
    ("0x7FFFFFFFFFFFFFFF", None), ("0x8000000000000000", "!!int"), ("0xFFFFFFFFFFFFFFFF", "!!int"),
    ("-0x8000000000000000", None), ("-0x8000000000000001", "!!str"),
    ("0b" + "1" * 64, "!!int"), ("-0b1" + "0" * 63, None), ("0o1777777777777777777777", "!!int"),
    ("!!int '3'", None), ("!!float 3", None), ("[]", "!!seq"), ("[1]", "!!seq"), ("{}", "!!map"),
]


def _limit_file(spelling: str) -> str:
    return f"groups:\n  - name: g\n    limit: {spelling}\n    rules:\n      - record: a:b\n        expr: up\n"


def test_limit_is_read_as_go_yaml_reads_an_int(tmp_path: Path) -> None:
    found: list[tuple[str, str | None]] = []
    for i, (spelling, _kind) in enumerate(LIMITS):
        path = tmp_path / f"{i}.yaml"
        path.write_text(_limit_file(spelling))
        diagnostics = read_rule_file(path, "r.yaml").diagnostics
        assert all((str(d.location), d.code) == ("r.yaml:3:12", "OAC219") for d in diagnostics), spelling
        kind = None
        if diagnostics:
            match = re.match(r"limit: cannot unmarshal (!!\w+)", diagnostics[0].message)
            assert match is not None, diagnostics[0].message
            kind = match.group(1)
        found.append((spelling, kind))
    assert found == LIMITS


@pytest.mark.parametrize(
    ("spelling", "message"),
    [
        ("abc", "limit: cannot unmarshal !!str `abc` into int"),
        ("'3'", "limit: cannot unmarshal !!str `3` into int: a quoted number is a string; write it unquoted"),
        ("9223372036854775808", "limit: cannot unmarshal !!int `9223372036854775808` into int: at most 9223372036854775807 (Prometheus reads it as a 64-bit integer)"),
        ("1e19", "limit: cannot unmarshal !!float `1e19` into int: at most 9223372036854775807 (Prometheus reads it as a 64-bit integer)"),
        (".nan", "limit: cannot unmarshal !!float `.nan` into int: not a finite number"),
        ("[1]", "limit: cannot unmarshal !!seq into int"),
    ],
)
def test_an_invalid_limit_is_reported_at_its_value(tmp_path: Path, spelling: str, message: str) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(_limit_file(spelling))
    assert [(str(d.location), d.severity, d.message) for d in read_rule_file(path, "r.yaml").diagnostics] == [("r.yaml:3:12", Severity.ERROR, message)]


def test_every_error_of_a_file_in_one_run(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("groups:\n  - name: a\n    limit: x\n    rules: []\n  - name: b\n    limit: '1'\n    interval: 5 minutes\n    rules: [{}]\n")
    assert sorted((d.location.line, d.location.col) for d in read_rule_file(path, "r.yaml").diagnostics) == [(3, 12), (6, 12), (7, 15), (8, 13), (8, 13)]


@pytest.mark.integration
def test_promtool_says_what_the_limit_table_says(tmp_path: Path) -> None:
    promtool = need_binary("promtool")
    files = []
    for i, (spelling, _kind) in enumerate(LIMITS):
        files.append(tmp_path / f"l{i:03d}.yaml")
        files[-1].write_text(_limit_file(spelling))
    said = promtool_verdicts(promtool, files)
    theirs = []
    for i, (spelling, _kind) in enumerate(LIMITS):
        error = said[f"l{i:03d}.yaml"]
        match = re.search(r"cannot unmarshal (!!\w+)", error or "")
        theirs.append((spelling, None if error is None else match.group(1) if match else error))
    assert theirs == LIMITS


#: Each difference the differential test found, fixed: (file, promtool 2.42's
#: verdict: None accepted, else a piece of its error, what we say now:
#: (severity, line, column, message)).
FIXED: dict[str, tuple[str, str | None, list[tuple[str, int, int, str]]]] = {
    "empty label maps": (
        "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        labels:\n        annotations: ~\n", None, []),
    "groups null": ("groups: ~\n", None, []),
    "rules null": ("groups:\n  - name: g\n    rules:\n", None, []),
    "second document": (
        "groups: []\n---\nfoo: 1\n", None,
        [("warning", 3, 1, "a second YAML document: Prometheus reads only the first document of a rule file, this one is ignored")]),
    "second document, invalid YAML": (
        "groups: []\n---\n: :\n  - [\n", None,
        [("warning", 3, 1, "a second YAML document: Prometheus reads only the first document of a rule file, this one is ignored"
          " (and is not valid YAML: did not find expected key)")]),
    "empty mapping": ("{}\n", None, []),
    "null document": ("--- ~\n", None, []),
    "null items": ("groups:\n  - ~\n  - name: g\n    rules:\n      -\n      - record: a:b\n        expr: up\n", None, []),
    "null keys": (
        "groups:\n  - name: g\n    ~: 1\n    rules:\n      - alert: A\n        null: x\n        expr: up\n"
        "        labels: {~: a}\n        annotations: {~: a}\n~: 2\n", None, []),
    "groups twice": ("groups: []\ngroups: []\n", 'mapping key "groups" already defined at line 1', [("error", 2, 1, "file: key 'groups' appears twice")]),
    "empty rule": (
        "groups:\n  - name: g\n    rules:\n      - {}\n", "one of 'record' or 'alert' must be set",
        [("error", 4, 9, "rule in group 'g': one of 'record' or 'alert' must be set"), ("error", 4, 9, "rule in group 'g': field 'expr' must be set")]),
    "null group name": ("groups:\n  - name: ~\n    rules: []\n", "Groupname must not be empty", [("error", 2, 5, "group without a name")]),
    "null alert name and expr": ("groups:\n  - name: g\n    rules:\n      - alert: ~\n        expr: NULL\n", None, []),
    "zero for in a recording rule": (
        "groups:\n  - name: g\n    rules:\n      - record: a:b\n        expr: up\n        for: 0s\n        keep_firing_for: ~\n        annotations: {}\n", None, []),
    "null for": ("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        for: ~\n", None, []),
    "alert a list": ("groups:\n  - name: g\n    rules:\n      - record: a:b\n        alert: [x]\n        expr: up\n", None, []),
    "expr a mapping": (
        "groups:\n  - name: g\n    rules:\n      - record: a:b\n        expr: {a: b}\n", "field 'expr' must be set in rule",
        [("error", 5, 15, "rule 'a:b': field 'expr' must be set")]),
    "keep_firing_for in a recording rule": (
        "groups:\n  - name: g\n    rules:\n      - record: a:b\n        expr: up\n        keep_firing_for: 1m\n",
        "invalid field 'keep_firing_for' in recording rule", [("error", 6, 9, "recording rule 'a:b': invalid field 'keep_firing_for'")]),
    "merge key": ("groups:\n  - name: g\n    rules:\n      - &r\n        alert: A\n        expr: up\n      - <<: *r\n        alert: B\n", None, []),
    "merge key, first mapping wins": ("groups:\n  - name: g\n    rules:\n      - alert: A\n        <<: [{expr: up}, {expr: 'sum('}]\n", None, []),
    "merge key bringing an unknown field": (
        "groups:\n  - name: g\n    rules:\n      - alert: A\n        <<: {expr: up, foo: 1}\n", "field foo not found in type rulefmt.RuleNode",
        [("error", 5, 24, "rule: field 'foo' not found in type rulefmt.Rule")]),
    "merge key of no mapping": (
        "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        <<: [a]\n", "map merge requires map or sequence of maps as the value",
        [("error", 6, 14, "rule: map merge requires map or sequence of maps as the value")]),
    "quoted merge key": (
        "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        '<<': {expr: x}\n", "field << not found in type rulefmt.RuleNode",
        [("error", 6, 9, "rule: field '<<' not found in type rulefmt.Rule")]),
    "merge key into itself": (
        "groups:\n  - name: g\n    rules:\n      - &a\n        alert: A\n        <<: &b\n          expr: up\n          <<: *a\n",
        "anchor 'a' value contains itself", [("error", 4, 9, "rule: a merge key's mapping contains that merge key (through an alias)")]),
    "alias to itself under a null key": ("groups:\n  - name: g\n    rules:\n      - &a\n        alert: A\n        expr: up\n        ~: *a\n", None, []),
    "anchor defined twice": ("groups:\n  - name: &a g\n    rules:\n      - alert: &a A\n        expr: up\n        labels: {x: *a}\n", None, []),
    "a list as a label name": (
        "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        labels: {[a]: b}\n", "cannot unmarshal !!seq into string",
        [("error", 6, 18, "labels: a key must be a string, not a list")]),
}


@pytest.mark.parametrize("case", list(FIXED))
def test_a_fixed_difference_is_reported_at_its_place(tmp_path: Path, case: str) -> None:
    text, _theirs, ours = FIXED[case]
    path = tmp_path / "r.yaml"
    path.write_text(text)
    found = [(d.severity.value, d.location.line, d.location.col, d.message) for d in read_rule_file(path, "r.yaml").diagnostics]
    assert found == ours


@pytest.mark.integration
def test_promtool_says_what_the_fixed_table_says(tmp_path: Path) -> None:
    promtool = need_binary("promtool")
    for i, (text, _theirs, _ours) in enumerate(FIXED.values()):
        (tmp_path / f"f{i:02d}.yaml").write_text(text)
    said = promtool_verdicts(promtool, sorted(tmp_path.iterdir()))
    for i, (case, (_text, theirs, _ours)) in enumerate(FIXED.items()):
        error = said[f"f{i:02d}.yaml"]
        assert (error is None) == (theirs is None), (case, error)
        assert theirs is None or theirs in (error or ""), (case, error)


_LATER_KEYS = re.compile(r"field (query_offset|labels|partial_response_strategy) not found in type rulefmt\.RuleGroup")


def _deliberate(ours: str) -> bool:
    """Whether our error (``LINE:COL: CODE message``) is one promtool 2.42 does not give on purpose."""
    code = ours.split(" ")[1]
    # OAC105/OAC116: a rule twice in a group, or in two of the files linted
    # together (promtool checks one file at a time; the variants share rules).
    return (re.fullmatch(r"OAC2\d\d", code) is not None and code not in ("OAC210", "OAC219")) or code in ("OAC105", "OAC116") or (
        code == "OAC104" and "reserved for Prometheus" in ours
    )


def _only_later_keys(theirs: str) -> bool:
    lines = [line.strip() for line in theirs.splitlines() if line.strip() and line.strip() != "yaml: unmarshal errors:"]
    return bool(lines) and all(_LATER_KEYS.search(line) for line in lines)


def unexplained(promtool: str, directory: Path) -> tuple[list[tuple[str, str | None, list[str]]], int]:
    """The files of ``directory`` on which we and promtool disagree without a
    deliberate reason, and how many differ for a deliberate one."""
    files = sorted(directory.iterdir())
    theirs = promtool_verdicts(promtool, files)
    ours = oac_verdicts(directory)
    bad: list[tuple[str, str | None, list[str]]] = []
    deliberate = 0
    for f in files:
        said, errors = theirs[f.name], ours[f.name]
        if said is not None and not errors:
            if _only_later_keys(said):
                deliberate += 1
            else:
                bad.append((f.name, said, errors))
        elif said is None and errors:
            if all(_deliberate(e) for e in errors):
                deliberate += 1
            else:
                bad.append((f.name, said, errors))
    return bad, deliberate


@pytest.mark.integration
def test_oac_lint_refuses_a_rule_file_exactly_when_promtool_does(tmp_path: Path) -> None:
    """Seeded variants of a valid rule file (wrong types for every field,
    unknown, repeated and misspelt keys, nulls, several documents, ...)."""
    promtool = need_binary("promtool")
    count = int(os.environ.get("OAC_RULEFILE_VARIANTS", "400"))
    for seed in range(count):
        (tmp_path / f"v{seed:06d}.yaml").write_text(variant(seed))
    bad, deliberate = unexplained(promtool, tmp_path)
    assert bad == []
    refused = sum(1 for said in promtool_verdicts(promtool, sorted(tmp_path.iterdir())).values() if said is not None)
    assert refused > count // 4 and deliberate > 0  # the sample holds both verdicts and the deliberate differences


def test_the_variants_are_deterministic() -> None:
    assert [variant(s) for s in range(5)] == [variant(s) for s in range(5)]
    assert len({variant(s) for s in range(50)}) > 40



def test_a_number_beyond_float64_is_invalid_promql(tmp_path: Path) -> None:
    """promtool 2.42: "could not parse expression: ... error parsing number:
    strconv.ParseFloat: parsing "1e400": value out of range"; promql-parser
    reads infinity. A huge number in a string or a comment is no number."""
    (tmp_path / "r.yaml").write_text(
        "groups:\n  - name: g\n    rules:\n      - record: a:b\n        expr: up * 1e400\n"
        "      - record: a:c\n        expr: 'up{a=\"1e400\"} * 1.7e308 # 1e400'\n      - record: a:d\n        expr: 1e-400\n"
    )
    found = [(d.location.line, d.location.col, d.message) for d in lint(tmp_path, [tmp_path / "r.yaml"]) if d.code == "OAC108"]
    assert found == [(4, 9, "invalid PromQL in recording rule 'a:b' (group 'g'): error parsing number '1e400': value out of range (beyond a 64-bit float)")]
