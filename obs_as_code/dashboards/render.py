"""Any accepted dashboard source -> normalized, deterministic Grafana dashboard JSON.

Sources: a grafana-foundation-sdk builder or built model (preferred), a grafanalib
``Dashboard``, or a plain dict. All become the same JSON: legacy ``rows`` moved
onto the grid, export placeholders (``${DS_PROMETHEUS}``) and datasource names
replaced by datasource references, ``null`` fields the SDK emits dropped, panel
ids (stable ones, derived from titles: :func:`stable_panel_ids`) and query refIds
filled in, ``id`` and ``version`` removed. A source map ties each panel (and
target) back to the user's line.
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
from typing import Any, Final
from zlib import crc32

import orjson

from obs_as_code import names, serialize
from obs_as_code.dashboards.migrate import (
    migrate_rows,
    needs_migration,
    needs_v30,
    override_properties,
    upgrade_panel_v30,
)
from obs_as_code.model.dashboard import DashboardDef
from obs_as_code.model.datasource import Datasource
from obs_as_code.source import (
    Columns,
    SourceLocation,
    columns,
    location_of,
    module_tree,
    project_root,
)

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
#: Grafana's server-side expression types (a target of one reads other targets by refId).
EXPRESSION_TYPES = frozenset({"math", "reduce", "resample", "classic_conditions", "threshold", "sql"})
#: The datasource Grafana runs expressions on (what its query editor writes).
EXPRESSION_REF: dict[str, str] = {"type": "__expr__", "uid": "__expr__"}


#: The length of each list of a rendered dashboard that a source map indexes into:
#: ``("panels",)`` -> 3, ``("panels", 0, "panels")`` -> 2 (a row's panels),
#: ``("panels", 0, "panels", 1, "targets")`` -> 1. What the panel lines read from a
#: module's syntax tree are checked against (see :func:`list_lengths`).
Lengths = dict[DataPath, int]


class LazySourceMap(Mapping[DataPath, SourceLocation]):
    """A source map whose entries beyond ``base`` are computed on first need:
    finding the panel lines of a dashboard not built with the kit means reading its
    module's syntax tree, which only diagnostics use. Looking up a key ``base``
    holds (the dashboard's own location, ``()``) never triggers it.

    ``more`` gets the :data:`Lengths` of the rendered dashboard (``data``, its
    JSON, read then; or ``lengths`` when already known) so that it keeps only the
    lines it is sure of; its entries never replace ``base``'s. It pickles
    unresolved when ``more`` does (a ``partial`` of a module-level function), with
    the lengths instead of the JSON: the incremental cache keeps it so."""

    def __init__(
        self,
        base: dict[DataPath, SourceLocation],
        more: Callable[[Lengths], dict[DataPath, SourceLocation]] | None,
        data: dict[str, Any] | None = None,
        lengths: Lengths | None = None,
    ):
        self._base = base
        self._more: Callable[[Lengths], dict[DataPath, SourceLocation]] | None = more
        self._data: dict[str, Any] | None = data
        self._lengths: Lengths | None = lengths
        #: The paths ``more`` added (lines read from the syntax tree).
        self._syntax: set[DataPath] = set()

    def __reduce__(
        self,
    ) -> tuple[
        type[LazySourceMap],
        tuple[dict[DataPath, SourceLocation], Callable[[Lengths], dict[DataPath, SourceLocation]] | None, None, Lengths | None],
    ]:
        # Spelled out: compiled (mypyc), the class has no instance __dict__ for
        # pickle's default to save.
        return LazySourceMap, (self._base, self._more, None, self._known_lengths() if self._more is not None else None)

    @property
    def pending(self) -> bool:
        """True until the lazy part has been computed."""
        return self._more is not None

    def _known_lengths(self) -> Lengths:
        if self._lengths is None:
            self._lengths = list_lengths(self._data) if self._data is not None else {}
            self._data = None
        return self._lengths

    def _full(self) -> dict[DataPath, SourceLocation]:
        if self._more is not None:
            more, self._more = self._more, None
            lengths = self._known_lengths()
            self._lengths = None
            for path, loc in more(lengths).items():
                if path not in self._base:  # the kit's own locations stay
                    self._base[path] = loc
                    self._syntax.add(path)
        return self._base

    def from_syntax(self, path: DataPath) -> bool:
        """True when the entry for ``path`` was read from the module's syntax
        tree (resolving the map if need be)."""
        self._full()
        return path in self._syntax

    def __getitem__(self, key: DataPath) -> SourceLocation:
        found = self._base.get(key)
        if found is not None:
            return found
        return self._full()[key]

    def __iter__(self) -> Iterator[DataPath]:
        return iter(self._full())

    def __len__(self) -> int:
        return len(self._full())


def list_lengths(data: Mapping[str, Any]) -> Lengths:
    """The :data:`Lengths` of dashboard JSON ``data``: its ``panels``, each
    panel's ``panels`` (rows) and ``targets``, at every depth."""
    out: Lengths = {}
    _add_lengths(out, data.get("panels"), ("panels",))
    # The dashboard's variables, annotations and links (their lines are read too).
    for prefix, items in (
        (_TEMPLATING, _list_of(data.get("templating"))),
        (_ANNOTATIONS, _list_of(data.get("annotations"))),
        (_LINKS, data.get("links")),
    ):
        if isinstance(items, list):
            out[prefix] = len(items)
    return out


def _list_of(holder: Any) -> Any:
    """``holder["list"]`` of a ``templating`` or ``annotations`` dict."""
    return holder.get("list") if isinstance(holder, dict) else None


def _add_lengths(out: Lengths, panels: Any, at: DataPath) -> None:
    if not isinstance(panels, list):
        return
    out[at] = len(panels)
    for i, p in enumerate(panels):
        if isinstance(p, dict):
            targets = p.get("targets")
            if isinstance(targets, list):
                out[(*at, i, "targets")] = len(targets)
            _add_lengths(out, p.get("panels"), (*at, i, "panels"))


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
    #: Plugin type of the datasource a target and panel without one run on: the
    #: project's default (:func:`default_datasource_type`).
    default_type: str = "prometheus"
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

    def located_by_syntax(self, path: DataPath) -> bool:
        """True when :meth:`locate` answers ``path`` with a line read from the
        module's syntax tree (where the user wrote that panel or target), not with
        a location the dashboard's objects carried (the kit's) or its own."""
        smap = self.source_map
        if not isinstance(smap, LazySourceMap):
            return False
        while path:
            if smap.get(path) is not None:
                return smap.from_syntax(path)
            path = path[:-1]
        return False


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


_ORJSON_AS_JSON: Final = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS


def _plain_copy(source: Mapping[Any, Any]) -> dict[str, Any] | None:
    """``_decode(json.dumps(source))`` by orjson (a third of its time on 1,000 dict
    dashboards), when the two agree: orjson takes the data (string keys, 64-bit
    integers, no subclass, dataclass or datetime, which it would write where
    json refuses or writes otherwise) and writes no ``null``, so there is no None
    to drop and no NaN or infinity (which orjson writes as null, json as NaN);
    else None. (orjson also writes a plain Enum's value and a UUID, which json
    refuses.)"""
    try:
        raw = orjson.dumps(source, option=_ORJSON_AS_JSON)
    except (TypeError, ValueError):  # orjson.JSONEncodeError is a TypeError
        return None
    if b"null" in raw:
        return None
    copied = orjson.loads(raw)
    return copied if isinstance(copied, dict) else None


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
        copied = _plain_copy(source)
        if copied is not None:
            return copied, None
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
    listed = dashboard.get("__inputs")
    # A malformed export's __inputs (a number, an object) lists nothing.
    for item in listed if isinstance(listed, list) else []:
        if not isinstance(item, Mapping) or item.get("type") != "datasource":
            continue
        plugin = str(item.get("pluginId") or "")
        declared = _declared_of(plugin, datasources)
        uid = declared.uid if declared is not None else plugin
        to_uid[str(item.get("name"))] = uid
        types[uid] = plugin
    return to_uid, types


def _datasource_ref(value: Any, datasources: Sequence[Datasource], types: Mapping[str, str]) -> Any:
    """A legacy string datasource (a name, a uid or a variable) -> ``{"type", "uid"}``;
    a reference by uid alone gets the type of the datasource declared (or the
    export's input mapped) under that uid, as Grafana finds it at load: the
    checks tell a target's query language by it (a Loki query under
    ``{"uid": "loki"}`` was parsed as PromQL)."""
    if isinstance(value, dict):
        uid = value.get("uid")
        kind = value.get("type")
        if isinstance(uid, str) and uid.startswith("${DS_") and isinstance(kind, str) and _PLACEHOLDER.fullmatch(uid):
            # An export's placeholder its __inputs do not list (they were cut, or
            # the dashboard was pasted together): the declared datasource of the
            # plugin the reference names, as an input of that plugin would map.
            return _placeholder_ref(value, kind, datasources)
        if "type" not in value and isinstance(uid, str):
            for d in datasources:
                if d.uid == uid:
                    return {**value, "type": d.type}
            if uid in types:
                return {**value, "type": types[uid]}
        return value
    if not isinstance(value, str):
        return value
    if value in _BUILTIN_DATASOURCES:
        return dict(_BUILTIN_DATASOURCES[value])
    if value == "default":
        # Grafana's legacy name of the default datasource (its schema migration
        # reads it as "none said"): the declared default, when there is one.
        default = _default_of(datasources)
        if default is not None:
            return default.ref()
    for d in datasources:
        if value in (d.uid, d.name):
            return d.ref()
    if value in types:
        return {"type": types[value], "uid": value}
    return {"uid": value}


def default_datasource_type(datasources: Sequence[Datasource]) -> str:
    """Plugin type of the declared default datasource (``is_default=True``), which
    Grafana runs a target and panel naming no datasource on; ``"prometheus"``
    when none is declared (what a bare target was always read as)."""
    default = _default_of(datasources)
    return default.type if default is not None else "prometheus"


def _default_of(datasources: Sequence[Datasource]) -> Datasource | None:
    """The first datasource declared ``is_default=True``, or None."""
    return next((d for d in datasources if d.is_default), None)


def _declared_of(plugin: str, datasources: Sequence[Datasource]) -> Datasource | None:
    """The declared datasource of ``plugin`` an export's input maps to: the
    default one (as Grafana's import form preselects it), else the first."""
    of_plugin = [d for d in datasources if d.type == plugin]
    return _default_of(of_plugin) or (of_plugin[0] if of_plugin else None)


def _placeholder_ref(value: dict[str, Any], plugin: str, datasources: Sequence[Datasource]) -> dict[str, Any]:
    declared = _declared_of(plugin, datasources)
    return {**value, "uid": declared.uid} if declared is not None else value


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


# ---------------------------------------------------------------------------
# Panel ids

#: Derived panel ids lie in 1..PANEL_ID_SPACE: at most five digits, readable in a
#: diff and a URL, and few enough collisions (a new panel's id is one its
#: dashboard of n panels already uses with a chance of n in 99999).
PANEL_ID_SPACE: Final = 99_999

#: What :func:`stable_panel_ids` reads of a panel: ``(its own id, its type, its
#: title, the panels it holds)``, or None for an entry that is no panel.
PanelFacts = tuple[Any, Any, Any, Any]


def panel_key(row: str | None, title: Any, kind: Any) -> str:
    """What a panel's derived id is made of (with its occurrence, see
    :func:`stable_panel_ids`): a row's own title; any other panel's title, or its
    type when it has none, and the title of the row it is in (``row``; None
    above the first row)."""
    # One f-string each (concatenating the parts cost twice as much: every panel
    # of a build goes through here).
    if kind == "row":
        return f"row\x1f{title}" if isinstance(title, str) else "row\x1f"
    if isinstance(title, str) and title:
        return f"title\x1f{title}" if row is None else f"in\x1f{row}\x1ftitle\x1f{title}"
    of = kind if isinstance(kind, str) else ""
    return f"type\x1f{of}" if row is None else f"in\x1f{row}\x1ftype\x1f{of}"


def home_id(key: str, occurrence: int) -> int:
    """The id a panel of :func:`panel_key` ``key`` (its ``occurrence``-th, from 0,
    in its dashboard) gets unless another panel holds it: crc32, the same in
    every process (Python's ``hash`` of a string is salted per process), in
    1..:data:`PANEL_ID_SPACE`."""
    text = key + "\x1f0" if occurrence == 0 else f"{key}\x1f{occurrence}"  # 0: most panels, no int formatted
    return crc32(text.encode("utf-8", "surrogatepass")) % PANEL_ID_SPACE + 1


def stable_panel_ids(panels: Any, facts: Callable[[Any], PanelFacts | None] | None = None) -> list[tuple[Any, int]]:
    """``(panel, id)`` for each panel of ``panels`` (a dashboard's top-level list,
    rows' panels included) that has no id of its own (none, 0 or empty): the one
    numbering of the kit's layout and of :func:`normalize`, which read a panel
    with ``facts`` (an SDK model; None: a dict of dashboard JSON).

    A panel keeps the id it has. The others get :func:`home_id` of their
    :func:`panel_key` and of how many panels of the dashboard with that key came
    before it, so that an id depends on the panel's own title and row, not on
    its place: adding, removing or moving another panel leaves it as it is, and
    links to it (``viewPanel``, a Grafana alert's ``__panelId__``) keep working.
    Ids stay unique: own ids are claimed first, then the derived ones in layout
    order (each row, then its panels); a panel whose home id is taken gets the
    next free id above it (after :data:`PANEL_ID_SPACE`, 1). So a new panel
    moves another panel's id only when its home id is the one that panel holds
    and that panel comes after it. Own ids are not made unique (OAC303 reports
    two panels with one)."""
    taken: set[Any] = set()
    pending: list[tuple[Any, str, int]] = []
    _panel_keys(panels, None, facts, {}, taken, pending)
    out: list[tuple[Any, int]] = []
    for panel, key, occurrence in pending:
        pid = home_id(key, occurrence)
        tries = 0
        while pid in taken:
            tries += 1
            # Past a full range (never, short of 99999 panels), ids above it.
            pid = pid % PANEL_ID_SPACE + 1 if tries < PANEL_ID_SPACE else PANEL_ID_SPACE + tries
        taken.add(pid)
        out.append((panel, pid))
    return out


def _panel_keys(
    panels: Any,
    row: str | None,
    facts: Callable[[Any], PanelFacts | None] | None,
    seen: dict[str, int],
    taken: set[Any],
    pending: list[tuple[Any, str, int]],
) -> None:
    """Walk ``panels`` and those they hold in layout order (as :func:`panel_list`;
    ``row``: the title of the row they are in): add each own id to ``taken``, and
    each panel without one to ``pending`` with its key and occurrence (``seen``:
    how many panels of each key came so far, those with own ids too)."""
    if not isinstance(panels, list):
        return
    for panel in panels:
        # JSON's, called directly: through the Callable, a compiled (mypyc) call
        # goes through Python's calling convention for every panel.
        got = _json_facts(panel) if facts is None else facts(panel)
        if got is None:
            continue
        own, kind, title, nested = got
        key = panel_key(None if kind == "row" else row, title, kind)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        if not own:
            pending.append((panel, key, occurrence))
        elif isinstance(own, (int, float, str)):
            taken.add(own)
        if kind == "row":
            row = title if isinstance(title, str) else ""
            _panel_keys(nested, row, facts, seen, taken, pending)
        elif nested is not None:  # not Grafana's (only rows hold panels), but numbered too
            _panel_keys(nested, title if isinstance(title, str) else "", facts, seen, taken, pending)


def _json_facts(panel: Any) -> PanelFacts | None:
    """:data:`PanelFacts` of a panel of dashboard JSON."""
    if not isinstance(panel, dict):
        return None
    return panel.get("id"), panel.get("type"), panel.get("title"), panel.get("panels")


def fill_panel_ids(panels: Any) -> None:
    """Give every panel of dashboard JSON ``panels`` that has no id its
    :func:`stable_panel_ids` id."""
    for panel, pid in stable_panel_ids(panels):
        panel["id"] = pid


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
    elements = data.get("__elements")
    if elements:
        _inline_library_panels(data, elements)
    data = {k: v for k, v in data.items() if k not in _EXPORT_KEYS}
    # One list of the panels for the passes below (none of them adds or removes panels).
    panels = [p for _path, p in panel_list(data.get("panels"))]
    if needs_v30(data):
        for p in panels:
            upgrade_panel_v30(p)
    for p in panels:
        if _repeat_copy(p):  # rare: the list is made again without them
            data["panels"] = _without_repeat_copies(data["panels"])
            panels = [q for _path, q in panel_list(data.get("panels"))]
            break
    for p in panels:
        if not p.get("id"):  # the kit's panels have theirs: no keys made for them
            fill_panel_ids(data.get("panels"))
            break
    for panel in panels:
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
                    elif _expression(t):
                        # The SDK's expression builders set none: Grafana would send
                        # the expression to the panel's datasource as an empty query.
                        t["datasource"] = dict(EXPRESSION_REF)
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


def _expression(target: dict[str, Any]) -> bool:
    """A server-side expression (math, reduce ...) without a datasource."""
    return (
        target.get("type") in EXPRESSION_TYPES
        and ("expression" in target or "conditions" in target)
        and "expr" not in target
    )


def _repeat_copy(panel: dict[str, Any]) -> bool:
    """A copy Grafana made of a repeated panel (or of a panel in a repeated row)
    and an old save kept: Grafana drops it on load (schema step 27) and repeats
    the original again."""
    return "repeatPanelId" in panel or "repeatByRow" in panel


def _without_repeat_copies(panels: list[Any]) -> list[Any]:
    """``panels`` without :func:`_repeat_copy` s, rows' panels included."""
    out: list[Any] = []
    for p in panels:
        if isinstance(p, dict):
            if _repeat_copy(p):
                continue
            nested = p.get("panels")
            if p.get("type") == "row" and isinstance(nested, list):
                p["panels"] = [c for c in nested if not (isinstance(c, dict) and _repeat_copy(c))]
        out.append(p)
    return out


def _inline_library_panels(data: dict[str, Any], elements: Any) -> None:
    """Put the model an export carries in ``__elements`` in place of each library
    panel reference (``{"libraryPanel": {"uid": ...}, "gridPos": ...}``), keeping
    the reference's ``id`` and ``gridPos`` as Grafana does when it loads one. A
    provisioned dashboard cannot bring its library panels along (Grafana's import
    creates them from ``__elements``; provisioning has no such step), so the
    reference alone shows "library panel not found" and is no valid panel (no
    ``type``). ``elements``: uid -> element (Grafana 9+), or a list of elements
    (Grafana 8)."""
    by_uid: dict[str, dict[str, Any]] = {}
    for key, element in elements.items() if isinstance(elements, dict) else enumerate(elements if isinstance(elements, list) else []):
        if isinstance(element, dict) and isinstance(element.get("model"), dict):
            uid = element.get("uid") or key
            if isinstance(uid, str):
                by_uid[uid] = element["model"]
    for _path, panel in panel_list(data.get("panels")):
        ref = panel.get("libraryPanel")
        uid = ref.get("uid") if isinstance(ref, dict) else None
        model = by_uid.get(uid) if isinstance(uid, str) else None
        if model is None:
            continue
        kept: dict[str, Any] = {k: panel[k] for k in ("id", "gridPos") if k in panel}
        title = panel.get("title")
        panel.clear()
        panel.update(copy.deepcopy({k: v for k, v in model.items() if k != "libraryPanel"}))
        panel.update(kept)
        if "title" not in panel and title is not None:
            panel["title"] = title


# ---------------------------------------------------------------------------
# Source map


def _fill_defaults(data: dict[str, Any], panels: list[dict[str, Any]]) -> None:
    """Spell out what Grafana assumes when a field is absent and its schema requires
    (older exports, grafanalib): fieldConfig ``overrides``, thresholds' ``mode``
    and ``steps`` and the base step's ``value`` (:func:`_fill_thresholds`), a
    transformation's ``options``, (grafanalib's empty list of
    panel ``options`` is dropped), link flags, a row's ``collapsed`` and ``panels``, an empty variable
    ``current``, ``refresh: false``; and drop
    the interval-only fields the SDK writes on every variable. ``panels``: every
    panel of ``data`` (rows' included)."""
    for panel in panels:
        if panel.get("options") == []:
            del panel["options"]  # grafanalib's Heatmap default: no options
        if panel.get("type") == "row":
            # Grafana reads a row without these as open and empty.
            panel.setdefault("collapsed", False)
            panel.setdefault("panels", [])
        fc = panel.get("fieldConfig")
        if isinstance(fc, dict):
            fc.setdefault("overrides", [])
            fc.setdefault("defaults", {})
            if panel.get("type") in _LEGACY_THRESHOLDS:
                _drop_legacy_copy(fc["defaults"])
            else:
                _drop_empty_steps(fc["defaults"])
            _fill_thresholds((fc.get("defaults") or {}).get("thresholds"))
            for prop in override_properties(fc, "thresholds"):
                _fill_thresholds(prop.get("value"))
        transformations = panel.get("transformations")
        for t in transformations if isinstance(transformations, list) else []:
            # Grafana applies a transformation's default options under its own
            # (transformDataFrame): none written is the defaults, as {} is.
            if isinstance(t, dict) and "options" not in t:
                t["options"] = {}
    # Dashboard links, and panel links: the schema's Panel.links are DashboardLinks
    # too, while Grafana writes a panel link as {title, url, targetBlank}.
    holders: list[Any] = [data, *panels]
    for holder in holders:
        links = holder.get("links")
        for link in links if isinstance(links, list) else []:
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


def _fill_thresholds(thresholds: Any) -> None:
    """Spell out what Grafana reads in field thresholds without them (PanelModel's
    ``fixThresholds`` on load): no ``mode`` is absolute, no ``steps`` none; and the
    base step's value, which Grafana reads as -Infinity whatever it holds, as null
    (grafanalib writes the string ``"null"``)."""
    if not isinstance(thresholds, dict):
        return
    if not thresholds.get("mode"):
        thresholds["mode"] = "absolute"
    steps = thresholds.get("steps")
    if steps is None:
        thresholds["steps"] = []
    elif isinstance(steps, list) and steps and isinstance(steps[0], dict) and steps[0].get("value", "null") == "null":
        steps[0]["value"] = None


#: Angular panels Grafana migrates from their own ``thresholds`` (graph ->
#: timeseries, singlestat -> stat, worldmap -> geomap), ignoring ``fieldConfig``'s.
_LEGACY_THRESHOLDS = frozenset({"graph", "singlestat", "grafana-worldmap-panel"})


def _drop_legacy_copy(defaults: Any) -> None:
    """Drop the copy of a legacy panel's thresholds grafanalib writes into its
    field defaults when it is no field thresholds (a Graph's steps have no
    colors, a SingleStat's are ``""``, a Worldmap's ``"0,100,150"``): Grafana
    never reads it, the schema refuses it."""
    if not isinstance(defaults, dict):
        return
    thresholds = defaults.get("thresholds")
    steps = thresholds.get("steps") if isinstance(thresholds, dict) else None
    if thresholds is not None and not (
        isinstance(steps, list) and all(isinstance(x, dict) and isinstance(x.get("color"), str) for x in steps)
    ):
        del defaults["thresholds"]


def _drop_empty_steps(defaults: Any) -> None:
    """Drop thresholds whose steps are ``""`` (grafanalib's Stat default): no
    thresholds, as Grafana reads them; the schema wants a list."""
    thresholds = defaults.get("thresholds") if isinstance(defaults, dict) else None
    if isinstance(thresholds, dict) and thresholds.get("steps") == "":
        del defaults["thresholds"]


def _sdk_locations(model: Any, out: dict[DataPath, SourceLocation]) -> bool:
    """Add to ``out`` the locations SDK ``model``'s panels and targets carry (the
    kit's), and its variables', annotations' and links' (the kit's helpers
    mark them too); True when every one of them has its own."""
    complete = True
    for prefix, items in (
        (_TEMPLATING, getattr(getattr(model, "templating", None), "list_val", None)),
        (_ANNOTATIONS, getattr(getattr(model, "annotations", None), "list_val", None)),
        (_LINKS, getattr(model, "links", None)),
    ):
        for i, item in enumerate(items or ()):
            loc = location_of(item)
            if loc is not None:
                out[_path(prefix, i)] = loc
            else:
                complete = False
    return _add_sdk_locations(out, getattr(model, "panels", None), ("panels",)) and complete


_TEMPLATING: DataPath = ("templating", "list")
_ANNOTATIONS: DataPath = ("annotations", "list")
_LINKS: DataPath = ("links",)


# Every dashboard's source map has the same few paths: ("panels", 0),
# ("panels", 0, "targets", 0), ... . One tuple per path, shared, instead of 40 new
# ones a dashboard that the build's result keeps alive (and the collector walks).
_PATHS: dict[tuple[DataPath, str | int], DataPath] = {}


def _path(prefix: DataPath, key: str | int) -> DataPath:
    path = _PATHS.get((prefix, key))
    if path is None:
        path = _PATHS[(prefix, key)] = (*prefix, key)
    return path


def _add_sdk_locations(out: dict[DataPath, SourceLocation], panels: Any, prefix: DataPath) -> bool:
    # A function, not a closure over ``out``: a recursive closure is a reference
    # cycle, left for the collector once per dashboard.
    complete = True
    for i, p in enumerate(panels or []):
        at = _path(prefix, i)
        loc = location_of(p)
        if loc is not None:
            out[at] = loc
        else:
            complete = False
        targets = getattr(p, "targets", None)
        if targets:
            in_targets = _path(at, "targets")
            for k, t in enumerate(targets):
                tloc = location_of(t)
                if tloc is not None:
                    out[_path(in_targets, k)] = tloc
                else:
                    complete = False
        nested = getattr(p, "panels", None)
        if isinstance(nested, list) and not _add_sdk_locations(out, nested, _path(at, "panels")):
            complete = False
    return complete


# ---------------------------------------------------------------------------
# Panel lines from the module's syntax tree (dashboards not built with the kit)


class _Written:
    """A panel as the user wrote it: the expression (its position is the panel's
    line), the panels it holds (a row's) and its targets, each None when the
    syntax does not say (built elsewhere, a comprehension, ``*rest``)."""

    def __init__(self, node: ast.expr, panels: list[_Written] | None = None, targets: list[ast.expr] | None = None) -> None:
        self.node = node
        self.panels = panels
        self.targets = targets


#: The kinds of source :func:`_syntax_locations` reads.
DICT, SDK, GRAFANALIB = "dict", "sdk", "grafanalib"


def _syntax_locations(kind: str, loc: SourceLocation, root: Path | None, lengths: Lengths) -> dict[DataPath, SourceLocation]:
    """For the dashboard assigned at ``loc`` (a ``kind`` source: a dict literal,
    an SDK builder chain or a grafanalib ``Dashboard(...)`` call): the line of each
    panel and target written there, where the lists written have the ``lengths``
    the rendered dashboard has (else that list's entries are left out: its
    panels were added, removed or reordered elsewhere, and the caller falls back
    to the enclosing panel or the dashboard rather than point at a wrong line)."""
    base = str(root) if root is not None else project_root.get()
    path = Path(loc.file) if base is None else Path(base) / loc.file
    try:
        # Parsed once per build, shared with the loader (source.module_tree).
        mtime_ns = path.stat().st_mtime_ns
        tree = module_tree(str(path), mtime_ns)
    except (OSError, SyntaxError, ValueError):
        return {}
    value: ast.expr | None = None
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.lineno == loc.line:
            value = node.value
            break
    if value is None:
        return {}
    if isinstance(value, ast.Call) and _called(value) == "DashboardDef":
        value = value.args[0] if value.args else _keyword(value, "source")
    if value is None:
        return {}
    written: list[_Written] | None = None
    if kind == DICT:
        written = _dict_dashboard(value, lengths)
    elif kind == SDK:
        written = _sdk_panels(value, _DASHBOARDS)
    elif kind == GRAFANALIB:
        written = _grafanalib_dashboard(value, lengths)
    out: dict[DataPath, SourceLocation] = {}
    cols = columns(str(path), mtime_ns)
    if written is not None:
        _place(out, loc.file, cols, written, ("panels",), lengths)
    for prefix, elements in _dashboard_lists(kind, value).items():
        if elements is not None and lengths.get(prefix) == len(elements):
            for i, e in enumerate(elements):
                out[_path(prefix, i)] = SourceLocation(loc.file, e.lineno, cols.char_col(e.lineno, e.col_offset))
    return out


def _dashboard_lists(kind: str, value: ast.expr) -> dict[DataPath, list[ast.expr] | None]:
    """The variables, annotations and links written in the dashboard ``value``
    (a ``kind`` source), each list None when the syntax does not tell."""
    if kind == DICT and isinstance(value, ast.Dict):
        return {
            _TEMPLATING: _elements(_dict_field_of(_dict_value(value, "templating"), "list")),
            _ANNOTATIONS: _elements(_dict_field_of(_dict_value(value, "annotations"), "list")),
            _LINKS: _elements(_dict_value(value, "links")),
        }
    if kind == GRAFANALIB:
        root, _calls = _chain(value)
        if isinstance(root, ast.Call) and _called(root) == "Dashboard":
            templating, annotations = _keyword(root, "templating"), _keyword(root, "annotations")
            return {
                _TEMPLATING: _elements(_call_field(templating, "list")) if templating is not None else None,
                _ANNOTATIONS: _elements(_call_field(annotations, "list")) if annotations is not None else None,
                _LINKS: _elements(_keyword(root, "links")),
            }
    if kind == SDK:
        return _sdk_lists(value)
    return {}


def _dict_field_of(node: ast.expr | None, key: str) -> ast.expr | None:
    return _dict_value(node, key) if isinstance(node, ast.Dict) else None


#: SDK dashboard builder methods adding one item to a list, and those setting it.
_SDK_ADDS: dict[str, DataPath] = {"with_variable": _TEMPLATING, "annotation": _ANNOTATIONS, "link": _LINKS}
_SDK_SETS: dict[str, DataPath] = {"variables": _TEMPLATING, "annotations": _ANNOTATIONS, "links": _LINKS}


def _sdk_lists(value: ast.expr) -> dict[DataPath, list[ast.expr] | None]:
    root, calls = _chain(value)
    if not (isinstance(root, ast.Call) and _called(root) in _DASHBOARDS):
        return {}
    found: dict[DataPath, list[ast.expr] | None] = {_TEMPLATING: [], _ANNOTATIONS: [], _LINKS: []}
    for call in calls:
        name = call.func.attr if isinstance(call.func, ast.Attribute) else ""
        if name in _SDK_ADDS:
            prefix = _SDK_ADDS[name]
            so_far = found[prefix]
            if so_far is not None and len(call.args) == 1 and not call.keywords and not isinstance(call.args[0], ast.Starred):
                so_far.append(call.args[0])
            else:
                found[prefix] = None
        elif name in _SDK_SETS:
            found[_SDK_SETS[name]] = _elements(call.args[0]) if len(call.args) == 1 and not call.keywords else None
    return found


def _place(out: dict[DataPath, SourceLocation], file: str, cols: Columns, written: list[_Written], at: DataPath, lengths: Lengths) -> None:
    if lengths.get(at) != len(written):
        return
    for i, w in enumerate(written):
        here = _path(at, i)
        # The tree's columns count UTF-8 bytes; a location's, characters.
        out[here] = SourceLocation(file, w.node.lineno, cols.char_col(w.node.lineno, w.node.col_offset))
        if w.targets is not None:
            in_targets = _path(here, "targets")
            if lengths.get(in_targets) == len(w.targets):
                for k, t in enumerate(w.targets):
                    out[_path(in_targets, k)] = SourceLocation(file, t.lineno, cols.char_col(t.lineno, t.col_offset))
        if w.panels is not None:
            _place(out, file, cols, w.panels, _path(here, "panels"), lengths)


def _called(call: ast.Call) -> str:
    """The name a call is made by: ``Dashboard`` for ``sdk.Dashboard(...)`` and ``Dashboard(...)``."""
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def _elements(node: ast.expr | None) -> list[ast.expr] | None:
    """The elements of a list or tuple literal (None for anything else, or when
    one is ``*starred``: which element is which is then unknown)."""
    if not isinstance(node, (ast.List, ast.Tuple)):
        return None
    elts = list(node.elts)
    if any(isinstance(e, ast.Starred) for e in elts):
        return None
    return elts


# Dict literals


def _dict_value(node: ast.Dict, key: str) -> ast.expr | None:
    """The value written for ``key`` in a dict literal (None when absent, or when
    a later ``**other`` may replace it)."""
    found: ast.expr | None = None
    for k, v in zip(node.keys, node.values, strict=False):
        if k is None:
            found = None  # ``**other`` may set or replace the key
        elif isinstance(k, ast.Constant) and k.value == key:
            found = v
    return found


def _dict_panel(node: ast.expr) -> _Written:
    return _written_panel(node, _dict_field)


def _dict_field(node: ast.expr, key: str) -> ast.expr | None:
    return _dict_value(node, key) if isinstance(node, ast.Dict) else None


def _call_field(node: ast.expr, name: str) -> ast.expr | None:
    return _keyword(node, name) if isinstance(node, ast.Call) else None


def _written_panel(node: ast.expr, field: Callable[[ast.expr, str], ast.expr | None]) -> _Written:
    """A panel as written (a dict literal, a grafanalib call): its nested panels
    and targets as ``field`` finds them."""
    children = _elements(field(node, "panels"))
    return _Written(
        node,
        [_written_panel(c, field) for c in children] if children is not None else None,
        _elements(field(node, "targets")),
    )


def _dict_dashboard(value: ast.expr, lengths: Lengths) -> list[_Written] | None:
    if not isinstance(value, ast.Dict):
        return None
    panels = _elements(_dict_value(value, "panels"))
    rows = _elements(_dict_value(value, "rows"))
    if rows is None:
        return [_dict_panel(p) for p in panels] if panels is not None else None
    # Legacy rows, moved onto the grid after the dashboard's own panels.
    legacy = _legacy_rows(rows, _dict_field)
    if legacy is None:
        return None
    return _migrated([_dict_panel(p) for p in panels or []], legacy, lengths)


def _legacy_rows(
    rows: list[ast.expr], field: Callable[[ast.expr, str], ast.expr | None]
) -> list[tuple[ast.expr, list[_Written]]] | None:
    """Each legacy row as written with its panels; None when one is not a literal
    row with a panel list, or is a copy Grafana made while repeating."""
    legacy: list[tuple[ast.expr, list[_Written]]] = []
    for r in rows:
        children = _elements(field(r, "panels"))
        if children is None or field(r, "repeatIteration") is not None:
            return None
        legacy.append((r, [_written_panel(c, field) for c in children]))
    return legacy


def _migrated(before: list[_Written], rows: list[tuple[ast.expr, list[_Written]]], lengths: Lengths) -> list[_Written] | None:
    """The panels :func:`~obs_as_code.dashboards.migrate.migrate_rows` makes of
    legacy ``rows`` (each row's expression and its panels) after the panels
    ``before`` them: with no row panels when the rendered dashboard has none, else
    each row followed by its panels, or holding them when it is collapsed (the
    rendered row holds as many). None when the lengths fit neither."""
    total = len(before) + sum(len(children) for _row, children in rows)
    if lengths.get(("panels",)) == total and not any(
        ("panels", i, "panels") in lengths for i in range(len(before), total)
    ):
        return before + [c for _row, children in rows for c in children]
    out = list(before)
    for row, children in rows:
        held = lengths.get(("panels", len(out), "panels"))
        if held is None:
            return None  # not a row panel there
        if children and held == len(children):  # collapsed: the row holds them
            out.append(_Written(row, children))
        elif held == 0:
            out.append(_Written(row))
            out.extend(children)
        else:
            return None
    return out if lengths.get(("panels",)) == len(out) else None


# grafana-foundation-sdk builders (and models)

#: Builder methods that add a panel (to a dashboard, or to a row).
_ADDS_PANEL = frozenset({"with_panel", "with_row"})
#: What a dashboard's and a row's chain starts at: the builder or the model.
_DASHBOARDS = ("Dashboard",)
_ROWS = ("Row", "RowPanel")


def _chain(node: ast.expr) -> tuple[ast.expr, list[ast.Call]]:
    """A fluent chain ``root(...).a(...).b(...)`` -> ``(root call, [a call, b
    call])`` (in the order the calls run)."""
    calls: list[ast.Call] = []
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Call):
        calls.append(node)
        node = node.func.value
    calls.reverse()
    return node, calls


