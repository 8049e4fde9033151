"""Dashboard JSON -> a readable Python module using grafana-foundation-sdk builders.

The input is normalized first (legacy ``rows`` moved onto the grid as Grafana does,
``__inputs``/``${DS_...}`` placeholders mapped to declared datasources). Panels,
targets and variables the SDK builders express become builder calls; anything else
(old panel types with keys the SDK does not model, exotic targets) is kept as
:class:`obs_as_code.dashboards.kit.Raw` JSON, so rebuilding gives JSON
semantically equal to the input: same panels, queries, layout and variables
(see :func:`semantic_view`).
"""

from __future__ import annotations

import ast
import keyword
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from obs_as_code.dashboards.render import RenderedDashboard, iter_panels, normalize
from obs_as_code.diagnostics import Diagnostic, Severity
from obs_as_code.discover import ModuleRef
from obs_as_code.load import Project
from obs_as_code.model.dashboard import DashboardDef
from obs_as_code.model.datasource import Datasource


def _snake(key: str) -> str:
    """A JSON key as foundation-sdk names its setter: ``refId`` -> ``ref_id``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key).lower()


def _setters(*keys: str) -> dict[str, str]:
    """JSON key -> its setter, for the ``keys`` a builder has a setter of."""
    return {key: _snake(key) for key in keys}


#: Panel keys with a builder method on ``sdk.Panel`` -> (method, how to write the value).
_PANEL_SETTERS: dict[str, tuple[str, str]] = {
    "type": ("type", "lit"),
    "id": ("id", "lit"),
    "title": ("title", "lit"),
    "description": ("description", "lit"),
    "transparent": ("transparent", "lit"),
    "datasource": ("datasource", "ds"),
    "gridPos": ("grid_pos", "grid"),
    "repeat": ("repeat", "lit"),
    "repeatDirection": ("repeat_direction", "lit"),
    "maxPerRow": ("max_per_row", "lit"),
    "maxDataPoints": ("max_data_points", "lit"),
    "interval": ("interval", "lit"),
    "timeFrom": ("time_from", "lit"),
    "timeShift": ("time_shift", "lit"),
    "hideTimeOverride": ("hide_time_override", "lit"),
    "cacheTimeout": ("cache_timeout", "lit"),
    "queryCachingTTL": ("query_caching_ttl", "lit"),
    "pluginVersion": ("plugin_version", "lit"),
    "options": ("options", "lit"),
    "fieldConfig": ("field_config", "fieldconfig"),
    "transformations": ("with_transformation", "each"),
    "links": ("links", "links"),
    "targets": ("targets", "targets"),
}
#: Target keys with a setter on ``prometheus.Dataquery`` / ``loki.Dataquery``, and
#: variable keys with one on the variable builders: each the snake_case of its key.
_PROM_SETTERS: dict[str, str] = _setters(
    "expr", "refId", "legendFormat", "format", "interval", "intervalFactor", "hide", "editorMode",
    "exemplar", "queryType", "datasource",
)
_LOKI_SETTERS: dict[str, str] = _setters(
    "expr", "refId", "legendFormat", "maxLines", "resolution", "editorMode", "queryType", "hide", "step",
    "datasource", "range", "instant",
)
#: Variable type -> (builder class, method for ``query``).
_VARIABLES: dict[str, tuple[str, str]] = {
    "query": ("QueryVariable", "query"),
    "custom": ("CustomVariable", "values"),
    "datasource": ("DatasourceVariable", "type"),
    "interval": ("IntervalVariable", "values"),
    "constant": ("ConstantVariable", "value"),
    "textbox": ("TextBoxVariable", "default_value"),
}
_VARIABLE_SETTERS: dict[str, str] = _setters(
    "label", "description", "datasource", "multi", "includeAll", "allValue", "regex", "refresh", "sort",
)
#: Variable keys Grafana recomputes on load, or the SDK writes itself: not carried
#: into builders (``current``, ``hide``, ``options`` and the interval's ``auto*`` are
#: carried where they mean something, see :func:`_variable_state`).
_VARIABLE_RUNTIME = {"current", "options", "definition", "skipUrlSync", "allowCustomValue", "hide", "auto", "auto_min", "auto_count"}
#: Interval variable ``auto`` keys -> builder method; value when absent (Grafana's default).
_INTERVAL_AUTO: dict[str, tuple[str, Any]] = {"auto": ("auto", False), "auto_min": ("min_interval", "10s"), "auto_count": ("step_count", 30)}


def _option(value: Any) -> tuple[Any, Any] | None:
    """``(text, value)`` of a variable option or ``current``, or None when unset."""
    if not isinstance(value, Mapping) or not ("text" in value and "value" in value):
        return None
    return value.get("text"), value.get("value")


def _variable_state(var: Mapping[str, Any]) -> dict[str, Any]:
    """What a variable shows besides its definition, as Grafana reads it: ``hide``
    (0 when absent; constants are always hidden), ``current`` (its text and value;
    a constant's is its query), the interval's ``auto`` settings, and ``options``
    only for a query variable never refreshed (Grafana recomputes the others' from
    their query on load)."""
    kind = var.get("type")
    state: dict[str, Any] = {}
    if kind != "constant":
        state["hide"] = int(var.get("hide") or 0)
        state["current"] = _option(var.get("current"))
    if kind == "interval":
        for key, (_method, default) in _INTERVAL_AUTO.items():
            state[key] = var.get(key, default)
    if kind == "query" and not var.get("refresh"):
        options = [_option(o) for o in var.get("options") or []]
        state["options"] = [o for o in options if o is not None] or None
    return state


def _lit(value: Any, indent: int, width: int = 100) -> str:
    """A Python literal for JSON ``value``, broken one item a line (like black) when
    it does not fit; ``indent`` is the indentation of the line it starts on."""
    text = repr(value)
    if len(text) + indent <= width or not isinstance(value, (dict, list)) or not value:
        return text
    pad = " " * (indent + 4)
    if isinstance(value, dict):
        items = [f"{pad}{k!r}: {_lit(v, indent + 4, width)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + "\n" + " " * indent + "}"
    items = [f"{pad}{_lit(v, indent + 4, width)}," for v in value]
    return "[\n" + "\n".join(items) + "\n" + " " * indent + "]"


def _ds(value: Any) -> str | None:
    if not isinstance(value, Mapping) or set(value) - {"type", "uid"}:
        return None
    return f"k.ds({value.get('type')!r}, {value.get('uid')!r})"


def _grid(value: Any) -> str | None:
    if not isinstance(value, Mapping) or set(value) - {"h", "w", "x", "y"}:
        return None
    return "m.GridPos(" + ", ".join(f"{k}={value[k]!r}" for k in ("h", "w", "x", "y") if k in value) + ")"


def _target_language(target: Mapping[str, Any], panel: Mapping[str, Any]) -> str:
    for ref in (target.get("datasource"), panel.get("datasource")):
        if isinstance(ref, Mapping) and ref.get("type") in ("prometheus", "loki"):
            return str(ref["type"])
    return "prometheus" if "expr" in target else "other"


def _target(target: Any, panel: Mapping[str, Any], indent: int) -> str:
    """A target as a builder chain (one call a line), else ``k.Raw``; ``indent`` is the
    indentation of its first line (the chain sits inside brackets, so no parentheses)."""
    raw = f"k.Raw({_lit(target, indent)})"
    if not isinstance(target, Mapping):
        return raw
    language = _target_language(target, panel)
    if language == "prometheus":
        setters, builder = _PROM_SETTERS, "prometheus.Dataquery()"
        mode = (target.get("instant"), target.get("range"))
        extra = {"instant", "range"}
    elif language == "loki":
        setters, builder, mode, extra = _LOKI_SETTERS, "loki.Dataquery()", (None, None), set()
    else:
        return raw
    if set(target) - set(setters) - extra:
        return raw
    calls = [builder]
    if language == "prometheus":
        calls.append({(True, True): ".range_and_instant()", (True, False): ".instant()", (True, None): ".instant()",
                      (False, True): ".range()", (None, True): ".range()"}.get(mode, ""))
        if mode not in ((True, True), (True, False), (True, None), (False, True), (None, True), (None, None)):
            return raw
    for key in setters:
        if key not in target or key in extra:
            continue
        value = target[key]
        if key == "datasource":
            ds = _ds(value)
            if ds is None:
                return raw
            calls.append(f".datasource({ds})")
        elif key == "format" and language == "prometheus":
            calls.append(f".format(PromQueryFormat({value!r}))")
        elif key == "editorMode":
            module = "PromEditorMode" if language == "prometheus" else "LokiEditorMode"
            if value not in ("code", "builder"):
                return raw
            calls.append(f".editor_mode({module}({value!r}))")
        else:
            calls.append(f".{setters[key]}({_lit(value, indent)})")
    return ("\n" + " " * indent).join(c for c in calls if c)


def _panel(panel: Mapping[str, Any], indent: int) -> str:
    pad = " " * indent
    unknown = set(panel) - set(_PANEL_SETTERS)
    raw = f"k.Raw({_lit(dict(panel), indent)})"
    if panel.get("type") == "row" or unknown or panel.get("libraryPanel"):
        return raw
    lines = ["sdk.Panel()"]
    for key, (method, how) in _PANEL_SETTERS.items():
        if key not in panel:
            continue
        value = panel[key]
        if how == "lit":
            lines.append(f".{method}({_lit(value, indent + 4)})")
        elif how == "ds":
            ds = _ds(value)
            if ds is None:
                return raw
            lines.append(f".{method}({ds})")
        elif how == "grid":
            grid = _grid(value)
            if grid is None:
                return raw
            lines.append(f".{method}({grid})")
        elif how == "fieldconfig":
            lines.extend(_field_config(value, indent + 4))
        elif how == "each":
            lines.extend(f".{method}({_transformation(v, indent + 4)})" for v in value or [])
        elif how == "links":
            lines.append(_builder_list(method, [_link(v, indent + 8) for v in value or []], indent + 4))
        elif how == "targets":
            targets = [_target(t, panel, indent + 8) for t in value or []]
            inner = "".join(f"{pad}        {t},\n" for t in targets)
            lines.append(f".{method}([\n{inner}{pad}    ])" if targets else f".{method}([])")
    used = dict(_USED)
    redone = _kind_panel(panel, lines, indent + 4)
    if redone is None:
        _USED.clear()
        _USED.update(used)  # the attempt's modules are not imported
    lines = redone or lines
    return "(\n" + pad + "    " + ("\n" + pad + "    ").join(lines) + "\n" + pad + ")"


# ---------------------------------------------------------------------------
# A panel kind's own builder (timeseries.Panel(), stat.Panel(), ...): options and
# custom field settings through its methods, when they give the input's JSON.

#: Modules the generated code uses beyond the header: (package, name) -> alias.
_USED: dict[tuple[str, str], str] = {}


def _use(package: str, name: str) -> str:
    """The alias of ``grafana_foundation_sdk.<package>.<name>`` in generated code
    (builders by their name, models as ``<name>_m``), recorded for the imports."""
    import importlib

    alias = name if package == "builders" else f"{name}_m"
    _USED[(package, name)] = alias
    _namespace().setdefault(alias, importlib.import_module(f"grafana_foundation_sdk.{package}.{name}"))
    return alias


def _setter_value(annotation: Any, value: Any, indent: int) -> str | None:
    """Code for ``value`` as the argument of a setter typed ``annotation``, or None."""
    import enum
    import typing

    from grafana_foundation_sdk.cog.builder import Builder

    if annotation in (str, float, int, bool, object, typing.Any):
        if annotation is object or annotation is typing.Any or type(value) is annotation or (
            annotation is float and type(value) is int
        ):
            return _lit(value, indent)
        return None
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        if value not in {e.value for e in annotation}:
            return None
        return f"{_use('models', annotation.__module__.rpartition('.')[2])}.{annotation.__name__}({value!r})"
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is list and isinstance(value, list) and args and args[0] in (str, int, float):
        return _lit(value, indent) if all(type(v) in (str, int, float) for v in value) else None
    if origin is Builder and args and isinstance(value, Mapping):
        import importlib

        model = args[0]
        name = model.__module__.rpartition(".")[2]
        builder = getattr(importlib.import_module(f"grafana_foundation_sdk.builders.{name}"), model.__name__, None)
        calls = _setter_calls(builder, value, indent) if builder is not None else None
        return None if calls is None else f"{_use('builders', name)}.{model.__name__}(){''.join(calls)}"
    return None


def _setter_calls(builder: Any, values: Mapping[str, Any], indent: int) -> list[str] | None:
    """One call of ``builder``'s setter a key of ``values``, or None when one has none."""
    import inspect

    calls: list[str] = []
    for key, value in values.items():
        method = getattr(builder, _snake(key), None)
        if method is None or value is None:
            return None
        params = list(inspect.signature(method).parameters.values())[1:]
        code = _setter_value(params[0].annotation, value, indent) if len(params) == 1 else None
        if code is None:
            return None
        calls.append(f".{_snake(key)}({code})")
    return calls


def _kind_panel(panel: Mapping[str, Any], lines: list[str], indent: int) -> list[str] | None:
    """``lines`` (an ``sdk.Panel()`` chain) redone on the panel kind's own builder,
    options and ``fieldConfig.defaults.custom`` through its setters; None when the
    kind has no builder, a part has no setter, or the JSON would differ (the SDK's
    kind builders add their defaults, which Grafana would also assume, but which
    the input did not write)."""
    import importlib
    import pkgutil

    import grafana_foundation_sdk.builders as builders

    kind = str(panel.get("type") or "")
    if kind not in {m.name for m in pkgutil.iter_modules(builders.__path__)} or kind in ("dashboard", "common"):
        return None
    builder = getattr(importlib.import_module(f"grafana_foundation_sdk.builders.{kind}"), "Panel", None)
    if builder is None:
        return None
    options = panel.get("options") or {}
    custom = ((panel.get("fieldConfig") or {}).get("defaults") or {}).get("custom") or {}
    if not isinstance(options, Mapping) or not isinstance(custom, Mapping):
        return None
    option_calls = _setter_calls(builder, options, indent)
    custom_calls = _setter_calls(builder, custom, indent)
    if option_calls is None or custom_calls is None:
        return None
    kept = [line for line in lines[1:] if not line.startswith((".type(", ".options(", ".custom("))]
    if not all(hasattr(builder, line[1:].partition("(")[0]) for line in kept):
        return None  # e.g. plugin_version: only sdk.Panel sets it
    if any(line.startswith((".field_config(k.Raw", ".defaults(k.Raw")) for line in kept):
        return None
    redone = [f"{_use('builders', kind)}.Panel()", *kept, *option_calls, *custom_calls]
    view = ("options", "fieldConfig", "type")
    expected = {key: panel.get(key) for key in view}
    if not _exact("".join(redone), expected, lambda p: {key: p.get(key) for key in view}):
        return None
    return redone


# ---------------------------------------------------------------------------
# Builders for fieldConfig, transformations, links and annotations. Each is
# checked: the builder's JSON must equal the input's (as semantic_view reads
# both), else that part alone is kept as k.Raw.

_HEADER = (
    "from grafana_foundation_sdk.builders import dashboard as sdk\n"
    "from grafana_foundation_sdk.builders import loki, prometheus\n"
    "from grafana_foundation_sdk.models import dashboard as m\n"
    "from grafana_foundation_sdk.models.loki import QueryEditorMode as LokiEditorMode\n"
    "from grafana_foundation_sdk.models.prometheus import PromQueryFormat\n"
    "from grafana_foundation_sdk.models.prometheus import QueryEditorMode as PromEditorMode\n"
    "\n"
    "from obs_as_code.dashboards import kit as k\n"
)
_NAMESPACE: dict[str, Any] = {}


def _namespace() -> dict[str, Any]:
    """Globals to run generated code in: the module's imports (and, added by
    :func:`_use`, the kind builders')."""
    if "sdk" not in _NAMESPACE:
        exec(_HEADER, _NAMESPACE)
    return _NAMESPACE


def _json_of(code: str) -> Any:
    """The JSON of the builder (or model) expression ``code``, as the build writes it."""
    import json

    from grafana_foundation_sdk.cog.encoder import JSONEncoder

    value = eval(code, _namespace())  # code this module wrote from literals
    return json.loads(json.dumps(value.build() if hasattr(value, "build") else value, cls=JSONEncoder))


def _exact(code: str, expected: Any, part: Callable[[Any], Any] = lambda v: v) -> bool:
    try:
        return bool(_shown(part(_json_of(code))) == _shown(expected))
    except Exception:  # a value the builder refuses: kept as JSON
        return False


def _builder_list(method: str, items: list[str], indent: int) -> str:
    pad = " " * indent
    inner = "".join(f"{pad}    {item},\n" for item in items)
    return f".{method}([\n{inner}{pad}])" if items else f".{method}([])"


def _call(name: str, value: Any, indent: int) -> str:
    return f".{name}({_lit(value, indent)})"


#: fieldConfig ``defaults`` keys with a setter on the panel builder.
_DEFAULTS_SETTERS = {"unit": "unit", "min": "min", "max": "max", "decimals": "decimals",
                     "displayName": "display_name", "noValue": "no_value", "custom": "custom"}


def _defaults_calls(defaults: Mapping[str, Any], indent: int) -> list[str] | None:
    calls: list[str] = []
    for key, value in defaults.items():
        if value in ([], {}, None):
            continue  # the same as absent (see _shown): nothing to set
        if key in _DEFAULTS_SETTERS:
            calls.append(_call(_DEFAULTS_SETTERS[key], value, indent))
        elif key == "color" and isinstance(value, Mapping) and not set(value) - {"mode", "fixedColor", "seriesBy"}:
            color = "sdk.FieldColor()"
            if "mode" in value:
                color += f".mode(m.FieldColorModeId({value['mode']!r}))"
            if "fixedColor" in value:
                color += f".fixed_color({value['fixedColor']!r})"
            if "seriesBy" in value:
                color += f".series_by(m.FieldColorSeriesByMode({value['seriesBy']!r}))"
            calls.append(f".color_scheme({color})")
        elif key == "thresholds" and isinstance(value, Mapping) and not set(value) - {"mode", "steps"}:
            steps = value.get("steps") or []
            if not all(isinstance(t, Mapping) and not set(t) - {"value", "color"} for t in steps):
                return None
            config = "sdk.ThresholdsConfig()"
            if "mode" in value:
                config += f".mode(m.ThresholdsMode({value['mode']!r}))"
            listed = ", ".join(f"m.Threshold(value={t.get('value')!r}, color={t.get('color', '')!r})" for t in steps)
            calls.append(f".thresholds({config}.steps([{listed}]))")
        elif key == "mappings" and isinstance(value, list):
            calls.append(_builder_list("mappings", [f"k.Raw({_lit(v, indent + 8)})" for v in value], indent))
        else:
            return None
    return calls


def _override(override: Any, indent: int) -> tuple[str, str] | None:
    """``(matcher, properties)`` code of a fieldConfig override, or None when it has
    more than the SDK models (``__systemRef`` of a legend click, say)."""
    if not isinstance(override, Mapping) or set(override) - {"matcher", "properties"}:
        return None
    matcher, properties = override.get("matcher") or {}, override.get("properties") or []
    if not isinstance(matcher, Mapping) or set(matcher) - {"id", "options"}:
        return None
    if not all(isinstance(p, Mapping) and not set(p) - {"id", "value"} for p in properties):
        return None
    pad = " " * (indent + 4)
    props = "".join(
        f"{pad}    m.DynamicConfigValue(id_val={p.get('id', '')!r}, value={_lit(p.get('value'), indent + 8)}),\n"
        for p in properties
    )
    return (
        f"m.MatcherConfig(id_val={matcher.get('id', '')!r}, options={_lit(matcher.get('options'), indent + 4)})",
        f"[\n{props}{pad}]",
    )


def _overrides(overrides: list[Any], indent: int) -> list[str]:
    """One ``with_override`` an override; when one has more than the SDK models,
    ``overrides([...])`` with that one as ``k.Raw`` and the others as builders."""
    pad = " " * (indent + 4)
    parts = [_override(o, indent) for o in overrides]
    if all(p is not None for p in parts):
        return [f".with_override(\n{pad}{m_},\n{pad}{props},\n{' ' * indent})" for m_, props in filter(None, parts)]
    items = [
        f"k.Raw({_lit(o, indent + 4)})" if part is None
        else f"sdk.DashboardFieldConfigSourceOverrides().matcher({part[0]}).properties({part[1]})"
        for o, part in zip(overrides, parts, strict=True)
    ]
    return [_builder_list("overrides", items, indent)]


def _field_config(fc: Any, indent: int) -> list[str]:
    """Panel builder calls setting ``fc``: setters for the defaults the SDK models
    (unit, min, max, decimals, color, thresholds, ...) and one ``with_override`` an
    override; ``k.Raw`` for the defaults (or the whole) when they do not fit."""
    raw = [f".field_config(k.Raw({_lit(fc, indent)}))"]
    if not isinstance(fc, Mapping) or set(fc) - {"defaults", "overrides"}:
        return raw
    defaults = fc.get("defaults") or {}
    calls = _defaults_calls(defaults, indent) if isinstance(defaults, Mapping) else None
    if calls is None:
        calls = [f".defaults(k.Raw({_lit(defaults, indent)}))"]
    if not isinstance(fc.get("overrides") or [], list):
        return raw
    calls.extend(_overrides(fc.get("overrides") or [], indent))
    if not _exact("sdk.Panel()" + "".join(calls), fc, lambda p: p.get("fieldConfig") or {}):
        return raw
    return calls


def _transformation(value: Any, indent: int) -> str:
    raw = f"k.Raw({_lit(value, indent)})"
    if not isinstance(value, Mapping) or set(value) - {"id", "options", "disabled", "filter", "topic"}:
        return raw
    args = [f"id_val={value.get('id', '')!r}"]
    if "options" in value:
        args.append(f"options={_lit(value['options'], indent + 4)}")
    if "disabled" in value:
        args.append(f"disabled={value['disabled']!r}")
    if "topic" in value:
        args.append(f"topic={value['topic']!r}")
    matcher = value.get("filter")
    if matcher is not None:
        if not isinstance(matcher, Mapping) or set(matcher) - {"id", "options"}:
            return raw
        args.append(f"filter_val=m.MatcherConfig(id_val={matcher.get('id', '')!r}, options={_lit(matcher.get('options'), indent + 4)})")
    code = f"m.DataTransformerConfig({', '.join(args)})"
    return code if _exact(code, value) else raw


#: Link keys -> ``sdk.DashboardLink`` method (the title is its argument).
_LINK_SETTERS = {"icon": "icon", "tooltip": "tooltip", "url": "url", "tags": "tags", "asDropdown": "as_dropdown",
                 "targetBlank": "target_blank", "includeVars": "include_vars", "keepTime": "keep_time"}


def _link(value: Any, indent: int) -> str:
    """A dashboard or panel link as an ``sdk.DashboardLink`` builder when it gives
    the same JSON (a panel's data link has fewer fields), else ``k.Raw``."""
    raw = f"k.Raw({_lit(value, indent)})"
    if not isinstance(value, Mapping) or set(value) - set(_LINK_SETTERS) - {"title", "type"}:
        return raw
    code = f"sdk.DashboardLink({value.get('title', '')!r})"
    if "type" in value:
        code += f".type(m.DashboardLinkType({value['type']!r}))"
    code += "".join(_call(method, value[key], indent) for key, method in _LINK_SETTERS.items() if key in value)
    return code if _exact(code, value) else raw


#: Annotation keys -> ``sdk.AnnotationQuery`` method.
_ANNOTATION_SETTERS = {"name": "name", "enable": "enable", "hide": "hide", "iconColor": "icon_color",
                       "type": "type", "expr": "expr", "builtIn": "built_in"}


def _annotation(value: Any, indent: int) -> str:
    raw = f"k.Raw({_lit(value, indent)})"
    if not isinstance(value, Mapping) or set(value) - set(_ANNOTATION_SETTERS) - {"datasource"}:
        return raw
    code = "sdk.AnnotationQuery()"
    if "datasource" in value:
        ds = _ds(value["datasource"])
        if ds is None:
            return raw
        code += f".datasource({ds})"
    code += "".join(_call(method, value[key], indent) for key, method in _ANNOTATION_SETTERS.items() if key in value)
    return code if _exact(code, value) else raw


def _row(panel: Mapping[str, Any], indent: int) -> str:
    pad = " " * indent
    known = {"type", "title", "id", "gridPos", "collapsed", "panels", "repeat", "datasource"}
    if set(panel) - known or (panel.get("datasource") is not None and _ds(panel.get("datasource")) is None):
        return f"k.Raw({_lit(dict(panel), indent)})"
    calls = [f"sdk.Row({panel.get('title', '')!r})"]
    if "id" in panel:
        calls.append(f".id({panel['id']!r})")
    grid = _grid(panel.get("gridPos"))
    if grid is not None:
        calls.append(f".grid_pos({grid})")
    if panel.get("repeat"):
        calls.append(f".repeat({panel['repeat']!r})")
    if panel.get("datasource") is not None:
        calls.append(f".datasource({_ds(panel['datasource'])})")
    children = [c for c in panel.get("panels") or [] if isinstance(c, Mapping)]
    if panel.get("collapsed"):
        inner = "".join(f"{pad}        {_panel(c, indent + 8)},\n" for c in children)
        return f"k.collapsed_row(\n{pad}    {''.join(calls)},\n{pad}    [\n{inner}{pad}    ],\n{pad})"
    calls.append(".collapsed(False)")
    return "".join(calls)


def _variable(var: Mapping[str, Any], indent: int) -> str:
    kind = str(var.get("type") or "")
    raw = f"k.Raw({_lit(dict(var), indent)})"
    if kind not in _VARIABLES or not isinstance(var.get("name"), str):
        return raw
    cls, query_method = _VARIABLES[kind]
    extra = set(var) - set(_VARIABLE_SETTERS) - _VARIABLE_RUNTIME - {"name", "type", "query"}
    if extra:
        return raw
    calls = [f"sdk.{cls}({var['name']!r})"]
    if var.get("query") not in (None, ""):
        calls.append(f".{query_method}({_lit(var['query'], indent + 4)})")
    from grafana_foundation_sdk.builders import dashboard as sdk

    builder = getattr(sdk, cls)
    for key, method in _VARIABLE_SETTERS.items():
        if key not in var:
            continue
        value = var[key]
        if not hasattr(builder, method):
            if value in (None, False, ""):
                continue  # a default the builder cannot set: nothing lost
            return raw
        if key == "datasource":
            ds = _ds(value)
            if ds is None:
                return raw
            calls.append(f".datasource({ds})")
        elif key == "refresh":
            calls.append(f".refresh(m.VariableRefresh({int(value)}))")
        elif key == "sort":
            calls.append(f".sort(m.VariableSort({int(value)}))")
        else:
            calls.append(f".{method}({value!r})")
    state = _variable_state(var)
    if state.get("hide", 0) not in (0, 1, 2):
        return raw
    if state.get("hide"):
        calls.append(f".hide(m.VariableHide({state['hide']}))")
    if state.get("current") is not None:
        text, value = state["current"]
        calls.append(f".current(m.VariableOption(text={_lit(text, indent + 4)}, value={_lit(value, indent + 4)}))")
    for key, (method, default) in _INTERVAL_AUTO.items():
        if key in state and state[key] != default:
            calls.append(f".{method}({state[key]!r})")
    if state.get("options"):
        options = ", ".join(f"m.VariableOption(text={t!r}, value={v!r})" for t, v in state["options"])
        calls.append(f".options([{options}])")
    return "(\n" + " " * (indent + 4) + ("\n" + " " * (indent + 4)).join(calls) + "\n" + " " * indent + ")"


def _identifier(title: str) -> str:
    """A module-level variable name from the title (ASCII, never a keyword nor a
    name the module imports)."""
    name = re.sub(r"[^0-9a-z]+", "_", title.lower()).strip("_") or "dashboard"
    import pkgutil

    import grafana_foundation_sdk.builders as builders

    taken = {"k", "m", "sdk", "LokiEditorMode", "PromQueryFormat", "PromEditorMode"}
    taken |= {b.name for b in pkgutil.iter_modules(builders.__path__)}  # kind builders' modules
    if name[0].isdigit() or keyword.iskeyword(name) or name in taken or name.endswith("_m"):
        name = f"dashboard_{name}"
    return name


def _docstring_safe(text: str) -> str:
    """``text`` fit for a triple-quoted docstring: one line, no quotes or backslashes."""
    return re.sub(r"[\\\"\x00-\x1f\x7f\u2028\u2029]+", " ", text).strip()


def to_python(
    dashboard: dict[str, Any],
    *,
    datasources: Sequence[Datasource] = (),
    source: str | None = None,
    command: str = "oac import dashboard",
) -> str:
    """Python source of a module declaring ``dashboard`` with foundation-sdk builders.

    ``datasources`` (the project's) map an export's ``${DS_...}`` placeholders to
    declared uids; ``source`` (a file name or URL) and ``command`` (what imported
    it) are recorded in the docstring.
    """
    data = normalize(dashboard, datasources)
    title = str(data.get("title") or "Imported dashboard")
    carried = {
        "title", "uid", "description", "tags", "timezone", "editable", "graphTooltip", "time", "refresh",
        "panels", "templating", "annotations", "links", "schemaVersion", "fiscalYearStartMonth",
        "weekStart", "liveNow", "timepicker",
    }
    dropped = sorted(set(data) - carried)
    out: list[str] = [
        f'"""{_docstring_safe(title)}: imported with `{command}`'
        f'{f" from {_docstring_safe(source)}" if source else ""}.',
        "",
        "Panels and queries the SDK builders express are builder calls; the rest is kept",
        'as k.Raw(JSON) so the dashboard stays the same."""',
        "",
        *_HEADER.splitlines(),
        "",
    ]
    _USED.clear()
    if dropped:
        out.append(f"# Not carried over (no meaning once provisioned): {', '.join(dropped)}")
    board = [f"sdk.Dashboard({title!r})"]
    if data.get("uid"):
        board.append(f".uid({data['uid']!r})")
    simple: list[tuple[str, str, Callable[[Any], str]]] = [
        ("description", "description", repr),
        ("tags", "tags", lambda v: repr(list(v))),
        ("timezone", "timezone", repr),
        ("refresh", "refresh", repr),
        ("weekStart", "week_start", repr),
        ("liveNow", "live_now", repr),
        ("fiscalYearStartMonth", "fiscal_year_start_month", repr),
    ]
    for key, method, fmt in simple:
        if data.get(key) not in (None, ""):
            board.append(f".{method}({fmt(data[key])})")
    if data.get("timezone") in (None, ""):
        # No timezone is the viewer's own preference; the SDK's default is "browser".
        board.append(".timezone('')")
    if data.get("editable") is True:
        board.append(".editable()")
    elif data.get("editable") is False:
        board.append(".readonly()")
    if isinstance(data.get("graphTooltip"), int):
        board.append(f".tooltip(m.DashboardCursorSync({data['graphTooltip']}))")
    time = data.get("time")
    if isinstance(time, Mapping) and "from" in time and "to" in time:
        board.append(f".time({time['from']!r}, {time['to']!r})")
    if isinstance(data.get("timepicker"), Mapping) and data["timepicker"]:
        board.append(f".timepicker(k.Raw({_lit(data['timepicker'], 4)}))")
    templating = data.get("templating") or {}
    for var in templating.get("list") or [] if isinstance(templating, Mapping) else []:
        board.append(f".with_variable({_variable(var, 4)})")
    annotations = (data.get("annotations") or {}).get("list") or []
    if annotations:
        board.append(_builder_list("annotations", [_annotation(a, 8) for a in annotations], 4))
    if data.get("links"):
        board.append(_builder_list("links", [_link(a, 8) for a in data["links"]], 4))
    panels: list[str] = []
    for p in data.get("panels") or []:
        if not isinstance(p, Mapping):
            continue
        panels.append(_row(p, 8) if p.get("type") == "row" else _panel(p, 8))
    for (package, module), alias in sorted(_USED.items()):
        # Kind builders and models the panels use, before the kit import.
        out.insert(out.index("from obs_as_code.dashboards import kit as k"),
                   f"from grafana_foundation_sdk.{package} import {module}" + (f" as {alias}" if alias != module else ""))
    if _USED:
        out.insert(out.index("from obs_as_code.dashboards import kit as k"), "")
    name = _identifier(title)
    schema_version = data.get("schemaVersion")
    out.append(f"{name} = k.placed(")
    out.append("    " + "\n    ".join(board) + ",")
    out.append("    [")
    out.extend(f"        {p}," for p in panels)
    out.append("    ],")
    if isinstance(schema_version, int):
        out.append(f"    schema_version={schema_version},")
    out.append(")")
    return _without_unused_imports("\n".join(out) + "\n")


def _without_unused_imports(source: str) -> str:
    """``source`` without the names of :data:`_HEADER` its code never reads (a
    dashboard without Loki queries imports no ``loki``): linters such as ruff
    (F401) would flag every imported module otherwise."""
    used = {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)}
    header = set(_HEADER.splitlines())
    lines: list[str] = []
    for line in source.split("\n"):
        found = _IMPORT_LINE.fullmatch(line) if line in header else None
        if found is None:
            lines.append(line)
            continue
        kept = [item for item in found["names"].split(", ") if item.rpartition(" as ")[2] in used]
        if kept:
            lines.append(f"{found['head']}{', '.join(kept)}")
    return "\n".join(lines)


