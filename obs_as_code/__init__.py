"""obs-as-code: Grafana dashboards, Prometheus rules, SLOs, scrape configs and
Alertmanager routing declared in Python and compiled into ``build/``.

The names users declare with are re-exported here; the pipeline is in
:mod:`obs_as_code.pipeline` (``build``, ``validate``, ``compile_project``).

The re-exports are resolved on first use (PEP 562 ``__getattr__``): importing
the package for ``oac --help`` must not import the whole model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from obs_as_code import _lazy, _native

# Before any submodule is imported: a compiled module runs only while it matches
# its source (obs_as_code/_native.py).
_native.install()

if TYPE_CHECKING:
    from obs_as_code.model import (
        AlertExpectation,
        AlertmanagerConfig,
        AlertmanagerTarget,
        AlertRule,
        Authorization,
        BasicAuth,
        DashboardDef,
        Datasource,
        DeletedDatasource,
        Email,
        ExpectedAlert,
        ExprExpectation,
        Global,
        InhibitRule,
        Matcher,
        Metric,
        MetricsCatalog,
        MSTeams,
        Opsgenie,
        PagerDuty,
        PrometheusConfig,
        Receiver,
        RecordingRule,
        RelabelConfig,
        Route,
        RoutingTest,
        RuleGroup,
        RuleTest,
        Sample,
        ScrapeJob,
        Series,
        Slack,
        StaticConfig,
        Template,
        TimeInterval,
        TimeRange,
        TLSConfig,
        Webhook,
    )

#: exported name -> module defining it (add a line per export).
_EXPORTS: dict[str, str] = {
    "AlertExpectation": "obs_as_code.model",
    "AlertmanagerConfig": "obs_as_code.model",
    "AlertmanagerTarget": "obs_as_code.model",
    "AlertRule": "obs_as_code.model",
    "Authorization": "obs_as_code.model",
    "BasicAuth": "obs_as_code.model",
    "DashboardDef": "obs_as_code.model",
    "Datasource": "obs_as_code.model",
    "DeletedDatasource": "obs_as_code.model",
    "Email": "obs_as_code.model",
    "ExpectedAlert": "obs_as_code.model",
    "ExprExpectation": "obs_as_code.model",
    "Global": "obs_as_code.model",
    "InhibitRule": "obs_as_code.model",
    "Matcher": "obs_as_code.model",
    "Metric": "obs_as_code.model",
    "MetricsCatalog": "obs_as_code.model",
    "MSTeams": "obs_as_code.model",
    "Opsgenie": "obs_as_code.model",
    "PagerDuty": "obs_as_code.model",
    "PrometheusConfig": "obs_as_code.model",
    "Receiver": "obs_as_code.model",
    "RecordingRule": "obs_as_code.model",
    "RelabelConfig": "obs_as_code.model",
    "Route": "obs_as_code.model",
    "RoutingTest": "obs_as_code.model",
    "RuleGroup": "obs_as_code.model",
    "RuleTest": "obs_as_code.model",
    "Sample": "obs_as_code.model",
    "ScrapeJob": "obs_as_code.model",
    "Series": "obs_as_code.model",
    "Slack": "obs_as_code.model",
    "StaticConfig": "obs_as_code.model",
    "Template": "obs_as_code.model",
    "TimeInterval": "obs_as_code.model",
    "TimeRange": "obs_as_code.model",
    "TLSConfig": "obs_as_code.model",
    "Webhook": "obs_as_code.model",
}

__all__ = [
    "AlertExpectation",
    "AlertRule",
    "AlertmanagerConfig",
    "AlertmanagerTarget",
    "Authorization",
    "BasicAuth",
    "DashboardDef",
    "Datasource",
    "DeletedDatasource",
    "Email",
    "ExpectedAlert",
    "ExprExpectation",
    "Global",
    "InhibitRule",
    "MSTeams",
    "Matcher",
    "Metric",
    "MetricsCatalog",
    "Opsgenie",
    "PagerDuty",
    "PrometheusConfig",
    "Receiver",
    "RecordingRule",
    "RelabelConfig",
    "Route",
    "RoutingTest",
    "RuleGroup",
    "RuleTest",
    "Sample",
    "ScrapeJob",
    "Series",
    "Slack",
    "StaticConfig",
    "TLSConfig",
    "Template",
    "TimeInterval",
    "TimeRange",
    "Webhook",
]


__getattr__, __dir__ = _lazy.exports(__name__, _EXPORTS)
