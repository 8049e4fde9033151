"""Scrape health and the self-health of Prometheus and Alertmanager."""

from alerts._lib import runbook
from obs_as_code import AlertRule, RuleGroup

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
