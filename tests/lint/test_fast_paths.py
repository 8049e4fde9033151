"""The lint's fast paths give what the general code gives.

Each shortcut taken for large projects (a shorter scan, a check proving a whole
dashboard clean, a reference judged with two lookups) is compared here with the
code it stands for, on generated inputs full of the characters that matter
(quotes, escapes, Grafana variables, operators, Unicode whitespace)."""

from __future__ import annotations

import json
import math
import re
import string
import sys
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from obs_as_code.dashboards.render import RenderedDashboard
from obs_as_code.lint import engine
from obs_as_code.lint.rules import _dashboards
from obs_as_code.lint.rules import oac303_duplicate_panel as oac303
from obs_as_code.lint.rules import oac304_grid_overlap as oac304
from obs_as_code.lint.rules import oac306_template_variables as oac306
from obs_as_code.lint.rules import oac307_undeclared_datasource as oac307
from obs_as_code.lint.rules import oac506_undefined_recording_rule as oac506
from obs_as_code.lint.rules._crossref import recorded_names
from obs_as_code.serialize import dump_json, scan_text

TOKENS = [
    "sum", "by", "on", "ignoring", "group_left", "without", "offset", "rate", "job", "__name__", "le",
    "a", "_x", "x9", "9", "metric_total", " ", "  ", "\t", "\n", "\u00a0", "\u2003", "é",
    "(", ")", "{", "}", "[", "]", ",", ":", "=", "!=", "=~", "!~", "!", "~", "==",
    '"', "'", "`", "\\", '"v"', '""', '"x\\"y"', "'s'", "`r`", '"a:b"',
    "$", "$x", "${x}", "${x:csv}", "[[x]]", "$__rate_interval", "[$__rate_interval]", "[$__range]",
    "[${__interval}]", "[5m]", "5m",
]  # fmt: skip
EXPRS = st.lists(st.sampled_from(TOKENS), max_size=24).map("".join) | st.text(max_size=40)


# --- the general code, as it was before the fast paths ---------------------------------


def shape_reference(expr: str, keep_jobs: frozenset[str]) -> str:
    def sub(m: re.Match[str]) -> str:
        label, op, value = m.groups()
        if label == "__name__" or len(value) == 2 or "~" in op or "\\" in value or (label == "job" and value[1:-1] in keep_jobs):
            return m.group()
        return f'{label}{op}"v"'

    return engine._MATCHER_VALUE.sub(sub, expr) if "=" in expr else expr


def var_in_label_list_reference(expr: str) -> bool:
    at = expr.find("$")
    while at >= 0:
        opening = expr.rfind("(", 0, at)
        if opening > expr.rfind(")", 0, at) and expr[:opening].rstrip().endswith(engine._LABEL_KEYWORDS):
            return True
        at = expr.find("$", at + 1)
    return False


def grafana_reference(expr: str) -> str:
    if "$" not in expr and "[[" not in expr:
        return expr
    if "[$__" in expr and "[[" not in expr:
        fast = expr
        for token in engine._RANGE_BUILTINS:
            fast = fast.replace(token, "[5m]")
        if "$" not in fast and engine._NO_VAR_IN_LITERALS.fullmatch(expr) and not var_in_label_list_reference(expr):
            return fast
    return engine._GRAFANA_TOKEN.sub(engine._grafana_token, expr)


_WORD = string.ascii_letters + string.digits + "_"


def value_blind_reference(expr: str) -> str | None:
    if '"' not in expr or "\\" in expr or "'" in expr or "`" in expr or "[[" in expr or "${" in expr or "\x00" in expr:
        return None
    parts = expr.split('"')
    if len(parts) % 2 == 0:
        return None
    blinded = False
    for i in range(1, len(parts), 2):
        value = parts[i]
        if value.rstrip(engine.WHITESPACE).endswith(("=", "~")):
            return None
        if not value or value.strip(engine._BLIND_VALUE):
            continue
        head = parts[i - 1].rstrip(engine.WHITESPACE)
        if head.endswith("!="):
            head = head[:-2]
        elif head.endswith("="):
            head = head[:-1]
        else:
            continue
        head = head.rstrip(engine.WHITESPACE)
        before = head.rstrip(_WORD)
        label = head[len(before) :]
        if not label or label[0] not in string.ascii_letters + "_" or label in ("__name__", "job") or before.endswith("$"):
            continue
        parts[i] = "\x00"
        blinded = True
    return '"'.join(parts) if blinded else None


