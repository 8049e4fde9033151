"""OAC903: every built dashboard against the Grafana dashboard JSON schema.

The schema (``obs_as_code/data/dashboard.schema.json``) is generated from npm
``@grafana/schema`` by ``scripts/gen-dashboard-schema.sh`` and committed, so this
needs no Node at run time. Findings point at the user's line of the panel:
``dashboards/llm.py:42: OAC903 panels[3].gridPos.w: 'x' is not of type 'number'``.

The schema's ``panels`` items are ``anyOf [Panel, RowPanel]`` and ``Panel`` is
open, so a row matches ``Panel`` and its own fields and nested panels would go
unchecked. Each panel is therefore validated on its own against the definition
Grafana uses for it, chosen by its ``type`` (``row``: ``RowPanel``, whose
``panels`` are ``Panel`` s; anything else: ``Panel``), and all its errors are
reported (an ``anyOf`` inside, such as a value mapping, still by its one likely
cause, :func:`_cause`). The rest of the dashboard is validated against the
schema with the ``panels`` items left out.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError, best_match

from obs_as_code.artifacts import Artifact
from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.source import SourceLocation

SCHEMA_FILE = "dashboard.schema.json"
PANEL = "Panel"
ROW_PANEL = "RowPanel"


@cache
def _schema() -> dict[str, Any]:
    text = resources.files("obs_as_code.data").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _dashboard_validator() -> Draft7Validator:
    """The schema without the items of the dashboard's ``panels`` (each panel is
    checked on its own, :func:`_panel_validator`); the list itself still is."""
    schema = copy.deepcopy(_schema())
    del schema["definitions"]["Dashboard"]["properties"]["panels"]["items"]
    return Draft7Validator(schema)


@cache
def _panel_validator(definition: str) -> Draft7Validator:
    """A validator for one panel against ``#/definitions/<definition>``."""
    schema = _schema()
    return Draft7Validator(
        {
            "$schema": schema["$schema"],
            "$ref": f"#/definitions/{definition}",
            "definitions": schema["definitions"],
        }
    )


def json_path(path: Sequence[str | int]) -> str:
    """``("panels", 3, "gridPos")`` -> ``panels[3].gridPos`` (``$`` for the root)."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "$"


def _mismatch(e: ValidationError) -> bool:
    """Whether ``e`` says its branch is the wrong one rather than a mistake in it:
    the branch's discriminator (``type: const "range"`` of a value mapping) fails,
    or the value is not of the branch's JSON type at all (a list tried against
    ``string`` of ``anyOf [string, array]``)."""
    path = list(e.relative_path)
    return (e.validator in ("const", "enum") and path[-1:] == ["type"]) or (e.validator == "type" and not path)


def _branch_rank(errors: list[ValidationError]) -> tuple[int, int]:
    # A wrong branch, whatever else it says, after the rest; among these the
    # one with fewest errors.
    return (1 if any(map(_mismatch, errors)) else 0, len(errors))


def _unknown_discriminator(e: ValidationError, branches: list[list[ValidationError]]) -> ValidationError | None:
    """When every branch of ``e`` fails on its ``type`` discriminator (a value
    mapping of type ``"bogus"``): that ``type`` with all the values the branches
    take, instead of the first branch's alone."""
    wanted: list[Any] = []
    for errors in branches:
        consts = [x for x in errors if x.validator == "const" and list(x.relative_path) == ["type"]]
        if not consts:
            return None
        wanted.append(consts[0].validator_value)
    if len(wanted) < 2 or not isinstance(e.instance, dict):
        return None
    return ValidationError(
        f"{e.instance.get('type')!r} is not one of {', '.join(map(repr, wanted))}",
        validator="enum",
        validator_value=wanted,
        instance=e.instance.get("type"),
        path=[*e.absolute_path, "type"],
    )


