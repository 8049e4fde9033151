"""SLO of agent workflows (langgraph).

The throughput objective (more than 1000 workflows a minute) is a capacity
objective, not an error-budget SLO: it is the LanggraphThroughputAboveCapacity
alert in alerts/workflows.py (obs_as_code.slo.CapacityObjective builds such alerts).
"""

from alerts._lib import runbook
from obs_as_code.slo import SLO, Alerting, RatioSLI
from obs_as_code.slo.testing import burn_rate_tests

success = SLO(
    service="langgraph",
    name="workflow-success",
    objective=99.5,
    period="30d",
    description="Agent workflows that complete without failing.",
    labels={"team": "agents", "service": "langgraph"},
    sli=RatioSLI(
        errors='langgraph_workflow_failures_total{job="langgraph"}',
        total='langgraph_workflows_total{job="langgraph"}',
    ),
    alerting=Alerting(
        name="LanggraphWorkflowSuccessBudgetBurn",
        annotations={"runbook_url": runbook("slo", "LanggraphWorkflowSuccessBudgetBurn")},
    ),
)

# Failures are counted apart from all workflows started.
success_tests = burn_rate_tests(
    success,
    total='langgraph_workflows_total{job="langgraph", workflow="codegen"}',
    bad='langgraph_workflow_failures_total{job="langgraph", workflow="codegen"}',
)
