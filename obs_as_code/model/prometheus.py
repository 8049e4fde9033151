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
            raise ValueError(f"RelabelConfig action {self.action!r} is not one of {', '.join(sorted(RELABEL_ACTIONS))}")
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
        if not self.name.strip():
            # promtool refused the config ("job_name is empty") at build/prometheus/prometheus.yml.
            raise ValueError(f"ScrapeJob name must not be empty ({self.name!r})")

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

    def key(self) -> str:
        return "prometheus"
