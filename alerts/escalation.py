"""Escalation: a warning that keeps firing for 2 hours pages.

``WarningPersists`` watches Prometheus' own ``ALERTS`` series, so one rule covers
every warning, including ones added later. It keeps the warning's labels (team,
service, severity), records the escalated alert's name in ``escalates`` and adds
``escalate="page"``, which ``alerts/routing.py`` routes to PagerDuty. Its own
``ALERTS`` series carries ``escalate="page"`` and is excluded, so it never escalates
itself.
"""

from obs_as_code import AlertRule, RuleGroup

from alerts._lib import runbook

escalation = RuleGroup(
    name="alert-escalation",
    rules=[
        AlertRule(
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
