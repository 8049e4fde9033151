"""Grafana datasources declared in Python, with stable UIDs dashboards refer to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from obs_as_code.model.base import Definition, require_strings

#: Datasource plugin types we know how to provision (name -> Grafana plugin id).
KNOWN_TYPES: frozenset[str] = frozenset(
    {"prometheus", "loki", "alertmanager", "tempo", "jaeger", "elasticsearch", "postgres"}
)


@dataclass
class Datasource(Definition):
    """A Grafana datasource: ``Datasource("Prometheus", "prometheus", "http://prometheus:9090",
    uid="prometheus")``.

    ``uid`` is what dashboards reference (``{"type": "prometheus", "uid": "prometheus"}``),
    so it must never change once dashboards use it. ``json_data`` goes to Grafana's
    ``jsonData`` verbatim (``{"implementation": "prometheus"}`` for Alertmanager).
    """

    name: str
    type: str
    url: str
    uid: str
    access: str = "proxy"
    is_default: bool = False
    json_data: dict[str, Any] = field(default_factory=dict)
    editable: bool = False

    top_level: ClassVar[bool] = True
    kind: ClassVar[str] = "datasource"

    def __post_init__(self) -> None:
        require_strings(self, ("name", "type", "url", "uid", "access"))

    def key(self) -> str:
        return self.uid

    def ref(self) -> dict[str, str]:
        """The ``{"type", "uid"}`` reference dashboards embed."""
        return {"type": self.type, "uid": self.uid}
