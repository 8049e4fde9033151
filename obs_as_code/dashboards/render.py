"""Any accepted dashboard source -> normalized, deterministic Grafana dashboard JSON.

Sources: a grafana-foundation-sdk builder or built model (preferred), a grafanalib
``Dashboard``, or a plain dict. All become the same JSON: legacy ``rows`` moved
onto the grid, export placeholders (``${DS_PROMETHEUS}``) and datasource names
replaced by datasource references, ``null`` fields the SDK emits dropped, panel
ids and query refIds filled in, ``id`` and ``version`` removed. A source map ties
each panel (and target) back to the user's line.
"""

from __future__ import annotations

import ast
import copy
import json
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from obs_as_code import names, serialize
from obs_as_code.dashboards.migrate import migrate_rows, needs_migration
from obs_as_code.model.dashboard import DashboardDef
from obs_as_code.model.datasource import Datasource
from obs_as_code.source import SourceLocation, location_of, module_tree, project_root

DataPath = tuple[str | int, ...]

#: Export metadata Grafana adds to shared dashboards; meaningless once provisioned.
_EXPORT_KEYS = ("__inputs", "__requires", "__elements", "id", "version", "iteration", "gnetId")
#: Fields only interval variables have.
_INTERVAL_ONLY = ("auto", "auto_min", "auto_count")
#: Link fields Grafana defaults when absent (its schema requires them).
_LINK_DEFAULTS: dict[str, Any] = {
    "asDropdown": False,
    "icon": "external link",
    "includeVars": False,
    "keepTime": False,
    "tags": [],
    "targetBlank": False,
    "tooltip": "",
    "type": "link",
    "title": "",
}
_PLACEHOLDER = re.compile(r"\$\{(DS_[A-Za-z0-9_]+)\}")
#: Datasource names Grafana reserves, as written in old dashboards -> reference.
_BUILTIN_DATASOURCES: dict[str, dict[str, str]] = {
    "-- Grafana --": {"type": "grafana", "uid": "grafana"},
    "-- Mixed --": {"type": "datasource", "uid": "-- Mixed --"},
    "-- Dashboard --": {"type": "datasource", "uid": "-- Dashboard --"},
}
_REF_IDS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class LazySourceMap(Mapping[DataPath, SourceLocation]):
    """A source map whose entries beyond ``base`` are computed on first need:
    finding a dict dashboard's panel lines means reading its module's syntax tree,
    which only diagnostics use. Looking up a key ``base`` holds (the dashboard's own
    location, ``()``) never triggers it. It pickles unresolved when ``more`` does
    (a ``partial`` of a module-level function): the incremental cache keeps it so."""

    def __init__(self, base: dict[DataPath, SourceLocation], more: Callable[[], dict[DataPath, SourceLocation]] | None):
        self._base = base
        self._more: Callable[[], dict[DataPath, SourceLocation]] | None = more

    def __reduce__(self) -> tuple[type[LazySourceMap], tuple[dict[DataPath, SourceLocation], Callable[[], dict[DataPath, SourceLocation]] | None]]:
        # Spelled out: compiled (mypyc), the class has no instance __dict__ for
        # pickle's default to save.
        return LazySourceMap, (self._base, self._more)

    @property
    def pending(self) -> bool:
        """True until the lazy part has been computed."""
        return self._more is not None

    def _full(self) -> dict[DataPath, SourceLocation]:
        if self._more is not None:
            more, self._more = self._more, None
            self._base.update(more())
        return self._base

    def __getitem__(self, key: DataPath) -> SourceLocation:
        found = self._base.get(key)
        if found is not None:
            return found
        return self._full()[key]

    def __iter__(self) -> Iterator[DataPath]:
        return iter(self._full())

    def __len__(self) -> int:
        return len(self._full())