def _sdk_panels(node: ast.expr, holder: tuple[str, ...]) -> list[_Written] | None:
    """The panels added to a ``holder`` (``Dashboard``, ``Row``) built by ``node``:
    its constructor's ``panels=[...]`` then each ``.with_panel(...)`` and
    ``.with_row(...)``; None unless the chain starts at that constructor (a helper
    may have added panels)."""
    root, calls = _chain(node)
    if not (isinstance(root, ast.Call) and _called(root) in holder):
        return None
    given = _keyword(root, "panels")
    found = _elements(given) if given is not None else []
    if found is None:
        return None
    for call in calls:
        if isinstance(call.func, ast.Attribute) and call.func.attr in _ADDS_PANEL:
            if len(call.args) != 1 or call.keywords or isinstance(call.args[0], ast.Starred):
                return None
            found.append(call.args[0])
    return [_sdk_panel(p) for p in found]


def _sdk_panel(node: ast.expr) -> _Written:
    root, calls = _chain(node)
    targets: list[ast.expr] | None = None
    if isinstance(root, ast.Call):
        given = _keyword(root, "targets")
        targets = _elements(given) if given is not None else []
    for call in calls:
        name = call.func.attr if isinstance(call.func, ast.Attribute) else ""
        if name == "targets":
            targets = _elements(call.args[0]) if len(call.args) == 1 and not call.keywords else None
        elif name == "with_target" and targets is not None:
            if len(call.args) != 1 or call.keywords or isinstance(call.args[0], ast.Starred):
                targets = None
            else:
                targets.append(call.args[0])
    return _Written(node, _sdk_panels(node, _ROWS), targets)


