"""Plain typed definitions: what users declare. No I/O, no rendering.

Names resolve on first use (PEP 562 ``__getattr__``): a build that reads only
rule groups need not create the Alertmanager model's classes (a dataclass costs
about a millisecond to create).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from obs_as_code import _lazy

if TYPE_CHECKING:
    from obs_as_code.model.alertmanager import (
        AlertmanagerConfig,
        Email,
        Global,
        InhibitRule,
        Matcher,
        MSTeams,
        Opsgenie,
        PagerDuty,
        Receiver,
        Route,
        Slack,
        Template,
        TimeInterval,
        TimeRange,
        Webhook,
    )
    from obs_as_code.model.base import Definition
    from obs_as_code.model.catalog import Metric, MetricsCatalog
    from obs_as_code.model.dashboard import DashboardDef
    from obs_as_code.model.datasource import Datasource, DeletedDatasource
    from obs_as_code.model.prometheus import (
        AlertmanagerTarget,
        Authorization,
        BasicAuth,
        PrometheusConfig,
        RelabelConfig,
        ScrapeJob,
        StaticConfig,
        TLSConfig,
    )
    from obs_as_code.model.rules import AlertRule, RecordingRule, Rule, RuleGroup
    from obs_as_code.model.tests import (
        AlertExpectation,
        ExpectedAlert,
        ExprExpectation,
        RoutingTest,
        RuleTest,
        Sample,
        Series,
    )

#: exported name -> the submodule defining it.
_EXPORTS: dict[str, str] = {
    "AlertExpectation": "obs_as_code.model.tests",
    "AlertRule": "obs_as_code.model.rules",
    "AlertmanagerConfig": "obs_as_code.model.alertmanager",
    "AlertmanagerTarget": "obs_as_code.model.prometheus",
    "Authorization": "obs_as_code.model.prometheus",
    "BasicAuth": "obs_as_code.model.prometheus",
    "DashboardDef": "obs_as_code.model.dashboard",
    "Datasource": "obs_as_code.model.datasource",
    "Definition": "obs_as_code.model.base",
    "DeletedDatasource": "obs_as_code.model.datasource",
    "Email": "obs_as_code.model.alertmanager",
    "ExpectedAlert": "obs_as_code.model.tests",
    "ExprExpectation": "obs_as_code.model.tests",
    "Global": "obs_as_code.model.alertmanager",
    "InhibitRule": "obs_as_code.model.alertmanager",
    "MSTeams": "obs_as_code.model.alertmanager",
    "Matcher": "obs_as_code.model.alertmanager",
    "Metric": "obs_as_code.model.catalog",
    "MetricsCatalog": "obs_as_code.model.catalog",
    "Opsgenie": "obs_as_code.model.alertmanager",
    "PagerDuty": "obs_as_code.model.alertmanager",
    "PrometheusConfig": "obs_as_code.model.prometheus",
    "Receiver": "obs_as_code.model.alertmanager",
    "RecordingRule": "obs_as_code.model.rules",
    "RelabelConfig": "obs_as_code.model.prometheus",
    "Route": "obs_as_code.model.alertmanager",
    "RoutingTest": "obs_as_code.model.tests",
    "Rule": "obs_as_code.model.rules",
    "RuleGroup": "obs_as_code.model.rules",
    "RuleTest": "obs_as_code.model.tests",
    "Sample": "obs_as_code.model.tests",
    "ScrapeJob": "obs_as_code.model.prometheus",
    "Series": "obs_as_code.model.tests",
    "Slack": "obs_as_code.model.alertmanager",
    "StaticConfig": "obs_as_code.model.prometheus",
    "TLSConfig": "obs_as_code.model.prometheus",
    "Template": "obs_as_code.model.alertmanager",
    "TimeInterval": "obs_as_code.model.alertmanager",
    "TimeRange": "obs_as_code.model.alertmanager",
    "Webhook": "obs_as_code.model.alertmanager",
}

_SUBMODULES = frozenset({"alertmanager", "base", "catalog", "dashboard", "datasource", "prometheus", "rules", "tests"})

__all__ = [
    "AlertExpectation",
    "AlertRule",
    "AlertmanagerConfig",
    "AlertmanagerTarget",
    "Authorization",
    "BasicAuth",
    "DashboardDef",
    "Datasource",
    "Definition",
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
    "Rule",
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


__getattr__, __dir__ = _lazy.exports(__name__, _EXPORTS, _SUBMODULES)