_IMPORT_LINE = re.compile(r"(?P<head>from \S+ import )(?P<names>.+)")


# ---------------------------------------------------------------------------
# Semantic comparison (what "the same dashboard" means for an import)


def _shown(value: Any) -> Any:
    """``value`` without what Grafana reads as unset: keys whose value is null,
    false, an empty string, list or object (absent and empty mean the same)."""
    if isinstance(value, Mapping):
        kept = {k: _shown(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, False, "", [], {})}
    if isinstance(value, list):
        return [_shown(v) for v in value]
    return value


def _grid_shown(grid: Any) -> Any:
    """A panel's ``gridPos`` as Grafana places it: a missing x or y is 0
    (grafonnet's dashboards leave out ``"x": 0``; the rebuilt module writes it)."""
    if isinstance(grid, Mapping):
        return {"x": 0, "y": 0, **grid}
    return grid


def semantic_view(dashboard: Mapping[str, Any]) -> dict[str, Any]:
    """Everything Grafana shows of a dashboard, which an import must keep: the title,
    graphTooltip, timezone, links and annotations; every panel's id (what links
    to it, ``?viewPanel=`` and a Grafana alert's ``__panelId__``, name it by),
    type, title, layout, datasource, repeat, queries, options, fieldConfig
    (defaults and overrides), transformations and links; every variable's
    definition and state (hide, current, interval auto settings, a
    never-refreshed query's options).

    Ignored, as Grafana itself normalises them: null/false/empty values (absent
    means the same, see :func:`_shown`), a row's ``collapsed`` false, a constant's
    ``hide`` and ``current`` (always hidden, always its query), options Grafana
    recomputes from the query on load, and ``selected`` flags; the dashboard's
    own id, its version and ``__inputs`` (normalize drops them)."""
    panels = []
    for path, p in iter_panels(dashboard.get("panels")):
        panels.append(
            {
                "path": path,
                "id": p.get("id"),
                "type": p.get("type"),
                "title": p.get("title") or "",
                "gridPos": _grid_shown(p.get("gridPos")),
                "collapsed": bool(p.get("collapsed")) if p.get("type") == "row" else None,
                "repeat": p.get("repeat"),
                "datasource": p.get("datasource"),
                "targets": [_shown(t) for t in p.get("targets") or [] if isinstance(t, Mapping)],
                **{key: _shown(p.get(key)) or None for key in ("options", "fieldConfig", "transformations", "links")},
            }
        )
    templating = dashboard.get("templating") or {}
    variables = [
        {
            **{k: v.get(k) or None for k in ("name", "type", "query", "datasource", "multi", "includeAll", "regex", "label", "allValue", "sort")},
            **_variable_state(v),
        }
        for v in templating.get("list") or []
        if isinstance(v, Mapping)
    ]
    annotations = (dashboard.get("annotations") or {}).get("list") or []
    return {
        "title": dashboard.get("title"),
        "graphTooltip": dashboard.get("graphTooltip") or 0,
        "timezone": dashboard.get("timezone") or "",
        "links": _shown(dashboard.get("links") or []),
        "annotations": _shown(annotations),
        "panels": panels,
        "variables": variables,
    }


