"""Every mistake listed in shared/context.md ("Mistakes seen in hand-written
versions of these configs"), written the way a user of this repository would,
against the shipped catalog and scrape configuration."""

from __future__ import annotations

import shutil
from pathlib import Path

from obs_as_code.diagnostics import Severity
from obs_as_code.lint.api import lint

REPO = Path(__file__).resolve().parent.parent.parent

ALERTS = '''"""Hand-written alerts with the usual mistakes."""

from obs_as_code import AlertRule, RuleGroup

mistakes = RuleGroup(
    name="mistakes",
    rules=[
        AlertRule(
            name="ApiLatencyFromSum",
            expr="histogram_quantile(0.95, rate(opencode_http_request_duration_seconds_sum[5m])) > 1",
            for_="5m",
        ),
        AlertRule(
            name="ApiLatencyNoRate",
            expr="histogram_quantile(0.95, sum by (le) (opencode_http_request_duration_seconds_bucket)) > 1",
            for_="5m",
        ),
        AlertRule(
            name="ConnectionsRate",
            expr="rate(opencode_active_connections[5m]) > 100",
            for_="5m",
        ),
        AlertRule(
            name="OpencodeApiHighErrorRatio",
            expr='sum(rate(opencode_http_requests_total{status=~"5.."}[5m])) > 0.05',
            for_="5m",
        ),
        AlertRule(
            name="LlmErrorRatio",
            expr=(
                'sum(rate(opencode_llm_requests_total{status="error"}[5m]))\\n'
                "/ sum(rate(opencode_llm_requests_total[5m])) > 0.1"
            ),
            for_="5m",
            annotations={
                "summary": "LLM errors",
                "description": "{{ $value }}% of LLM requests fail",
            },
        ),
    ],
)
'''

DASHBOARD = '''"""A hand-written dashboard."""

from obs_as_code.model.dashboard import DashboardDef

llm = DashboardDef(
    name="llm",
    source={
        "title": "LLM",
        "panels": [
            {"id": 1, "title": "Tokens", "targets": [{"expr": "rate(opencode_llm_tokens_total[5m])"}]},
        ],
    },
)
'''


def test_every_listed_mistake_is_caught(tmp_path: Path) -> None:
    for folder in ("catalog", "scrape"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    (tmp_path / "alerts").mkdir()
    (tmp_path / "alerts" / "mistakes.py").write_text(ALERTS)
    (tmp_path / "dashboards").mkdir()
    (tmp_path / "dashboards" / "llm.py").write_text(DASHBOARD)
    found = {(d.code, d.location.file, d.location.line, d.severity) for d in lint(tmp_path)}
    expected = {
        # histogram_quantile over a series that is not a _bucket series, and without rate()
        ("OAC201", "alerts/mistakes.py", 10, Severity.ERROR),
        ("OAC201", "alerts/mistakes.py", 15, Severity.ERROR),
        # rate() over a gauge
        ("OAC202", "alerts/mistakes.py", 20, Severity.ERROR),
        # an error "rate" compared with a ratio threshold
        ("OAC211", "alerts/mistakes.py", 25, Severity.ERROR),
        # a ratio printed with % appended to the raw value
        ("OAC209", "alerts/mistakes.py", 37, Severity.ERROR),
        # un-aggregated rate() in a dashboard panel
        ("OAC301", "dashboards/llm.py", 10, Severity.WARNING),
    }
    assert expected <= found