# --- PromQL text ----------------------------------------------------------------------


def test_whitespace_is_what_backslash_s_matches() -> None:
    every = "".join(re.findall(r"\s", "".join(map(chr, range(sys.maxunicode + 1)))))
    assert every == engine.WHITESPACE


@settings(max_examples=400, deadline=None)
@given(EXPRS, st.sampled_from([frozenset(), frozenset({"x9", "a:b"})]))
def test_shape_scans_from_the_first_operator(expr: str, jobs: frozenset[str]) -> None:
    assert engine.shape(expr, jobs) == shape_reference(expr, jobs)


@settings(max_examples=400, deadline=None)
@given(EXPRS)
def test_grafana_fast_path(expr: str) -> None:
    assert engine._var_in_label_list(expr) == var_in_label_list_reference(expr)
    assert engine.grafana_expr.__wrapped__(expr) == grafana_reference(expr)


def test_shape_examples() -> None:
    keep = frozenset({"api"})
    for expr in [
        'sum by (x) (rate(m{service="a", job="api", path=~"/x"}[5m]))',
        'm{a="1"} / on(b) n{b!="2", c=""}',
        'a!~"x" or b="y"',
        'label_replace(m, "d", "$1", "s", "(.*)") * n{k="v"}',
        "rate(m[5m])",
        'x\u2003="q" + y\u00a0!= "z"',
    ]:
        assert engine.shape(expr, keep) == shape_reference(expr, keep)


# --- dashboards -------------------------------------------------------------------------

BOXES = st.lists(st.tuples(st.integers(-3, 30), st.integers(-3, 20), st.integers(-3, 30), st.integers(-3, 12)), max_size=7)


@settings(max_examples=400, deadline=None)
@given(BOXES)
def test_tiled_boxes_never_overlap(boxes: list[tuple[int, int, int, int]]) -> None:
    if oac304.tiled(boxes):
        assert all(b[0] >= 0 and b[0] + b[2] <= 24 and b[2] >= 1 and b[3] >= 1 and b[1] >= 0 for b in boxes)
        assert not any(oac304.overlap(a, b) for i, a in enumerate(boxes) for b in boxes[:i])


def test_rows_of_panels_are_tiled() -> None:
    assert oac304.tiled([(0, 0, 8, 8), (8, 0, 8, 8), (16, 0, 8, 8), (0, 8, 24, 1), (0, 9, 12, 4), (12, 9, 12, 4)])
    assert not oac304.tiled([(0, 0, 12, 8), (6, 4, 12, 8)])
    assert not oac304.tiled([(0, 0, 12, 8), (10, 0, 4, 8)])
    assert not oac304.tiled([(0, 0, 12, 8), (0, 4, 12, 8)])
    assert not oac304.tiled([(18, 0, 12, 8)])


def _board(panels: list[Any]) -> RenderedDashboard:
    return RenderedDashboard(json={"title": "T", "panels": panels}, uid="t", folder="")


PANEL = st.fixed_dictionaries(
    {
        "id": st.sampled_from([1, 2, 3, 1.0, None, "x"]),
        "title": st.sampled_from(["", " ", "A", "A ", "B", "Up"]),
        "gridPos": st.fixed_dictionaries({"x": st.integers(-1, 24), "y": st.integers(0, 12), "w": st.integers(0, 25), "h": st.integers(0, 9)}),
        "type": st.sampled_from(["stat", "timeseries"]),
    }
)
ROW = st.fixed_dictionaries({"id": st.integers(10, 13), "title": st.sampled_from(["R", "S"]), "type": st.just("row"), "collapsed": st.booleans(), "gridPos": st.just({"x": 0, "y": 20, "w": 24, "h": 1}), "panels": st.lists(PANEL, max_size=4)})
BOARDS = st.lists(PANEL | ROW, max_size=8)


