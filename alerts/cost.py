"""Alerts on team budgets."""

from obs_as_code import AlertRule, RuleGroup

from alerts._lib import runbook

budgets = RuleGroup(
    name="opencode-cost",
    interval="1m",
    rules=[
        AlertRule(
            name="TeamSpendNearBudget",
            # The llm-gateway target carries the owner label team="llm", so the
            # spending team's own `team` label arrives as `exported_team` (found by
            # the team-over-budget e2e scenario); copy it back for routing and text.
            expr=(
                'label_replace(\n'
                '  max by (exported_team) (team_spend_usd) / max by (exported_team) (team_budget_usd),\n'
                '  "team", "$1", "exported_team", "(.+)"\n'
                ") > 0.9"
            ),
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
