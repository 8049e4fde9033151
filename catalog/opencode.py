"""What the opencode platform's services expose: the catalog checks reason with."""

from obs_as_code import Metric, MetricsCatalog

_HTTP_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10)
_LLM_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60)
_AGENT_BUCKETS = (0.1, 0.5, 1, 5, 10, 30, 60, 300)

opencode = MetricsCatalog(
    name="opencode",
    metrics=[
        Metric("opencode_http_requests_total", "counter", ["method", "path", "status"], unit="requests", jobs=["opencode-api"], help="HTTP requests served."),
        Metric("opencode_http_request_duration_seconds", "histogram", ["method", "path"], unit="seconds", buckets=_HTTP_BUCKETS, jobs=["opencode-api"], help="HTTP request latency."),
        Metric("opencode_active_connections", "gauge", [], unit="connections", jobs=["opencode-api"], help="Open client connections."),
        Metric("opencode_llm_requests_total", "counter", ["provider", "model", "status"], unit="requests", jobs=["opencode-api"], help="Requests sent to LLM providers."),
        Metric("opencode_llm_tokens_total", "counter", ["provider", "model", "type"], unit="tokens", jobs=["opencode-api"], help="Tokens used, by type (prompt/completion)."),
        Metric("opencode_llm_request_duration_seconds", "histogram", ["provider", "model"], unit="seconds", buckets=_LLM_BUCKETS, jobs=["opencode-api"], help="LLM request latency."),
        Metric("opencode_llm_cost_dollars_total", "counter", ["provider", "model"], unit="dollars", jobs=["opencode-api"], help="LLM spend in US dollars."),
        Metric("opencode_cache_hits_total", "counter", ["cache_type"], unit="requests", jobs=["opencode-api"], help="Cache hits."),
        Metric("opencode_cache_misses_total", "counter", ["cache_type"], unit="requests", jobs=["opencode-api"], help="Cache misses."),
        Metric("opencode_cache_size_bytes", "gauge", ["cache_type"], unit="bytes", jobs=["opencode-api"], help="Cache size."),
        Metric("agent_execution_total", "counter", ["agent_id", "workspace", "status"], unit="executions", jobs=["langgraph"], help="Agent executions."),
        Metric("agent_execution_duration_seconds", "histogram", ["agent_id", "workspace", "status"], unit="seconds", buckets=_AGENT_BUCKETS, jobs=["langgraph"], help="Agent execution time."),
        Metric("gateway_requests_total", "counter", ["gateway_id", "method", "status"], unit="requests", jobs=["llm-gateway"], help="Requests through the gateway."),
        Metric("gateway_active_connections", "gauge", ["gateway_id"], unit="connections", jobs=["llm-gateway"], help="Open gateway connections."),
        Metric("langgraph_active_workflows", "gauge", [], unit="workflows", jobs=["langgraph"], help="Workflows running now."),
        Metric("langgraph_workflows_total", "counter", ["workflow"], unit="workflows", jobs=["langgraph"], help="Workflows started."),
        Metric("langgraph_workflow_failures_total", "counter", ["workflow"], unit="workflows", jobs=["langgraph"], help="Workflows that failed."),
        Metric("team_spend_usd", "gauge", ["team"], unit="dollars", jobs=["llm-gateway"], help="Spend so far this budget period."),
        Metric("team_budget_usd", "gauge", ["team"], unit="dollars", jobs=["llm-gateway"], help="Budget for the period."),
        # Exposed by every target, and by Prometheus and Alertmanager about themselves.
        Metric("up", "gauge", [], unit="bool", help="1 when the last scrape succeeded."),
        Metric("prometheus_config_last_reload_successful", "gauge", [], unit="bool", jobs=["prometheus"]),
        Metric("prometheus_rule_evaluation_failures_total", "counter", ["rule_group"], jobs=["prometheus"]),
        Metric("prometheus_notifications_alertmanagers_discovered", "gauge", [], jobs=["prometheus"]),
        Metric("alertmanager_config_last_reload_successful", "gauge", [], unit="bool", jobs=["alertmanager"]),
        Metric("alertmanager_notifications_total", "counter", ["integration"], jobs=["alertmanager"]),
        Metric("alertmanager_notifications_failed_total", "counter", ["integration", "reason"], jobs=["alertmanager"]),
        # Written by Prometheus' rule evaluation, not scraped: alerts/escalation.py reads it.
        Metric("ALERTS", "gauge", ["alertname", "alertstate"], help="1 for every pending or firing alert."),
    ],
)
