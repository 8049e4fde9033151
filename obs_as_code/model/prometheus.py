"""The Prometheus server configuration: global settings, scrape jobs, Alertmanagers.

Secrets are only ever referenced by file (``password_file``, ``credentials_file``):
the model has no field that would put a secret into ``build/``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from obs_as_code.durations import Duration
from obs_as_code.model.base import (
    Definition,
    FieldValueError,
    require_known_extra,
    require_sequence,
    require_string_maps,
    require_strings,
)

#: The relabel actions of Prometheus 2.42 (matched without regard to case, as it does).
RELABEL_ACTIONS = frozenset(
    {"replace", "keep", "drop", "keepequal", "dropequal", "hashmod", "labelmap", "labeldrop", "labelkeep", "lowercase", "uppercase"}
)

#: Prometheus' ``relabelTarget`` (model/relabel/relabel.go, 2.42): a label name
#: that may hold ``$1``/``${name}`` references to the regex's groups.
# (?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+ in Go, whose RE2 takes linear time;
# written here without the nested repetition Python's backtracking would take
# exponential time over (a 10,000-character target_label).
_RELABEL_TARGET = re.compile(r"(?:[a-zA-Z_]|\$(?:\{\w++\}|\w++))(?:\w|\$(?:\{\w++\}|\w++))*+", re.ASCII)
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
#: Actions that write ``target_label``, which Prometheus requires for them.
_NEEDS_TARGET = ("replace", "hashmod", "lowercase", "uppercase", "keepequal", "dropequal")


def relabel_problem(cfg: RelabelConfig) -> str | None:
    """What Prometheus 2.42 refuses in ``cfg`` (``Config.UnmarshalYAML`` of
    model/relabel/relabel.go, in its order), None when it loads. An unset field
    and its default are alike, as in the YAML Prometheus reads."""
    action = (cfg.action or "replace").lower()
    target = cfg.target_label or ""
    replacement = "$1" if cfg.replacement is None else cfg.replacement
    modulus = cfg.modulus or 0
    separator = ";" if cfg.separator is None else cfg.separator
    if action == "hashmod" and modulus == 0:
        return "relabel configuration for hashmod requires non-zero modulus"
    if action in _NEEDS_TARGET and not target:
        said = f"{action} action (the default)" if cfg.action is None else f"{action} action"
        return f"relabel configuration for {said} requires 'target_label' value"
    if action in ("replace", "lowercase", "uppercase", "keepequal", "dropequal") and not _RELABEL_TARGET.fullmatch(target):
        return f"{target!r} is invalid 'target_label' for {action} action"
    if action in ("lowercase", "uppercase", "keepequal", "dropequal") and replacement != "$1":
        return f"'replacement' can not be set for {action} action"
    if action == "labelmap" and not _RELABEL_TARGET.fullmatch(replacement):
        return f"{replacement!r} is invalid 'replacement' for {action} action"
    if action == "hashmod" and not _LABEL_NAME.fullmatch(target):
        return f"{target!r} is invalid 'target_label' for {action} action"
    # Prometheus compares the regex by pointer: any regex given differs from the default.
    if action in ("keepequal", "dropequal") and (cfg.regex is not None or modulus or separator != ";" or replacement != "$1"):
        return f"{action} action requires only 'source_labels' and 'target_label', and no other fields"
    if action in ("labeldrop", "labelkeep") and (cfg.source_labels or target or modulus or separator != ";" or replacement != "$1"):
        return f"{action} action requires only 'regex', and no other fields"
    return None


_PROMETHEUS = "Prometheus 2.42"

#: Prometheus 2.42's service discoveries (plugins/plugins.go, discovery/file and
#: discovery/http), each the ``<name>_sd_configs`` key of a scrape config and of
#: an ``alerting.alertmanagers`` entry. The Debian build of promtool lacks
#: consul, kubernetes, kuma, linode and nomad; the upstream binaries have them.
SD_CONFIG_KEYS = frozenset(
    f"{name}_sd_configs"
    for name in ("azure", "consul", "digitalocean", "dns", "docker", "dockerswarm", "ec2", "eureka", "file", "gce",
                 "hetzner", "http", "ionos", "kubernetes", "kuma", "lightsail", "linode", "marathon", "nerve", "nomad",
                 "openstack", "ovhcloud", "puppetdb", "scaleway", "serverset", "triton", "uyuni", "vultr")
)
#: prometheus/common v0.39's ``HTTPClientConfig`` (inlined in both).
HTTP_CLIENT_KEYS = frozenset({"basic_auth", "authorization", "oauth2", "bearer_token", "bearer_token_file", "proxy_url",
                              "proxy_connect_header", "tls_config", "follow_redirects", "enable_http2"})
#: A ``scrape_config``'s keys in Prometheus 2.42 (config/config.go).
SCRAPE_CONFIG_KEYS = frozenset({
    "job_name", "honor_labels", "honor_timestamps", "params", "scrape_interval", "scrape_timeout", "metrics_path",
    "scheme", "body_size_limit", "sample_limit", "target_limit", "label_limit", "label_name_length_limit",
    "label_value_length_limit", "relabel_configs", "metric_relabel_configs", "static_configs",
}) | HTTP_CLIENT_KEYS | SD_CONFIG_KEYS
#: An ``alerting.alertmanagers`` entry's keys in Prometheus 2.42.
ALERTMANAGER_CONFIG_KEYS = frozenset({"scheme", "path_prefix", "timeout", "api_version", "relabel_configs",
                                      "static_configs"}) | HTTP_CLIENT_KEYS | SD_CONFIG_KEYS
#: The top-level keys of ``prometheus.yml`` in Prometheus 2.42.
PROMETHEUS_CONFIG_KEYS = frozenset({"global", "alerting", "rule_files", "scrape_configs", "storage", "tracing",
                                    "remote_write", "remote_read"})

#: Keys later releases added (Prometheus 3.x, prometheus/common's HTTP client,
#: read from upstream's config/config.go and discovery/ in 2026-08): accepted in
#: ``extra=``, for a project on a newer Prometheus; promtool judges them.
LATER_HTTP_CLIENT_KEYS = frozenset({"no_proxy", "proxy_from_environment", "http_headers"})
LATER_SD_CONFIG_KEYS = frozenset(
    f"{name}_sd_configs" for name in ("aws", "ecs", "elasticache", "msk", "rds", "oci", "outscale", "stackit")
)
LATER_SCRAPE_CONFIG_KEYS = frozenset({
    "track_timestamps_staleness", "scrape_protocols", "fallback_scrape_protocol", "scrape_native_histograms",
    "scrape_classic_histograms", "always_scrape_classic_histograms", "convert_classic_histograms_to_nhcb",
    "scrape_failure_log_file", "enable_compression", "native_histogram_bucket_limit",
    "native_histogram_min_bucket_factor", "keep_dropped_targets", "metric_name_validation_scheme",
    "metric_name_escaping_scheme", "extra_scrape_metrics",
}) | LATER_HTTP_CLIENT_KEYS | LATER_SD_CONFIG_KEYS
LATER_ALERTMANAGER_CONFIG_KEYS = frozenset({"sigv4", "alert_relabel_configs"}) | LATER_HTTP_CLIENT_KEYS | LATER_SD_CONFIG_KEYS
LATER_PROMETHEUS_CONFIG_KEYS = frozenset({"runtime", "scrape_config_files", "otlp"})

#: The YAML shape of some keys of ``extra=`` (see :func:`~obs_as_code.model.base.require_known_extra`).
_EXTRA_SHAPES: dict[str, str] = {
    "target_limit": "uint", "label_limit": "uint", "label_name_length_limit": "uint",
    "label_value_length_limit": "uint", "follow_redirects": "bool", "enable_http2": "bool",
    "proxy_connect_header": "map", "oauth2": "map", "remote_write": "list", "remote_read": "list",
    "storage": "map", "tracing": "map", "proxy_url": "scalar", "bearer_token": "scalar", "bearer_token_file": "scalar",
    "body_size_limit": "scalar",
} | dict.fromkeys(SD_CONFIG_KEYS, "list")


@dataclass
class RelabelConfig(Definition):
    """One ``relabel_configs`` / ``metric_relabel_configs`` entry."""

    source_labels: Sequence[str] | None = None
    separator: str | None = None
    target_label: str | None = None
    regex: str | None = None
    modulus: int | None = None
    replacement: str | None = None
    action: str | None = None

    kind: ClassVar[str] = "relabel config"
    non_negative: ClassVar[frozenset[str]] = frozenset({"modulus"})
    go_integers: ClassVar[Mapping[str, str]] = {"modulus": "uint"}

    def __post_init__(self) -> None:
        super().__post_init__()
        # An unknown action built, and only promtool (oac validate) refused the
        # config, at build/prometheus/prometheus.yml instead of the user's line.
        if self.action is not None and self.action.lower() not in RELABEL_ACTIONS:
            raise FieldValueError(f"RelabelConfig action {self.action!r} is not one of {', '.join(sorted(RELABEL_ACTIONS))}", "action")
        # Likewise an action without the fields it needs (replace, the default,
        # without target_label), or with fields it forbids.
        problem = relabel_problem(self)
        if problem is not None:
            raise ValueError(f"RelabelConfig: {problem}")


@dataclass
class BasicAuth(Definition):
    """HTTP basic auth; the password is read by Prometheus from ``password_file``."""

    username: str
    password_file: str

    kind: ClassVar[str] = "basic auth"


@dataclass
class Authorization(Definition):
    """``Authorization`` header; the credentials are read from ``credentials_file``."""

    credentials_file: str
    type: str = "Bearer"

    kind: ClassVar[str] = "authorization"


@dataclass
class TLSConfig(Definition):
    """TLS settings for a scrape or an Alertmanager connection."""

    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    server_name: str | None = None
    insecure_skip_verify: bool | None = None
    min_version: str | None = None
    max_version: str | None = None

    kind: ClassVar[str] = "TLS config"


@dataclass
class StaticConfig(Definition):
    """A ``static_configs`` entry: targets and the labels they get."""

    targets: Sequence[str]
    labels: Mapping[str, str] = field(default_factory=dict)

    kind: ClassVar[str] = "static config"

    def __post_init__(self) -> None:
        require_sequence(self, "targets", (str,), "strings ('host:port')")
        require_string_maps(self, ("labels",))
        super().__post_init__()


#: scrape_config keys ScrapeJob has an argument for.
_SCRAPE_ARGUMENTS = {
    "job_name": "ScrapeJob(name=...)", "honor_labels": "honor_labels=...", "honor_timestamps": "honor_timestamps=...",
    "params": "params=...", "scrape_interval": "scrape_interval=...", "scrape_timeout": "scrape_timeout=...",
    "metrics_path": "metrics_path=...", "scheme": "scheme=...", "sample_limit": "sample_limit=...",
    "relabel_configs": "relabel_configs=[RelabelConfig(...)]", "metric_relabel_configs": "metric_relabel_configs=[RelabelConfig(...)]",
    "static_configs": "targets=[...] or static_configs=[StaticConfig(...)]", "basic_auth": "basic_auth=BasicAuth(...)",
    "authorization": "authorization=Authorization(...)", "tls_config": "tls_config=TLSConfig(...)",
}
_ALERTMANAGER_ARGUMENTS = {
    key: _SCRAPE_ARGUMENTS[key] for key in ("scheme", "basic_auth", "authorization", "tls_config")
} | {"path_prefix": "path_prefix=...", "timeout": "timeout=...", "api_version": "api_version=...",
     "static_configs": "targets=[...]"}


@dataclass
class ScrapeJob(Definition):
    """A ``scrape_configs`` entry. ``targets`` is shorthand for one static config."""

    name: str
    targets: Sequence[str] = ()
    static_configs: Sequence[StaticConfig] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    metrics_path: str | None = None
    scheme: str | None = None
    params: Mapping[str, Sequence[str]] = field(default_factory=dict)
    scrape_interval: Duration | None = None
    scrape_timeout: Duration | None = None
    honor_labels: bool | None = None
    honor_timestamps: bool | None = None
    sample_limit: int | None = None
    relabel_configs: Sequence[RelabelConfig] = ()
    metric_relabel_configs: Sequence[RelabelConfig] = ()
    basic_auth: BasicAuth | None = None
    authorization: Authorization | None = None
    tls_config: TLSConfig | None = None
    #: Any other scrape_config keys (service discovery, proxy_url ...) written as given.
    extra: Mapping[str, Any] = field(default_factory=dict)

    top_level: ClassVar[bool] = True
    kind: ClassVar[str] = "scrape job"
    non_negative: ClassVar[frozenset[str]] = frozenset({"sample_limit"})
    go_integers: ClassVar[Mapping[str, str]] = {"sample_limit": "uint"}

    def __post_init__(self) -> None:
        # A string given as targets was written out one character per target.
        require_strings(self, ("name",))
        require_sequence(self, "targets", (str,), "strings ('host:port')")
        require_string_maps(self, ("labels",))
        super().__post_init__()
        # An empty name (promtool: "job_name is empty") is OAC115's and a blank
        # one OAC107's: reported with the module's other mistakes, not raised.
        # An unknown key (a misspelt one) or a value promtool cannot read was
        # written as given, and refused by promtool at build/prometheus/prometheus.yml.
        require_known_extra("ScrapeJob", self.extra, SCRAPE_CONFIG_KEYS, "a scrape_config", _SCRAPE_ARGUMENTS,
                            _PROMETHEUS, _EXTRA_SHAPES, LATER_SCRAPE_CONFIG_KEYS)

    def key(self) -> str:
        return self.name


@dataclass
class AlertmanagerTarget(Definition):
    """An ``alerting.alertmanagers`` entry."""

    targets: Sequence[str]
    scheme: str | None = None
    path_prefix: str | None = None
    timeout: Duration | None = None
    api_version: str | None = None
    basic_auth: BasicAuth | None = None
    authorization: Authorization | None = None
    tls_config: TLSConfig | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    kind: ClassVar[str] = "alertmanager target"

    def __post_init__(self) -> None:
        require_sequence(self, "targets", (str,), "strings ('host:port')")
        super().__post_init__()
        require_known_extra("AlertmanagerTarget", self.extra, ALERTMANAGER_CONFIG_KEYS, "an alerting.alertmanagers entry",
                            _ALERTMANAGER_ARGUMENTS, _PROMETHEUS, _EXTRA_SHAPES, LATER_ALERTMANAGER_CONFIG_KEYS)


@dataclass
class PrometheusConfig(Definition):
    """The global part of ``prometheus.yml``; one per project.

    Rule files produced by the build are listed automatically; ``rule_files`` adds
    others (paths as Prometheus will see them).
    """

    scrape_interval: Duration = "15s"
    evaluation_interval: Duration = "15s"
    scrape_timeout: Duration | None = None
    external_labels: Mapping[str, str] = field(default_factory=dict)
    alertmanagers: Sequence[AlertmanagerTarget] = ()
    rule_files: Sequence[str] = ()
    #: Any other top-level keys (remote_write, storage ...) written as given.
    extra: Mapping[str, Any] = field(default_factory=dict)

    top_level: ClassVar[bool] = True
    kind: ClassVar[str] = "Prometheus config"

    def __post_init__(self) -> None:
        super().__post_init__()
        # global and alerting hold more than the arguments give (query_log_file,
        # alert_relabel_configs): written by extra= they replace the arguments' block.
        require_known_extra("PrometheusConfig", self.extra, PROMETHEUS_CONFIG_KEYS, "the top level of prometheus.yml",
                            {"rule_files": "rule_files=[...]", "scrape_configs": "ScrapeJob(...) in scrape/"},
                            _PROMETHEUS, _EXTRA_SHAPES, LATER_PROMETHEUS_CONFIG_KEYS)

    def key(self) -> str:
        return "prometheus"
