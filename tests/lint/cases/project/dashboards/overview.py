"""A dashboard declared as a plain JSON dict."""

from obs_as_code.model.dashboard import DashboardDef

overview = DashboardDef(
    name="overview",
    source={
        "title": "App overview",
        "panels": [
            {
                "id": 1,
                "title": "Requests",
                "targets": [{"refId": "A", "expr": "rate(app_requests_total[5m])"}],
            },
            {
                "id": 2,
                "title": "Queue",
                "targets": [{"refId": "A", "expr": "sum(app_queue_lenght)"}],
            },
        ],
    },
)