# grafanalib


def _grafanalib_dashboard(value: ast.expr, lengths: Lengths) -> list[_Written] | None:
    root, calls = _chain(value)
    # .auto_panel_ids() keeps the panels and their order; anything else may not.
    if any(not (isinstance(c.func, ast.Attribute) and c.func.attr == "auto_panel_ids") for c in calls):
        return None
    if not (isinstance(root, ast.Call) and _called(root) == "Dashboard"):
        return None
    panels_given = _keyword(root, "panels")
    panels = _elements(panels_given) if panels_given is not None else []
    rows_given = _keyword(root, "rows")
    rows = _elements(rows_given) if rows_given is not None else []
    if panels is None or rows is None:
        return None
    if not rows:
        return [_grafanalib_panel(p) for p in panels]
    legacy = _legacy_rows(rows, _call_field)
    # grafanalib drops ``panels`` when there are rows.
    return _migrated([], legacy, lengths) if legacy is not None else None


def _grafanalib_panel(node: ast.expr) -> _Written:
    return _written_panel(node, _call_field)


# ---------------------------------------------------------------------------
# Entry point


def _refuse_malformed(data: dict[str, Any]) -> None:
    """Raise ``ValueError`` (OAC309 at the dashboard) when the dashboard's panels,
    a row's panels or a panel's targets are there but no list: Grafana's schema
    refuses them, and the checks crashed on them with a traceback."""
    stack: list[tuple[str, Any]] = [("dashboard", data)]
    while stack:
        what, node = stack.pop()
        for key in ("panels", "targets"):
            value = node.get(key)
            if value is not None and not isinstance(value, list):
                raise ValueError(f"{key} of {what} must be a list, not {type(value).__name__} ({_short_repr(value)})")
        children = node.get("panels")
        if isinstance(children, list):
            for child in children:
                if isinstance(child, dict):
                    title = child.get("title")
                    stack.append((f"panel {title!r}" if isinstance(title, str) and title else "a panel", child))


