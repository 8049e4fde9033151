"""Rows as Grafana (scenes' ``createSceneObjectsForPanels``) lays them out.

A collapsed row holds its nested ``panels`` (queried once a user expands it: the
check runs them all the same and says which they were); the top-level panels
after a collapsed row are outside any row (not repeated with it); the panels
nested in an expanded row are dropped by Grafana. Seen failing before: the
panels after a collapsed repeated row were repeated with it and titled with
its row, the nested panels of an expanded row were checked, nothing said a
panel sat in a collapsed row.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from obs_as_code.e2e import panel_data as pd
from obs_as_code.e2e.panel_data import TimeRange

DATASOURCES = [pd.Datasource("Prometheus", "prometheus", "prometheus", is_default=True, time_interval="15s")]


def _panel(title: str) -> dict[str, Any]:
    return {"type": "timeseries", "title": title, "gridPos": {"w": 12},
            "targets": [{"refId": "A", "expr": f'{title.lower().replace(" ", "_")}{{env="$env"}}'}]}


DASHBOARD = {
    "title": "rows",
    "templating": {"list": [{"type": "custom", "name": "env", "query": "prod,stg", "includeAll": True,
                             "current": {"value": "$__all"}}]},
    "panels": [
        _panel("Top"),
        # Collapsed and repeated: two collapsed copies, each with its own env.
        {"type": "row", "title": "Per env", "collapsed": True, "repeat": "env", "panels": [_panel("In env")]},
        # After a collapsed row: outside any row, shown once.
        _panel("After collapsed"),
        # Expanded: the nested panel is never shown, the following one is the row's.
        {"type": "row", "title": "Open", "collapsed": False, "panels": [_panel("Stale nested")]},
        _panel("In open"),
    ],
}


class Recorder(pd.PrometheusClient):
    """Every range query returns one series."""

    def __init__(self) -> None:
        super().__init__("http://127.0.0.1:1")
        self.exprs: list[str] = []

    def query_range(self, expr: str, start: float, end: float, step_ms: int) -> list[dict[str, Any]]:
        self.exprs.append(expr)
        return [{"metric": {}, "values": [[start, "1"]]}]


def _check(tmp_path: Path) -> tuple[pd.PanelDataReport, Recorder]:
    path = tmp_path / "rows.json"
    path.write_text(json.dumps(DASHBOARD), encoding="utf-8")
    client = Recorder()
    report = pd.check_dashboard(path, client, name="rows.json", datasources=DATASOURCES, time_range=TimeRange(0, 3600))
    return report, client


def test_rows_hold_the_panels_grafana_puts_in_them(tmp_path: Path) -> None:
    report, client = _check(tmp_path)
    assert [(r.row, r.panel, r.expr, r.collapsed) for r in report.results] == [
        ("", "Top", 'top{env="(prod|stg)"}', False),
        ("Per env (env=prod)", "In env", 'in_env{env="prod"}', True),
        ("Per env (env=stg)", "In env", 'in_env{env="stg"}', True),
        ("", "After collapsed", 'after_collapsed{env="(prod|stg)"}', False),
        ("Open", "In open", 'in_open{env="(prod|stg)"}', False),
    ]
    assert not any(e.startswith("stale_nested") for e in client.exprs)
    assert report.skipped == {"nested in an expanded row": 1}


def test_the_report_says_which_panels_sat_in_collapsed_rows(tmp_path: Path) -> None:
    report, _ = _check(tmp_path)
    assert report.collapsed_panels() == ["rows.json: Per env (env=prod) / In env", "rows.json: Per env (env=stg) / In env"]
    text = report.render_text()
    assert "2 panel(s) in collapsed rows, checked as if expanded (Grafana queries them when the row is opened):" in text
    assert "      rows.json: Per env (env=stg) / In env" in text
    data = report.to_json()
    assert data["collapsed"] == report.collapsed_panels()
    assert [r["collapsed"] for r in data["results"]] == [False, True, True, False, False]
    assert "1 nested in an expanded row" in report.summary()


def test_iter_panels_follows_the_same_grouping() -> None:
    assert [(row, p["title"]) for row, p in pd.iter_panels(DASHBOARD)] == [
        ("", "Top"), ("Per env", "In env"), ("", "After collapsed"), ("Open", "In open"),
    ]


def test_a_panel_that_runs_no_query_is_skipped(tmp_path: Path) -> None:
    # A text panel (skipDataQuery) keeps the targets of the panel it was: Grafana runs none.
    dashboard = {"title": "t", "panels": [
        {**_panel("Was a graph"), "type": "text"},
        _panel("Graph"),
    ]}
    path = tmp_path / "t.json"
    path.write_text(json.dumps(dashboard), encoding="utf-8")
    client = Recorder()
    report = pd.check_dashboard(path, client, name="t.json", datasources=DATASOURCES, time_range=TimeRange(0, 3600))
    assert [r.panel for r in report.results] == ["Graph"]
    assert not any(e.startswith("was_a_graph") for e in client.exprs)
    assert report.skipped == {"text panel": 1}
