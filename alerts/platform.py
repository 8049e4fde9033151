"""Scrape health and the self-health of Prometheus and Alertmanager."""

from alerts._lib import runbook
from obs_as_code import AlertExpectation, AlertRule, ExpectedAlert, RuleGroup, RuleTest, Series

platform = RuleGroup(
    name="platform-health",
    labels={"team": "platform"},
    rules=[
        AlertRule(
            name="TargetDown",
            expr="up == 0",
            for_="2m",
            labels={"severity": "critical"},
            annotations={
                "summary": "{{ $labels.job }} target {{ $labels.instance }} is down",
                "description": (
                    "Prometheus has failed to scrape {{ $labels.instance }} of job {{ $labels.job }} "
                    "for more than 2 minutes."
                ),
                "runbook_url": runbook("platform", "TargetDown"),
            },
        ),
        AlertRule(
            name="PrometheusConfigReloadFailed",
            expr='max by (instance) (prometheus_config_last_reload_successful{job="prometheus"}) == 0',
            for_="10m",
            labels={"severity": "warning", "service": "prometheus"},
            annotations={
                "summary": "Prometheus failed to reload its configuration",
                "description": "The last configuration reload of {{ $labels.instance }} failed; it runs on the previous one.",
                "runbook_url": runbook("platform", "PrometheusConfigReloadFailed"),
            },
        ),
        AlertRule(
            name="PrometheusRuleEvaluationFailures",
            expr='sum by (instance) (increase(prometheus_rule_evaluation_failures_total{job="prometheus"}[5m])) > 0',
            for_="5m",
            labels={"severity": "warning", "service": "prometheus"},
            annotations={
                "summary": "Prometheus fails to evaluate rules",
                "description": "{{ $labels.instance }} failed {{ $value | humanize }} rule evaluations in the last 5 minutes.",
                "runbook_url": runbook("platform", "PrometheusRuleEvaluationFailures"),
            },
        ),
        AlertRule(
            name="PrometheusNotConnectedToAlertmanagers",
            expr='max by (instance) (max_over_time(prometheus_notifications_alertmanagers_discovered{job="prometheus"}[5m])) < 1',
            for_="10m",
            labels={"severity": "warning", "service": "prometheus"},
            annotations={
                "summary": "Prometheus is not connected to any Alertmanager",
                "description": "{{ $labels.instance }} has discovered no Alertmanager for 10 minutes: alerts are not delivered.",
                "runbook_url": runbook("platform", "PrometheusNotConnectedToAlertmanagers"),
            },
        ),
        AlertRule(
            name="AlertmanagerConfigReloadFailed",
            expr='max by (instance) (alertmanager_config_last_reload_successful{job="alertmanager"}) == 0',
            for_="10m",
            labels={"severity": "warning", "service": "alertmanager"},
            annotations={
                "summary": "Alertmanager failed to reload its configuration",
                "description": "The last configuration reload of {{ $labels.instance }} failed; it runs on the previous one.",
                "runbook_url": runbook("platform", "AlertmanagerConfigReloadFailed"),
            },
        ),
        AlertRule(
            name="AlertmanagerNotificationsFailing",
            expr=(
                'sum by (instance, integration) (rate(alertmanager_notifications_failed_total{job="alertmanager"}[5m]))\n'
                "/\n"
                'sum by (instance, integration) (rate(alertmanager_notifications_total{job="alertmanager"}[5m]))\n'
                "> 0.01"
            ),
            for_="5m",
            labels={"severity": "critical", "service": "alertmanager"},
            annotations={
                "summary": "Alertmanager fails to send {{ $labels.integration }} notifications",
                "description": (
                    "{{ $value | humanizePercentage }} of {{ $labels.integration }} notifications from "
                    "{{ $labels.instance }} failed over the last 5 minutes (threshold 1%)."
                ),
                "runbook_url": runbook("platform", "AlertmanagerNotificationsFailing"),
            },
        ),
    ],
)


# --- unit tests (promtool test rules) -----------------------------------------

_PROM = 'job="prometheus", instance="localhost:9090", service="prometheus"'
_AM = 'job="alertmanager", instance="alertmanager:9093", service="alertmanager"'


def _platform_alert(labels: dict[str, str], severity: str, summary: str, description: str, name: str) -> ExpectedAlert:
    return ExpectedAlert(
        labels={**labels, "severity": severity, "team": "platform"},
        annotations={"summary": summary, "description": description, "runbook_url": runbook("platform", name)},
    )


target_down_fires = RuleTest(
    name="web-ui stops answering scrapes: TargetDown fires",
    series=[Series('up{job="web-ui", instance="web:8080", service="web-ui", team="web"}', "1 1 0x10")],
    alerts=[
        AlertExpectation(at="3m", alertname="TargetDown"),
        AlertExpectation(
            at="6m",
            alertname="TargetDown",
            alerts=[
                _platform_alert(
                    {"job": "web-ui", "instance": "web:8080", "service": "web-ui"},
                    "critical",
                    "web-ui target web:8080 is down",
                    "Prometheus has failed to scrape web:8080 of job web-ui for more than 2 minutes.",
                    "TargetDown",
                )
            ],
        ),
    ],
)

