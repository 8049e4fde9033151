"""Alerts overview: what fires now, by severity, and whether notifications go out."""

from dashboards._common import TAG, standard_annotations, standard_links, standard_variables
from obs_as_code.dashboards import kit as k

_FIRING = 'ALERTS{alertstate="firing", severity=~"$severity"}'

alerts_overview = k.dashboard(
    "Alerts overview",
    [
        k.row("Now", [
            k.stat("Firing alerts", k.prom(f"count({_FIRING}) or vector(0)"), unit=k.SHORT,
                   thresholds=k.thresholds((None, "green"), (1, "orange"))),
            k.stat("Critical firing", k.prom('count(ALERTS{alertstate="firing", severity="critical"}) or vector(0)'),
                   unit=k.SHORT, thresholds=k.thresholds((None, "green"), (1, "red"))),
            k.stat("Pending alerts", k.prom('count(ALERTS{alertstate="pending", severity=~"$severity"}) or vector(0)'),
                   unit=k.SHORT),
            k.stat("Config reloads OK",
                   k.prom('min(prometheus_config_last_reload_successful{job="prometheus"})', "prometheus"),
                   k.prom('min(alertmanager_config_last_reload_successful{job="alertmanager"})', "alertmanager"),
                   unit=k.NONE, thresholds=k.thresholds((None, "red"), (1, "green"))),
            k.table("Firing alerts by name",
                    k.prom(f"sum by (alertname, severity, service, team) ({_FIRING})", instant=True, table=True),
                    width=24),
            k.timeseries("Firing alerts by severity", k.prom(f"count by (severity) ({_FIRING})", "{{severity}}"),
                         unit=k.SHORT, width=24, stack=True),
        ]),
        k.row("Delivery", [
            k.timeseries("Notifications by integration",
                         k.prom(k.rate("alertmanager_notifications_total", 'job="alertmanager"', by=["integration"]),
                                "{{integration}}"), unit=k.OPS, width=12),
            k.timeseries("Failed notifications by integration",
                         k.prom(k.rate("alertmanager_notifications_failed_total", 'job="alertmanager"',
                                       by=["integration", "reason"]), "{{integration}} {{reason}}"),
                         unit=k.OPS, width=12),
            k.timeseries("Rule evaluation failures",
                         k.prom(k.rate("prometheus_rule_evaluation_failures_total", 'job="prometheus"',
                                       by=["rule_group"]), "{{rule_group}}"), unit=k.OPS, width=24),
        ]),
    ],
    description="Firing and pending Prometheus alerts, and Alertmanager notification delivery.",
    tags=[TAG, "alerts"],
    variables=[
        *standard_variables(),
        k.custom_var("severity", ["critical", "warning", "info"], label="Severity", multi=True, include_all=True),
    ],
    annotations=standard_annotations(),
    links=standard_links(),
)
