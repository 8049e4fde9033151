"""Agent workflows: LangGraph workflow throughput and failures, agent executions."""

from dashboards._common import TAG, standard_annotations, standard_links, standard_variables
from obs_as_code.dashboards import kit as k

_WF = "langgraph_workflows_total"
_WF_FAIL = "langgraph_workflow_failures_total"
_AGENT = "agent_execution_total"
_AGENT_SEL = 'workspace=~"$workspace"'
# Failure ratios: absent_as_zero, a workflow that never failed has no failure series (0 %, not "No data").

agent_workflows = k.dashboard(
    "Agent workflows",
    [
        k.row("Workflows", [
            k.stat("Active workflows", k.prom("sum(langgraph_active_workflows)"), unit=k.SHORT),
            k.stat("Workflows per minute", k.prom(f"{k.rate(_WF)} * 60"), unit=k.SHORT,
                   thresholds=k.thresholds((None, "green"), (1000, "orange"))),
            k.stat("Workflow failure ratio", k.prom(k.ratio(k.rate(_WF_FAIL), k.rate(_WF), absent_as_zero=True)), unit=k.PERCENTUNIT,
                   thresholds=k.thresholds((None, "green"), (0.005, "orange"), (0.1, "red"))),
            k.stat("Agent executions per second", k.prom(k.rate(_AGENT, _AGENT_SEL)), unit=k.OPS),
            k.timeseries("Workflows started by workflow", k.prom(k.rate(_WF, by=["workflow"]), "{{workflow}}"),
                         unit=k.OPS, width=12, stack=True),
            k.timeseries("Failure ratio by workflow",
                         k.prom(k.ratio(k.rate(_WF_FAIL, by=["workflow"]), k.rate(_WF, by=["workflow"]), absent_as_zero=True), "{{workflow}}"),
                         unit=k.PERCENTUNIT, width=12, min=0),
        ]),
        k.row("Agents", [
            k.timeseries("Executions by status", k.prom(k.rate(_AGENT, _AGENT_SEL, by=["status"]), "{{status}}"),
                         unit=k.OPS, width=12, stack=True),
            k.timeseries("Failed executions by agent",
                         k.prom(k.rate(_AGENT, f'{_AGENT_SEL}, status="error"', by=["agent_id"]), "{{agent_id}}"),
                         unit=k.OPS, width=12),
            k.timeseries("Execution duration p95 by agent",
                         k.prom(k.quantile(0.95, "agent_execution_duration_seconds", _AGENT_SEL, by=["agent_id"]),
                                "{{agent_id}}"),
                         unit=k.SECONDS, width=24),
        ]),
    ],
    description="Throughput and failures of LangGraph workflows and of the agents they run.",
    tags=[TAG, "agents"],
    variables=[
        *standard_variables(),
        k.query_var("workspace", f"label_values({_AGENT}, workspace)", label="Workspace", multi=True, include_all=True),
    ],
    annotations=standard_annotations(),
    links=standard_links(),
)