@settings(max_examples=150, deadline=None)
@given(BOARDS)
def test_clean_dashboards_have_no_findings(panels: list[Any]) -> None:
    board = _board(panels)
    if oac304.clean(board):
        assert list(oac304.findings(board)) == []


def test_clean_is_not_always_true() -> None:
    overlapping = _board([{"id": 1, "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8}}, {"id": 2, "gridPos": {"x": 6, "y": 4, "w": 12, "h": 8}}])
    assert not oac304.clean(overlapping) and list(oac304.findings(overlapping))


@settings(max_examples=300, deadline=None)
@given(BOARDS)
def test_duplicate_panels_fast_path_is_exact(panels: list[Any]) -> None:
    board = _board(panels)
    assert oac303.clean(board) == (not list(oac303.findings(board)))


def test_duplicate_panel_examples() -> None:
    def panel(pid: Any, title: str) -> dict[str, Any]:
        return {"id": pid, "title": title}

    assert oac303.clean(_board([panel(1, "A"), panel(2, "B"), {"type": "row", "id": 3, "title": "R", "panels": [panel(4, "A")]}, panel(5, "B")]))
    assert not oac303.clean(_board([panel(1, "A"), panel(1.0, "B")]))
    assert not oac303.clean(_board([panel(1, "A "), panel(2, " A")]))
    assert not oac303.clean(_board([{"type": "row", "id": 3, "panels": [panel(4, "A"), panel(5, "A")]}]))
    assert not oac303.clean(_board([{"type": "row", "id": 3, "panels": [panel(4, "A")]}, panel(4, "B")]))
    assert not oac303.clean(_board([panel([1], "A")]))  # unhashable: findings() decides
    # A title that is not a string, a top-level entry that is not a panel: the loop decides.
    assert oac303.clean(_board([panel(1, "A"), {"id": 2, "title": 3}, "x", panel(4, " ")]))
    assert not oac303.clean(_board([panel(1, "A"), {"id": 2, "title": None}, "x", panel(4, "A ")]))
    for panels in ([panel(1, "A"), {"id": 2, "title": 3}, "x", panel(4, " ")], [panel(1, "A"), {"id": 2, "title": None}, "x", panel(4, "A ")]):
        assert oac303.clean(_board(panels)) == (not list(oac303.findings(_board(panels))))


REFS = st.fixed_dictionaries(
    {},
    optional={
        "uid": st.sampled_from(["prometheus", "loki", "ghost", "", "$ds", "${ds}", "[[ds]]", "grafana", "-- Mixed --", None, 5]),
        "type": st.sampled_from(["prometheus", "loki", "datasource", "grafana", "", "x", None, 3]),
    },
)


@settings(max_examples=200, deadline=None)
@given(REFS)
def test_declared_uid_with_its_type_is_fine(ref: dict[str, Any]) -> None:
    uids, types = {"prometheus": "prometheus", "loki": "loki"}, {"prometheus", "loki"}
    uid = ref.get("uid")
    want = uids.get(uid) if type(uid) is str else None
    if want is not None and ref.get("type") in (None, want):  # problems()' shortcut
        assert oac307.problem(ref, uids, types, {"ds": "prometheus"}) is None


def test_a_declared_uid_under_another_type_is_a_problem() -> None:
    # Grafana goes by the uid: a Loki query sent to the Prometheus datasource.
    uids = {"prometheus": "prometheus", "loki": "loki"}
    found = oac307.problem({"type": "loki", "uid": "prometheus"}, uids, {"prometheus", "loki"}, {})
    assert found == oac307.Problem(oac307.OTHER_TYPE, "datasource uid 'prometheus' is declared as a prometheus datasource, not loki", plugin="loki", uid="prometheus")


def test_a_datasource_variable_of_an_undeclared_type_is_a_problem() -> None:
    uids, types = {"prometheus": "prometheus"}, {"prometheus"}
    ds_vars = {"es": "elasticsearch", "ds": "prometheus", "any": ""}
    assert oac307.problem({"uid": "${es}"}, uids, types, ds_vars) == oac307.Problem(
        oac307.UNDECLARED_PLUGIN, "datasource variable $es lists elasticsearch datasources, and none is declared", "es", "elasticsearch"
    )
    assert oac307.problem({"uid": "${ds}"}, uids, types, ds_vars) is None
    assert oac307.problem({"uid": "$any"}, uids, types, ds_vars) is None


_DS_TARGETS = st.lists(st.fixed_dictionaries({}, optional={"datasource": REFS | st.sampled_from([None, "prometheus", 3])}) | st.sampled_from([None, "t"]), max_size=3)
_DS_PANEL = st.fixed_dictionaries({}, optional={"datasource": REFS | st.just("prometheus"), "targets": _DS_TARGETS | st.just({})})
_DS_BOARDS = st.fixed_dictionaries(
    {"panels": st.lists(st.recursive(_DS_PANEL, lambda inner: st.fixed_dictionaries({"type": st.just("row"), "panels": st.lists(inner, max_size=2)}), max_leaves=3), max_size=4)},
    optional={
        "templating": st.just({"list": [{"type": "datasource", "name": "ds", "query": "prometheus"}, {"name": "v", "datasource": {"uid": "$ds"}}]}),
        "annotations": st.fixed_dictionaries({"list": st.lists(st.fixed_dictionaries({"datasource": REFS}), max_size=2)}),
    },
)


@settings(max_examples=300, deadline=None)
@given(
    _DS_BOARDS,
    st.sampled_from([{"prometheus": "prometheus", "loki": "loki"}, {"prometheus": "prometheus", "$ds": "prometheus", 5: "x"}, {"grafana": "grafana"}]),
)
def test_undeclared_datasource_walk_is_refs_and_problem(data: dict[str, Any], uids: dict[Any, str]) -> None:
    board = RenderedDashboard(data, "u", "")
    types = {"prometheus", "loki"}
    plain = {u: t for u, t in uids.items() if isinstance(u, str) and u and "$" not in u and "[[" not in u}
    ds_vars = {str(v.get("name")): str(v.get("query") or "") for v in _dashboards.variables(board) if v.get("type") == "datasource"}
    expected = [(path, m) for path, ref in oac307.refs(board) if (m := oac307.problem(ref, uids, types, ds_vars)) is not None]
    assert list(oac307.problems(board, uids, types, plain)) == expected


def test_undeclared_datasource_walk_examples() -> None:
    uids, types = {"prometheus": "prometheus", "$ds": "prometheus", "[[ds]]": "prometheus"}, {"prometheus"}
    plain = {"prometheus": "prometheus"}  # a variable's uid is never plain: its dashboard decides
    data = {
        "panels": [
            {"datasource": {"uid": "$ds"}, "targets": [{"datasource": {"uid": "[[ds]]", "type": "prometheus"}}, {"datasource": {"uid": "prometheus"}}]},
            {"datasource": {"uid": "prometheus", "type": 3}, "targets": [{"datasource": {"uid": "ghost"}}]},
        ]
    }
    board = RenderedDashboard(data, "u", "")
    assert [path for path, _m in oac307.problems(board, uids, types, plain)] == [
        ("panels", 0, "datasource"),
        ("panels", 0, "targets", 0, "datasource"),
        ("panels", 1, "targets", 0, "datasource"),
    ]
    # A row runs no query, whatever datasource it or its leftover targets name; an
    # annotation's reference is read when it is a dict only (a name, older JSON, or none).
    data = {
        "panels": [{"type": "row", "datasource": {"uid": "ghost"}, "targets": [{"datasource": {"uid": "ghost"}}], "panels": []}],
        "annotations": {"list": [{"datasource": "Prometheus"}, {"name": "none"}, 3, {"datasource": {"uid": "ghost"}}]},
    }
    board = RenderedDashboard(data, "u", "")
    expected = [(("annotations", "list", 3, "datasource"), oac307.Problem(oac307.UNDECLARED_UID, "datasource uid 'ghost' is not declared"))]
    assert list(oac307.problems(board, uids, types, plain)) == expected
    assert [(path, oac307.problem(ref, uids, types, {})) for path, ref in oac307.refs(board)] == expected


_EXPR_TEXT_BEFORE = re.compile(r'"expr": ("[^"\\]*(?:\\.[^"\\]*)*")')


def _may_use_before(data: Any, text: str, defined: set[str]) -> bool:
    for m in _EXPR_TEXT_BEFORE.finditer(text):
        value = m.group(1)
        if ":" in value and recorded_names(json.loads(value)) - defined:
            return True
    return False


EXPR_VALUES = st.lists(st.sampled_from(["job:x:rate5m", "a:b", "sum(", '"', "\\", ":", "x", " ", "é", "\n", "{a=\"b:c\"}", "job:y"]), max_size=8).map("".join)
DATA = st.recursive(
    st.fixed_dictionaries({"expr": EXPR_VALUES}) | st.fixed_dictionaries({"title": EXPR_VALUES}),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["panels", "targets", "expr", "x"]), inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=200, deadline=None)
@given(DATA, st.sampled_from([set(), {"job:x:rate5m"}, {"job:x:rate5m", "job:y"}]))
def test_recording_rule_search_reads_only_exprs_with_a_colon(data: Any, defined: set[str]) -> None:
    before = _may_use_before(data, json.dumps(data, ensure_ascii=False), defined)
    for text in (json.dumps(data, ensure_ascii=False), dump_json(data), scan_text(data)):
        assert oac506._may_use_recording_rule(data, text, defined) == before
    assert oac506._may_use_recording_rule(data, None, defined) == before  # its own compact dump


@given(st.text())
def test_a_json_string_is_read_without_the_decoder_when_it_has_no_escape(value: str) -> None:
    for literal in (json.dumps(value), json.dumps(value, ensure_ascii=False)):
        assert oac506._json_string(literal) == value


_COLON_EXPR = st.sampled_from(["sum(up)", "job:x:rate5m", "a:b", "", "x", '{a="b:c"}', 7, None, {"expr": "y:z"}, ["a:b"]])
_COLON_TARGET = st.fixed_dictionaries({}, optional={"expr": _COLON_EXPR, "x": _COLON_EXPR, 'a"expr': _COLON_EXPR})
_COLON_PANEL = st.recursive(
    st.fixed_dictionaries({}, optional={"targets": st.lists(_COLON_TARGET, max_size=3), "expr": _COLON_EXPR, "title": _COLON_EXPR}),
    lambda inner: st.fixed_dictionaries({"type": st.just("row"), "panels": st.lists(inner, max_size=2)}),
    max_leaves=4,
)
_COLON_BOARDS = st.fixed_dictionaries(
    {"panels": st.lists(_COLON_PANEL, max_size=3)},
    optional={"rows": st.lists(st.fixed_dictionaries({"panels": st.lists(_COLON_PANEL, max_size=2)}), max_size=1), "expr": _COLON_EXPR},
)


@settings(max_examples=300, deadline=None)
@given(_COLON_BOARDS)
def test_colon_free_dashboards_name_no_recording_rule(data: dict[str, Any]) -> None:
    board = RenderedDashboard(data, "u", "")
    if oac506.colon_free(board):
        assert not any(":" in expr for _path, expr in oac506.dashboard_exprs(data))
        assert not oac506._may_use_recording_rule(data, board.text, set())


def test_colon_free_is_not_always_true() -> None:
    def board(data: dict[str, Any]) -> RenderedDashboard:
        return RenderedDashboard(data, "u", "")

    assert oac506.colon_free(board({"panels": [{"targets": [{"expr": "sum(up)"}, {"x": 1}]}]}))
    assert not oac506.colon_free(board({"panels": [{"targets": [{"expr": "job:x:rate5m"}]}]}))
    assert not oac506.colon_free(board({"panels": [{"targets": [{"expr": "up"}]}], "rows": [{"panels": [{"targets": [{"expr": "a:b"}]}]}]}))
    assert not oac506.colon_free(board({"panels": [{"targets": [{"expr": {"expr": "a:b"}}]}]}))
    assert not oac506.colon_free(board({"panels": [{"expr": "a:b", "targets": []}]}))


_NOT_BUILTIN = re.compile(r"\$(?!__|\{__)")  # a "$" that starts neither "$__" nor "${__"


def only_builtins_reference(text: str) -> bool:
    if "[[" not in text and not _NOT_BUILTIN.search(text):
        return True
    return all(map(_dashboards.is_builtin, _dashboards.variable_names(text)))


_VAR_TEXT = st.lists(st.sampled_from(["$", "$__", "${__", "$__rate_interval", "${__range}", "$x", "${x}", "${x:csv}", "[[x]]", "[[", "[", "_", "x", "{", "}", '"', " "]), max_size=8).map("".join)


@settings(max_examples=400, deadline=None)
@given(_VAR_TEXT)
def test_only_builtins_is_the_regex_search(text: str) -> None:
    assert oac306._only_builtins(text) == only_builtins_reference(text) == all(map(_dashboards.is_builtin, _dashboards.variable_names(text)))


_VAR_PANEL = st.fixed_dictionaries(
    {},
    optional={
        "title": _VAR_TEXT,
        "repeat": st.sampled_from(["", "x", "$x", None, 3]),
        "targets": st.lists(st.fixed_dictionaries({"expr": _VAR_TEXT}), max_size=2),
        "panels": st.lists(st.fixed_dictionaries({}, optional={"repeat": st.sampled_from(["", "y"]), "title": _VAR_TEXT}), max_size=2),
    },
)
_VAR_BOARDS = st.fixed_dictionaries(
    {"panels": st.lists(_VAR_PANEL, max_size=3)},
    optional={
        "templating": st.fixed_dictionaries({"list": st.lists(st.fixed_dictionaries({"name": st.sampled_from(["", "x", "y"]), "query": _VAR_TEXT}), max_size=2)}),
        "annotations": st.fixed_dictionaries({"list": st.lists(st.fixed_dictionaries({"expr": _VAR_TEXT}), max_size=1)}),
        "links": st.lists(st.fixed_dictionaries({"url": _VAR_TEXT}), max_size=1),
        "title": _VAR_TEXT,
        "x": st.fixed_dictionaries({"repeat": st.just("x")}),
    },
)


@settings(max_examples=300, deadline=None)
@given(_VAR_BOARDS)
def test_template_variable_clean_dashboards_have_no_findings(data: dict[str, Any]) -> None:
    board = RenderedDashboard(data, "u", "")
    if oac306.clean(board):
        assert list(oac306.findings(board)) == []


def test_template_variable_clean_examples() -> None:
    def board(data: dict[str, Any]) -> RenderedDashboard:
        return RenderedDashboard(data, "u", "")

    assert oac306.clean(board({"panels": [{"targets": [{"expr": "rate(m[$__rate_interval])"}], "repeat": ""}], "x": {"repeat": "y"}}))
    assert not oac306.clean(board({"panels": [{"panels": [{"repeat": "y"}]}]}))
    assert not oac306.clean(board({"panels": [{"title": "${__x} $y"}]}))
    assert not oac306.clean(board({"panels": [], "templating": {"list": [{"name": "x"}]}}))


# --- queries that differ only in values no check reads --------------------------------

MATCHER_TOKENS = [
    *TOKENS, 'a="', 'svc="', 'job="', '__name__="', 'b!="', 'c=~"', ' = "', '$x="', '"p="', '"q~"', "x=", "}",
    '{service="svc-1"}', '{a="x", b!="y y"}', "by (a)", "[$__range]", "offset $o", "$v",
]  # fmt: skip
BLIND_EXPRS = st.lists(st.sampled_from(MATCHER_TOKENS), max_size=20).map("".join)
VALUES = st.text(alphabet=engine._BLIND_VALUE, min_size=1, max_size=6)
JOB_SETS = [frozenset(), frozenset({"svc", "a", "x"}), frozenset({"svc-1", "y y", "v"})]


@settings(max_examples=600, deadline=None)
@given(BLIND_EXPRS, st.lists(VALUES, min_size=1, max_size=6))
def test_queries_alike_but_for_blind_values_share_their_shape(expr: str, values: list[str]) -> None:
    blind = engine.value_blind(expr)
    if blind is None:
        return
    pieces = blind.split("\x00")
    other = pieces[0] + "".join(values[i % len(values)] + piece for i, piece in enumerate(pieces[1:]))
    if engine.value_blind(other) != blind:
        return  # a new value ends with an operator: declined, so never looked up
    for jobs in JOB_SETS:
        assert shape_reference(grafana_reference(other), jobs) == shape_reference(grafana_reference(expr), jobs)


@settings(max_examples=300, deadline=None)
@given(EXPRS)
def test_shape_is_idempotent(expr: str) -> None:
    for jobs in JOB_SETS[:2]:
        once = engine.shape(expr, jobs)
        assert engine.shape(once, jobs) == once


#: Matchers around the label's edges: the names value_blind keeps, names that
#: only start or end like them, runs after a "$" or a digit, spaced operators.
EDGE_TOKENS = [
    *MATCHER_TOKENS, "job", "jobs", "xjob", "__name__x", "_", "é", "$", "9", "!", "=", "!=", " != ", "\u2003", "\x00",
    '"', '"v"', '"a b"', '"a=b"', '"x ="', '"y~ "', '"(p)"', '"{q}"', '"$w"', '"é"', 'x="', "x=\u00a0\"", 'job="j"', '__name__="n"', 'a_b="c"', '_="u"',
]  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(EDGE_TOKENS), max_size=24).map("".join) | EXPRS)
def test_value_blind_is_the_matcher_walk(expr: str) -> None:
    expected = value_blind_reference(expr)
    assert engine.value_blind(expr) == expected
    assert engine.reversed_blind(expr) == (None if expected is None else expected[::-1])  # panel_tree's key


