"""Grafana datasources of the opencode platform. Dashboards reference these UIDs."""

from obs_as_code import Datasource

prometheus = Datasource(
    "Prometheus",
    "prometheus",
    "http://prometheus:9090",
    uid="prometheus",
    is_default=True,
    json_data={"httpMethod": "POST", "timeInterval": "15s"},
)
loki = Datasource("Loki", "loki", "http://loki:3100", uid="loki", json_data={"maxLines": 1000})
alertmanager = Datasource(
    "Alertmanager",
    "alertmanager",
    "http://alertmanager:9093",
    uid="alertmanager",
    json_data={"implementation": "prometheus", "handleGrafanaManagedAlerts": False},
)
tempo = Datasource(
    "Tempo",
    "tempo",
    "http://tempo:3200",
    uid="tempo",
    json_data={"tracesToLogsV2": {"datasourceUid": "loki"}, "serviceMap": {"datasourceUid": "prometheus"}},
)
