"""OAC506: a dashboard, SLO or rule over a recording rule no group defines."""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from obs_as_code.diagnostics import Diagnostic, Severity, warning
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._crossref import recorded_names
from obs_as_code.model.dashboard import DashboardDef
from obs_as_code.serialize import scan_text
from obs_as_code.source import SourceLocation, keyword_location

if TYPE_CHECKING:  # the dashboard layer is optional (see _renders)
    from obs_as_code.dashboards.render import RenderedDashboard

Path_ = tuple[str | int, ...]


def dashboard_exprs(data: Any, path: Path_ = ()) -> Iterator[tuple[Path_, str]]:
    """Every ``expr`` string in dashboard JSON, with its data path."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "expr" and isinstance(value, str):
                yield (*path, key), value
            else:
                yield from dashboard_exprs(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from dashboard_exprs(value, (*path, i))


def _renders(ctx: LintContext) -> Any:
    """The build's rendering of the project's dashboards (once per build, shared
    with the OAC3xx checks and the Grafana renderer), or None without the
    dashboard layer, which is optional: then only dict dashboards are read."""
    try:
        module = importlib.import_module("obs_as_code.dashboards.project")
        return module.render_project(ctx.project)
    except (ImportError, AttributeError):
        return None


def _dashboard_json(renders: Any, d: DashboardDef) -> tuple[Any, Mapping[Path_, SourceLocation], str | None]:
    """``(data, source map, JSON text or None)`` of a dashboard: a dict source as
    written, any other as the build rendered it (with the rendering's text)."""
    if isinstance(d.source, dict):
        return d.source, {}, None
    rendered = renders.of(d) if renders is not None else None
    if rendered is None:  # an unrenderable dashboard is reported by the OAC3xx checks
        return None, {}, None
    return rendered.json, rendered.source_map, rendered.text


#: An ``expr`` key and its JSON string, when the string holds a colon (only
#: those can name a recording rule): "unrolled loops" up to the first colon, then
#: to the closing quote (an alternation per character scanned a large dashboard's
#: text several times slower), possessive (each split is the only one: without
#: it a string without a colon was re-split at every escape). A string without a
#: colon fails at its closing quote and the search goes on in C: a dashboard
#: without recording rules costs one scan of its text and no Python per query.
_EXPR_TEXT = re.compile(r'"expr": ?("[^"\\:]*+(?:\\.[^"\\:]*+)*+:[^"\\]*+(?:\\.[^"\\]*+)*+")')


def _may_use_recording_rule(data: Any, text: str | None, defined: set[str]) -> bool:
    """Whether any ``expr`` in ``data`` names an undefined recording rule: the
    JSON text (``text``, the rendering's indented one, else one compact dump by
    orjson) shows the expressions, so the walk that locates them runs only for
    dashboards with a finding."""
    if text is None:
        try:
            text = scan_text(data)
        except (TypeError, ValueError):
            return True  # not plain JSON data: let the walk decide
    return any(recorded_names(_json_string(m.group(1))) - defined for m in _EXPR_TEXT.finditer(text))


def _json_string(literal: str) -> str:
    """The text of a JSON string literal (quotes included): without a backslash
    it is what stands between the quotes, which saves a JSON decoder call per
    query (an SLO dashboard's 18 recording-rule queries each)."""
    if "\\" in literal:
        decoded: str = json.loads(literal)
        return decoded
    return literal[1:-1]


def colon_free(board: RenderedDashboard) -> bool:
    """Whether no ``expr`` of a rendered dashboard can name
    a recording rule, proven from its targets (listed once per dashboard for the
    OAC3xx checks): none of their ``expr`` holds a colon, and they are all the
    ``expr`` keys there are. Each such key is written ``"expr": `` in
    :attr:`~obs_as_code.dashboards.render.RenderedDashboard.text` (no string's
    text can hold that unescaped but a key's ending in ``"expr``, which only
    adds to the count), so when the text holds as many as the targets have
    keys, there is no other. Counting in C is cheaper than the colon search of
    :func:`_may_use_recording_rule` through every query."""
    from obs_as_code.lint.rules._dashboards import targets

    keyed = 0
    for t in targets(board):
        if "expr" in t.data:
            if ":" in t.expr:
                return False
            keyed += 1
    return board.text.count('"expr": ') == keyed


def _nearest(smap: Mapping[Path_, SourceLocation], path: Path_, default: SourceLocation) -> SourceLocation:
    while path:
        if path in smap:
            return smap[path]
        path = path[:-1]
    return default


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    defined = set(ctx.recorded())
    # One warning per line and name: an SLO's query is copied into one rule per
    # window (7 for the Google tables), all located at the SLI's line.
    users: dict[tuple[SourceLocation, str], list[str]] = {}
    index = ctx.index
    for _group, rule in ctx.rules():
        for name in sorted(recorded_names(rule.expr) - defined):
            if index is not None and index.family(name) is None:
                # With a catalog, OAC206 reports it (an error, at its token, with the
                # name meant): one mistake, one finding.
                continue
            users.setdefault((keyword_location(rule.location, "expr"), name), []).append(f"{rule.kind} {rule.name}")
    for (where, name), rules in users.items():
        others = len(rules) - 1
        more = f" (and {others} more rule{'s' if others > 1 else ''} from this line)" if others else ""
        yield warning(
            where,
            "OAC506",
            f"{rules[0]}{more} uses recording rule {name}, which no rule group defines",
            hint="define it in a RuleGroup (or let the SLO that records it generate it), or fix the name",
        )
    boards = ctx.project.all(DashboardDef)
    renders = _renders(ctx) if any(not isinstance(d.source, dict) for d in boards) else None
    for d in boards:
        if renders is not None and not isinstance(d.source, dict):
            board = renders.of(d)
            # Only from targets another check has listed: listing them costs
            # more than the text search when this check runs alone.
            if board is not None and "targets" in board.derived and colon_free(board):
                continue
        data, smap, text = _dashboard_json(renders, d)
        if data is None or not _may_use_recording_rule(data, text, defined):
            continue
        for path, expr in dashboard_exprs(data):
            for name in sorted(recorded_names(expr) - defined):
                if index is not None and index.family(name) is None:
                    continue  # OAC218 reports it, as OAC206 does in a rule
                yield warning(
                    _nearest(smap, path[:-1], d.location),
                    "OAC506",
                    f"dashboard {d.key() or d.module} queries recording rule {name}, which no rule group defines",
                    hint="the panel shows no data: define the rule or fix the name",
                )


CHECK = Check("OAC506", "undefined-recording-rule", "dashboards, SLOs and rules only use recording rules the project defines", run, Severity.WARNING)
