"""Alerts on team budgets."""

from alerts._lib import runbook
from obs_as_code import AlertRule, RuleGroup

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