#: Keys only a dashboard has at its top level (a panel has ``gridPos``, an alert rule ``condition``).
_DASHBOARD_KEYS = ("panels", "rows", "schemaVersion", "templating")


def unwrap(document: Any) -> dict[str, Any]:
    """The dashboard inside a file: plain JSON, or ``{"dashboard": ..., "meta": ...}``
    as Grafana's API returns it. Raises ValueError ("not a Grafana dashboard (why)")
    for anything else: a single panel's JSON, an alert rule, a title alone."""
    inner = api_dashboard(document)
    reason = not_a_dashboard(inner)
    if reason is None:
        reason = title_problem(inner)
    if reason is None:
        return dict(inner)
    raise ValueError(f"not a Grafana dashboard ({reason}); import a whole dashboard (Share > Export)")


def api_dashboard(document: Any) -> Any:
    """``document["dashboard"]`` for the API's ``{"dashboard": ..., "meta": ...}``,
    else ``document`` itself."""
    if isinstance(document, Mapping) and isinstance(document.get("dashboard"), Mapping) and "panels" not in document:
        return document["dashboard"]
    return document


def not_a_dashboard(document: Any) -> str | None:
    """Why ``document`` (unwrapped by :func:`api_dashboard`) is no dashboard at
    all (a single panel's JSON, an alert rule ...), or None. Its title is
    :func:`title_problem`'s."""
    if not isinstance(document, Mapping):
        return "not a JSON object"
    if "gridPos" in document or ("type" in document and "targets" in document):
        return "a single panel's JSON (Inspect > Panel JSON): it has type, targets or gridPos"
    if "condition" in document and "data" in document:
        return "a Grafana alert rule: it has condition and data"
    if "title" in document and not has_dashboard_keys(document):
        return f"none of {', '.join(_DASHBOARD_KEYS)}"
    return None


