"""OAC221: a query variable reading a metric no catalog lists (an empty dropdown)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from obs_as_code.cli import cli
from obs_as_code.incremental import compile_incremental
from obs_as_code.pipeline import Compiled, compile_project

CATALOG = '''
from obs_as_code import Metric, MetricsCatalog
catalog = MetricsCatalog(metrics=[Metric("indexer_requests_total", "counter", ["method", "status"], jobs=["code-indexer"])])
'''
DATASOURCES = '''
from obs_as_code import Datasource
prometheus = Datasource("Prometheus", "prometheus", "http://prometheus:9090", uid="prometheus", is_default=True)
'''
RECORDS = '''
from obs_as_code import RecordingRule, RuleGroup
records = RuleGroup(name="r", rules=[RecordingRule(name="job:indexer_requests:rate5m", expr="sum by (job, method) (rate(indexer_requests_total[5m]))")])
'''
BOARD = '''
from obs_as_code.dashboards import kit as k

board = k.dashboard(
    "Code indexer",
    [k.timeseries("Requests", k.prom(k.rate("indexer_requests_total", 'method=~"$method"', by=["status"]), "{{status}}"), unit=k.REQPS)],
    variables=[
        k.datasource_var(),
        k.query_var("method", QUERY, multi=True, include_all=True),
    ],
)
'''


def _project(root: Path, query: str, catalog: bool = True) -> Path:
    files = {
        "datasources/main.py": DATASOURCES,
        "alerts/records.py": RECORDS,
        "dashboards/indexer.py": BOARD.replace("QUERY", repr(query)),
        **({"catalog/main.py": CATALOG} if catalog else {}),
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def _found(compiled: Compiled) -> list[str]:
    return [str(d).splitlines()[0] for d in compiled.diagnostics if d.code == "OAC221"]


@pytest.mark.parametrize(
    ("query", "reported"),
    [
        # A misspelt metric: valid PromQL, an empty dropdown. Nothing reported it.
        ('label_values(indexer_request_total{job="code-indexer"}, method)', "indexer_request_total"),
        ("query_result(sum by (method) (rate(indexer_request_total[5m])))", "indexer_request_total"),
        ('indexer_request_total{job="code-indexer"}', "indexer_request_total"),
        ('label_values(indexer_requests_total{job="code-indexer"}, method)', None),
        ("label_values(job:indexer_requests:rate5m, method)", None),  # recorded by a rule
        ("label_values(method)", None),  # no selector: every series
        ('label_values({__name__=~"$metric"}, method)', None),
    ],
)
def test_a_query_variable_over_an_unknown_metric(tmp_path: Path, query: str, reported: str | None) -> None:
    root = _project(tmp_path, query)
    found = _found(compile_project(root))
    if reported is None:
        assert found == []
        return
    assert found == [
        f"dashboards/indexer.py:8:9: OAC221 unknown metric {reported} in the query of variable $method of dashboard "
        "'Code indexer': no catalog lists it and no rule records it, so the variable has no values"
    ]
    [diag] = [d for d in compile_project(root).diagnostics if d.code == "OAC221"]
    assert diag.hint == "did you mean indexer_requests_total?"


def test_without_a_catalog_nothing_is_unknown(tmp_path: Path) -> None:
    assert _found(compile_project(_project(tmp_path, "label_values(nothing_total, method)", catalog=False))) == []


def test_the_incremental_build_and_lint_find_the_same(tmp_path: Path) -> None:
    root = _project(tmp_path, 'label_values(indexer_request_total{job="code-indexer"}, method)')
    clean = _found(compile_project(root))
    assert len(clean) == 1
    assert _found(compile_incremental(root, None, 1)) == clean
    assert _found(compile_incremental(root, None, 1)) == clean  # from the cache
    built = CliRunner().invoke(cli, ["build", "-C", str(root)])
    assert built.exit_code == 1 and "OAC221" in built.output and not (root / "build").exists()
    linted = CliRunner().invoke(cli, ["lint", "-C", str(root)])
    assert linted.exit_code == 1 and clean[0] in linted.output
    # Fixed: the cached finding goes.
    board = root / "dashboards" / "indexer.py"
    board.write_text(board.read_text().replace("indexer_request_total", "indexer_requests_total"), encoding="utf-8")
    assert _found(compile_incremental(root, None, 1)) == []
