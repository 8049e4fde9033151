"""Metrics catalogs for the lint: loaders and the index checks query.

A catalog comes from the project (``MetricsCatalog`` definitions), from a
Python module, from Prometheus text exposition format (what ``/metrics``
serves) or from a saved ``/api/v1/metadata`` response. Metadata carries no
labels, and a family without samples shows none: for those metrics the label
set is *open* and no label is ever reported as unknown.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import runpy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from obs_as_code.lint.types import COUNTER, GAUGE, INFO, UNKNOWN, MetricInfo, unit_from_name
from obs_as_code.model.catalog import Metric, MetricsCatalog, MetricType


class CatalogError(ValueError):
    """A catalog file that cannot be read."""


@dataclass
class LoadedCatalog:
    """A catalog read from a file; ``open_labels`` names metrics whose labels are unknown."""

    catalog: MetricsCatalog
    open_labels: frozenset[str] = frozenset()


_UNITS = {
    "seconds": "seconds", "second": "seconds", "s": "seconds",
    "bytes": "bytes", "byte": "bytes",
    "dollars": "dollars", "usd": "dollars", "dollar": "dollars",
    "ratio": "ratio", "percent": "percent", "bool": "bool", "boolean": "bool",
    "timestamp": "timestamp",
}  # fmt: skip


def _unit(metric: Metric) -> str | None:
    if metric.unit:
        return _UNITS.get(metric.unit.lower(), metric.unit.lower())
    return unit_from_name(metric.name)


@dataclass
class CatalogIndex:
    """Metrics by name, merged from one or more catalogs."""

    metrics: dict[str, Metric] = field(default_factory=dict)
    open_labels: set[str] = field(default_factory=set)

    @classmethod
    def build(cls, sources: Iterable[Any]) -> CatalogIndex:
        """Index ``MetricsCatalog``, ``LoadedCatalog`` and ``Metric`` objects (first wins)."""
        index = cls()
        for src in sources:
            if isinstance(src, LoadedCatalog):
                index.add(src.catalog.metrics)
                index.open_labels |= set(src.open_labels)
            elif isinstance(src, MetricsCatalog):
                index.add(src.metrics)
            elif isinstance(src, Metric):
                index.add([src])
        return index

    def add(self, metrics: Iterable[Metric]) -> None:
        for m in metrics:
            self.metrics.setdefault(m.name, m)

    def family(self, series: str) -> tuple[Metric, str] | None:
        """The metric family of a series name and the suffix that led there."""
        m = self.metrics.get(series)
        if m is not None:
            return m, ""
        for suffix in ("_bucket", "_sum", "_count", "_total", "_created", "_gsum", "_gcount"):
            if series.endswith(suffix):
                m = self.metrics.get(series[: -len(suffix)])
                if m is not None:
                    return m, suffix
        return None

    def info(self, series: str) -> MetricInfo | None:
        """What the catalog says about a series, or None when it does not list it."""
        found = self.family(series)
        if found is None:
            return None
        m, suffix = found
        labels: frozenset[str] | None = frozenset(m.labels)
        if m.name in self.open_labels:
            labels = None
        unit = _unit(m)
        if suffix == "_created":
            return MetricInfo(GAUGE, "timestamp", labels, False, True)
        if m.type == "histogram":
            if suffix == "_bucket":
                return MetricInfo(COUNTER, unit, labels, True, True)
            if suffix == "_sum":
                return MetricInfo(COUNTER, unit, labels, False, True)
            if suffix == "_count":
                return MetricInfo(COUNTER, None, labels, False, True)
            return MetricInfo(UNKNOWN, unit, labels, False, True)
        if m.type == "summary":
            if suffix == "_sum":
                return MetricInfo(COUNTER, unit, labels, False, True)
            if suffix == "_count":
                return MetricInfo(COUNTER, None, labels, False, True)
            return MetricInfo(GAUGE, unit, labels | {"quantile"} if labels is not None else None, False, True)
        if m.type == "counter":
            return MetricInfo(COUNTER, unit, labels, False, True)
        if m.type == "gauge":
            return MetricInfo(GAUGE, unit, labels, False, True)
        if m.type == "info":
            return MetricInfo(INFO, None, labels, False, True)
        return MetricInfo(UNKNOWN, unit, labels, False, False)

    def __len__(self) -> int:
        return len(self.metrics)


# --- loaders ---------------------------------------------------------------------

_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+\S+")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"')
_TYPES = {"counter", "gauge", "histogram", "summary", "info", "unknown", "untyped", "gaugehistogram", "stateset"}


def parse_exposition(text: str, name: str = "exposition") -> LoadedCatalog:
    """A catalog from Prometheus text exposition (or OpenMetrics) format."""
    types: dict[str, str] = {}
    helps: dict[str, str] = {}
    units: dict[str, str] = {}
    labels: dict[str, set[str]] = {}
    buckets: dict[str, set[float]] = {}
    order: list[str] = []

    def family_of(series: str) -> str:
        if series in types:
            return series
        for suffix in ("_bucket", "_sum", "_count", "_total", "_created", "_info"):
            base = series[: -len(suffix)]
            if series.endswith(suffix) and base in types:
                return base
        return series

    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 3 and parts[1] in ("TYPE", "HELP", "UNIT"):
                fam = parts[2]
                if fam not in order:
                    order.append(fam)
                rest = parts[3] if len(parts) > 3 else ""
                if parts[1] == "TYPE":
                    if rest not in _TYPES:
                        raise CatalogError(f"line {lineno}: unknown metric type {rest!r}")
                    types[fam] = rest
                elif parts[1] == "HELP":
                    helps[fam] = rest
                else:
                    units[fam] = rest
            continue
        m = _SAMPLE.match(line)
        if m is None:
            raise CatalogError(f"line {lineno}: not a sample: {line[:60]!r}")
        series, body = m.group(1), m.group(2) or ""
        fam = family_of(series)
        if fam not in order:
            order.append(fam)
        names = labels.setdefault(fam, set())
        for lname, lvalue in _LABEL.findall(body):
            if lname == "le" and series.endswith("_bucket"):
                with contextlib.suppress(ValueError):  # a malformed bound is not our problem
                    buckets.setdefault(fam, set()).add(float(lvalue))
                continue
            if lname == "quantile" and types.get(fam) == "summary":
                continue
            names.add(lname)
    metrics: list[Metric] = []
    open_labels: set[str] = set()
    for fam in order:
        kind = types.get(fam, "unknown")
        kind = {"untyped": "unknown", "gaugehistogram": "histogram", "stateset": "gauge"}.get(kind, kind)
        if fam not in labels:
            open_labels.add(fam)
        # The bounds as the Metric takes them: +Inf is every histogram's, NaN no bound.
        finite = sorted(b for b in buckets.get(fam, set()) if b != math.inf and not math.isnan(b))
        metrics.append(
            Metric(
                fam,
                cast(MetricType, kind),
                sorted(labels.get(fam, set())),
                unit=units.get(fam) or None,
                help=helps.get(fam, ""),
                buckets=finite,
            )
        )
    return LoadedCatalog(MetricsCatalog(metrics, name=name), frozenset(open_labels))


def parse_metadata(data: Any, name: str = "metadata") -> LoadedCatalog:
    """A catalog from a ``/api/v1/metadata`` response (or its ``data`` object)."""
    if isinstance(data, Mapping) and "data" in data and isinstance(data["data"], Mapping):
        data = data["data"]
    if not isinstance(data, Mapping):
        raise CatalogError("metadata JSON must be an object of metric name -> [{type, help, unit}]")
    metrics: list[Metric] = []
    for fam, entries in data.items():
        entry = entries[0] if isinstance(entries, list) and entries else entries
        if not isinstance(entry, Mapping):
            raise CatalogError(f"metadata for {fam!r} is not an object")
        kind = str(entry.get("type", "unknown"))
        kind = {"untyped": "unknown", "gaugehistogram": "histogram", "stateset": "gauge"}.get(kind, kind)
        if kind not in _TYPES:
            raise CatalogError(f"metric {fam!r}: unknown type {kind!r}")
        metrics.append(Metric(str(fam), cast(MetricType, kind), (), unit=entry.get("unit") or None, help=str(entry.get("help", ""))))
    return LoadedCatalog(MetricsCatalog(metrics, name=name), frozenset(m.name for m in metrics))


def load_python(path: Path) -> LoadedCatalog:
    """Every ``MetricsCatalog`` (and loose ``Metric``) a Python module defines at top level."""
    try:
        namespace = runpy.run_path(str(path))
    except Exception as exc:  # user code may raise anything
        raise CatalogError(f"{path}: {type(exc).__name__}: {exc}") from exc
    metrics: list[Metric] = []
    for value in namespace.values():
        items = value if isinstance(value, (list, tuple)) else [value]
        for item in items:
            if isinstance(item, MetricsCatalog):
                metrics.extend(item.metrics)
            elif isinstance(item, Metric):
                metrics.append(item)
    if not metrics:
        raise CatalogError(f"{path}: defines no MetricsCatalog")
    return LoadedCatalog(MetricsCatalog(metrics, name=path.stem))


def load_catalog(path: Path) -> LoadedCatalog:
    """Load a catalog file, choosing the format from its suffix and content."""
    if path.suffix == ".py":
        return load_python(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: {exc}") from exc
    if text.lstrip().startswith(("{", "[")):
        try:
            return parse_metadata(json.loads(text), name=path.stem)
        except json.JSONDecodeError as exc:
            raise CatalogError(f"{path}: invalid JSON: {exc}") from exc
    return parse_exposition(text, name=path.stem)


def catalog_from_series(names: Iterable[str], labels: Mapping[str, Iterable[str]] | None = None) -> MetricsCatalog:
    """A catalog listing ``names`` with types from naming conventions (for corpora)."""
    metrics = []
    for n in sorted(set(names)):
        kind: MetricType = "counter" if n.endswith(("_total", "_count", "_sum")) else "gauge"
        if n.endswith("_bucket"):
            kind, n = "histogram", n[: -len("_bucket")]
        metrics.append(Metric(n, kind, sorted((labels or {}).get(n, ()))))
    return MetricsCatalog(metrics, name="series")


__all__ = [
    "CatalogError",
    "CatalogIndex",
    "LoadedCatalog",
    "catalog_from_series",
    "load_catalog",
    "parse_exposition",
    "parse_metadata",
]