def has_dashboard_keys(document: Mapping[str, Any]) -> bool:
    """Whether ``document`` has a key only a dashboard has at its top level."""
    return any(key in document for key in _DASHBOARD_KEYS)


def title_problem(document: Mapping[str, Any]) -> str | None:
    """Why Grafana refuses the title of dashboard ``document``, or None."""
    if "title" not in document:
        return "no title"
    if not isinstance(document["title"], str) or not document["title"].strip():
        return "an empty title, which Grafana refuses"
    if not has_dashboard_keys(document):
        return f"none of {', '.join(_DASHBOARD_KEYS)}"
    return None


class UnresolvedInputs(Exception):
    """An export's ``__inputs`` name a datasource plugin the project declares none of."""


def _inputs(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The entries of an export's ``__inputs``; a malformed one (a number, an
    object) lists nothing."""
    listed = document.get("__inputs")
    return [i for i in listed if isinstance(i, Mapping)] if isinstance(listed, list) else []


def resolve_inputs(document: Mapping[str, Any], datasources: Sequence[Datasource]) -> dict[str, Any]:
    """``document`` with its ``__inputs`` resolved as Grafana's import does:
    ``${VAR_...}`` placeholders of ``constant`` inputs replaced by their value. Raises
    :class:`UnresolvedInputs` for a ``datasource`` input whose plugin has no declared
    datasource (``normalize`` would map its ``${DS_...}`` to a uid nobody declares)."""
    inputs = _inputs(document)
    missing = [
        f"{i.get('name')} (plugin {i.get('pluginId')!r})"
        for i in inputs
        if i.get("type") == "datasource" and not any(d.type == i.get("pluginId") for d in datasources)
    ]
    if missing:
        declared = ", ".join(f"{d.name} ({d.type}, uid {d.uid})" for d in datasources) or "none"
        raise UnresolvedInputs(
            f"__inputs {', '.join(missing)}: no declared datasource of that plugin "
            f"(declared in datasources/: {declared}); declare one and import again"
        )
    return with_constants(document)


def with_constants(document: Mapping[str, Any]) -> dict[str, Any]:
    """``document`` with the ``${VAR_...}`` placeholders of its ``constant``
    ``__inputs`` replaced by their values, as Grafana's import does."""
    import json

    inputs = _inputs(document)
    values = {str(i["name"]): str(i.get("value") or "") for i in inputs if i.get("type") == "constant" and i.get("name")}
    if not values:
        return dict(document)
    pattern = re.compile(r"\$\{(" + "|".join(map(re.escape, values)) + r")\}")
    text = pattern.sub(lambda m: json.dumps(values[m.group(1)])[1:-1], json.dumps(document))
    resolved: dict[str, Any] = json.loads(text)
    return resolved