def test_value_blind_walk_examples() -> None:
    for expr in [
        'sum by (x) (rate(m{service="svc-1", job="api", path!="/a b", code=~"5.."}[$__rate_interval]))',
        'm{a="1"} / on(b) n{jobs="2", xjob = "3", __name__x\u2003!=\u00a0"4", 9a="5", $b="6", é="7"}',
        'm{a="p="} + n{b="q"}',
        'm{a="x"} + f("=") + n{c="y"}',
        'm{a="x", b="(y)", c="z"}',
    ]:
        assert engine.value_blind(expr) == value_blind_reference(expr)
    assert engine.value_blind('m{a="x", job="j", b!="y"}') == 'm{a="\x00", job="j", b!="\x00"}'
    assert engine.value_blind('{__name__="m", _="u"}') == '{__name__="m", _="\x00"}'


def test_value_blind_examples() -> None:
    assert engine.value_blind('sum(rate(m{service="svc-0"}[$__rate_interval]))') == 'sum(rate(m{service="\x00"}[$__rate_interval]))'
    assert engine.value_blind('m{job="api", a=~"r", __name__="z", d="", c!="q"}') == 'm{job="api", a=~"r", __name__="z", d="", c!="\x00"}'
    assert engine.value_blind('f("p=") + m{a="c"}') is None  # a value ending with an operator
    assert engine.value_blind('m{$v="c"}') is None  # the label is part of a variable
    assert engine.value_blind("m{a='c'}") is None
    assert engine.value_blind("rate(m[5m])") is None


