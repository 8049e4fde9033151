"""A dashboard as the pipeline carries it.

The dashboard itself is a grafana-foundation-sdk builder or model (preferred), a
grafanalib ``Dashboard`` or a plain JSON dict; this wrapper only adds what the
pipeline needs: where it was declared, its UID and its folder. The dashboard
layer (``obs_as_code.dashboards``) turns ``source`` into plain JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from obs_as_code.model.base import Definition, require_strings


@dataclass
class DashboardDef(Definition):
    """A dashboard declared by a user or generated (an SLO's dashboard).

    ``uid`` None means: derive it from the module path (``obs_as_code.names``);
    ``folder`` None means: the module's directory under ``dashboards/``.
    ``name`` is the module-level variable name, used to keep UIDs unique when a
    module declares several dashboards.
    """

    source: Any
    uid: str | None = None
    folder: str | None = None
    name: str = ""

    top_level: ClassVar[bool] = True
    kind: ClassVar[str] = "dashboard"

    def __post_init__(self) -> None:
        require_strings(self, ("name",), optional=("uid", "folder"))
        super().__post_init__()

    def key(self) -> str:
        return self.uid or self.name

    def assigned_to(self, name: str) -> None:
        # Several DashboardDefs in one module without a uid each get the variable
        # name in their UID, as dashboards the loader wraps do.
        if not self.name:
            self.name = name
