"""``oac import openslo``: OpenSLO SLO and SLI documents -> a Python ``slos/`` module.

Reads ``openslo/v1`` (an SLO with an inline ``indicator`` or an ``indicatorRef``
to an SLI document in the same file, or one per objective; ``ratioMetric`` with
``good`` or ``bad`` over ``total``, or ``raw`` with ``rawType``; ``timeWindow``
with a ``duration``; metric source types from ``type`` or the ``DataSource``
``metricSourceRef`` names) and ``openslo/v1alpha``
(``ratioMetrics`` per objective, ``timeWindows`` in days, as Sloth reads it).
Each objective becomes one SLO; OpenSLO targets are ratios (0.999), ours are
percentages (99.9). Prometheus queries that are bare counters are wrapped in
``sum(rate(...[{window}]))``; queries with Sloth's ``{{.window}}`` keep their
shape. Alert policies are not mapped: the SLO gets the standard page and ticket
burn-rate alerts (or none with ``alerts=False``, as Sloth does for OpenSLO).
What is not mapped is reported in ``warnings``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from obs_as_code.importers._slo_source import (
    SLOSpec,
    SpecError,
    module_source,
    read_spec,
    warn,
    window_query,
)
from obs_as_code.slo.model import has_window, is_selector

V1 = "openslo/v1"
V1ALPHA = "openslo/v1alpha"
_COUNTER_AGG = re.compile(r"^\s*(sum|count)\s*(by\s*\([^)]*\)\s*)?\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*\s*(\{[^}]*\})?)\s*\)\s*$", re.S)


#: Kinds of OpenSLO documents the importer does not map, and why.
_NOT_IMPORTED = {
    "AlertPolicy": "the SLO gets the standard page and ticket burn-rate alerts instead",
    "AlertCondition": "the SLO gets the standard page and ticket burn-rate alerts instead",
    "AlertNotificationTarget": "route the alerts in Alertmanager (alertmanager/)",
}


def _metric_spec(source: Any, where: str, datasources: Mapping[str, str]) -> Mapping[str, Any]:
    """The ``spec`` of a Prometheus metric source; other sources are refused. The
    type comes from ``type``, or from the DataSource ``metricSourceRef`` names."""
    if not isinstance(source, Mapping):
        raise SpecError(f"{where}: expected a metric source")
    metric = source.get("metricSource", source)
    spec = metric.get("spec", metric) if isinstance(metric, Mapping) else None
    if not isinstance(spec, Mapping):
        raise SpecError(f"{where}: metricSource.spec is required")
    ref = metric.get("metricSourceRef")
    kind = str(metric.get("type") or datasources.get(str(ref), "") or source.get("source") or "prometheus").lower()
    if kind not in ("prometheus", "sloth", "any"):
        via = f" (DataSource {ref!r})" if ref and not metric.get("type") else ""
        raise SpecError(f"{where}: only Prometheus metric sources can be imported, not {kind!r}{via}")
    return spec


def _raw_query(spec: Mapping[str, Any], where: str) -> str:
    query = spec.get("query") or spec.get("promql")
    if not isinstance(query, str) or not query.strip():
        raise SpecError(f"{where}: a Prometheus query (spec.query) is required")
    return window_query(query)


def _query(source: Any, where: str, datasources: Mapping[str, str] | None = None) -> str:
    """The PromQL of a metric source, as an SLI template over ``{window}``."""
    query = _raw_query(_metric_spec(source, where, datasources or {}), where)
    if has_window(query) or is_selector(query):
        return query
    aggregated = _COUNTER_AGG.match(query)
    if aggregated is not None:
        # sum(counter{...}) over a counter: the events per window are its rate.
        by = f" {aggregated.group(2).strip()} " if aggregated.group(2) else ""
        return f"{aggregated.group(1)}{by}(rate({aggregated.group(3).strip()}[{{window}}]))"
    raise SpecError(
        f"{where}: cannot tell how to window the query {query!r}: write it with [{{{{.window}}}}] "
        "or as a bare counter selector"
    )


def _ratio(
    metric: Mapping[str, Any], where: str, datasources: Mapping[str, str] | None = None, warnings: list[str] | None = None
) -> tuple[str, dict[str, str]]:
    ds = datasources or {}
    if metric.get("raw") is not None:
        return _raw_ratio(metric, where, ds)
    if metric.get("counter") is False:
        # A gauge of events is not a counter: rate() of it means nothing.
        warn(warnings, f"{where}: counter: false is not supported: every query is read as a counter (rate over the window); check them")
    total = _query(metric.get("total"), f"{where}.total", ds)
    if metric.get("good") is not None:
        return "good", {"good": _query(metric["good"], f"{where}.good", ds), "total": total}
    if metric.get("bad") is not None:
        return "ratio", {"errors": _query(metric["bad"], f"{where}.bad", ds), "total": total}
    raise SpecError(f"{where}: ratioMetric needs good or bad, and total (or raw with rawType)")


def _raw_ratio(metric: Mapping[str, Any], where: str, datasources: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """``raw`` + ``rawType``: a precomputed ratio, as a :class:`RawSLI` (the error
    ratio averaged over the window; ``success`` ratios are turned round)."""
    raw_type = metric.get("rawType")
    if raw_type not in ("success", "failure"):
        raise SpecError(f"{where}: rawType (success or failure) is required with raw")
    query = _raw_query(_metric_spec(metric["raw"], f"{where}.raw", datasources), f"{where}.raw")
    if not has_window(query):
        if not is_selector(query):
            raise SpecError(f"{where}.raw: cannot tell how to window the query {query!r}: write it with [{{{{.window}}}}] or as a bare selector")
        query = f"avg_over_time({query}[{{window}}])"
    return "raw", {"raw": query if raw_type == "failure" else f"1 - ({query})"}


def _period_v1(spec: Mapping[str, Any], default: str, where: str) -> str:
    windows = spec.get("timeWindow") or []
    if not windows:
        return default
    if len(windows) > 1:
        raise SpecError(f"{where}.timeWindow: only one time window is supported")
    window = windows[0]
    if window.get("isRolling") is False:
        raise SpecError(f"{where}.timeWindow: calendar-aligned windows are not supported, only rolling ones")
    duration = window.get("duration")
    if not isinstance(duration, str):
        raise SpecError(f"{where}.timeWindow: duration (e.g. 30d) is required")
    return duration


def _target(objective: Mapping[str, Any], where: str) -> float:
    if "targetPercent" in objective:
        return float(objective["targetPercent"])
    if "target" in objective:
        return float(objective["target"]) * 100
    raise SpecError(f"{where}: target (a ratio such as 0.999) is required")


def _labels(metadata: Mapping[str, Any], where: str = "", warnings: list[str] | None = None) -> dict[str, str]:
    labels = metadata.get("labels") or {}
    out: dict[str, str] = {}
    if isinstance(labels, Mapping):
        for key, value in labels.items():
            if isinstance(value, (str, int, float)):
                out[str(key)] = str(value)
            elif isinstance(value, list) and len(value) == 1:
                out[str(key)] = str(value[0])
            elif isinstance(value, list) and value:
                # OpenSLO allows several values; a Prometheus label holds one. They
                # were dropped without a word.
                out[str(key)] = ",".join(str(v) for v in value)
                warn(warnings, f"{where}: label {key!r} has {len(value)} values; imported as one, {out[str(key)]!r}")
            else:
                warn(warnings, f"{where}: label {key!r} ({value!r}) is not a string or a list of strings; not imported")
    return out


def _slo_name(base: str, objective: Mapping[str, Any], index: int, count: int) -> str:
    if count == 1:
        return base
    label = objective.get("name") or objective.get("displayName")
    return f"{base}-{re.sub(r'[^a-z0-9]+', '-', str(label).lower()).strip('-')}" if label else f"{base}-{index}"


def _slo_header(doc: Mapping[str, Any], origin: str) -> tuple[Mapping[str, Any], Mapping[str, Any], str, str]:
    """An SLO document's metadata, spec, name and the prefix of its errors; both
    versions require a name and a service."""
    metadata = doc.get("metadata") or {}
    spec = doc.get("spec") or {}
    name = metadata.get("name")
    where = f"{origin}: SLO {name!r}"
    if not name or not spec.get("service"):
        raise SpecError(f"{where}: metadata.name and spec.service are required")
    return metadata, spec, str(name), where


def _indicator(ref_holder: Mapping[str, Any], slis: Mapping[str, Mapping[str, Any]], where: str) -> Mapping[str, Any] | None:
    """The inline ``indicator`` or the SLI document ``indicatorRef`` names."""
    indicator = ref_holder.get("indicator")
    if indicator is None and ref_holder.get("indicatorRef"):
        indicator = slis.get(str(ref_holder["indicatorRef"]))
        if indicator is None:
            raise SpecError(f"{where}: indicatorRef {ref_holder['indicatorRef']!r} names no SLI in the file")
    if indicator is not None and not isinstance(indicator, Mapping):
        raise SpecError(f"{where}: indicator must be a mapping")
    return indicator


def _from_v1(
    doc: Mapping[str, Any],
    slis: Mapping[str, Mapping[str, Any]],
    origin: str,
    period: str,
    alerts: bool,
    datasources: Mapping[str, str] | None = None,
    warnings: list[str] | None = None,
) -> list[SLOSpec]:
    metadata, spec, name, where = _slo_header(doc, origin)
    shared = _indicator(spec, slis, where)
    objectives = spec.get("objectives") or []
    if not objectives:
        raise SpecError(f"{where}: objectives are required")
    method = spec.get("budgetingMethod")
    if method == "Timeslices":
        # Good time slices over all slices (timeSliceTarget) is not an event ratio.
        warn(warnings, f"{where}: budgetingMethod Timeslices is imported as Occurrences (good events over all events); timeSliceTarget and timeSliceWindow are ignored")
    if spec.get("alertPolicies"):
        warn(warnings, f"{where}: alertPolicies are not imported; the SLO gets the standard page and ticket burn-rate alerts" + ("" if alerts else " (none with --no-alerts)"))
    slo_period = _period_v1(spec, period, where)
    labels = _labels(metadata, where, warnings)
    out: list[SLOSpec] = []
    for i, objective in enumerate(objectives):
        at = f"{where}.objectives[{i}]"
        # A composite SLO names an indicator per objective.
        indicator = _indicator(objective, slis, at) or shared
        if indicator is None:
            raise SpecError(f"{where}: an indicator or indicatorRef is required")
        sli_spec = indicator.get("spec") or {}
        if "ratioMetric" not in sli_spec:
            raise SpecError(f"{where}: only ratioMetric indicators can be imported (thresholdMetric has no event counts)")
        kind, queries = _ratio(sli_spec["ratioMetric"], f"{where}.indicator.ratioMetric", datasources, warnings)
        out.append(
            SLOSpec(
                service=str(spec["service"]),
                name=_slo_name(str(name), objective, i, len(objectives)),
                objective=_target(objective, at),
                sli_kind=kind,
                queries=queries,
                period=slo_period,
                description=str(spec.get("description") or metadata.get("displayName") or ""),
                labels=labels,
                alerts=alerts,
                alert_name=None,
                house_severity=True,
            )
        )
    return out


def _from_v1alpha(doc: Mapping[str, Any], origin: str, period: str, alerts: bool) -> list[SLOSpec]:
    _, spec, name, where = _slo_header(doc, origin)
    windows = spec.get("timeWindows") or []
    if windows:
        unit = str(windows[0].get("unit", "")).lower()
        if unit != "day":
            raise SpecError(f"{where}: only day-based time windows are supported")
        period = f"{int(windows[0]['count'])}d"
    out: list[SLOSpec] = []
    objectives = spec.get("objectives") or []
    for i, objective in enumerate(objectives):
        metrics = objective.get("ratioMetrics")
        if not isinstance(metrics, Mapping):
            raise SpecError(f"{where}.objectives[{i}]: only ratioMetrics objectives can be imported")
        kind, queries = _ratio(metrics, f"{where}.objectives[{i}].ratioMetrics")
        out.append(
            SLOSpec(
                service=str(spec["service"]),
                # Sloth's naming for OpenSLO objectives: <name>-<index>.
                name=f"{name}-{i}",
                objective=_target(objective, f"{where}.objectives[{i}]"),
                sli_kind=kind,
                queries=queries,
                period=period,
                description=str(spec.get("description") or ""),
                alerts=alerts,
                house_severity=True,
            )
        )
    if not out:
        raise SpecError(f"{where}: objectives are required")
    return out


def import_text(text: str, origin: str, period: str = "30d", alerts: bool = True, warnings: list[str] | None = None) -> str:
    """Python source for the SLOs of an OpenSLO YAML file (SLI documents are
    used through ``indicatorRef``, DataSource documents through
    ``metricSourceRef``); what it ignores is appended to ``warnings`` (and
    listed in the module)."""
    found: list[str] = [] if warnings is None else warnings
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        raise SpecError(f"{origin}: invalid YAML: {exc}") from exc
    slis = {
        str((d.get("metadata") or {}).get("name")): d
        for d in docs
        if isinstance(d, Mapping) and d.get("kind") == "SLI" and d.get("apiVersion") == V1
    }
    datasources = {
        str((d.get("metadata") or {}).get("name")): str((d.get("spec") or {}).get("type") or "")
        for d in docs
        if isinstance(d, Mapping) and d.get("kind") == "DataSource"
    }
    specs: list[SLOSpec] = []
    for doc in docs:
        if isinstance(doc, Mapping) and doc.get("kind") in _NOT_IMPORTED:
            name = (doc.get("metadata") or {}).get("name")
            warn(found, f"{origin}: {doc['kind']} {name!r} is not imported: {_NOT_IMPORTED[str(doc['kind'])]}")
        if not isinstance(doc, Mapping) or doc.get("kind") != "SLO":
            continue
        version = doc.get("apiVersion")
        if version == V1:
            specs.extend(_from_v1(doc, slis, origin, period, alerts, datasources, found))
        elif version == V1ALPHA:
            specs.extend(_from_v1alpha(doc, origin, period, alerts))
        else:
            raise SpecError(f"{origin}: unsupported OpenSLO apiVersion {version!r} (use {V1} or {V1ALPHA})")
    if not specs:
        raise SpecError(f"{origin}: no OpenSLO SLO document found")
    return module_source(specs, f"{Path(origin).name} (OpenSLO) by `oac import openslo`", found)


def import_file(path: Path, period: str = "30d", alerts: bool = True, warnings: list[str] | None = None) -> str:
    """Python source for an OpenSLO file."""
    return import_text(read_spec(path), str(path), period, alerts, warnings)
