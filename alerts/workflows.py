"""Alerts on agent workflows (langgraph) and agent executions."""

from alerts._lib import runbook
from obs_as_code import AlertRule, RuleGroup

workflows = RuleGroup(
    name="opencode-workflows",
    labels={"team": "agents", "service": "langgraph"},
    rules=[
        AlertRule(
            name="LanggraphWorkflowFailureRatio",
            expr=(
                "sum by (workflow) (rate(langgraph_workflow_failures_total[10m]))\n"
                "/\n"
                "sum by (workflow) (rate(langgraph_workflows_total[10m]))\n"
                "> 0.1"
            ),
            for_="10m",
            labels={"severity": "warning"},
            annotations={
                "summary": "Workflow {{ $labels.workflow }} is failing",
                "description": (
                    "{{ $value | humanizePercentage }} of {{ $labels.workflow }} runs failed over "
                    "the last 10 minutes (threshold 10%)."
                ),
                "runbook_url": runbook("workflows", "LanggraphWorkflowFailureRatio"),
            },
        ),
        AlertRule(
            name="AgentExecutionFailures",
            expr=(
                'sum by (agent_id, workspace) (increase(agent_execution_total{status="error"}[15m]))\n'
                "> 5"
            ),
            for_="5m",
            labels={"severity": "warning"},
            annotations={
                "summary": "Agent {{ $labels.agent_id }} keeps failing in {{ $labels.workspace }}",
                "description": (
                    "Agent {{ $labels.agent_id }} failed {{ $value | humanize }} times in workspace "
                    "{{ $labels.workspace }} over the last 15 minutes (threshold 5)."
                ),
                "runbook_url": runbook("workflows", "AgentExecutionFailures"),
            },
        ),
        # A capacity objective, not an error-budget SLO: more than 1000 workflows
        # a minute is what the current deployment was sized for.
        AlertRule(
            name="LanggraphThroughputAboveCapacity",
            expr="sum(rate(langgraph_workflows_total[5m])) * 60 > 1000",
            for_="15m",
            labels={"severity": "info"},
            annotations={
                "summary": "Workflow throughput is above the planned capacity",
                "description": (
                    "{{ $value | humanize }} workflows a minute over the last 5 minutes "
                    "(capacity 1000 a minute): plan more langgraph workers."
                ),
                "runbook_url": runbook("workflows", "LanggraphThroughputAboveCapacity"),
            },
        ),
    ],
)
