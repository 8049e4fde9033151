"""Loader adapter: dashboards assigned directly at module level become DashboardDefs.

Accepted: a grafana-foundation-sdk ``Dashboard`` builder or model, a grafanalib
``Dashboard``, and (only in modules under ``dashboards/``) a dict that looks like
dashboard JSON (a ``title`` and ``panels`` or ``rows``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from obs_as_code.discover import ModuleRef
from obs_as_code.load import LAZY_LOCATION
from obs_as_code.model.dashboard import DashboardDef
from obs_as_code.source import SourceLocation, location_of


def _is_sdk_dashboard(value: Any) -> bool:
    cls = type(value)
    return cls.__name__ == "Dashboard" and cls.__module__ in (
        "grafana_foundation_sdk.builders.dashboard",
        "grafana_foundation_sdk.models.dashboard",
    )


def _is_grafanalib_dashboard(value: Any) -> bool:
    cls = type(value)
    return cls.__name__ == "Dashboard" and cls.__module__.startswith("grafanalib.")


def looks_like_dashboard(value: Any) -> bool:
    """A dict with a ``title`` and ``panels`` or ``rows``."""
    return isinstance(value, Mapping) and "title" in value and ("panels" in value or "rows" in value)


def adapt(name: str, value: Any, ref: ModuleRef, loc: SourceLocation | Callable[[], SourceLocation]) -> DashboardDef | None:
    """Wrap a module-level dashboard object into a :class:`DashboardDef` (else None).

    ``loc`` is where ``name`` is assigned, or a function finding it (the loader
    passes one: see :data:`obs_as_code.load.LAZY_LOCATION`); a dashboard built
    with the kit carries its own location, so the assignment is looked up only
    for other dashboards."""
    if _is_sdk_dashboard(value):
        model = value.build() if hasattr(value, "build") else value
        # Built with kit.dashboard(): point at that call rather than the assignment.
        where = location_of(model)
        if where is None or where.file != ref.path:
            where = _resolved(loc)
        return DashboardDef(source=value, name=name, location=where)
    if _is_grafanalib_dashboard(value):
        return DashboardDef(source=value, name=name, location=_resolved(loc))
    if ref.path.startswith("dashboards/") and looks_like_dashboard(value):
        return DashboardDef(source=value, name=name, location=_resolved(loc))
    return None


def _resolved(loc: SourceLocation | Callable[[], SourceLocation]) -> SourceLocation:
    return loc if isinstance(loc, SourceLocation) else loc()


setattr(adapt, LAZY_LOCATION, True)
