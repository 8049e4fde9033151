"""The opencode platform on a normal day: the traffic every scenario starts from.

Rates are per second and chosen so that no alert and no SLO burns: 0.05% of
API requests fail (the availability SLO allows 0.1%), p95 latency is well under
500 ms, LLM errors stay at 0.1%, workflows fail 0.05% of the time.
"""

from obs_as_code.e2e import Fires, Observe, Rate, Traffic, Value

#: Time compression of the shipped scenarios: a 10m `for` takes 5s, a 5m window 2.5s
#: (windows are kept at 4s or more so rate() always has samples).
FACTOR = 120.0

#: How the routing tree groups notifications (alertmanager.yml `group_by`).
GROUP_BY = ("alertname", "service")

#: SLO burn-rate alerts (Sloth-compatible labels) that an incident may also cause.
SLO_ALERTS = Fires(alertname=".+", labels={"sloth_slo": ".+"})

_API_GET = {"method": "GET", "path": "/api/sessions"}
_API_CHAT = {"method": "POST", "path": "/api/chat"}
MODELS = (("anthropic", "claude-sonnet-4"), ("openai", "gpt-4o"))

baseline = Traffic.of(
    [
        # opencode-api: HTTP
        Rate("opencode_http_requests_total", {**_API_GET, "status": "200"}, 20.0),
        Rate("opencode_http_requests_total", {**_API_CHAT, "status": "200"}, 10.0),
        Rate("opencode_http_requests_total", {**_API_CHAT, "status": "500"}, 0.015),
        Observe("opencode_http_request_duration_seconds", _API_GET, 20.0, 0.08),
        Observe("opencode_http_request_duration_seconds", _API_CHAT, 10.0, 0.3),
        Value("opencode_active_connections", {}, 42),
        # opencode-api: LLM calls
        *(
            signal
            for i, (provider, model) in enumerate(MODELS, start=1)
            for signal in (
                Rate("opencode_llm_requests_total", {"provider": provider, "model": model, "status": "success"}, 2.0 / i),
                Rate("opencode_llm_requests_total", {"provider": provider, "model": model, "status": "error"}, 0.002 / i),
                Rate("opencode_llm_tokens_total", {"provider": provider, "model": model, "type": "prompt"}, 3000.0 / i),
                Rate("opencode_llm_tokens_total", {"provider": provider, "model": model, "type": "completion"}, 800.0 / i),
                Observe("opencode_llm_request_duration_seconds", {"provider": provider, "model": model}, 2.0 / i, 1.5),
                Rate("opencode_llm_cost_dollars_total", {"provider": provider, "model": model}, 0.02 / i),
            )
        ),
        # opencode-api: cache
        Rate("opencode_cache_hits_total", {"cache_type": "session"}, 90.0),
        Rate("opencode_cache_misses_total", {"cache_type": "session"}, 10.0),
        Rate("opencode_cache_hits_total", {"cache_type": "prompt"}, 40.0),
        Rate("opencode_cache_misses_total", {"cache_type": "prompt"}, 10.0),
        Value("opencode_cache_size_bytes", {"cache_type": "session"}, 64e6),
        Value("opencode_cache_size_bytes", {"cache_type": "prompt"}, 256e6),
        # langgraph
        Rate("agent_execution_total", {"agent_id": "coder", "workspace": "default", "status": "success"}, 1.0),
        Rate("agent_execution_total", {"agent_id": "coder", "workspace": "default", "status": "error"}, 0.005),
        Observe("agent_execution_duration_seconds", {"agent_id": "coder", "workspace": "default", "status": "success"}, 1.0, 12.0),
        Value("langgraph_active_workflows", {}, 7),
        Rate("langgraph_workflows_total", {"workflow": "code-review"}, 2.0),
        Rate("langgraph_workflows_total", {"workflow": "refactor"}, 1.0),
        Rate("langgraph_workflow_failures_total", {"workflow": "code-review"}, 0.001),
        Rate("langgraph_workflow_failures_total", {"workflow": "refactor"}, 0.0005),
        # llm-gateway
        Rate("gateway_requests_total", {"gateway_id": "gw-1", "method": "POST", "status": "200"}, 3.0),
        Value("gateway_active_connections", {"gateway_id": "gw-1"}, 12),
        Value("team_spend_usd", {"team": "api"}, 400),
        Value("team_budget_usd", {"team": "api"}, 1000),
        Value("team_spend_usd", {"team": "agents"}, 300),
        Value("team_budget_usd", {"team": "agents"}, 1000),
    ]
)
