"""Alerts of the fixture project, with the mistakes the lint must find in Python."""

from obs_as_code import AlertRule, RuleGroup

_RATIO = (
    'sum by (service) (rate(app_requests_total{status=~"5.."}[5m]))\n'
    "/\n"
    "sum by (service) (rate(app_requests_total[5m]))"
)

app = RuleGroup(
    name="app",
    rules=[
        AlertRule(
            name="AppHighErrorRatio",
            expr=f"{_RATIO}\n> 0.05",
            for_="5m",
            labels={"severity": "warning"},
            annotations={
                "summary": "Errors on {{ $labels.service }}",
                "description": "{{ $value }}% of requests to {{ $labels.instance }} fail",
                "runbook_url": "https://example.com/runbooks/app",
            },
        ),
        AlertRule(
            name="AppSlow",
            expr=(
                "histogram_quantile(0.95,\n"
                "  sum by (le) (app_request_duration_seconds_bucket)\n"
                ") > 1"
            ),
            for_="5m",
            labels={"severity": "warning"},
            annotations={"summary": "slow", "runbook_url": "https://example.com/runbooks/app"},
        ),
        AlertRule(
            name="QueueGrowing",
            expr="rate(app_queue_depth[2m]) > 1",
            for_="5m",
            labels={"severity": "warning"},
            annotations={"summary": "queue", "runbook_url": "https://example.com/runbooks/app"},
        ),
        AlertRule(
            name="QueueGrowingKnown",
            # oac: ignore[OAC202]
            expr="rate(app_queue_depth[10m]) > 1",
            for_="5m",
            labels={"severity": "warning"},
            annotations={"summary": "queue", "runbook_url": "https://example.com/runbooks/app"},
        ),
        AlertRule(
            name="Typo",
            expr="sum(rate(app_request_total[5m])) > 1",  # oac: ignore[OAC206]
            for_="5m",
            labels={"severity": "warning"},
            annotations={"summary": "typo", "runbook_url": "https://example.com/runbooks/app"},
        ),
        AlertRule(
            name="TeamSpendTargetLabel",
            expr="max by (team) (app_team_spend_dollars) > 100",
            for_="5m",
            labels={"severity": "warning"},
            annotations={"summary": "spend", "runbook_url": "https://example.com/runbooks/app"},
        ),
        AlertRule(
            name="TeamSpendExported",
            expr="max by (exported_team) (app_team_spend_dollars) > 100",
            for_="5m",
            labels={"severity": "warning"},
            annotations={"summary": "spend", "runbook_url": "https://example.com/runbooks/app"},
        ),
    ],
)
