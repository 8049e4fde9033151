"""``oac import sloth``: Sloth ``prometheus/v1`` specs (or the same spec as a
``PrometheusServiceLevel`` Kubernetes resource) -> a Python ``slos/`` module.

The mapping is one to one: the service's labels and the SLO's labels merge into
``SLO.labels`` (the SLO's win), ``events`` becomes a :class:`RatioSLI` and
``raw`` a :class:`RawSLI` (``{{.window}}`` is written ``{window}``), and
``alerting`` keeps its name, labels, annotations and per-alert options. The
house ``severity`` label is not added where the spec has none, so the rules
are the ones Sloth would generate.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from obs_as_code.importers._slo_source import (
    AlertSpec,
    SLOSpec,
    SpecError,
    module_source,
    read_spec,
    unknown_keys,
    window_query,
)

VERSION = "prometheus/v1"
#: The Kubernetes CRD form of the same spec (camelCase keys under ``spec``).
K8S_API = "sloth.slok.dev/v1"
K8S_KIND = "PrometheusServiceLevel"
_K8S_KEYS = {
    "errorQuery": "error_query",
    "totalQuery": "total_query",
    "errorRatioQuery": "error_ratio_query",
    "pageAlert": "page_alert",
    "ticketAlert": "ticket_alert",
    # Without it a resource's plugins (rule intervals, or Go plugins that must be
    # refused) were dropped without a word.
    "sloPlugins": "slo_plugins",
}
#: The keys Sloth reads at each level of a prometheus/v1 spec (pkg/prometheus/api/v1).
_DOC_KEYS = frozenset({"version", "service", "labels", "slo_plugins", "slos"})
_SLO_KEYS = frozenset({"name", "description", "objective", "plugins", "labels", "sli", "alerting"})
_SLI_KEYS = frozenset({"raw", "events", "plugin"})
_ALERTING_KEYS = frozenset({"name", "labels", "annotations", "page_alert", "ticket_alert"})
_ALERT_KEYS = frozenset({"disable", "labels", "annotations"})


def _from_k8s(value: Any) -> Any:
    """A ``PrometheusServiceLevel`` spec in the ``prometheus/v1`` spelling."""
    if isinstance(value, Mapping):
        return {_K8S_KEYS.get(k, k): (v if k in ("labels", "annotations") else _from_k8s(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_k8s(v) for v in value]
    return value


RULE_INTERVALS = "sloth.dev/contrib/rule_intervals/v1"
#: Sloth's own generation steps: listing them (with overridePrevious) changes nothing.
CORE_PLUGINS = frozenset(
    f"sloth.dev/core/{name}/v1" for name in ("sli_rules", "metadata_rules", "alert_rules", "validate", "noop", "debug")
)
_INTERVAL_KEYS = {"default": "default", "sliError": "sli", "metadata": "metadata", "alert": "alerts"}


def _plugins(data: Any, where: str) -> dict[str, str]:
    """The rule intervals a plugin chain sets; other plugins run Go code: refused."""
    if not data:
        return {}
    intervals: dict[str, str] = {}
    for i, plugin in enumerate((data or {}).get("chain") or []):
        plugin_id = plugin.get("id") if isinstance(plugin, Mapping) else None
        if plugin_id in CORE_PLUGINS:
            continue
        if plugin_id == RULE_INTERVALS:
            config = ((plugin.get("config") or {}).get("interval")) or {}
            intervals.update({_INTERVAL_KEYS[k]: str(v) for k, v in config.items() if k in _INTERVAL_KEYS})
            continue
        raise SpecError(f"{where}.chain[{i}]: SLO plugin {plugin_id!r} runs Sloth's Go code and cannot be imported")
    return intervals


def _strings(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise SpecError(f"{where}: expected a mapping of strings")
    return {str(k): str(v) for k, v in value.items()}


def _alert(data: Any, where: str, warnings: list[str] | None = None) -> AlertSpec:
    data = data or {}
    if not isinstance(data, Mapping):
        raise SpecError(f"{where}: expected a mapping")
    unknown_keys(data, _ALERT_KEYS, where, warnings)
    return AlertSpec(
        disable=bool(data.get("disable", False)),
        labels=_strings(data.get("labels"), f"{where}.labels"),
        annotations=_strings(data.get("annotations"), f"{where}.annotations"),
    )


def specs_from_document(doc: Mapping[str, Any], origin: str, period: str = "30d", warnings: list[str] | None = None) -> list[SLOSpec]:
    """The SLOs of one ``prometheus/v1`` document (``warnings`` collects what is ignored)."""
    if doc.get("version") != VERSION:
        raise SpecError(f"{origin}: not a Sloth {VERSION} spec (version: {doc.get('version')!r})")
    service = doc.get("service")
    if not isinstance(service, str) or not service:
        raise SpecError(f"{origin}: service is required")
    unknown_keys(doc, _DOC_KEYS, origin, warnings)
    group_labels = _strings(doc.get("labels"), f"{origin}: labels")
    group_intervals = _plugins(doc.get("slo_plugins"), f"{origin}: slo_plugins")
    out: list[SLOSpec] = []
    for i, slo in enumerate(doc.get("slos") or []):
        where = f"{origin}: slos[{i}]"
        if not isinstance(slo, Mapping) or not isinstance(slo.get("name"), str):
            raise SpecError(f"{where}: name is required")
        unknown_keys(slo, _SLO_KEYS, where, warnings)
        sli = slo.get("sli") or {}
        unknown_keys(sli, _SLI_KEYS, f"{where}.sli", warnings)
        if "events" in sli:
            events = sli["events"] or {}
            if not events.get("error_query") or not events.get("total_query"):
                raise SpecError(f"{where}.sli.events: error_query and total_query are required")
            kind, queries = "ratio", {"errors": window_query(events["error_query"]), "total": window_query(events["total_query"])}
        elif "raw" in sli:
            raw = (sli["raw"] or {}).get("error_ratio_query")
            if not raw:
                raise SpecError(f"{where}.sli.raw: error_ratio_query is required")
            kind, queries = "raw", {"raw": window_query(raw)}
        elif "plugin" in sli:
            raise SpecError(f"{where}.sli.plugin: SLI plugins run Sloth's Go code and cannot be imported; rewrite it as events or raw")
        else:
            raise SpecError(f"{where}.sli: one of events or raw is required")
        try:
            objective = float(slo["objective"])
        except (KeyError, TypeError, ValueError) as exc:
            raise SpecError(f"{where}: objective is required (a percentage)") from exc
        alerting = slo.get("alerting") or {}
        unknown_keys(alerting, _ALERTING_KEYS, f"{where}.alerting", warnings)
        page = _alert(alerting.get("page_alert"), f"{where}.alerting.page_alert", warnings)
        ticket = _alert(alerting.get("ticket_alert"), f"{where}.alerting.ticket_alert", warnings)
        name = alerting.get("name")
        if not name and not (page.disable and ticket.disable):
            raise SpecError(f"{where}.alerting.name is required unless both alerts are disabled")
        out.append(
            SLOSpec(
                service=service,
                name=slo["name"],
                objective=objective,
                sli_kind=kind,
                queries=queries,
                period=period,
                description=str(slo.get("description") or ""),
                labels={**group_labels, **_strings(slo.get("labels"), f"{where}.labels")},
                alert_name=name or None,
                alert_labels=_strings(alerting.get("labels"), f"{where}.alerting.labels"),
                alert_annotations=_strings(alerting.get("annotations"), f"{where}.alerting.annotations"),
                page=page,
                ticket=ticket,
                intervals={**group_intervals, **_plugins(slo.get("plugins"), f"{where}.plugins")},
            )
        )
    if not out:
        raise SpecError(f"{origin}: no slos")
    return out


def import_text(text: str, origin: str, period: str = "30d", warnings: list[str] | None = None) -> str:
    """Python source for every document of a (multi-document) Sloth YAML file;
    what it ignores is appended to ``warnings`` (and listed in the module)."""
    found: list[str] = [] if warnings is None else warnings
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        raise SpecError(f"{origin}: invalid YAML: {exc}") from exc
    specs: list[SLOSpec] = []
    for i, doc in enumerate(docs):
        if not isinstance(doc, Mapping):
            raise SpecError(f"{origin}: document {i + 1} is not a mapping")
        if doc.get("kind") == K8S_KIND and doc.get("apiVersion") == K8S_API:
            doc = {"version": VERSION, **_from_k8s(doc.get("spec") or {})}
        specs.extend(specs_from_document(doc, origin if len(docs) == 1 else f"{origin} (document {i + 1})", period, found))
    if not specs:
        raise SpecError(f"{origin}: no Sloth spec found")
    return module_source(specs, f"{Path(origin).name} (Sloth {VERSION}) by `oac import sloth`", found)


def import_file(path: Path, period: str = "30d", warnings: list[str] | None = None) -> str:
    """Python source for a Sloth spec file."""
    return import_text(read_spec(path), str(path), period, warnings)