# --- the PromQL targets listed by the OAC3xx targets walk ------------------------------

_REFS = st.sampled_from(
    [None, {"type": "prometheus", "uid": "p"}, {"type": "loki", "uid": "l"}, {"uid": "${datasource}"}, {"type": "", "uid": "mimir"},
     {"type": "datasource", "uid": "-- Mixed --"}, "Loki", "Prometheus", "$ds", "", 3]
)  # fmt: skip
_TARGETS = st.fixed_dictionaries(
    {"expr": st.sampled_from(["sum(up)", "", "  ", "rate(x[5m])", 7])},
    optional={"datasource": _REFS, "hide": st.sampled_from([True, False, None])},
) | st.sampled_from([None, "text", 1])
_LEAF: st.SearchStrategy[dict[str, Any]] = st.fixed_dictionaries(
    {"title": st.sampled_from(["A", "", None, 3]), "targets": st.lists(_TARGETS, min_size=1, max_size=3) | st.sampled_from([None, {}, "x"])},
    optional={"datasource": _REFS},
)
_PANELS = st.recursive(
    _LEAF, lambda inner: st.fixed_dictionaries({"type": st.just("row"), "panels": st.lists(inner, max_size=3)}), max_leaves=4
)
_BOARDS = st.fixed_dictionaries(
    {"panels": st.lists(_PANELS, min_size=1, max_size=4) | st.lists(_PANELS | st.sampled_from([None, 1]), max_size=3)},
    optional={
        "rows": st.lists(st.fixed_dictionaries({"panels": st.lists(_LEAF, max_size=2)}), max_size=2),
        "templating": st.just({"list": [{"type": "datasource", "name": "ds", "query": "loki"}]}),
    },
)


