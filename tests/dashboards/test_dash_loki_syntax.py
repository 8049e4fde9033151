"""OAC321: a Loki query Loki 2.9 cannot parse, reported at the target, the
variable or the annotation holding it; Grafana variables outside strings leave
a query unknown (skipped) but for the interval ones; a query OAC320 reports is
not reported twice."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from obs_as_code.lint.rules.oac321_loki_query_syntax import prepared, query_problem
from obs_as_code.pipeline import Compiled

HEAD = "from obs_as_code.dashboards import kit as k\n\n"


def _found(compiled: Compiled, code: str = "OAC321") -> list[tuple[int, str]]:
    return [(d.location.line, d.message) for d in compiled.diagnostics if d.code == code]


@pytest.mark.parametrize(
    ("expr", "said"),
    [
        ('{app="x"} |= ', "unexpected end of the query, expecting a string or ip(...) (at column 14 of the query: its end)"),
        ('{app="x"} | json | status >= "5"', 'at column 30 of the query: `"5"`'),
        ('{app="x"}\n  | json\n  | status >= "5"', 'at line 3, column 15 of the query: `"5"`'),
        # Offsets after an interval variable are the user's, not the prepared text's.
        ('rate({app="x"}[$__interval] | json | a > "1")', 'at column 42 of the query: `"1")`'),
        ('{app=~".*"}', "at least one regexp or equality matcher"),
        ('{app="x"} |= ip("192.168.0.0/33")', 'ip: invalid pattern: "192.168.0.0/33" (at column 18 of the query: `192.168.0.0/33")`)'),
        ('{app="x"} | logfmt | addr != ip("10.0.0.9-10.0.0.1")', 'ip: invalid pattern: "10.0.0.9-10.0.0.1" (at column 34'),
        ('{app="x"} |~ ip("10.0.0.1")', "ip: invalid operation (at column 11 of the query: `|~"),
    ],
)
def test_the_problem_says_where_loki_stops(expr: str, said: str) -> None:
    found = query_problem(expr)
    assert found is not None and said in found[0], found


@pytest.mark.parametrize(
    "expr",
    [
        'sum by ($label) (rate({app="x"}[5m])',  # a label list Grafana writes: unknown
        'topk($k, rate({app="x"}[5m]))',
        'rate({app="x"}[$window]',
        'rate({app="x"} | json | a > [[min]]',
        "",
        "   ",
        '{job="api"} |~ "(?<x>a)"',  # a regex Go refuses: OAC320's
        '{job="api"} | regexp "(\\d+)"',  # an unreadable regex string: OAC320's
    ],
)
def test_unknown_queries_and_oac320_findings_are_left_alone(expr: str) -> None:
    assert query_problem(expr) is None


def test_interval_variables_are_read_as_durations() -> None:
    assert prepared('rate({a="b"}[$__auto]) / ${__range_s}') == ('rate({a="b"}[1m]) / 60', [(13, 13, 20, 2), (20, 25, 37, 2)])
    assert prepared('{a="$x"} |= "${y:regex}"') == ('{a="$x"} |= "${y:regex}"', [])
    assert query_problem('sum(rate({a="b"}[$__interval])) by (x) / sum(rate({a="b"}[${__rate_interval}]))') is None


def test_panels_variables_and_annotations_are_read(project: Callable[..., Compiled]) -> None:
    compiled = project({"dashboards/case.py": HEAD + """board = k.dashboard("Logs", [
    k.logs("Logs", k.loki('{job="api"} | json | status >= "500"')),
    k.logs("Fine", k.loki('{job="api"} | json | status >= 500')),
    k.logs("Same", k.loki('{job="api"} | json | status >= "500"')),
], variables=[k.query_var("pod", 'label_values({job="api",}, pod)', datasource=k.ds("loki", "loki"))])
"""})
    found = _found(compiled)
    said = ': unexpected string "500", expecting a number, a duration or a size (a string compares with = != =~ !~ only)'
    assert found == [
        (4, "Loki cannot parse the query of panel 'Logs' of dashboard 'Logs'" + said + ' (at column 32 of the query: `"500"`)'),
        (6, "Loki cannot parse the query of panel 'Same' of dashboard 'Logs'" + said + ' (at column 32 of the query: `"500"`)'),
        (7, "Loki cannot parse the query of variable $pod of dashboard 'Logs': unexpected '}', expecting a label name "
            "(at column 12 of the query: `}`)"),
    ]


def test_a_dashboard_file_with_a_loki_annotation(tmp_path: Path) -> None:
    from obs_as_code.lint.api import lint
    from tests.dashboards.dash_support import DATASOURCES, write_project

    write_project(tmp_path, {"datasources/main.py": DATASOURCES})
    loki = {"type": "loki", "uid": "loki"}
    board = {
        "title": "Deploys",
        "uid": "deploys",
        "schemaVersion": 41,
        "annotations": {"list": [
            {"name": "Grafana", "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True},
            {"name": "Deploys", "datasource": loki, "enable": True, "expr": 'sum(count_over_time({job="ci"}[5m])'},
            {"name": "Off", "datasource": loki, "enable": False, "expr": "{job="},
            {"name": "New", "datasource": loki, "enable": True, "target": {"refId": "Anno", "expr": '{job="ci"} |= '}},
        ]},
        "panels": [
            {"type": "logs", "title": "Logs", "id": 1, "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0}, "datasource": loki,
             "targets": [{"refId": "A", "datasource": loki, "expr": 'rate({job="ci"}[5m]) by (x)'},
                         {"refId": "B", "datasource": loki, "expr": '{job="ci"} |=', "hide": True}]},
        ],
    }
    path = tmp_path / "deploys.json"
    text = json.dumps(board, indent=2)
    path.write_text(text, encoding="utf-8")
    diagnostics = sorted(lint(tmp_path, [path], select=["OAC321"]), key=lambda d: d.location.line)
    found = [(d.location.line, d.message) for d in diagnostics]
    lines = text.splitlines()

    def line_of(needle: str) -> int:
        return next(n for n, s in enumerate(lines, 1) if needle in s)

    assert [m.split(":")[0] for _, m in found] == [
        "Loki cannot parse the query of annotation 'Deploys' of dashboard 'Deploys'",
        "Loki cannot parse the query of annotation 'New' of dashboard 'Deploys'",
        "Loki cannot parse the query of panel 'Logs' of dashboard 'Deploys'",
    ]
    assert "grouping not allowed for rate aggregation" in found[2][1]
    # Each at its query, where Loki stops reading it: the end of the query (the
    # column of its closing quote), the end of "|= ", the rate() that takes no "by".
    deploys, new, logs = (line_of(needle) for needle in ('"expr": "sum(', '"expr": "{job=\\"ci\\"} |= ', '"expr": "rate('))
    assert [(d.location.line, d.location.col) for d in diagnostics] == [
        (deploys, lines[deploys - 1].rindex('"') + 1),
        (new, lines[new - 1].rindex('"') + 1),
        (logs, lines[logs - 1].index("rate(") + 1),
    ]


def test_a_panel_query_is_reported_where_loki_stops_in_the_user_s_file(project: Callable[..., Compiled]) -> None:
    source = HEAD + '''JOB = "api"
board = k.dashboard("Logs", [
    k.logs("Multi", k.loki("""{job="api"}
    | json
    | status >= "500"