def _cause(e: ValidationError) -> ValidationError:
    """The most relevant error: for ``anyOf``/``oneOf``, the error of the branch the
    data most likely meant (``best_match`` within it), recursively."""
    while e.context:
        branches: dict[object, list[ValidationError]] = {}
        for sub in e.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        unknown = _unknown_discriminator(e, list(branches.values()))
        if unknown is not None:
            return unknown
        best = min(branches.values(), key=_branch_rank)
        deeper = best_match(best)
        if deeper is None:
            break
        e = deeper
    return e


def _errors(
    v: Draft7Validator, data: Any, prefix: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    for e in v.iter_errors(data):
        cause = _cause(e)
        yield (*prefix, *cause.absolute_path), cause.message


def dashboard_errors(data: Any) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """``(data path, message)`` for each schema violation in ``data``, stable order
    (sorted by path, then message; no duplicates)."""
    found = set(_errors(_dashboard_validator(), data, ()))
    panels = data.get("panels") if isinstance(data, dict) else None
    if isinstance(panels, list):
        for i, panel in enumerate(panels):
            # As Grafana reads it: a row is a RowPanel (its ``panels``: Panels).
            is_row = isinstance(panel, dict) and panel.get("type") == "row"
            found.update(
                _errors(_panel_validator(ROW_PANEL if is_row else PANEL), panel, ("panels", i))
            )
            nested = panel.get("panels") if is_row else None
            for j, inner in enumerate(nested if isinstance(nested, list) else []):
                if isinstance(inner, dict) and inner.get("type") == "row":
                    # The schema's Panel is open, so a row passes as one; Grafana
                    # has no rows inside rows and would not show what it holds.
                    found.add((("panels", i, "panels", j), "a row inside a row: Grafana shows rows at the top level only"))
                    found.update(_errors(_panel_validator(ROW_PANEL), inner, ("panels", i, "panels", j)))
    yield from sorted(found, key=lambda f: (json_path(f[0]), f[1]))


def _locate(artifact: Artifact, path: tuple[str | int, ...]) -> SourceLocation:
    probe = path
    while True:
        found = artifact.source_map.get(probe)
        if found is not None:
            return found
        if not probe:
            return SourceLocation(f"build/{artifact.path}")
        probe = probe[:-1]


def check(build_dir: Path, artifacts: Sequence[Artifact]) -> list[Diagnostic]:
    """Validate every dashboard under ``build_dir/grafana/dashboards``."""
    out: list[Diagnostic] = []
    for artifact in artifacts:
        if not (
            artifact.path.startswith("grafana/dashboards/") and artifact.path.endswith(".json")
        ):
            continue
        file = build_dir / artifact.path
        try:
            data = json.loads(file.read_text(encoding="utf-8")) if file.is_file() else artifact.data
        except (OSError, ValueError) as exc:
            out.append(
                error(
                    SourceLocation(f"build/{artifact.path}"), "OAC903", f"not readable JSON: {exc}"
                )
            )
            continue
        for path, message in dashboard_errors(data):
            if _library_panel_ref(data, path):
                continue  # OAC313 says what is missing (the schema: "'type' is a required property")
            out.append(error(_locate(artifact, path), "OAC903", f"{json_path(path)}: {message}", hint=_hint(path, message)))
    return out


def _library_panel_ref(data: Any, path: tuple[str | int, ...]) -> bool:
    """Whether ``path`` is (in) a library panel reference left without its model:
    the build reports it as OAC313, which names the library panel."""
    node = data
    for key in path:
        if isinstance(node, dict) and isinstance(node.get("libraryPanel"), dict):
            return True
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return False
    return isinstance(node, dict) and isinstance(node.get("libraryPanel"), dict)


def _hint(path: tuple[str | int, ...], message: str) -> str | None:
    """What to write, where the schema's message alone does not say it."""
    if path == () and message == "'schemaVersion' is a required property":
        # A dict dashboard written by hand: the SDK and grafanalib set it.
        from grafana_foundation_sdk.models.dashboard import Dashboard

        version = Dashboard().schema_version
        return (
            f'add "schemaVersion": {version} (what Grafana 11.6 writes) to the dashboard dict: '
            "without it Grafana runs every migration from version 0 on it"
        )
    return None