@settings(max_examples=150, deadline=None)
@given(_BOARDS)
def test_the_targets_walk_lists_what_iter_targets_lists(data: dict[str, Any]) -> None:
    from obs_as_code.lint.files import iter_targets
    from obs_as_code.lint.rules._dashboards import targets

    board = RenderedDashboard(data, "u", "")
    found = targets(board)
    assert board.derived["lint_targets"] == list(iter_targets(data))
    assert [t.language for t in found] == [language_reference(board, t.panel, t.data) for t in found]
    assert [t.expr for t in found] == [t.data["expr"] if isinstance(t.data.get("expr"), str) else "" for t in found]


def language_reference(board: RenderedDashboard, panel: dict[str, Any], target: dict[str, Any]) -> str:
    """A target's query language as the targets walk found it before its shortcut
    for ``{"type": "prometheus"}``."""
    from obs_as_code.lint.rules import _dashboards

    ref = target.get("datasource")
    kind = ref.get("type") if type(ref) is dict else None
    if not isinstance(kind, str) or kind in ("datasource", ""):
        ds_vars = _dashboards.datasource_variables(board)
        kind = _dashboards._datasource_type(ref, ds_vars)
        if kind is None:
            kind = _dashboards._datasource_type(panel.get("datasource"), ds_vars)
        if kind is None:
            kind = "prometheus" if "expr" in target else None
    return {"prometheus": "promql", "loki": "logql"}.get(kind or "", "other")


