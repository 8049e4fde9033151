"""Grafana datasources declared in Python, with stable UIDs dashboards refer to."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from obs_as_code.model.base import Definition, FieldValueError, require_sequence, require_strings

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

    ``previous_names`` lists the names this datasource had before (same ``uid``).
    Grafana's file provisioning finds a datasource by its name, so after a rename
    it would insert the new name with a uid already taken and fail to start;
    each previous name is rendered into ``deleteDatasources`` (orgId 1), which
    Grafana applies before the ``datasources`` list: the old entry is deleted,
    the new one inserted with the same uid. ``oac build`` refuses a rename the
    last build shows without it (OAC113, docs/lint/OAC113.md). A datasource
    removed from the project is declared :class:`DeletedDatasource` (OAC114).
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
    #: Names this datasource (this ``uid``) had before: rendered as ``deleteDatasources``.
    previous_names: list[str] = field(default_factory=list)

    top_level: ClassVar[bool] = True
    kind: ClassVar[str] = "datasource"

    def __post_init__(self) -> None:
        require_strings(
            self, ("name", "type", "url", "uid", "access"), optional=("basic_auth_user",)
        )
        require_sequence(self, "previous_names", (str,), "names (strings)")
        for i, old in enumerate(self.previous_names):
            if not old.strip():
                raise FieldValueError(f"Datasource previous_names[{i}] is empty: write the name the datasource had", "previous_names")
        super().__post_init__()

    def key(self) -> str:
        return self.uid

    def ref(self) -> dict[str, str]:
        """The ``{"type", "uid"}`` reference dashboards embed."""
        return {"type": self.type, "uid": self.uid}


@dataclass
class DeletedDatasource(Definition):
    """A datasource removed from the project that Grafana must delete:
    ``DeletedDatasource("Tempo")``, declared in a module under ``datasources/``.

    Grafana's file provisioning never deletes a datasource that a file stops
    listing: every Grafana that provisioned it keeps it, with the secrets it
    holds, and dashboards still reading it keep working against a datasource
    nobody maintains. ``name`` (the name it had, as Grafana finds provisioned
    datasources by name) is rendered into ``deleteDatasources`` (orgId 1), like a
    rename's ``previous_names``. ``oac build`` refuses to drop a datasource the
    last build shows without it (OAC114, docs/lint/OAC114.md). Keep it until every
    Grafana that reads the file has started once with it; a name Grafana does not
    find is skipped, so keeping it longer costs nothing.
    """

    name: str

    top_level: ClassVar[bool] = True
    kind: ClassVar[str] = "deleted datasource"

    def __post_init__(self) -> None:
        require_strings(self, ("name",))
        if not self.name.strip():
            raise FieldValueError("DeletedDatasource name is empty: write the name the datasource had in Grafana", "name")
        super().__post_init__()

    def key(self) -> str:
        return self.name


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
