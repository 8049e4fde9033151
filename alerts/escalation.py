"""Escalation: a warning that keeps firing for 2 hours pages.

``WarningPersists`` watches Prometheus' own ``ALERTS`` series, so one rule covers
every warning, including ones added later. It keeps the warning's labels (team,
service, severity), records the escalated alert's name in ``escalates`` and adds
``escalate="page"``, which ``alerts/routing.py`` routes to PagerDuty. Its own
``ALERTS`` series carries ``escalate="page"`` and is excluded, so it never escalates
itself.
"""

from alerts._lib import runbook
from obs_as_code import AlertExpectation, AlertRule, ExpectedAlert, RuleGroup, RuleTest, Series

escalation = RuleGroup(
    name="alert-escalation",
    rules=[
        # Its severity is the escalated warning's, kept from the ALERTS series by the
        # expression, which OAC213 (static labels only) cannot see.
        AlertRule(  # oac: ignore[OAC213]
            name="WarningPersists",
            expr=(
                "max without (alertname, alertstate) (\n"
                '  label_replace(ALERTS{alertstate="firing", severity="warning", escalate!="page"},'
                ' "escalates", "$1", "alertname", "(.+)")\n'
                ")"
            ),
            for_="2h",
            labels={"escalate": "page"},
            annotations={
                "summary": "Warning {{ $labels.escalates }} on {{ $labels.service }} has fired for 2 hours",
                "description": (
                    "{{ $labels.escalates }} (team {{ $labels.team }}) has been firing for over 2 hours "
                    "without being resolved: it now pages."
                ),
                "runbook_url": runbook("platform", "WarningPersists"),
            },
        ),
    ],
)


# --- unit tests (promtool test rules) -----------------------------------------

_WARNING = 'alertname="OpencodeLLMCostSpike", alertstate="firing", severity="warning", team="llm", service="llm-gateway", provider="openai"'

warning_persists_fires = RuleTest(
    name="a warning firing for over 2 hours escalates",
    series=[Series(f"ALERTS{{{_WARNING}}}", "1x200")],
    alerts=[
        AlertExpectation(at="1h", alertname="WarningPersists"),
        AlertExpectation(
            at="2h10m",
            alertname="WarningPersists",
            alerts=[
                ExpectedAlert(
                    labels={
                        "escalate": "page",
                        "escalates": "OpencodeLLMCostSpike",
                        "provider": "openai",
                        "service": "llm-gateway",
                        "severity": "warning",
                        "team": "llm",
                    },
                    annotations={
                        "summary": "Warning OpencodeLLMCostSpike on llm-gateway has fired for 2 hours",
                        "description": (
                            "OpencodeLLMCostSpike (team llm) has been firing for over 2 hours "
                            "without being resolved: it now pages."
                        ),
                        "runbook_url": runbook("platform", "WarningPersists"),
                    },
                )
            ],
        ),
    ],
)

warning_persists_quiet = RuleTest(
    name="critical alerts, pending warnings and escalations themselves do not escalate",
    series=[
        Series('ALERTS{alertname="TargetDown", alertstate="firing", severity="critical", team="platform", service="web-ui"}', "1x200"),
        Series('ALERTS{alertname="TeamSpendNearBudget", alertstate="pending", severity="warning", team="search", service="llm-gateway"}', "1x200"),
        Series('ALERTS{alertname="WarningPersists", alertstate="firing", severity="warning", escalate="page", escalates="X", team="llm", service="llm-gateway"}', "1x200"),
    ],
    alerts=[AlertExpectation(at="3h", alertname="WarningPersists")],
)