def differences(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    """Where the semantic views of two dashboards differ (empty when equal)."""
    va, vb = semantic_view(a), semantic_view(b)
    out: list[str] = []
    for key in ("title", "graphTooltip", "timezone", "links", "annotations"):
        if va[key] != vb[key]:
            out.append(f"{key} {va[key]!r} != {vb[key]!r}")
    if len(va["panels"]) != len(vb["panels"]):
        out.append(f"{len(va['panels'])} panels != {len(vb['panels'])}")
    for pa, pb in zip(va["panels"], vb["panels"], strict=False):
        for key in pa:
            if pa[key] != pb[key]:
                out.append(f"panel {pa['path']} {key}: {pa[key]!r} != {pb[key]!r}")
    if va["variables"] != vb["variables"]:
        out.append(f"variables {va['variables']!r} != {vb['variables']!r}")
    return out


#: The note on every suppression comment the import writes.
REVIEW_NOTE = "imported as is; review"

#: Where the generated module is run and checked, in a temporary project.
_CHECKED = ModuleRef("dashboards/imported.py", "dashboards.imported")


def read_dashboard(file: Any, uid: str | None = None) -> dict[str, Any]:
    """The dashboard in the JSON file ``file`` (see :func:`unwrap`), its UID
    replaced by ``uid`` when given. Raises ValueError (``json.JSONDecodeError``
    among them) for a file that is not a dashboard."""
    import json

    document = unwrap(json.loads(Path(file).read_text(encoding="utf-8")))
    if uid is not None:
        document["uid"] = uid
    return document


def load_for_import(project: Any, *, dashboards: bool = False) -> Project:
    """The project at ``project`` as an import reads it, loaded once for the whole
    command: its ``datasources/`` modules (they map ``${DS_...}`` placeholders and
    are the datasources the module is checked with) and, when ``dashboards``, its
    ``dashboards/`` modules (their UIDs and titles, for :func:`project_conflict`). What the load
    reports is the build's to say: not returned."""
    from obs_as_code.pipeline import load

    root = Path(project)
    dirs = ("dashboards", "datasources") if dashboards else ("datasources",)
    if not any((root / d).is_dir() for d in dirs):
        return Project(root=root.resolve())
    loaded, _diagnostics = load(root, dirs)
    return loaded


def _datasources_part(project: Project | None) -> Project:
    """What ``project``'s ``datasources/`` modules declare, as a project of its own
    (what an import reads of a project besides the UIDs; a datasource some
    ``dashboards/`` module declares is not one)."""
    if project is None:
        return Project(root=Path("."))
    return Project(
        root=project.root,
        modules=[m for m in project.modules if m.path.startswith("datasources/")],
        definitions=[d for d in project.definitions if d.module.startswith("datasources/")],
    )


def _execute(root: Path, ref: ModuleRef) -> DashboardDef:
    """Run the generated module ``ref`` of the project at ``root`` (once) and wrap
    the dashboard it declares, as the loader does (locations relative to
    ``root``; ``k.placed`` reads the file for each item's line). Unlike the
    loader, what the module raises is raised: the import stops on it."""
    from types import ModuleType

    from obs_as_code.load import collect
    from obs_as_code.source import forget_callers, loading_file, project_root

    path = root / ref.path
    module = ModuleType(ref.name)
    module.__file__ = str(path)
    code = compile(path.read_text(encoding="utf-8"), str(path), "exec")
    # Not put in sys.modules nor sys.path: it imports only the SDK and the kit.
    root_token, file_token = project_root.set(str(root)), loading_file.set(str(path))
    try:
        exec(code, vars(module))  # the module this import just wrote
    finally:
        loading_file.reset(file_token)
        project_root.reset(root_token)
        forget_callers()
    for _name, definition in collect(module, ref, root):
        if isinstance(definition, DashboardDef):
            definition.module = ref.path
            return definition
    raise ValueError("generated module declares no dashboard")


def check_module(source: str, project: Project | None = None) -> tuple[RenderedDashboard, list[Diagnostic]]:
    """``(the dashboard rendered, what the checks found in it)`` for the generated
    module ``source``, run once: the project's dashboard checks (OAC3xx, as ``oac
    lint`` runs them) on it as ``dashboards/imported.py`` of a project that has
    ``project``'s datasources (see :func:`load_for_import`; loaded already, not
    again). The rendering, with the UID and folder that path gives, is the one the
    checks read. Raises what the module raises."""
    import tempfile

    from obs_as_code.dashboards.project import render_project
    from obs_as_code.dashboards.render import render_dashboard
    from obs_as_code.lint.api import lint_project

    declared = _datasources_part(project)
    with tempfile.TemporaryDirectory(prefix="oac-import-") as tmp:
        root = Path(tmp).resolve()
        (root / "dashboards").mkdir()
        (root / _CHECKED.path).write_text(source, encoding="utf-8")
        board = _execute(root, _CHECKED)
        checked = Project(root=root, modules=[*declared.modules, _CHECKED], definitions=[*declared.definitions, board])
        # Rendered once, with the datasources, and shared by the checks. The
        # round trip used to render without them: the same JSON, as to_python's
        # normalize has mapped every placeholder and datasource name already. A
        # module that cannot be rendered is OAC309 below, and is rendered alone
        # here, which raises what stops it (as the round trip did).
        rendered = render_project(checked).of(board) or render_dashboard(board)
        found = [d for d in lint_project(checked, select=["OAC3"]) if d.location.file == _CHECKED.path]
    return rendered, found


def review(source: str, found: Sequence[Diagnostic], display: str = "dashboards/imported.py") -> tuple[str, list[str]]:
    """``(source with suppressions, warnings)``: each error in ``found`` (of
    :func:`check_module` on ``source``) gets an ``# oac: ignore[CODE] imported as
    is; review`` comment above its line (the panel's, as ``k.placed`` locates each
    item), so the module builds and every exception shows in the diff; queries are
    never rewritten. A finding of warning severity stops no build, so it is left
    to show in every build rather than silenced. A warning names each finding at
    its line in the returned source (``display`` is the module's path as shown)."""
    codes: dict[int, set[str]] = {}
    for d in found:
        if d.severity is Severity.ERROR:
            codes.setdefault(max(d.location.line, 1), set()).add(d.code)
    lines = source.splitlines()
    shift: dict[int, int] = {}  # original line -> its line once the comments are in
    out: list[str] = []
    for number, text in enumerate(lines, 1):
        if number in codes:
            indent = text[: len(text) - len(text.lstrip())]
            out.append(f"{indent}# oac: ignore[{','.join(sorted(codes[number]))}] {REVIEW_NOTE}")
        out.append(text)
        shift[number] = len(out)
    warnings = [
        f"{display}:{shift.get(max(d.location.line, 1), 1)}:{max(d.location.col, 1)}: {d.code} {d.message} "
        + (
            f"({REVIEW_NOTE}: suppressed by the comment above)"
            if d.severity is Severity.ERROR
            else "(a warning: not suppressed, every build shows it)"
        )
        for d in found
    ]
    return "\n".join(out) + "\n", warnings


@dataclass
class ImportedDashboard:
    """A dashboard turned into a module by :func:`import_dashboard`."""

    #: The module, with a suppression comment at each finding.
    source: str
    #: Where the rebuilt dashboard differs from the input (empty: the same).
    problems: list[str]
    #: The checks' findings, each suppressed in :attr:`source`.
    warnings: list[str]
    #: The UID the module sets itself, None when the build derives it from the
    #: module's path.
    own_uid: str | None
    #: The dashboard's title, as the module builds it.
    title: Any = ""

    def uid_at(self, module: str) -> str:
        """The UID the dashboard builds with as the project's ``module``
        (``dashboards/x.py``)."""
        from obs_as_code import names

        return self.own_uid if self.own_uid is not None else names.dashboard_uid(module)


def import_dashboard(
    document: dict[str, Any],
    project: Project | None = None,
    display: str = "dashboards/imported.py",
    source: str | None = None,
    command: str = "oac import dashboard",
) -> ImportedDashboard:
    """``document`` (see :func:`read_dashboard`) as a module: its ``__inputs``
    resolved and its ``${DS_...}`` placeholders mapped with ``project``'s
    datasources (loaded by :func:`load_for_import`), the module run once to check
    that it rebuilds the same dashboard and to run the project's checks on it (see
    :func:`check_module`, :func:`review`). ``source`` (the file's name) goes in
    the docstring, with ``command``. Raises :class:`UnresolvedInputs` for an export needing a
    datasource the project lacks, and what the generated module raises."""
    datasources = _datasources_part(project).all(Datasource)
    document = resolve_inputs(document, datasources)
    module = to_python(document, datasources=datasources, source=source, command=command)
    expected = normalize(document, datasources)
    rendered, found = check_module(module, project)
    problems = differences(expected, rendered.json)
    module, warnings = review(module, found, display)
    # to_python writes the uid normalize kept; a uid that is not a non-empty
    # string is no UID to the build, which derives one (as render_dashboard does).
    own = expected.get("uid")
    return ImportedDashboard(module, problems, warnings, rendered.uid if isinstance(own, str) and own else None, rendered.title)


def project_module(project: Any, output: Path | None) -> str | None:
    """``output`` as a path under the ``dashboards/`` of the project at
    ``project`` (a module the build reads, ``dashboards/x.py``), else None."""
    if output is None:
        return None
    try:
        rel = output.resolve().relative_to(Path(project).resolve()).as_posix()
    except ValueError:
        return None
    return rel if rel.startswith("dashboards/") else None


def project_conflict(imported: ImportedDashboard, project: Project, module: str) -> str | None:
    """Why ``imported`` cannot be ``project``'s module ``module``
    (``dashboards/x.py``): its UID is another dashboard's of ``project`` (loaded
    by :func:`load_for_import` with its dashboards; OAC308 at the next build), or
    its title is another's in the folder it would be in (Grafana refuses the
    second: OAC312); else None."""
    from obs_as_code import names
    from obs_as_code.dashboards.project import render_project

    uid = imported.uid_at(module)
    title = imported.title
    folder = names.dashboard_folder(module)
    key = names.provisioned_title_key(folder, title) if isinstance(title, str) and title.strip() else None
    for r in render_project(project).checked:
        where = r.source_map[()].file
        if where == module:
            continue
        if r.uid == uid:
            return (
                f"dashboard UID {uid!r} is already used by {where} ({r.title!r}); "
                "pass --uid NEW to give the imported dashboard its own"
            )
        if key is not None and isinstance(r.title, str) and names.provisioned_title_key(r.folder, r.title) == key:
            shown = names.provisioned_folder(folder)
            return (
                f"dashboard title {title!r} is already used in {f'folder {shown!r}' if shown else 'the General folder'} "
                f"by {where} ({r.uid!r}), and Grafana refuses a second (OAC312 at the next build); "
                "import it into another folder (-o dashboards/FOLDER/NAME.py), or change its title"
            )
    return None


def import_file(
    file: Any, project: Any = None, display: str = "dashboards/imported.py", uid: str | None = None
) -> tuple[str, list[str], list[str]]:
    """``(python source, round-trip differences, warnings)`` for a dashboard JSON
    file; the project's datasources (when ``project``, a path, is given) map
    ``${DS_...}`` placeholders. The warnings are the project's checks' findings on
    the module, each suppressed in it (see :func:`review`). Raises ValueError for a
    file that is not a dashboard, :class:`UnresolvedInputs` for an export needing
    a datasource the project lacks. ``uid`` replaces the dashboard's own."""
    document = read_dashboard(file, uid)
    loaded = load_for_import(project) if project is not None else None
    done = import_dashboard(document, loaded, display, source=Path(file).name)
    return done.source, done.problems, done.warnings
