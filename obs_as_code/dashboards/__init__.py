"""Dashboards: foundation-sdk builders (or grafanalib, or dicts) -> Grafana JSON.

``render_dashboard(d)`` is the entry point other stages use (lint checks over
panel queries, cross-artifact checks); :mod:`obs_as_code.dashboards.kit` is the
small helper layer users build dashboards with.
"""

from obs_as_code.dashboards.render import (
    RenderedDashboard,
    iter_panels,
    normalize,
    render_dashboard,
)

__all__ = ["RenderedDashboard", "iter_panels", "normalize", "render_dashboard"]