@dataclass
class RenderedDashboard:
    """A dashboard ready to write: ``json`` (normalized), its ``uid``, its ``folder``
    path (``""`` = General) and ``source_map`` from data paths such as
    ``("panels", 3)`` to the user's line that declared that part."""

    json: dict[str, Any]
    uid: str
    folder: str
    source_map: Mapping[DataPath, SourceLocation] = field(default_factory=dict)
    definition: DashboardDef | None = None
    #: Views of ``json`` that several checks read (their targets ...), made once
    #: by whoever needs them first; ``json`` must not change afterwards.
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def title(self) -> str:
        return str(self.json.get("title") or "")

    @property
    def text(self) -> str:
        """The output file's text (``serialize.dump_json`` of ``json``), made once
        (kept in :attr:`derived`: this module is compiled with mypyc, whose classes
        have no ``cached_property``): checks that look for strings anywhere in a
        dashboard (variables, recording rules) search it instead of walking the
        tree, and walk only on a hit; the Grafana renderer then writes it as is
        (:attr:`made_text`) rather than serializing again. ``json`` must not
        change once this has been read."""
        made: str | None = self.derived.get("text")
        if made is None:
            made = self.derived["text"] = serialize.dump_json(self.json)
        return made

    @property
    def made_text(self) -> str | None:
        """:attr:`text` if something has already made it, else None (so that a
        build serializing in several processes still does it there)."""
        made: str | None = self.derived.get("text")
        return made

    @property
    def path(self) -> str:
        """Output path under ``build/``."""
        return names.dashboard_file(self.folder, self.uid)

    def locate(self, path: DataPath) -> SourceLocation:
        """The closest mapped location for ``path`` (walking up to the dashboard)."""
        while path:
            found = self.source_map.get(path)
            if found is not None:
                return found
            path = path[:-1]
        return self.source_map.get((), SourceLocation("<dashboard>"))


# ---------------------------------------------------------------------------
# Source -> JSON


def _is_sdk(value: Any) -> bool:
    return type(value).__module__.startswith("grafana_foundation_sdk.")


def _is_grafanalib(value: Any) -> bool:
    return type(value).__module__.startswith("grafanalib.")


def _without_nulls(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # ``value: null`` is meaningful in threshold steps (the base step).
    return {k: v for k, v in pairs if v is not None or k == "value"}


def _decode(text: str) -> Any:
    # Dropping nulls while decoding costs far less than another walk of the tree,
    # and most SDK output has none but the threshold base steps: skip the hook then.
    if text.count("null") == text.count('"value": null'):
        return json.loads(text)
    return json.loads(text, object_pairs_hook=_without_nulls)


class _NotPlain(Exception):
    """A value :func:`plain_json` leaves to the JSON encoder (which may reject it)."""


#: Types :func:`plain_json` has met that the encoder hands to ``default`` (SDK models):
#: the checks of the encoder's order are made once per type.
_OBJECT_TYPES: set[type] = set()


#: How deep :func:`plain_json` goes before it gives up with ``RecursionError``:
#: far beyond any dashboard, and checked by hand because this module runs
#: compiled (mypyc), where a cycle would otherwise overflow the C stack
#: instead of reaching Python's recursion limit.
MAX_DEPTH = 400


def _too_deep() -> RecursionError:
    return RecursionError(f"dashboard model nested deeper than {MAX_DEPTH} levels (a cycle?)")


def plain_json(value: Any, depth: int = 0) -> Any:
    """What ``_decode(json.dumps(value, cls=JSONEncoder))`` gives for SDK output
    (objects with ``to_json``, plain containers, enums), made in one walk instead of
    encoding to text and parsing it back (about 40% less for a large project).
    Raises :class:`_NotPlain` for anything whose encoding it does not mirror
    exactly (non-string keys, container subclasses, non-finite floats, objects
    without ``to_json``), and ``RecursionError`` for cycles (past
    :data:`MAX_DEPTH`): the caller encodes those. ``depth``: how deep ``value``
    lies."""
    t = type(value)
    if t is str or t is int or t is bool or value is None:
        return value
    if t is dict:
        return _plain_dict(value, depth)
    if t is list or t is tuple:
        if depth > MAX_DEPTH:
            raise _too_deep()
        return [v if type(v) is str else plain_json(v, depth + 1) for v in value]
    if t is float:
        if math.isfinite(value):
            return value
        raise _NotPlain
    if t in _OBJECT_TYPES:  # known not to be a str, int, float or container subclass
        return _plain_object(value, depth)
    # The encoder's order for the rest: str, int, float subclasses (enums) as
    # their value; then ``default``, which calls ``to_json``.
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float) and math.isfinite(value):
        return float.__float__(value)
    if isinstance(value, (float, list, tuple, dict)):
        raise _NotPlain
    _OBJECT_TYPES.add(t)
    if t.__module__.startswith("grafana_foundation_sdk.models."):
        _FRESH_TYPES.add(t)
    return _plain_object(value, depth)


