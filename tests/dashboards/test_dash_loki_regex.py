"""OAC320: the regexes of a Loki query read where LogQL puts them (matchers and
label filters anchored, line filters and the regexp stage as written), each
compiled with Go's regexp."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from obs_as_code.lint.rules.oac320_loki_regex import regex_problems
from obs_as_code.pipeline import Compiled

HEAD = "from obs_as_code.dashboards import kit as k\n\n"


@pytest.mark.parametrize(
    ("expr", "found"),
    [
        # A matcher is compiled as ^(?:value)$ and parsed alone (Prometheus's
        # FastRegexMatcher, which Loki vendors): "a)|(b" is ^(?:a)|(b)$ anchored,
        # which Go takes, and refused alone.
        ('{job=~"a)|(b"}', ['error parsing regexp in job=~"a)|(b": unexpected ): `a)|(b`']),
        ('{job="x"} |~ "a)|(b"', ['error parsing regexp in the line filter |~ "a)|(b": unexpected ): `a)|(b`']),
        ('{job="x"} != "a" !~ "x**"', ['error parsing regexp in the line filter !~ "x**": invalid nested repetition operator: `**`']),
        ('{job="x"} | logfmt | level !~ "(?i)warn|error" | regexp `(?P<ms>\\d+)`', []),
        # Strings elsewhere are skipped whole, regexes in them too.
        ('{job="x"} |= "|~ \\"(\\"" | line_format "{{.msg}} =~ \\"(\\""', []),
        ('{job="x"} |~ "\\\\d+" |~ `\\d+`', []),
        ('{job="x"} |~ "\\d+"', ['the line filter |~ "\\d+": Loki cannot read the string: in double quotes a backslash '
                                'starts a Go escape, and \\d or \\. is none']),
        ('{job=~"$job"} |~ "(?<x>${pattern})"', []),
        ('sum by (job) (count_over_time({job=~"api|web"} | regexp "(?P<x>a)(b)" [5m]))', []),
    ],
)
def test_regexes_are_read_where_logql_puts_them(expr: str, found: list[str]) -> None:
    assert list(regex_problems(expr)) == found


def test_a_loki_variable_stream_is_read_at_the_variable(project: Callable[..., Compiled]) -> None:
    compiled = project({"dashboards/case.py": HEAD + """board = k.dashboard("Logs", [
    k.logs("Logs", k.loki('{job=~"$service"}')),
], variables=[k.query_var("service", 'label_values({job=~"(?<x>api)"}, job)', datasource=k.ds("loki", "loki"))])
"""})
    found = [(d.location.line, d.message) for d in compiled.diagnostics if d.code == "OAC320"]
    assert found == [(5, "Loki refuses the query of variable $service of dashboard 'Logs': error parsing regexp in "
                         'job=~"(?<x>api)": invalid or unsupported Perl syntax: `(?<`')]


def test_an_annotation_on_loki_is_read(tmp_path: Path) -> None:
    # The Loki queries are found in one place (lint.rules._loki): annotations too.
    from obs_as_code.lint.api import lint
    from tests.dashboards.dash_support import DATASOURCES, write_project

    write_project(tmp_path, {"datasources/main.py": DATASOURCES})
    loki = {"type": "loki", "uid": "loki"}
    board = {
        "title": "Deploys", "uid": "deploys", "schemaVersion": 41,
        "annotations": {"list": [{"name": "Deploys", "datasource": loki, "enable": True, "expr": '{job=~"(?<x>ci)"}'}]},
    }
    path = tmp_path / "deploys.json"
    path.write_text(json.dumps(board, indent=2), encoding="utf-8")
    found = [d.message for d in lint(tmp_path, [path], select=["OAC320"])]
    assert found == ["Loki refuses the query of annotation 'Deploys' of dashboard 'Deploys': error parsing regexp in "
                     'job=~"(?<x>ci)": invalid or unsupported Perl syntax: `(?<`']
