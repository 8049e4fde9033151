"""Alerts on agent workflows (langgraph) and agent executions."""

from alerts._lib import runbook
from obs_as_code import AlertExpectation, AlertRule, ExpectedAlert, RuleGroup, RuleTest, Series

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


# --- unit tests (promtool test rules) -----------------------------------------

_LG = 'job="langgraph", service="langgraph"'


def _wf_alert(labels: dict[str, str], severity: str, summary: str, description: str, name: str) -> ExpectedAlert:
    return ExpectedAlert(
        labels={**labels, "service": "langgraph", "severity": severity, "team": "agents"},
        annotations={"summary": summary, "description": description, "runbook_url": runbook("workflows", name)},
    )


workflow_failures_fire = RuleTest(
    name="20% of codegen workflows fail; an agent fails every minute",
    series=[
        Series(f'langgraph_workflow_failures_total{{{_LG}, workflow="codegen"}}', "0+2x40"),
        Series(f'langgraph_workflows_total{{{_LG}, workflow="codegen"}}', "0+10x40"),
        Series(f'agent_execution_total{{{_LG}, agent_id="coder", workspace="acme", status="error"}}', "0+1x40"),
    ],
    alerts=[
        AlertExpectation(
            at="25m",
            alertname="LanggraphWorkflowFailureRatio",
            alerts=[
                _wf_alert(
                    {"workflow": "codegen"},
                    "warning",
                    "Workflow codegen is failing",
                    "20% of codegen runs failed over the last 10 minutes (threshold 10%).",
                    "LanggraphWorkflowFailureRatio",
                )
            ],
        ),
        AlertExpectation(
            at="25m",
            alertname="AgentExecutionFailures",
            alerts=[
                _wf_alert(
                    {"agent_id": "coder", "workspace": "acme"},
                    "warning",
                    "Agent coder keeps failing in acme",
                    "Agent coder failed 15 times in workspace acme over the last 15 minutes (threshold 5).",
                    "AgentExecutionFailures",
                )
            ],
        ),
        AlertExpectation(at="25m", alertname="LanggraphThroughputAboveCapacity"),
    ],
)

workflow_failures_quiet = RuleTest(
    name="1% of codegen workflows fail; agents rarely fail",
    series=[
        Series(f'langgraph_workflow_failures_total{{{_LG}, workflow="codegen"}}', "0+1x40"),
        Series(f'langgraph_workflows_total{{{_LG}, workflow="codegen"}}', "0+100x40"),
        Series(f'agent_execution_total{{{_LG}, agent_id="coder", workspace="acme", status="error"}}', "0+0.1x40"),
    ],
    alerts=[
        AlertExpectation(at="30m", alertname="LanggraphWorkflowFailureRatio"),
        AlertExpectation(at="30m", alertname="AgentExecutionFailures"),
    ],
)

throughput_fires = RuleTest(
    name="1200 workflows a minute: above capacity",
    series=[Series(f'langgraph_workflows_total{{{_LG}, workflow="codegen"}}', "0+1200x40")],
    alerts=[
        AlertExpectation(at="10m", alertname="LanggraphThroughputAboveCapacity"),
        AlertExpectation(
            at="30m",
            alertname="LanggraphThroughputAboveCapacity",
            alerts=[
                _wf_alert(
                    {},
                    "info",
                    "Workflow throughput is above the planned capacity",
                    "1.2k workflows a minute over the last 5 minutes (capacity 1000 a minute): plan more langgraph workers.",
                    "LanggraphThroughputAboveCapacity",
                )
            ],
        ),
    ],
)
