"""obs-as-code: Grafana dashboards, Prometheus rules, SLOs, scrape configs and
Alertmanager routing declared in Python and compiled into ``build/``.

The names users declare with are re-exported here; the pipeline is in
:mod:`obs_as_code.pipeline` (``build``, ``validate``, ``compile_project``).
"""

from obs_as_code.model import (
    AlertExpectation,
    AlertmanagerTarget,
    AlertRule,
    Authorization,
    BasicAuth,
    DashboardDef,
    Datasource,
    ExpectedAlert,
    ExprExpectation,
    Metric,
    MetricsCatalog,
    PrometheusConfig,
    RecordingRule,
    RelabelConfig,
    RuleGroup,
    RuleTest,
    Sample,
    ScrapeJob,
    Series,
    StaticConfig,
    TLSConfig,
)

__all__ = [
    "AlertExpectation",
    "AlertRule",
    "AlertmanagerTarget",
    "Authorization",
    "BasicAuth",
    "DashboardDef",
    "Datasource",
    "ExpectedAlert",
    "ExprExpectation",
    "Metric",
    "MetricsCatalog",
    "PrometheusConfig",
    "RecordingRule",
    "RelabelConfig",
    "RuleGroup",
    "RuleTest",
    "Sample",
    "ScrapeJob",
    "Series",
    "StaticConfig",
    "TLSConfig",
]