#: SDK model classes (:data:`_OBJECT_TYPES` met so far) whose ``to_json`` builds
#: its dict afresh on every call (every generated model's does: ``payload = {...}``
#: with the field names as keys): that dict is converted in place.
_FRESH_TYPES: set[type] = set()


def _plain_object(value: Any, depth: int) -> Any:
    # What the encoder's ``default`` does: the value of ``to_json()``, or an error.
    to_json = getattr(value, "to_json", None)
    if not callable(to_json):
        raise _NotPlain
    if depth > MAX_DEPTH:
        raise _too_deep()
    data = to_json()
    if type(data) is dict:
        return _plain_payload(data, depth=depth + 1) if type(value) in _FRESH_TYPES else _plain_dict(data, depth + 1)
    return plain_json(data, depth + 1)


def _plain_payload(data: dict[Any, Any], *, keys: bool = False, depth: int = 0) -> dict[str, Any]:
    """:func:`_plain_dict` of a dict nobody else holds (an SDK model's fresh
    ``to_json`` payload, or a copy), made in place: copying every payload into a
    new dict was a third of the conversion. ``keys``: check that every key is a
    string (a payload's are the model's field names)."""
    if depth > MAX_DEPTH:
        raise _too_deep()
    drop: list[str] | None = None
    for k, v in data.items():
        if keys and type(k) is not str:
            raise _NotPlain  # json turns 1, 1.0, True into strings
        tv = type(v)
        # Strings and numbers stay, SDK objects and dicts go straight to their
        # converter: most values are one of these, and a call each cost a third.
        if tv is str or tv is int or tv is bool:
            continue
        if v is not None:
            if tv in _OBJECT_TYPES:
                v = _plain_object(v, depth + 1)
            elif tv is dict:
                v = _plain_dict(v, depth + 1)
            else:
                v = plain_json(v, depth + 1)
            if v is not None:
                data[k] = v  # same keys, so iterating on is safe
                continue
        if k != "value":  # as _without_nulls: the base threshold step's value stays
            if drop is None:
                drop = []
            drop.append(k)
        else:
            data[k] = None
    if drop is not None:
        for k in drop:
            del data[k]
    return data


def _plain_dict(value: dict[Any, Any], depth: int) -> dict[str, Any]:
    return _plain_payload(dict(value), keys=True, depth=depth)


def source_json(source: Any) -> tuple[dict[str, Any], Any]:
    """``(json dict without nulls, SDK model or None)`` for any accepted source;
    the source itself is never modified."""
    if isinstance(source, Mapping):
        return _decode(json.dumps(source)), None
    if _is_sdk(source):
        model = source.build() if hasattr(source, "build") else source
        try:
            data = plain_json(model)
        except (_NotPlain, RecursionError):
            data = None
        if not isinstance(data, dict):  # the encoder decides (and raises what it raises)
            from grafana_foundation_sdk.cog.encoder import JSONEncoder

            data = _decode(json.dumps(model, cls=JSONEncoder))
        return data, model
    if _is_grafanalib(source) and hasattr(source, "to_json_data"):
        from grafanalib._gen import DashboardEncoder

        return _decode(json.dumps(source.to_json_data(), cls=DashboardEncoder)), None
    raise TypeError(
        f"unsupported dashboard source {type(source).__module__}.{type(source).__name__}: "
        "use a grafana-foundation-sdk Dashboard builder, a grafanalib Dashboard or a dict"
    )


