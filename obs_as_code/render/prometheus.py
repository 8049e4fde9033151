"""Render rule groups and the Prometheus config into ``build/prometheus/``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from obs_as_code import names
from obs_as_code.artifacts import Artifact
from obs_as_code.durations import normalize_lenient as normalize
from obs_as_code.load import Project
from obs_as_code.model.base import Definition
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
from obs_as_code.model.rules import AlertRule, RecordingRule, RuleGroup
from obs_as_code.source import SourceLocation

PROMETHEUS_YML = "prometheus/prometheus.yml"


def _sorted(mapping: Mapping[str, Any]) -> dict[str, Any]:
    return {k: mapping[k] for k in sorted(mapping)}


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    """Set ``key`` unless ``value`` is None or empty: output carries no noise."""
    if value is None or (isinstance(value, (list, dict, tuple)) and not value):
        return
    out[key] = value


def render_rule(rule: AlertRule | RecordingRule, group_labels: Mapping[str, str]) -> dict[str, Any]:
    """One rule as Prometheus' rulefmt writes it (alert/record first)."""
    out: dict[str, Any] = {}
    labels = {**group_labels, **rule.labels}
    if isinstance(rule, AlertRule):
        out["alert"] = rule.name
        out["expr"] = rule.expr
        if rule.for_ is not None:
            out["for"] = normalize(rule.for_)
        if rule.keep_firing_for is not None:
            out["keep_firing_for"] = normalize(rule.keep_firing_for)
        _put(out, "labels", _sorted(labels))
        _put(out, "annotations", _sorted(rule.annotations))
    else:
        out["record"] = rule.name
        out["expr"] = rule.expr
        _put(out, "labels", _sorted(labels))
    return out


def render_group(group: RuleGroup) -> dict[str, Any]:
    """One rule group."""
    out: dict[str, Any] = {"name": group.name}
    if group.interval is not None:
        out["interval"] = normalize(group.interval)
    if group.limit is not None:
        out["limit"] = group.limit
    for key in sorted(group.extra):
        out[key] = group.extra[key]
    out["rules"] = [render_rule(r, group.labels) for r in group.rules]
    return out


def rule_artifacts(groups: Sequence[RuleGroup]) -> list[Artifact]:
    """One rule file per module that declares groups, groups in declaration order."""
    by_file: dict[str, list[RuleGroup]] = defaultdict(list)
    for group in groups:
        by_file[names.rule_file(group.module or group.location.file)].append(group)
    artifacts = []
    for path in sorted(by_file):
        file_groups = by_file[path]
        smap: dict[tuple[str | int, ...], SourceLocation] = {}
        for gi, group in enumerate(file_groups):
            smap[("groups", gi)] = group.location
            for ri, rule in enumerate(group.rules):
                smap[("groups", gi, "rules", ri)] = rule.location
        artifacts.append(
            Artifact(
                path,
                {"groups": [render_group(g) for g in file_groups]},
                "yaml",
                sources=sorted({g.module for g in file_groups if g.module}),
                source_map=smap,
            )
        )
    return artifacts


def _auth(
    out: dict[str, Any],
    basic: BasicAuth | None,
    authorization: Authorization | None,
    tls: TLSConfig | None,
) -> None:
    if basic is not None:
        out["basic_auth"] = {"username": basic.username, "password_file": basic.password_file}
    if authorization is not None:
        out["authorization"] = {"type": authorization.type, "credentials_file": authorization.credentials_file}
    if tls is not None:
        tls_out: dict[str, Any] = {}
        for key in ("ca_file", "cert_file", "key_file", "server_name", "insecure_skip_verify", "min_version", "max_version"):
            _put(tls_out, key, getattr(tls, key))
        out["tls_config"] = tls_out


def render_relabel(cfg: RelabelConfig) -> dict[str, Any]:
    """One relabel config."""
    out: dict[str, Any] = {}
    for key in ("source_labels", "separator", "target_label", "regex", "modulus", "replacement", "action"):
        value = getattr(cfg, key)
        _put(out, key, list(value) if key == "source_labels" and value is not None else value)
    return out


def _static(cfg: StaticConfig) -> dict[str, Any]:
    out: dict[str, Any] = {"targets": list(cfg.targets)}
    _put(out, "labels", _sorted(cfg.labels))
    return out