""")),
    k.logs("Built", k.loki(f'{{job="{JOB}"}} | json | status >= "500"')),
])
'''
    compiled = project({"dashboards/case.py": source})
    lines = source.splitlines()
    at = [(d.location.line, d.location.col) for d in compiled.diagnostics if d.code == "OAC321"]
    # In the triple-quoted string: the line and column of "500" in the file. A query
    # an f-string built is not in the file as such: its k.loki call.
    assert at == [(7, lines[6].index('"500"') + 1), (9, lines[8].index("k.loki") + 1)]


@pytest.mark.parametrize(
    "expr",
    [
        '{app="x"} |= ip("192.168.0.0/16")',
        '{app="x"} != ip("2001:db8::1")',
        '{app="x"} |= ip("192.168.0.1-192.168.0.20")',
        '{app="x"} | logfmt | addr = ip("$subnet")',  # Grafana's to write
        '{app="x"} |= ip("${net}")',
        '{app="x"} |= ip("10.0.0.0/08")',  # Go releases disagree
    ],
)
def test_ip_patterns_loki_takes_or_cannot_be_judged(expr: str) -> None:
    assert query_problem(expr) is None


def test_an_ip_problem_says_what_ip_takes() -> None:
    found = query_problem('{app="x"} |= ip("192.168.0.*")')
    assert found is not None
    message, hint, offset = found
    assert message.startswith('ip: invalid pattern: "192.168.0.*"') and offset == 17
    assert hint.startswith("ip() takes an address")
    # Loki 3 reads an ip() in an or chain as plain text: nothing to judge.
    assert query_problem('{app="x"} |= "a" or ip("192.168.0.*")', (3, 7)) is None
    assert query_problem('{app="x"} |= ip("192.168.0.*")', (3, 7)) is not None