# ---------------------------------------------------------------------------
# Normalization


def _drop_nulls(value: Any, key: str | None = None) -> Any:
    if isinstance(value, dict):
        # ``value: null`` is meaningful in threshold steps (the base step).
        return {k: _drop_nulls(v, k) for k, v in value.items() if v is not None or k == "value"}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value


def _replace_placeholders(value: Any, mapping: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda m: mapping.get(m.group(1), m.group(0)), value)
    if isinstance(value, dict):
        return {k: _replace_placeholders(v, mapping) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_placeholders(v, mapping) for v in value]
    return value


def _input_mapping(dashboard: Mapping[str, Any], datasources: Sequence[Datasource]) -> tuple[dict[str, str], dict[str, str]]:
    """``(placeholder -> uid, uid -> plugin type)`` from an export's ``__inputs``."""
    to_uid: dict[str, str] = {}
    types: dict[str, str] = {}
    for item in dashboard.get("__inputs") or []:
        if not isinstance(item, Mapping) or item.get("type") != "datasource":
            continue
        plugin = str(item.get("pluginId") or "")
        declared = next((d for d in datasources if d.type == plugin), None)
        uid = declared.uid if declared is not None else plugin
        to_uid[str(item.get("name"))] = uid
        types[uid] = plugin
    return to_uid, types


def _datasource_ref(value: Any, datasources: Sequence[Datasource], types: Mapping[str, str]) -> Any:
    """A legacy string datasource (a name, a uid or a variable) -> ``{"type", "uid"}``."""
    if not isinstance(value, str):
        return value
    if value in _BUILTIN_DATASOURCES:
        return dict(_BUILTIN_DATASOURCES[value])
    for d in datasources:
        if value in (d.uid, d.name):
            return d.ref()
    if value in types:
        return {"type": types[value], "uid": value}
    return {"uid": value}


def iter_panels(panels: Any, prefix: DataPath = ("panels",)) -> Iterator[tuple[DataPath, dict[str, Any]]]:
    """Every panel with its data path, rows' nested panels included (in order:
    each row before its panels). The list is made up front (it is read whole by
    every caller, and nested generators cost ~1 us a panel, a large share of a
    normalization), so changes to ``"panels"`` lists made while iterating are not
    seen."""
    return iter(panel_list(panels, prefix))


def panel_list(panels: Any, prefix: DataPath = ("panels",)) -> list[tuple[DataPath, dict[str, Any]]]:
    """:func:`iter_panels` as a list."""
    out: list[tuple[DataPath, dict[str, Any]]] = []
    if isinstance(panels, list):
        _add_panels(out, panels, prefix)
    return out


def _add_panels(out: list[tuple[DataPath, dict[str, Any]]], panels: list[Any], prefix: DataPath) -> None:
    for i, p in enumerate(panels):
        if not isinstance(p, dict):
            continue
        out.append(((*prefix, i), p))
        nested = p.get("panels")
        if isinstance(nested, list):
            _add_panels(out, nested, (*prefix, i, "panels"))