_BOARD_LEAVES = (
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=6)
    | st.sampled_from(["null", "NaN", "value"])
)  # fmt: skip
_BOARD_DATA = st.recursive(
    _BOARD_LEAVES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["value", "title", "null", "x", "1"]) | st.text(max_size=4), inner, max_size=3),
    max_leaves=12,
)


def _has_none_or_non_finite(value: Any) -> bool:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return True
    if isinstance(value, dict):
        return any(_has_none_or_non_finite(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_none_or_non_finite(v) for v in value)
    return False


@given(st.dictionaries(st.text(max_size=5), _BOARD_DATA, max_size=4))
def test_a_dict_dashboard_is_copied_as_the_json_round_trip_copies_it(source: dict[str, Any]) -> None:
    """render.source_json's orjson copy, when it takes one, equals the json round
    trip it stands for; None, NaN and infinities always go the json way."""
    from obs_as_code.dashboards import render

    fast = render._plain_copy(source)
    if fast is not None:
        assert fast == render._decode(json.dumps(source))
    if _has_none_or_non_finite(source):
        assert fast is None


def test_dict_dashboards_with_nulls_or_other_keys_take_the_json_way() -> None:
    from obs_as_code.dashboards import render

    assert render._plain_copy({"a": None}) is None
    assert render._plain_copy({"a": float("nan")}) is None
    assert render._plain_copy({1: "a"}) is None  # json writes the key as "1"
    assert render._plain_copy({"a": [2**65]}) is None
    assert render._plain_copy({"title": "T", "panels": [{"id": 1, "gridPos": {"h": 8}}]}) == {"title": "T", "panels": [{"id": 1, "gridPos": {"h": 8}}]}
