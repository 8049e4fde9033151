"""Render the Alertmanager configuration into ``build/alertmanager/``.

``alertmanager.yml`` plus one file per :class:`Template`. The source map points
each route, receiver, inhibit rule and time interval at its Python line, so
``amtool`` findings land on the user's code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from obs_as_code import names
from obs_as_code.artifacts import Artifact
from obs_as_code.durations import normalize_lenient as normalize
from obs_as_code.load import Project
from obs_as_code.model.alertmanager import (
    AlertmanagerConfig,
    Global,
    InhibitRule,
    Integration,
    Matcher,
    MatcherError,
    MatcherLike,
    Receiver,
    Route,
    Template,
    TimeInterval,
    TimeRange,
    Webhook,
    interval_name,
)
from obs_as_code.source import SourceLocation

Path_ = tuple[str | int, ...]


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    """Set ``key`` unless ``value`` is None or empty: output carries no noise."""
    if value is None or (isinstance(value, (list, dict, tuple, str)) and not value):
        return
    if isinstance(value, Mapping):
        value = {k: value[k] for k in sorted(value)}
    elif isinstance(value, tuple):
        value = list(value)
    out[key] = value


def render_matcher(matcher: MatcherLike) -> str:
    """A matcher in Alertmanager's syntax. A string holding one matcher is
    written as Alertmanager reads it; one holding several or none (``'a="1",b="2"'``,
    ``""``: Alertmanager reads those too), or an unparsable one (check OAC508
    reports it), is kept as written."""
    if isinstance(matcher, Matcher):
        return str(matcher)
    try:
        found = Matcher.parse_all(matcher)
    except MatcherError:
        return matcher
    return str(found[0]) if len(found) == 1 else matcher


def render_route(route: Route, path: Path_, smap: dict[Path_, SourceLocation]) -> dict[str, Any]:
    """One route node and its children."""
    smap[path] = route.location
    out: dict[str, Any] = {}
    _put(out, "receiver", route.receiver_name)
    _put(out, "matchers", [render_matcher(m) for m in route.matchers])
    if route.group_by is not None:
        out["group_by"] = list(route.group_by)
    for key in ("group_wait", "group_interval", "repeat_interval"):
        value = getattr(route, key)
        if value is not None:
            out[key] = normalize(value)
    if route.continue_:
        out["continue"] = True
    _put(out, "mute_time_intervals", [interval_name(i) for i in route.mute_time_intervals])
    _put(out, "active_time_intervals", [interval_name(i) for i in route.active_time_intervals])
    if route.routes:
        out["routes"] = [
            render_route(child, (*path, "routes", i), smap) for i, child in enumerate(route.routes)
        ]
    return out


def render_integration(integration: Integration) -> dict[str, Any]:
    """One ``*_configs`` entry; ``from_`` is written ``from``."""
    out: dict[str, Any] = {}
    if integration.send_resolved is not None:
        out["send_resolved"] = integration.send_resolved
    for name in integration.fields_out:
        _put(out, name.rstrip("_"), getattr(integration, name))
    if isinstance(integration, Webhook) and integration.credentials_file:
        out["http_config"] = {"authorization": {"credentials_file": integration.credentials_file}}
    for key in sorted(integration.extra):
        value = integration.extra[key]
        if key == "http_config" and "http_config" in out and isinstance(value, Mapping):
            # credentials_file beside extra={"http_config": {...}} (TLS, a proxy):
            # both are written (the extra's replaced it); two authorizations are OAC508's.
            value = {**value, **out["http_config"]}
        out[key] = value
    return out


def render_receiver(receiver: Receiver) -> dict[str, Any]:
    """One receiver with its integrations grouped by kind (in declaration order)."""
    out: dict[str, Any] = {"name": receiver.name}
    for integration in receiver.integrations:
        out.setdefault(integration.config_key, []).append(render_integration(integration))
    return out


def render_inhibit(rule: InhibitRule) -> dict[str, Any]:
    """One inhibit rule."""
    out: dict[str, Any] = {
        "source_matchers": [render_matcher(m) for m in rule.source_matchers],
        "target_matchers": [render_matcher(m) for m in rule.target_matchers],
    }
    _put(out, "equal", list(rule.equal))
    return out


def render_time_range(spec: TimeRange) -> dict[str, Any]:
    """One entry of a time interval."""
    out: dict[str, Any] = {}
    _put(out, "times", [{"start_time": start, "end_time": end} for start, end in spec.times])
    for key in ("weekdays", "days_of_month", "months", "years"):
        _put(out, key, list(getattr(spec, key)))
    _put(out, "location", spec.time_zone)
    return out


def render_time_interval(interval: TimeInterval) -> dict[str, Any]:
    """One named time interval."""
    return {"name": interval.name, "time_intervals": [render_time_range(r) for r in interval.ranges]}


def render_global(glob: Global) -> dict[str, Any]:
    """The ``global`` block."""
    out: dict[str, Any] = {}
    for key in glob.fields_out:
        value = getattr(glob, key)
        if key == "resolve_timeout" and value is not None:
            value = normalize(value)
        _put(out, key, value)
    for key in sorted(glob.extra):
        out[key] = glob.extra[key]
    return out


def config_artifacts(config: AlertmanagerConfig) -> list[Artifact]:
    """``alertmanager.yml`` and the template files of one configuration."""
    smap: dict[Path_, SourceLocation] = {(): config.location}
    data: dict[str, Any] = {}
    if config.global_ is not None:
        data["global"] = render_global(config.global_)
        smap[("global",)] = config.global_.location
    template_artifacts: list[Artifact] = []
    paths: list[str] = []
    for template in config.templates:
        if isinstance(template, Template):
            path = names.alertmanager_template(template.name)
            template_artifacts.append(
                Artifact(path, template.text, "text", sources=[config.module] if config.module else [],
                         source_map={(): template.location})
            )
            # Alertmanager resolves template paths against the config file's folder.
            paths.append(path.removeprefix("alertmanager/"))
        else:
            paths.append(template)
    _put(data, "templates", paths)
    data["route"] = render_route(config.route, ("route",), smap)
    receivers = config.all_receivers()
    data["receivers"] = [render_receiver(r) for r in receivers]
    for i, receiver in enumerate(receivers):
        smap[("receivers", i)] = receiver.location
        for j, integration in enumerate(receiver.integrations):
            smap[("receivers", i, integration.config_key, j)] = integration.location
    if config.inhibit_rules:
        data["inhibit_rules"] = [render_inhibit(r) for r in config.inhibit_rules]
        for i, rule in enumerate(config.inhibit_rules):
            smap[("inhibit_rules", i)] = rule.location
    intervals = config.all_time_intervals()
    if intervals:
        data["time_intervals"] = [render_time_interval(t) for t in intervals]
        for i, interval in enumerate(intervals):
            smap[("time_intervals", i)] = interval.location
    sources = [config.module] if config.module else []
    main = Artifact(names.ALERTMANAGER_CONFIG, data, "yaml", sources=sources, source_map=smap)
    return [main, *template_artifacts]


def render(project: Project) -> list[Artifact]:
    """The Alertmanager artifacts of a project (none when it declares no config).

    A second configuration is reported by check OAC508; the first one is rendered.
    """
    configs = project.all(AlertmanagerConfig)
    if not configs:
        return []
    return config_artifacts(configs[0])
