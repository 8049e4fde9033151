"""Grafana datasources declared in Python, with stable UIDs dashboards refer to."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from obs_as_code.model.base import Definition, require_strings

#: Datasource plugin types we know how to provision (name -> Grafana plugin id).
KNOWN_TYPES: frozenset[str] = frozenset(
    {"prometheus", "loki", "alertmanager", "tempo", "jaeger", "elasticsearch", "postgres"}
)

#: What Grafana resolves in a provisioning file: ``${NAME}`` or ``$__env{NAME}`` (its environment) or
#: ``$__file{/path}`` (a file's contents).
_REFERENCE = re.compile(
    r"^(?:\$(?:__env)?\{(?P<env>[A-Za-z_][A-Za-z0-9_]*)\}|\$__file\{(?P<file>[^{}\s]+)\})$"
)


def secure_reference(value: object) -> tuple[str, str] | None:
    """``("env", NAME)`` for ``"${NAME}"`` or ``"$__env{NAME}"`` (Grafana expands both
    from its environment), ``("file", PATH)`` for ``"$__file{PATH}"``, None for
    anything else (a literal, which must never be a ``secure_json_data`` value)."""
    match = _REFERENCE.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    return ("env", match["env"]) if match["env"] else ("file", match["file"])


@dataclass
class Datasource(Definition):
    """A Grafana datasource: ``Datasource("Prometheus", "prometheus", "http://prometheus:9090",
    uid="prometheus")``.

    ``uid`` is what dashboards reference (``{"type": "prometheus", "uid": "prometheus"}``),
    so it must never change once dashboards use it. ``json_data`` goes to Grafana's
    ``jsonData`` verbatim (``{"implementation": "prometheus"}`` for Alertmanager):
    Grafana shows it to every viewer, so it holds no secret.

    Credentials go to ``secure_json_data`` (Grafana's ``secureJsonData``, stored
    encrypted), whose values are references resolved when Grafana reads the
    provisioning file, never the secret itself: ``"${MIMIR_TOKEN}"`` (an environment
    variable of the Grafana process) or ``"$__file{/run/secrets/mimir-token}"`` (a
    file's contents). Basic auth is ``basic_auth_user="svc"`` with the password in
    ``secure_json_data={"basicAuthPassword": "${MIMIR_PASSWORD}"}``. Check OAC111
    rejects a literal credential anywhere in a datasource, without printing it.
    """

    name: str
    type: str
    url: str
    uid: str
    access: str = "proxy"
    is_default: bool = False
    json_data: dict[str, Any] = field(default_factory=dict)
    editable: bool = False
    #: Grafana's ``secureJsonData``: key -> ``${ENV}`` or ``$__file{/path}`` reference.
    secure_json_data: dict[str, str] = field(default_factory=dict)
    #: Basic auth user (renders ``basicAuth: true``); the password is ``secure_json_data["basicAuthPassword"]``.
    basic_auth_user: str | None = None

    top_level: ClassVar[bool] = True
    kind: ClassVar[str] = "datasource"

    def __post_init__(self) -> None:
        require_strings(
            self, ("name", "type", "url", "uid", "access"), optional=("basic_auth_user",)
        )
        super().__post_init__()

    def key(self) -> str:
        return self.uid

    def ref(self) -> dict[str, str]:
        """The ``{"type", "uid"}`` reference dashboards embed."""
        return {"type": self.type, "uid": self.uid}


def literal(value: Any) -> Any:
    """``value`` with every ``$`` of its strings doubled: Grafana expands ``$VAR``,
    ``${VAR}`` and ``$__file{...}`` in every string of a provisioning file and reads
    ``$$`` as one ``$``. The declared values are literal (references belong in
    ``secure_json_data``, OAC111), and some hold a ``$`` Grafana must keep: a Loki
    derived field's ``${__value.raw}``, a regex ending in ``$``."""
    return _strings(value, lambda text: text.replace("$", "$$"))


def unliteral(value: Any) -> Any:
    """The inverse of :func:`literal`: what Grafana reads from such a value."""
    return _strings(value, lambda text: text.replace("$$", "$"))


def _strings(value: Any, change: Callable[[str], str]) -> Any:
    """``value`` with ``change`` applied to every string in it (dicts' keys kept)."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {k: _strings(v, change) for k, v in value.items()}
    if isinstance(value, list):
        return [_strings(v, change) for v in value]
    return value
