"""Alerts on team budgets."""

from alerts._lib import runbook
from obs_as_code import AlertExpectation, AlertRule, ExpectedAlert, RuleGroup, RuleTest, Series

budgets = RuleGroup(
    name="opencode-cost",
    interval="1m",
    rules=[
        AlertRule(
            name="TeamSpendNearBudget",
            expr="max by (team) (team_spend_usd) / max by (team) (team_budget_usd) > 0.9",
            for_="15m",
            labels={"severity": "warning", "service": "llm-gateway"},
            annotations={
                "summary": "Team {{ $labels.team }} has used over 90% of its LLM budget",
                "description": (
                    "Team {{ $labels.team }} has spent {{ $value | humanizePercentage }} of its "
                    "budget (threshold 90%)."
                ),
                "runbook_url": runbook("cost", "TeamSpendNearBudget"),
            },
        ),
    ],
)


# --- unit tests (promtool test rules) -----------------------------------------

team_spend_fires = RuleTest(
    name="team search spent 95% of its budget",
    series=[
        Series('team_spend_usd{job="llm-gateway", team="search"}', "950x30"),
        Series('team_budget_usd{job="llm-gateway", team="search"}', "1000x30"),
    ],
    alerts=[
        AlertExpectation(at="10m", alertname="TeamSpendNearBudget"),
        AlertExpectation(
            at="20m",
            alertname="TeamSpendNearBudget",
            alerts=[
                ExpectedAlert(
                    labels={"service": "llm-gateway", "severity": "warning", "team": "search"},
                    annotations={
                        "summary": "Team search has used over 90% of its LLM budget",
                        "description": "Team search has spent 95% of its budget (threshold 90%).",
                        "runbook_url": runbook("cost", "TeamSpendNearBudget"),
                    },
                )
            ],
        ),
    ],
)

team_spend_quiet = RuleTest(
    name="team search spent half its budget",
    series=[
        Series('team_spend_usd{job="llm-gateway", team="search"}', "500x30"),
        Series('team_budget_usd{job="llm-gateway", team="search"}', "1000x30"),
    ],
    alerts=[AlertExpectation(at="25m", alertname="TeamSpendNearBudget")],
)