def normalize(data: dict[str, Any], datasources: Sequence[Datasource] = (), *, copied: bool = False) -> dict[str, Any]:
    """Normalized copy of dashboard JSON (see module docstring). Idempotent.

    ``copied``: ``data`` is already a private copy without nulls (from
    :func:`source_json`), so it is changed in place instead of copied again.
    """
    if not copied:
        data = _drop_nulls(data)
    if needs_migration(data):
        data = migrate_rows(data)
    mapping, types = _input_mapping(data, datasources)
    if mapping:
        data = _replace_placeholders(data, mapping)
    data = {k: v for k, v in data.items() if k not in _EXPORT_KEYS}
    # One list of the panels for the passes below (none of them adds or removes panels).
    panels = [p for _path, p in panel_list(data.get("panels"))]
    used_ids = {p.get("id") for p in panels if p.get("id")}
    next_id = 1
    for panel in panels:
        if not panel.get("id"):
            while next_id in used_ids:
                next_id += 1
            panel["id"] = next_id
            used_ids.add(next_id)
        if "datasource" in panel:
            panel["datasource"] = _datasource_ref(panel["datasource"], datasources, types)
        if panel.get("repeatDirection") and not panel.get("repeat"):
            del panel["repeatDirection"]  # the SDK emits it on every panel
        targets = panel.get("targets")
        if isinstance(targets, list):
            taken = {t.get("refId") for t in targets if isinstance(t, dict) and t.get("refId")}
            # The free refIds, listed when a target first needs one (a list, not
            # a generator: mypyc, which compiles this module, makes a generator
            # expression here a list, which next() would not take).
            free: Iterator[str] | None = None
            for t in targets:
                if isinstance(t, dict):
                    if not t.get("refId"):
                        if free is None:
                            free = iter([r for r in _REF_IDS if r not in taken])
                        t["refId"] = next(free, f"Q{len(taken)}")
                    if "datasource" in t:
                        t["datasource"] = _datasource_ref(t["datasource"], datasources, types)
    templating = data.get("templating")
    if isinstance(templating, dict):
        for var in templating.get("list") or []:
            if isinstance(var, dict) and "datasource" in var:
                var["datasource"] = _datasource_ref(var["datasource"], datasources, types)
    _fill_defaults(data, panels)
    annotations = data.get("annotations")
    if not isinstance(annotations, dict):
        annotations = {}
    for ann in annotations.get("list") or []:
        if isinstance(ann, dict) and "datasource" in ann:
            ann["datasource"] = _datasource_ref(ann["datasource"], datasources, types)
    annotations.setdefault("list", [])
    data["annotations"] = annotations
    data.setdefault("templating", {"list": []})
    if isinstance(data["templating"], dict):
        data["templating"].setdefault("list", [])
    return data


# ---------------------------------------------------------------------------
# Source map


def _fill_defaults(data: dict[str, Any], panels: list[dict[str, Any]]) -> None:
    """Spell out what Grafana assumes when a field is absent and its schema requires
    (older exports, grafanalib): fieldConfig ``overrides``, the base threshold step's
    ``value``, link flags, a row's ``collapsed`` and ``panels``, an empty variable
    ``current``, ``refresh: false``; and drop
    the interval-only fields the SDK writes on every variable. ``panels``: every
    panel of ``data`` (rows' included)."""
    for panel in panels:
        if panel.get("type") == "row":
            # Grafana reads a row without these as open and empty.
            panel.setdefault("collapsed", False)
            panel.setdefault("panels", [])
        fc = panel.get("fieldConfig")
        if isinstance(fc, dict):
            fc.setdefault("overrides", [])
            fc.setdefault("defaults", {})
            steps = ((fc.get("defaults") or {}).get("thresholds") or {}).get("steps")
            if isinstance(steps, list) and steps and isinstance(steps[0], dict):
                steps[0].setdefault("value", None)
    for link in data.get("links") or []:
        if isinstance(link, dict):
            for key, value in _LINK_DEFAULTS.items():
                link.setdefault(key, copy.copy(value))
    templating = data.get("templating")
    for var in (templating.get("list") or []) if isinstance(templating, dict) else []:
        if isinstance(var, dict) and var.get("type") != "interval":
            # The SDK writes the interval variable's auto-step fields on every variable.
            for key in _INTERVAL_ONLY:
                var.pop(key, None)
        current = var.get("current") if isinstance(var, dict) else None
        if isinstance(current, dict) and not ("text" in current and "value" in current):
            del var["current"]  # Grafana picks the current value itself
    if data.get("refresh") is False:
        data["refresh"] = ""


def _sdk_locations(model: Any, fallback: SourceLocation) -> dict[DataPath, SourceLocation]:
    out: dict[DataPath, SourceLocation] = {}
    _add_sdk_locations(out, getattr(model, "panels", None), ("panels",))
    return out