def _short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:60]}..."


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
    _refuse_malformed(raw)
    uid_in_source = raw.get("uid")
    data = normalize(raw, datasources, copied=True)
    module = d.module or d.location.file
    uid = d.uid or (uid_in_source if isinstance(uid_in_source, str) and uid_in_source else None)
    uid = uid or default_uid or names.dashboard_uid(module)
    folder = d.folder if d.folder is not None else names.dashboard_folder(module)
    data["uid"] = uid
    source_map: dict[DataPath, SourceLocation] = {(): d.location}
    kind: str | None = None
    if model is not None:
        # Kit dashboards carry every panel's and target's location: nothing more
        # to find. Others get the lines they were written on from the module's
        # syntax tree, read only when a diagnostic asks.
        if not _sdk_locations(model, source_map):
            kind = SDK
    elif isinstance(d.source, Mapping):
        kind = DICT
    elif _is_grafanalib(d.source):
        kind = GRAFANALIB
    default_type = default_datasource_type(datasources)
    if kind is None:
        return RenderedDashboard(data, uid, folder, source_map, d, default_type)
    # The root is fixed now: the lookup may come after the build has reset the
    # project root.
    base = str(root) if root is not None else project_root.get()
    more = partial(_syntax_locations, kind, d.location, Path(base) if base else None)
    return RenderedDashboard(data, uid, folder, LazySourceMap(source_map, more, data), d, default_type)
