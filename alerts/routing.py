"""Alertmanager routing for the opencode platform, and the tests that pin it down.

Critical alerts page through PagerDuty, warnings go to Slack, info to email; every
notification groups by alert name and service. A warning is muted while the
critical alert of the same name fires for the same service. Warnings and info are
muted in the Sunday maintenance window.

Escalation: ``alerts/escalation.py`` declares ``WarningPersists``, which fires for
any warning that has been firing for 2 hours and carries ``escalate="page"``. The
first route below sends those to PagerDuty, so a warning nobody fixed from Slack
pages the on-call of its team (the original warning keeps going to Slack).

Secrets are read by Alertmanager from files mounted next to its config: nothing
secret is in this repository or in build/.
"""

from obs_as_code import (
    AlertmanagerConfig,
    Email,
    Global,
    InhibitRule,
    PagerDuty,
    Receiver,
    Route,
    RoutingTest,
    Slack,
    Template,
    TimeInterval,
    TimeRange,
)

_SECRETS = "/etc/alertmanager/secrets"

maintenance = TimeInterval(
    name="maintenance",
    ranges=[TimeRange(weekdays=["sunday"], times=[("02:00", "04:00")], time_zone="UTC")],
)

_templates = Template(
    name="opencode",
    text=(
        '{{ define "opencode.title" }}[{{ .Status | toUpper }}'
        "{{ if eq .Status \"firing\" }}:{{ .Alerts.Firing | len }}{{ end }}] "
        "{{ .CommonLabels.alertname }} ({{ .CommonLabels.service }}){{ end }}\n"
        '{{ define "opencode.text" }}{{ range .Alerts }}'
        "*{{ .Annotations.summary }}*\n{{ .Annotations.description }}\n"
        "Runbook: {{ .Annotations.runbook_url }}\n{{ end }}{{ end }}\n"
    ),
)

# Unrouted alerts still reach people: a Slack channel someone owns.
default = Receiver(
    name="default",
    integrations=[Slack(channel="#alerts-unrouted", send_resolved=True)],
)
pagerduty_critical = Receiver(
    name="pagerduty-critical",
    integrations=[
        PagerDuty(
            routing_key_file=f"{_SECRETS}/pagerduty-routing-key",
            description='{{ template "opencode.title" . }}',
            severity="critical",
            details={"team": "{{ .CommonLabels.team }}", "runbook": "{{ .CommonAnnotations.runbook_url }}"},
        )
    ],
)
slack_warnings = Receiver(
    name="slack-warnings",
    integrations=[
        Slack(
            # One channel per owning team.
            channel='#alerts-{{ with .CommonLabels.team }}{{ . }}{{ else }}platform{{ end }}',
            title='{{ template "opencode.title" . }}',
            text='{{ template "opencode.text" . }}',
            send_resolved=True,
        )
    ],
)
email_info = Receiver(
    name="email-info",
    integrations=[Email(to="opencode-alerts@opencode.example", send_resolved=False)],
)

config = AlertmanagerConfig(
    global_=Global(
        resolve_timeout="5m",
        slack_api_url_file=f"{_SECRETS}/slack-webhook-url",
        smtp_smarthost="smtp.opencode.example:587",
        smtp_from="alertmanager@opencode.example",
        smtp_auth_username="alertmanager",
        smtp_auth_password_file=f"{_SECRETS}/smtp-password",
        smtp_require_tls=True,
    ),
    templates=[_templates],
    route=Route(
        receiver=default,
        group_by=["alertname", "service"],
        group_wait="30s",
        group_interval="5m",
        repeat_interval="4h",
        routes=[
            # Escalated warnings first: they also carry severity="warning".
            Route(
                receiver=pagerduty_critical,
                matchers=['escalate="page"'],
                group_wait="10s",
                repeat_interval="1h",
                mute_time_intervals=[maintenance],
            ),
            Route(
                receiver=pagerduty_critical,
                matchers=['severity="critical"'],
                group_wait="10s",
                repeat_interval="1h",
            ),
            Route(
                receiver=slack_warnings,
                matchers=['severity="warning"'],
                mute_time_intervals=[maintenance],
            ),
            Route(
                receiver=email_info,
                matchers=['severity="info"'],
                repeat_interval="24h",
                mute_time_intervals=[maintenance],
            ),
        ],
    ),
    inhibit_rules=[
        InhibitRule(
            source_matchers=['severity="critical"'],
            target_matchers=['severity="warning"'],
            equal=["alertname", "service"],
        )
    ],
    time_intervals=[maintenance],
    receivers=[default, pagerduty_critical, slack_warnings, email_info],
)

routing_tests = [
    RoutingTest(
        name="critical pages",
        labels={"alertname": "OpencodeApiHighErrorRatio", "severity": "critical", "team": "api", "service": "opencode-api"},
        receivers=["pagerduty-critical"],
    ),
    RoutingTest(
        name="warning to slack",
        labels={"alertname": "OpencodeApiHighErrorRatio", "severity": "warning", "team": "api", "service": "opencode-api"},
        receivers=["slack-warnings"],
    ),
    RoutingTest(
        name="info to email",
        labels={"alertname": "OpencodeCacheLowHitRatio", "severity": "info", "team": "api", "service": "opencode-api"},
        receivers=["email-info"],
    ),
    RoutingTest(
        name="persisting warning escalates to paging",
        labels={"alertname": "WarningPersists", "severity": "warning", "escalate": "page", "escalates": "OpencodeLLMCostSpike", "team": "llm", "service": "llm-gateway"},
        receivers=["pagerduty-critical"],
    ),
    RoutingTest(
        name="no severity falls back to default",
        labels={"alertname": "Unlabelled", "service": "web-ui"},
        receivers=["default"],
    ),
    RoutingTest(
        name="unknown severity falls back to default",
        labels={"alertname": "Odd", "severity": "page", "team": "web", "service": "web-ui"},
        receivers=["default"],
    ),
]