target_down_quiet = RuleTest(
    name="every target up: no TargetDown",
    series=[Series('up{job="web-ui", instance="web:8080", service="web-ui", team="web"}', "1x20")],
    alerts=[AlertExpectation(at="15m", alertname="TargetDown")],
)

prometheus_health_fires = RuleTest(
    name="Prometheus reload fails, rules fail, no Alertmanager: self-health alerts fire",
    series=[
        Series(f"prometheus_config_last_reload_successful{{{_PROM}}}", "0x30"),
        Series(f'prometheus_rule_evaluation_failures_total{{{_PROM}, rule_group="opencode-api"}}', "0+1x30"),
        Series(f"prometheus_notifications_alertmanagers_discovered{{{_PROM}}}", "0x30"),
    ],
    alerts=[
        AlertExpectation(
            at="20m",
            alertname="PrometheusConfigReloadFailed",
            alerts=[
                _platform_alert(
                    {"instance": "localhost:9090", "service": "prometheus"},
                    "warning",
                    "Prometheus failed to reload its configuration",
                    "The last configuration reload of localhost:9090 failed; it runs on the previous one.",
                    "PrometheusConfigReloadFailed",
                )
            ],
        ),
        AlertExpectation(
            at="20m",
            alertname="PrometheusRuleEvaluationFailures",
            alerts=[
                _platform_alert(
                    {"instance": "localhost:9090", "service": "prometheus"},
                    "warning",
                    "Prometheus fails to evaluate rules",
                    "localhost:9090 failed 5 rule evaluations in the last 5 minutes.",
                    "PrometheusRuleEvaluationFailures",
                )
            ],
        ),
        AlertExpectation(
            at="20m",
            alertname="PrometheusNotConnectedToAlertmanagers",
            alerts=[
                _platform_alert(
                    {"instance": "localhost:9090", "service": "prometheus"},
                    "warning",
                    "Prometheus is not connected to any Alertmanager",
                    "localhost:9090 has discovered no Alertmanager for 10 minutes: alerts are not delivered.",
                    "PrometheusNotConnectedToAlertmanagers",
                )
            ],
        ),
    ],
)

prometheus_health_quiet = RuleTest(
    name="healthy Prometheus: no self-health alert",
    series=[
        Series(f"prometheus_config_last_reload_successful{{{_PROM}}}", "1x30"),
        Series(f'prometheus_rule_evaluation_failures_total{{{_PROM}, rule_group="opencode-api"}}', "0x30"),
        Series(f"prometheus_notifications_alertmanagers_discovered{{{_PROM}}}", "1x30"),
    ],
    alerts=[
        AlertExpectation(at="25m", alertname="PrometheusConfigReloadFailed"),
        AlertExpectation(at="25m", alertname="PrometheusRuleEvaluationFailures"),
        AlertExpectation(at="25m", alertname="PrometheusNotConnectedToAlertmanagers"),
    ],
)

alertmanager_health_fires = RuleTest(
    name="Alertmanager reload fails and 10% of Slack notifications fail",
    series=[
        Series(f"alertmanager_config_last_reload_successful{{{_AM}}}", "0x30"),
        Series(f'alertmanager_notifications_failed_total{{{_AM}, integration="slack", reason="other"}}', "0+1x30"),
        Series(f'alertmanager_notifications_total{{{_AM}, integration="slack"}}', "0+10x30"),
    ],
    alerts=[
        AlertExpectation(
            at="20m",
            alertname="AlertmanagerConfigReloadFailed",
            alerts=[
                _platform_alert(
                    {"instance": "alertmanager:9093", "service": "alertmanager"},
                    "warning",
                    "Alertmanager failed to reload its configuration",
                    "The last configuration reload of alertmanager:9093 failed; it runs on the previous one.",
                    "AlertmanagerConfigReloadFailed",
                )
            ],
        ),
        AlertExpectation(
            at="20m",
            alertname="AlertmanagerNotificationsFailing",
            alerts=[
                _platform_alert(
                    {"instance": "alertmanager:9093", "integration": "slack", "service": "alertmanager"},
                    "critical",
                    "Alertmanager fails to send slack notifications",
                    "10% of slack notifications from alertmanager:9093 failed over the last 5 minutes (threshold 1%).",
                    "AlertmanagerNotificationsFailing",
                )
            ],
        ),
    ],
)

alertmanager_health_quiet = RuleTest(
    name="healthy Alertmanager: no self-health alert",
    series=[
        Series(f"alertmanager_config_last_reload_successful{{{_AM}}}", "1x30"),
        Series(f'alertmanager_notifications_failed_total{{{_AM}, integration="slack", reason="other"}}', "0x30"),
        Series(f'alertmanager_notifications_total{{{_AM}, integration="slack"}}', "0+10x30"),
    ],
    alerts=[
        AlertExpectation(at="25m", alertname="AlertmanagerConfigReloadFailed"),
        AlertExpectation(at="25m", alertname="AlertmanagerNotificationsFailing"),
    ],
)
