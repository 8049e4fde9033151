"""OAC319: a multi-value (or include-All) variable compared with ``=``, ``!=`` or
``<>`` in the SQL of a PostgreSQL, MySQL or SQL Server target. Grafana's SQL
datasources write it as a list of quoted literals (``'a','b'``; one value as
``'a'``), which only ``IN (...)`` takes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from dash_support import DATASOURCES, assert_golden
from hypothesis import given
from hypothesis import strategies as st

from obs_as_code.lint.rules.oac319_sql_multi_value_equality import comparisons
from obs_as_code.pipeline import Compiled

SQL_DATASOURCES = DATASOURCES + 'pg = Datasource("Orders DB", "postgres", "db:5432", uid="pg")\n'

PG = '{"type": "postgres", "uid": "pg"}'


def _board(sql: list[str], variables: str, *, repeat: str = "") -> str:
    targets = ",\n".join(
        f'             {{"refId": "{chr(65 + i)}", "datasource": PG, "rawSql": {s!r}}}' for i, s in enumerate(sql)
    )
    return f'''PG = {PG}
board = {{
    "title": "Orders",
    "schemaVersion": 41,
    "templating": {{"list": [{variables}]}},
    "panels": [
        {{"type": "table", "title": "Orders", "id": 1, "gridPos": {{"h": 8, "w": 12, "x": 0, "y": 0}},
         "datasource": PG,{f' "repeat": "{repeat}",' if repeat else ""}
         "targets": [
{targets},
         ]}},
    ],
}}
'''


MULTI = '{"name": "region", "type": "query", "datasource": PG, "query": "SELECT region FROM r", "multi": True, "includeAll": True}'
ALL_ONLY = '{"name": "region", "type": "query", "datasource": PG, "query": "SELECT region FROM r", "includeAll": True}'
ALL_CUSTOM = (
    '{"name": "region", "type": "query", "datasource": PG, "query": "SELECT region FROM r", "includeAll": True, "allValue": "all"}'
)
SINGLE = '{"name": "region", "type": "query", "datasource": PG, "query": "SELECT region FROM r"}'


def _findings(compiled: Compiled) -> list[str]:
    return [str(d) + (f"\n    hint: {d.hint}" if d.hint else "") for d in compiled.diagnostics if d.code == "OAC319"]


def _run(project: Callable[..., Compiled], source: str) -> list[str]:
    compiled = project({"datasources/main.py": SQL_DATASOURCES, "dashboards/sql.py": source})
    assert [d for d in compiled.diagnostics if d.code == "OAC307"] == []
    return _findings(compiled)


def test_equality_with_a_multi_value_variable_is_reported_at_the_target(project: Callable[..., Compiled]) -> None:
    source = _board(
        [
            "SELECT count(*) FROM orders WHERE region = '$region'",
            "SELECT count(*) FROM orders WHERE region <> $region",
            "SELECT count(*) FROM orders WHERE region IN ($region)",
        ],
        MULTI,
    )
    found = _run(project, source)
    assert len(found) == 2, found
    lines = source.splitlines()
    # Each at its own target's line and column, in the user's module.
    for text, needle in zip(found, ["region = '$region'", "region <> $region"], strict=True):
        line = next(n for n, s in enumerate(lines, 1) if needle in s)
        assert text.startswith(f"dashboards/sql.py:{line}:{lines[line - 1].index('{') + 1}: OAC319 "), text
    assert_golden("lint/OAC319.txt", "\n".join(found) + "\n")


@pytest.mark.parametrize(
    ("variable", "sql", "reported"),
    [
        # A single-value variable is written as it is: = is right.
        (SINGLE, "SELECT 1 FROM t WHERE region = '$region'", False),
        (SINGLE, "SELECT 1 FROM t WHERE region = $region", False),
        # includeAll alone: All is every value, a list; one value is quoted.
        (ALL_ONLY, "SELECT 1 FROM t WHERE region = $region", True),
        (ALL_ONLY, "SELECT 1 FROM t WHERE region = '$region'", True),
        # includeAll with a custom All value, not multi: one value, or the custom text.
        (ALL_CUSTOM, "SELECT 1 FROM t WHERE region = $region", False),
        # ... but quoted, its one value is quoted a second time.
        (ALL_CUSTOM, "SELECT 1 FROM t WHERE region = '$region'", True),
        (MULTI, "SELECT 1 FROM t WHERE region IN ($region) AND x <= $region", False),
        (MULTI, "SELECT 1 FROM t -- WHERE region = $region\nWHERE 'region = $region' = label", False),
        (MULTI, "SELECT 1 FROM t WHERE ${region:csv} != region", True),
        (MULTI, "SELECT 1 FROM t WHERE [[region]] = region", True),
        # Quoted in an IN list: Grafana quotes each value already, IN (''a','b'').
        (MULTI, "SELECT 1 FROM t WHERE region IN ('$region')", True),
        (MULTI, "SELECT 1 FROM t WHERE region NOT IN ('${region}')", True),
        (MULTI, "SELECT 1 FROM t WHERE region in ('eu', '[[region]]')", True),
        (ALL_CUSTOM, "SELECT 1 FROM t WHERE region IN ('$region')", True),
        (SINGLE, "SELECT 1 FROM t WHERE region IN ('$region')", False),
        (MULTI, "SELECT 1 FROM t WHERE region IN ($region, 'eu') AND note IN ('$region is here')", False),
    ],
)
def test_which_comparisons_are_reported(variable: str, sql: str, reported: bool, project: Callable[..., Compiled]) -> None:
    found = _run(project, _board([sql], variable))
    assert len(found) == int(reported), found


def test_a_panel_repeated_by_the_variable_holds_one_value(project: Callable[..., Compiled]) -> None:
    bare = _board(["SELECT 1 FROM t WHERE region = $region"], MULTI, repeat="region")
    assert _run(project, bare) == []
    # Quoted, the copy's one value is quoted twice (''eu''): still reported.
    quoted = _board(["SELECT 1 FROM t WHERE region = '$region'"], MULTI, repeat="region")
    assert len(_run(project, quoted)) == 1


def test_prometheus_targets_are_not_read_as_sql(project: Callable[..., Compiled]) -> None:
    source = _board(["SELECT 1 FROM t WHERE region = $region"], MULTI).replace(
        '"datasource": PG, "rawSql"', '"datasource": {"type": "prometheus", "uid": "prometheus"}, "rawSql"'
    )
    assert _run(project, source) == []


def test_a_dashboard_file_is_reported_at_its_json_line(tmp_path: Path) -> None:
    from obs_as_code.lint.api import lint
    from tests.dashboards.dash_support import write_project

    write_project(tmp_path, {"datasources/main.py": SQL_DATASOURCES})
    pg = {"type": "postgres", "uid": "pg"}
    board = {
        "title": "Orders",
        "uid": "orders",
        "schemaVersion": 41,
        "templating": {"list": [{"name": "region", "type": "custom", "query": "eu,us", "multi": True}]},
        "panels": [
            {"type": "table", "title": "Orders", "id": 1, "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0}, "datasource": pg,
             "targets": [{"refId": "A", "datasource": pg, "rawSql": "SELECT 1 FROM t WHERE region = $region"}]},
        ],
    }
    path = tmp_path / "orders.json"
    text = json.dumps(board, indent=2)
    path.write_text(text, encoding="utf-8")
    found = [d for d in lint(tmp_path, [path], select=["OAC319"])]
    assert len(found) == 1, found
    lines = text.splitlines()
    line = next(n for n, s in enumerate(lines, 1) if '"refId": "A"' in s) - 1  # the target's "{"
    assert (found[0].location.line, found[0].location.col) == (line, lines[line - 1].index("{") + 1)


# Property: the comparisons found are those written, whatever the column, the
# operator, the spacing and the quoting; IN lists and other operators are never
# found.
_names = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
_space = st.sampled_from(["", " ", "  ", "\n", "\t"])


@given(column=_names, name=_names, op=st.sampled_from(["=", "!=", "<>"]), quote=st.sampled_from(["", "'", '"']),
       form=st.sampled_from(["${}", "${{{}}}", "[[{}]]", "${{{}:csv}}"]), left=_space, right=_space,
       flip=st.booleans())
def test_comparisons_property(column: str, name: str, op: str, quote: str, form: str, left: str, right: str, flip: bool) -> None:
    ref = quote + form.format(name) + quote
    comparison = f"{ref}{left}{op}{right}{column}" if flip else f"{column}{left}{op}{right}{ref}"
    sql = f"SELECT a FROM t WHERE b IN (${name}) AND {comparison} AND c >= ${name}"
    found = comparisons(sql)
    assert [(c.name, c.op, c.quoted) for c in found] == [(name, op, bool(quote))]
    assert found[0].text == comparison
    assert sql[found[0].span[0]:found[0].span[1]] == comparison


@given(name=_names, op=st.sampled_from(["=", "!=", "<>", "<=", ">=", "<", ">"]), body=st.text(alphabet="ab =$'", max_size=12))
def test_nothing_is_found_inside_comments_or_other_strings(name: str, op: str, body: str) -> None:
    inner = body.replace("'", "")
    sql = f"SELECT '{inner} x {op} ${name}' AS s /* x {op} ${name} */ FROM t -- x {op} ${name}\nWHERE x <= ${name}"
    assert comparisons(sql) == []


def test_the_sql_of_a_query_variable_is_read_too(project: Callable[..., Compiled]) -> None:
    host = '{"name": "host", "type": "query", "datasource": PG, "query": "SELECT host FROM hosts WHERE region = $region AND host <> $host"}'
    source = _board(["SELECT 1 FROM t WHERE region IN ($region)"], f"{MULTI}, {host}")
    found = _run(project, source)
    line = next(n for n, s in enumerate(source.splitlines(), 1) if '"name": "host"' in s)
    # $region only: a variable's own name in its query is not its value.
    assert len(found) == 1, found
    assert found[0].startswith(f"dashboards/sql.py:{line}:"), found
    assert "the query of variable $host of dashboard 'Orders' compares it with =" in found[0], found
    assert "IN ($region)" in found[0]
    # The editor's {"rawSql": ...} form.
    editor = host.replace('"query": "SELECT', '"query": {"refId": "A", "rawSql": "SELECT').replace('$host"}', '$host"}}')
    assert len(_run(project, _board(["SELECT 1"], f"{MULTI}, {editor}"))) == 1
    # A Prometheus variable's query is no SQL.
    prom = host.replace('"datasource": PG', '"datasource": {"type": "prometheus", "uid": "prometheus"}')
    assert _run(project, _board(["SELECT 1"], f"{MULTI}, {prom}")) == []


def test_a_variable_quoted_in_an_in_list_is_reported_with_its_list() -> None:
    [c] = comparisons("SELECT 1 FROM t WHERE f(region) NOT IN ('eu', '${region}') AND x IN ($region)")
    assert (c.name, c.op, c.quoted, c.text) == ("region", "NOT IN", True, "NOT IN ('eu', '${region}')")


CH_DATASOURCES = SQL_DATASOURCES + (
    'ch = Datasource("Events", "grafana-clickhouse-datasource", "clickhouse:8123", uid="ch")\n'
    'alt = Datasource("Events (Altinity)", "vertamedia-clickhouse-datasource", "http://clickhouse:8123", uid="alt")\n'
)
CH = '{"type": "grafana-clickhouse-datasource", "uid": "ch"}'
ALT = '{"type": "vertamedia-clickhouse-datasource", "uid": "alt"}'


def _run_ch(project: Callable[..., Compiled], sql: str, variable: str, *, ds: str = CH, key: str = "rawSql", repeat: str = "") -> list[str]:
    source = _board([sql], variable, repeat=repeat).replace(f"PG = {PG}", f"PG = {ds}")
    if key != "rawSql":
        source = source.replace('"rawSql":', f'"{key}":')
    compiled = project({"datasources/main.py": CH_DATASOURCES, "dashboards/sql.py": source})
    assert [d for d in compiled.diagnostics if d.code == "OAC307"] == []
    return _findings(compiled)


@pytest.mark.parametrize(
    ("variable", "sql", "repeat", "reported"),
    [
        # Grafana's ClickHouse plugin quotes a list ('a','b') and writes one value
        # as it is (a): bare = breaks with a list, as in the SQL datasources ...
        (MULTI, "SELECT 1 FROM t WHERE region = $region", "", True),
        (ALL_ONLY, "SELECT 1 FROM t WHERE region = $region", "", True),
        (ALL_CUSTOM, "SELECT 1 FROM t WHERE region = $region", "", False),
        # ... and so does a quoted one, ''a','b'' ...
        (MULTI, "SELECT 1 FROM t WHERE region = '$region'", "", True),
        (MULTI, "SELECT 1 FROM t WHERE region IN ('$region')", "", True),
        (ALL_ONLY, "SELECT 1 FROM t WHERE region IN ('${region}')", "", True),
        # ... but one value is not quoted: quoted by hand, 'a' is right (a custom
        # All value, or the one value of a panel repeated by the variable).
        (ALL_CUSTOM, "SELECT 1 FROM t WHERE region = '$region'", "", False),
        (MULTI, "SELECT 1 FROM t WHERE region = '$region'", "region", False),
        (MULTI, "SELECT 1 FROM t WHERE region IN ($region)", "", False),
        (SINGLE, "SELECT 1 FROM t WHERE region = '$region'", "", False),
        # $__conditionalAll(condition, $v) is 1=1 for All: an include-All
        # variable (not multi) holds one value in the condition ...
        (ALL_ONLY, "SELECT 1 FROM t WHERE $__conditionalAll(region = '$region', $region)", "", False),
        (ALL_ONLY, "SELECT 1 FROM t WHERE $__conditionalAll(region = $region, ${region})", "", False),
        (ALL_ONLY, "SELECT 1 FROM t WHERE $__conditionalAll(zone = 'a', $zone) AND region = '$region'", "", True),
        # ... a multi-value one may still hold two.
        (MULTI, "SELECT 1 FROM t WHERE $__conditionalAll(region = '$region', $region)", "", True),
    ],
)
def test_grafana_clickhouse_targets(variable: str, sql: str, repeat: str, reported: bool, project: Callable[..., Compiled]) -> None:
    found = _run_ch(project, sql, variable, repeat=repeat)
    assert len(found) == int(reported), found
    if reported and "'$" in sql:
        assert "quoted list ('a','b')" in found[0], found


def test_altinity_clickhouse_targets_quote_each_value(project: Callable[..., Compiled]) -> None:
    # Altinity's plugin (vertamedia-clickhouse-datasource) keeps the SQL in
    # "query" and quotes each value of a multi-value variable, one value too.
    found = _run_ch(project, "SELECT 1 FROM t WHERE region = '$region' AND zone IN ('$region')", ALL_CUSTOM, ds=ALT, key="query")
    assert len(found) == 2 and "''a''" in found[0], found
    assert _run_ch(project, "SELECT 1 FROM t WHERE region IN ($region)", MULTI, ds=ALT, key="query") == []


@pytest.mark.parametrize(
    ("sql", "said"),
    [
        # A format replaces the datasource's quoting: quoted, csv gives valid SQL
        # that compares with one string.
        ("SELECT 1 FROM t WHERE region IN ('${region:csv}')", "writes ${region:csv} of two values as a,b, so region IN ('${region:csv}') matches the one string 'a,b'"),
        ("SELECT 1 FROM t WHERE region = '${region:raw}'", "so region = '${region:raw}' matches the one string 'a,b'"),
        ("SELECT 1 FROM t WHERE region = ${region:csv}", "so region = ${region:csv} is sent with a,b in its place"),
        ("SELECT 1 FROM t WHERE region = '${region:singlequote}'", "so region = '${region:singlequote}' is sent with ''a','b'' in its place"),
        # Without a format, the datasource's own quoting.
        ("SELECT 1 FROM t WHERE region IN ('$region')", "writes each value quoted ('a')"),
    ],
)
def test_the_message_says_what_grafana_writes_for_the_format(sql: str, said: str, project: Callable[..., Compiled]) -> None:
    found = _run(project, _board([sql], MULTI))
    assert len(found) == 1, found
    assert said in found[0], found[0]