def render_job(job: ScrapeJob) -> dict[str, Any]:
    """One scrape config."""
    out: dict[str, Any] = {"job_name": job.name}
    for key in ("scrape_interval", "scrape_timeout"):
        value = getattr(job, key)
        if value is not None:
            out[key] = normalize(value)
    _put(out, "metrics_path", job.metrics_path)
    _put(out, "scheme", job.scheme)
    _put(out, "params", {k: list(v) for k, v in sorted(job.params.items())})
    _put(out, "honor_labels", job.honor_labels)
    _put(out, "honor_timestamps", job.honor_timestamps)
    _put(out, "sample_limit", job.sample_limit)
    _auth(out, job.basic_auth, job.authorization, job.tls_config)
    statics = [_static(s) for s in job.static_configs]
    if job.targets:
        statics.insert(0, _static(StaticConfig(targets=job.targets, labels=job.labels)))
    _put(out, "static_configs", statics)
    _put(out, "relabel_configs", [render_relabel(r) for r in job.relabel_configs])
    _put(out, "metric_relabel_configs", [render_relabel(r) for r in job.metric_relabel_configs])
    for key in sorted(job.extra):
        out[key] = job.extra[key]
    return out


def render_alertmanager(target: AlertmanagerTarget) -> dict[str, Any]:
    """One ``alerting.alertmanagers`` entry."""
    out: dict[str, Any] = {}
    _put(out, "scheme", target.scheme)
    _put(out, "path_prefix", target.path_prefix)
    if target.timeout is not None:
        out["timeout"] = normalize(target.timeout)
    _put(out, "api_version", target.api_version)
    _auth(out, target.basic_auth, target.authorization, target.tls_config)
    out["static_configs"] = [{"targets": list(target.targets)}]
    for key in sorted(target.extra):
        out[key] = target.extra[key]
    return out


def config_artifact(
    config: PrometheusConfig | None, jobs: Sequence[ScrapeJob], rule_files: Sequence[str]
) -> Artifact:
    """``prometheus.yml``: global, alerting, rule_files (relative to the file), scrape_configs."""
    config = config or PrometheusConfig(location=SourceLocation("<default>"))
    glob: dict[str, Any] = {
        "scrape_interval": normalize(config.scrape_interval),
        "evaluation_interval": normalize(config.evaluation_interval),
    }
    if config.scrape_timeout is not None:
        glob["scrape_timeout"] = normalize(config.scrape_timeout)
    _put(glob, "external_labels", _sorted(config.external_labels))
    data: dict[str, Any] = {"global": glob}
    if config.alertmanagers:
        data["alerting"] = {"alertmanagers": [render_alertmanager(a) for a in config.alertmanagers]}
    # Prometheus resolves rule_files relative to the directory of prometheus.yml.
    files = [p.removeprefix("prometheus/") for p in rule_files] + list(config.rule_files)
    _put(data, "rule_files", files)
    data["scrape_configs"] = [render_job(j) for j in jobs]
    for key in sorted(config.extra):
        data[key] = config.extra[key]
    smap: dict[tuple[str | int, ...], SourceLocation] = {("global",): config.location}
    for i, job in enumerate(jobs):
        smap[("scrape_configs", i)] = job.location
    sources: list[str] = [d.module for d in [config, *jobs] if isinstance(d, Definition) and d.module]
    return Artifact(PROMETHEUS_YML, data, "yaml", sources=sorted(set(sources)), source_map=smap)


def render_rules(project: Project) -> list[Artifact]:
    """The rule files: each depends only on the module declaring its groups, so an
    incremental build renders them per module (see :mod:`obs_as_code.incremental`)."""
    return rule_artifacts(project.all(RuleGroup))


def render_config(project: Project) -> list[Artifact]:
    """``prometheus.yml``, which depends on every module (jobs, rule file list)."""
    groups = project.all(RuleGroup)
    configs = project.all(PrometheusConfig)
    jobs = project.all(ScrapeJob)
    if not configs and not jobs and not groups:
        return []
    rule_files = sorted({names.rule_file(g.module or g.location.file) for g in groups})
    return [config_artifact(configs[0] if configs else None, jobs, rule_files)]


def render(project: Project) -> list[Artifact]:
    """All Prometheus artifacts of a project."""
    return [*render_rules(project), *render_config(project)]
