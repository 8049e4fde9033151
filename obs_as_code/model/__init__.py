"""Plain typed definitions: what users declare. No I/O, no rendering."""

from obs_as_code.model.base import Definition
from obs_as_code.model.catalog import Metric, MetricsCatalog
from obs_as_code.model.dashboard import DashboardDef
from obs_as_code.model.datasource import Datasource
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
    RuleTest,
    Sample,
    Series,
)

__all__ = [
    "DashboardDef",
    "Datasource",
    "AlertExpectation",
    "ExpectedAlert",
    "ExprExpectation",
    "Metric",
    "MetricsCatalog",
    "RuleTest",
    "Sample",
    "Series",
    "AlertRule",
    "AlertmanagerTarget",
    "Authorization",
    "BasicAuth",
    "Definition",
    "PrometheusConfig",
    "RecordingRule",
    "RelabelConfig",
    "Rule",
    "RuleGroup",
    "ScrapeJob",
    "StaticConfig",
    "TLSConfig",
]