# Every dashboard's source map has the same few paths: ("panels", 0),
# ("panels", 0, "targets", 0), ... . One tuple per path, shared, instead of 40 new
# ones a dashboard that the build's result keeps alive (and the collector walks).
_PATHS: dict[tuple[DataPath, str | int], DataPath] = {}


def _path(prefix: DataPath, key: str | int) -> DataPath:
    path = _PATHS.get((prefix, key))
    if path is None:
        path = _PATHS[(prefix, key)] = (*prefix, key)
    return path


def _add_sdk_locations(out: dict[DataPath, SourceLocation], panels: Any, prefix: DataPath) -> None:
    # A function, not a closure over ``out``: a recursive closure is a reference
    # cycle, left for the collector once per dashboard.
    for i, p in enumerate(panels or []):
        at = _path(prefix, i)
        loc = location_of(p)
        if loc is not None:
            out[at] = loc
        targets = getattr(p, "targets", None)
        if targets:
            in_targets = _path(at, "targets")
            for k, t in enumerate(targets):
                tloc = location_of(t)
                if tloc is not None:
                    out[_path(in_targets, k)] = tloc
        nested = getattr(p, "panels", None)
        if isinstance(nested, list):
            _add_sdk_locations(out, nested, _path(at, "panels"))


def _dict_locations(loc: SourceLocation, root: Path | None) -> dict[DataPath, SourceLocation]:
    """For a dict literal assigned at ``loc``: the line of each element of its
    ``"panels"`` list (so schema errors in a dict dashboard point at the panel)."""
    base = str(root) if root is not None else project_root.get()
    path = Path(loc.file) if base is None else Path(base) / loc.file
    try:
        # Parsed once per build, shared with the loader (source.module_tree).
        tree = module_tree(str(path), path.stat().st_mtime_ns)
    except (OSError, SyntaxError, ValueError):
        return {}
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.lineno == loc.line and isinstance(node.value, ast.Dict):
            for key, value in zip(node.value.keys, node.value.values, strict=False):
                if isinstance(key, ast.Constant) and key.value == "panels" and isinstance(value, ast.List):
                    return {
                        ("panels", i): SourceLocation(loc.file, elt.lineno, elt.col_offset + 1)
                        for i, elt in enumerate(value.elts)
                    }
    return {}


# ---------------------------------------------------------------------------
# Entry point


def render_dashboard(
    d: DashboardDef,
    *,
    datasources: Sequence[Datasource] = (),
    default_uid: str | None = None,
    root: Path | None = None,
) -> RenderedDashboard:
    """Turn a :class:`DashboardDef` into normalized JSON with uid, folder and source map.

    UID: ``d.uid``, else the uid written in the source, else ``default_uid``, else
    one derived from the module path (:func:`obs_as_code.names.dashboard_uid`).
    Folder: ``d.folder``, else the module's directory under ``dashboards/``.
    ``root`` is the project root (to read a dict dashboard's module for panel lines).
    Raises ``TypeError`` for an unsupported source.
    """
    raw, model = source_json(d.source)
    migrated = needs_migration(raw)
    uid_in_source = raw.get("uid")
    data = normalize(raw, datasources, copied=True)
    module = d.module or d.location.file
    uid = d.uid or (uid_in_source if isinstance(uid_in_source, str) and uid_in_source else None)
    uid = uid or default_uid or names.dashboard_uid(module)
    folder = d.folder if d.folder is not None else names.dashboard_folder(module)
    data["uid"] = uid
    source_map: dict[DataPath, SourceLocation] = {(): d.location}
    if model is not None:
        source_map.update(_sdk_locations(model, d.location))
    elif isinstance(d.source, Mapping) and not migrated:
        # Panel lines of a dict dashboard: read from its module's syntax tree only
        # when a diagnostic or validator asks (the root is fixed now: the lookup
        # may come after the build has reset the project root).
        base = str(root) if root is not None else project_root.get()
        where = d.location
        return RenderedDashboard(
            data, uid, folder, LazySourceMap(source_map, partial(_dict_locations, where, Path(base) if base else None)), d
        )
    return RenderedDashboard(data, uid, folder, source_map, d)
