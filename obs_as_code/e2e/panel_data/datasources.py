"""Provisioned datasources, and which one a panel's or target's reference points at."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from obs_as_code.e2e.panel_data.formats import Variable
from obs_as_code.e2e.panel_data.intervals import DEFAULT_SCRAPE, DEFAULT_SCRAPE_MS, duration_ms
from obs_as_code.serialize import load_yaml


@dataclass(frozen=True)
class Datasource:
    """A provisioned Grafana datasource."""

    name: str
    uid: str
    type: str
    is_default: bool = False
    #: ``jsonData.timeInterval``: the scrape interval Grafana assumes.
    time_interval: str = ""


def load_datasources(build_dir: Path) -> list[Datasource]:
    """Datasources provisioned by ``build/grafana/provisioning/datasources/*.yaml``."""
    out: list[Datasource] = []
    folder = build_dir / "grafana" / "provisioning" / "datasources"
    for path in sorted(folder.glob("*.y*ml")) if folder.is_dir() else []:
        for ds in (load_yaml(path.read_text(encoding="utf-8")) or {}).get("datasources") or []:
            out.append(Datasource(
                name=str(ds.get("name", "")), uid=str(ds.get("uid") or ds.get("name", "")),
                type=str(ds.get("type", "")), is_default=bool(ds.get("isDefault")),
                time_interval=str((ds.get("jsonData") or {}).get("timeInterval") or ""),
            ))
    return out


#: Datasource references that are not datasources of a plugin type.
_SPECIAL_DS = {"-- Mixed --": "mixed", "-- Dashboard --": "dashboard", "-- Grafana --": "grafana",
               "__expr__": "__expr__", "grafana": "grafana"}


def datasource_type(
    ref: Any, variables: Mapping[str, Variable], datasources: Sequence[Datasource]
) -> str:
    """The plugin type a panel's or target's ``datasource`` reference points at.

    ``None`` is the default datasource; a ``${ds}`` reference is resolved
    through the datasource variable; an explicit ``type`` wins, except the type
    ``datasource`` of Grafana's own ones (``{"type": "datasource", "uid": "-- Mixed --"}``
    is the Mixed datasource).
    """
    if isinstance(ref, Mapping):
        if ref.get("type") == "datasource":
            return _SPECIAL_DS.get(str(ref.get("uid")), "datasource")
        if ref.get("type"):
            return str(ref["type"])
        ref = ref.get("uid")
    if ref is None or ref == "default":
        default = next((d for d in datasources if d.is_default), None)
        return default.type if default else "prometheus"
    text = str(ref)
    if text in _SPECIAL_DS:
        return _SPECIAL_DS[text]
    var = _datasource_variable(text, variables)
    if var is not None:
        text = var.values[0] if var.values else ""
        return next((d.type for d in datasources if text in (d.uid, d.name)), var.options[0] if var.options else "")
    return next((d.type for d in datasources if text in (d.uid, d.name)), text)


def _datasource_variable(text: str, variables: Mapping[str, Variable]) -> Variable | None:
    """The datasource variable a reference is (``$ds``, ``${ds}``), or None."""
    m = _VARIABLE_REF.fullmatch(text)
    var = variables.get(m[1]) if m else None
    return var if var is not None and var.type == "datasource" else None


_VARIABLE_REF = re.compile(r"\$\{?(\w+)\}?", re.ASCII)  # JavaScript's \w: ASCII


def datasource_of(
    ref: Any, variables: Mapping[str, Variable], datasources: Sequence[Datasource]
) -> Datasource | None:
    """The provisioned datasource a ``datasource`` reference points at (None: the
    default one is absent, or the reference names no provisioned datasource)."""
    if isinstance(ref, Mapping):
        ref = ref.get("uid")
    if ref is None or ref == "default":
        return next((d for d in datasources if d.is_default), None)
    text = str(ref)
    var = _datasource_variable(text, variables)
    if var is not None:
        text = var.values[0] if var.values else ""
    return next((d for d in datasources if text in (d.uid, d.name)), None)


def datasource_interval(ds: Datasource | None, override: str | None = None, *, unknown: Datasource | None = None) -> str:
    """The interval Grafana takes for a query of ``ds``, as written: the low limit
    of ``$__interval`` (the panel datasource's min interval), the scrape interval of
    ``$__rate_interval``, a query variable's ``$__interval``. ``override`` (one
    scrape interval for every datasource: an e2e run's ``1s``) when given; else
    ``ds``'s ``timeInterval``, or, ``ds`` None (no provisioned datasource found),
    ``unknown``'s; Grafana's 15s when that is not set."""
    if override:
        return override
    source = ds if ds is not None else unknown
    return (source.time_interval if source is not None else "") or DEFAULT_SCRAPE


def datasource_interval_ms(ds: Datasource | None, override: str | None = None, *, unknown: Datasource | None = None) -> int:
    """:func:`datasource_interval` in ms (Grafana's 15s when it cannot be read)."""
    return duration_ms(datasource_interval(ds, override, unknown=unknown)) or DEFAULT_SCRAPE_MS
