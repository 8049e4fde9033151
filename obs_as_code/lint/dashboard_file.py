"""A dashboard JSON file as the build renders a dashboard, with positions in the file.

``oac lint FILE.json`` runs the dashboard checks (OAC3xx) on a file as ``oac
build`` runs them on the project's dashboards: on the JSON the build would write
(:func:`~obs_as_code.dashboards.render.normalize`: legacy ``rows`` moved onto the
grid, an export's ``${DS_...}`` placeholders mapped to the declared datasources,
library panels inlined from ``__elements``, repeated copies dropped, ids and
refIds filled in), so that a finding is the one the build gives once the
dashboard is imported. Each panel, target, variable, annotation and link of the
file is tagged before normalizing, and the tags, which every step of the
normalization carries along (copies, moves, the grid migration's reordering),
tell where each part of the rendered JSON is written in the file: the source map
the checks locate their findings with, as they do with a module's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from obs_as_code import names
from obs_as_code.dashboards.render import (
    DataPath,
    RenderedDashboard,
    default_datasource_type,
    normalize,
)
from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint._rule_yaml import Loader
from obs_as_code.lint.engine import DashboardSource
from obs_as_code.lint.rules.oac306_template_variables import value_at
from obs_as_code.lint.sites import Site, _read
from obs_as_code.model.datasource import Datasource
from obs_as_code.source import SourceLocation

#: The key each tagged part of the file carries through the normalization (an
#: index into the list of the file's data paths); removed once it is read.
_TAG = "\x00oac-json-part"
#: Under ``(*path, _KEY)``: the position of the key whose value is at ``path``.
_KEY = "\x00key"

#: (line, col, end line, end col), 1-based, columns in characters.
Span = tuple[int, int, int, int]

#: A ``\uD800``-``\uDFFF`` escape (half of a surrogate pair, as ``json.dumps``
#: writes characters beyond the BMP), after an even number of backslashes.
_SURROGATE = re.compile(r"(?<!\\)((?:\\\\)*)\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


#: The keys whose own position a finding may point at (:data:`_ANCHORS`, the UID).
_KEYS_KEPT = frozenset({"title", "name", "uid"})
#: The keys whose string value's span (start to end) a finding may need.
_VALUES_KEPT = frozenset({"expr"})


def positions(text: str) -> dict[DataPath, Span]:
    """The spans of the JSON ``text``'s objects and arrays by their data paths,
    of the values of :data:`_VALUES_KEPT` keys, and of the keys of
    :data:`_KEYS_KEPT` under ``(*path, _KEY)`` (JSON is YAML: libyaml's composer
    gives the positions). Empty when the text cannot be read so (it has been
    parsed as JSON already: then only positions are missing)."""
    root: Any = None
    for attempt in (text, None):
        if attempt is None:
            # libyaml refuses surrogate escapes, which JSON allows: each becomes
            # an escape of the same length (positions are all that is read).
            attempt = _SURROGATE.sub(lambda m: m.group(1) + "\\u0020", text)
            if attempt == text:
                break
        try:
            root = yaml.compose(attempt, Loader=Loader)
            break
        except yaml.YAMLError:
            root = None
    out: dict[DataPath, Span] = {}
    if root is None:
        return out

    def span(node: Any) -> Span:
        start, end = node.start_mark, node.end_mark
        return (start.line + 1, start.column + 1, end.line + 1, end.column + 1)

    mapping, sequence = yaml.MappingNode, yaml.SequenceNode
    stack: list[tuple[Any, DataPath]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        out[path] = span(node)
        if type(node) is mapping:
            # Backwards, so that of a key written twice the last one is kept (as
            # json.loads keeps it): the first one met here, and the last popped.
            for key, value in reversed(node.value):
                name = key.value
                if type(value) is mapping or type(value) is sequence:
                    stack.append((value, (*path, name)))
                elif name in _VALUES_KEPT:
                    out.setdefault((*path, name), span(value))
                if name in _KEYS_KEPT:
                    out.setdefault((*path, name, _KEY), span(key))
        elif type(node) is sequence:
            for i, value in enumerate(node.value):
                if type(value) is mapping or type(value) is sequence:
                    stack.append((value, (*path, i)))
    return out


@dataclass(frozen=True)
class JsonStringSite(Site):
    """A JSON string value (quotes included, start to end) holding a query: a
    token of the query is found through the string's escapes (``\\"`` for a
    quote, ``\\u00e9`` ...), character by character, not searched for as text."""

    def locate_in_expr(self, expr: str, span: tuple[int, int] | None) -> SourceLocation:
        if span is None:
            return self.start
        text = _read(self.path)
        begin, end = self._bounds(text)
        offsets = string_offsets(text[begin:end])
        if offsets is None or len(offsets) != len(expr) + 1 or not 0 <= span[0] <= len(expr):
            return super().locate_in_expr(expr, span)
        return self._location(begin + offsets[span[0]])


def string_offsets(literal: str) -> list[int] | None:
    """For the JSON string ``literal`` (with its quotes): the offset in
    ``literal`` of each character of the decoded string, then of the closing
    quote; None when ``literal`` is not one JSON string."""
    if len(literal) < 2 or literal[0] != '"' or literal[-1] != '"':
        return None
    out: list[int] = []
    i, last = 1, len(literal) - 1
    while i < last:
        out.append(i)
        if literal[i] != "\\":
            i += 1
        elif literal[i + 1 : i + 2] != "u":
            i += 2
        elif _SURROGATE_PAIR.match(literal, i):
            i += 12  # one character beyond the BMP, written as two escapes
        else:
            i += 6
    if i != last:
        return None
    out.append(last)
    return out


_SURROGATE_PAIR = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}")


def _dict_list(holder: Any, key: str) -> list[Any]:
    value = holder.get(key) if isinstance(holder, dict) else None
    return value if isinstance(value, list) else []


def _parts(data: dict[str, Any]) -> Iterator[tuple[DataPath, dict[str, Any]]]:
    """The parts of a dashboard that a finding names, with their data paths:
    panels (rows' and legacy rows' included, as the PromQL checks walk them),
    their targets, variables, annotations and links."""
    from obs_as_code.lint.files import dashboard_panels

    for path, panel in dashboard_panels(data):
        yield path, panel
        for k, target in enumerate(_dict_list(panel, "targets")):
            if isinstance(target, dict):
                yield (*path, "targets", k), target
    for key in ("templating", "annotations"):
        for i, item in enumerate(_dict_list(data.get(key), "list")):
            if isinstance(item, dict):
                yield (key, "list", i), item
    for i, link in enumerate(_dict_list(data, "links")):
        if isinstance(link, dict):
            yield ("links", i), link


def _legacy_rows(data: dict[str, Any]) -> list[DataPath]:
    """The data paths of the legacy rows the grid migration makes a row panel
    of, in order (a row Grafana copied while repeating makes none)."""
    out: list[DataPath] = []
    for r, row in enumerate(_dict_list(data, "rows")):
        if isinstance(row, dict) and not row.get("repeatIteration"):
            out.append(("rows", r))
    return out


#: Which key of a part its findings point at: the one that names it (a panel's
#: title, a variable's name) or, for a target, its query.
_ANCHORS: dict[str, tuple[str, ...]] = {"panel": ("title",), "target": ("expr",), "templating": ("name",), "annotations": ("name",), "links": ("title",)}


def _kind(path: DataPath) -> str:
    if len(path) >= 2 and path[-2] == "targets":
        return "target"
    if path and path[0] in ("templating", "annotations", "links"):
        return str(path[0])
    return "panel"


class FileDashboard:
    """A dashboard file rendered (:func:`render`): the rendering the checks
    read, and where each of its parts is written in the file. The file's
    positions (a parse of its text) are read when a finding is located: a clean
    dashboard never needs them."""

    def __init__(self, display: str, file: str, text: str, document: dict[str, Any], prefix: DataPath, raw: dict[DataPath, DataPath], board: RenderedDashboard) -> None:
        self.display = display
        self.file = file
        self.text = text
        #: The dashboard as the file has it (without the API export's wrapper).
        self.document = document
        #: Where ``document`` is in the file: ``("dashboard",)`` in an API export.
        self.prefix = prefix
        #: Rendered data path of a tagged part -> its data path in the file.
        self.raw = raw
        self.board = board
        self._spans: dict[DataPath, Span] | None = None

    @property
    def spans(self) -> dict[DataPath, Span]:
        """:func:`positions` of the file's text (read once, when first asked)."""
        if self._spans is None:
            self._spans = positions(self.text)
        return self._spans

    def at(self, raw_path: DataPath, key: str | None = None) -> SourceLocation | None:
        """Where the value at ``raw_path`` of the file is written (at its ``key``
        when it has one)."""
        if key is not None:
            hit = self.spans.get((*raw_path, key, _KEY))
            if hit is not None:
                return SourceLocation(self.display, hit[0], hit[1])
        span = self.spans.get(raw_path)
        return SourceLocation(self.display, span[0], span[1]) if span is not None else None

    def site(self, path: DataPath) -> Site | None:
        """Where the value at rendered ``path`` is written (a target's ``expr``:
        the string, start to end, in which its tokens are found)."""
        if len(path) >= 2 and path[-1] == "expr":
            raw = self.raw.get(path[:-1])
            span = self.spans.get((*raw, "expr")) if raw is not None else None
            if span is not None:
                return JsonStringSite(self.display, self.file, *span)
        loc = self.board.locate(path)
        return Site(self.display, self.file, loc.line, loc.col)

    def source(self) -> DashboardSource:
        """The dashboard as the PromQL checks read it: the rendered JSON (so that
        they and the dashboard checks see the same targets, at the same paths)."""
        start = SourceLocation(self.display, 1, 1)  # unused: site() always answers
        dash = DashboardSource(self.display, self.board.json, default=Site(self.display, self.file, 1, 1), fallback=start)
        dash.locate = self.site
        dash.board = self.board
        return dash

    def source_map(self) -> dict[DataPath, SourceLocation]:
        """The rendering's source map: each tagged part at the key that names it
        (a panel's title, a variable's name) or, for a target, its query."""
        prefix = self.prefix
        root = self.at(prefix) or SourceLocation(self.display, 1, 1)
        out: dict[DataPath, SourceLocation] = {(): root}
        for path, raw_path in self.raw.items():
            anchors = ("title",) if raw_path[-2:-1] == ("rows",) else _ANCHORS[_kind(path)]
            loc = None
            for key in anchors:
                if _value(self.document, raw_path[len(prefix) :], key) is None:
                    continue
                if key == "expr":
                    # The query itself, inside its quotes: where the PromQL
                    # checks put a finding about its first token.
                    span = self.spans.get((*raw_path, key))
                    loc = SourceLocation(self.display, span[0], span[1] + 1) if span is not None else None
                else:
                    loc = self.at(raw_path, key)
                if loc is not None:
                    break
            out[path] = loc or self.at(raw_path) or root
        uid_at = self.at(prefix, "uid") if isinstance(self.document.get("uid"), str) else None
        if uid_at is not None:
            out[("uid",)] = uid_at
        return out


class _LazyMap(Mapping[DataPath, SourceLocation]):
    """A source map made by ``build`` on first use."""

    def __init__(self, build: Callable[[], dict[DataPath, SourceLocation]]) -> None:
        self._build: Callable[[], dict[DataPath, SourceLocation]] | None = build
        self._map: dict[DataPath, SourceLocation] = {}

    def _full(self) -> dict[DataPath, SourceLocation]:
        if self._build is not None:
            build, self._build = self._build, None
            self._map = build()
        return self._map

    def __getitem__(self, key: DataPath) -> SourceLocation:
        return self._full()[key]

    def __iter__(self) -> Iterator[DataPath]:
        return iter(self._full())

    def __len__(self) -> int:
        return len(self._full())


def render(
    document: Any, display: str, file: str, text: str, datasources: Sequence[Datasource] = ()
) -> FileDashboard:
    """``document`` (a file's parsed JSON ``text``: a dashboard or the API's
    ``{"dashboard": ...}``, which :func:`~obs_as_code.importers.dashboard.not_a_dashboard`
    accepts) rendered as the build renders a dashboard with ``datasources``, as
    ``display``. Raises what the normalization raises (OAC309 in a build)."""
    from obs_as_code.importers.dashboard import api_dashboard, with_constants

    inner = api_dashboard(document)
    prefix: DataPath = ("dashboard",) if inner is not document else ()
    raw = with_constants(inner)  # a copy when it has constants; tags go on what is rendered
    paths: list[DataPath] = []
    for path, part in _parts(raw):
        part[_TAG] = len(paths)
        paths.append((*prefix, *path))
    rows = [(*prefix, *p) for p in _legacy_rows(raw)]
    try:
        data = normalize(raw, datasources)
    finally:
        for _path, part in _parts(raw):
            part.pop(_TAG, None)  # the file's own data: as it was
    found: dict[DataPath, DataPath] = {}
    untagged_rows: list[DataPath] = []
    for path, part in _parts(data):
        index = part.pop(_TAG, None)
        if isinstance(index, int):
            found[path] = paths[index]
        elif len(path) == 2 and part.get("type") == "row":
            untagged_rows.append(path)
    if rows and len(untagged_rows) == len(rows):
        # The row panels the grid migration made, in the order of their rows.
        found.update(zip(untagged_rows, rows, strict=True))
    uid_in_source = raw.get("uid")
    uid = uid_in_source if isinstance(uid_in_source, str) and uid_in_source else names.dashboard_uid(display)
    data["uid"] = uid
    board = RenderedDashboard(data, uid, "", {}, None, default_datasource_type(datasources))
    out = FileDashboard(display, file, text, raw, prefix, found, board)
    board.source_map = _LazyMap(out.source_map)
    return out


def _value(data: Any, path: DataPath, key: str) -> Any:
    """``data[path...][key]`` as a string (None when there is none)."""
    value = value_at(data, (*path, key))
    return value if isinstance(value, str) else None


def findings(dash: FileDashboard, inner: Mapping[str, Any]) -> list[Diagnostic]:
    """What ``oac build`` reports about a dashboard besides its checks, for the
    lone dashboard of a file (the ``dashboards`` stage codes that concern one
    dashboard): a title Grafana refuses (OAC312), a UID it refuses (OAC308), a
    library panel without its model (OAC313)."""
    from obs_as_code.dashboards.project import unresolved_library_panels
    from obs_as_code.importers.dashboard import title_problem

    board = dash.board
    out: list[Diagnostic] = []
    problem = title_problem(inner)
    if problem in ("no title", "an empty title, which Grafana refuses"):
        out.append(
            error(
                board.locate(()),
                "OAC312",
                f"dashboard {board.uid!r} has {'no' if problem == 'no title' else 'an empty'} title: Grafana refuses it",
                hint='give the dashboard a "title"',
            )
        )
    uid = inner.get("uid")
    if isinstance(uid, str) and uid and not names.valid_uid(uid):
        out.append(
            error(
                board.locate(("uid",)),
                "OAC308",
                f"dashboard UID {uid!r} is invalid: Grafana takes at most {names.UID_MAX} characters of [A-Za-z0-9_-]",
            )
        )
    out.extend(unresolved_library_panels(board))
    return out


def read(path: Path, display: str, datasources: Sequence[Datasource], *, named: bool) -> tuple[DashboardSource | None, RenderedDashboard | None, list[Diagnostic]]:
    """The dashboard file at ``path`` (shown as ``display``): ``(what the PromQL
    checks read, what the dashboard checks read, findings)``. A file that is no
    dashboard (a panel's JSON, an alert rule, any other JSON) is an OAC219 error
    when ``named`` on the command line, else (found in a directory) skipped.
    Invalid JSON is an OAC219 error at its position."""
    from obs_as_code.importers.dashboard import api_dashboard, has_dashboard_keys, not_a_dashboard
    from obs_as_code.lint.files import CODE, read_dashboard_file, read_json_file

    read = read_json_file(path, display)
    if isinstance(read, Diagnostic):
        return None, None, [read]
    text, document = read
    inner = api_dashboard(document)
    reason = not_a_dashboard(inner)
    if reason is None and not has_dashboard_keys(inner):
        reason = "none of panels, rows, schemaVersion, templating"
    if reason is not None:
        if not named:
            return None, None, []
        return None, None, [error(SourceLocation(display, 1, 1), CODE, f"not a Grafana dashboard ({reason}): lint a whole dashboard (Share > Export)")]
    try:
        rendered = render(document, display, str(path), text, datasources)
    except Exception as exc:  # what the build reports as OAC309; the PromQL checks still read the file
        dash, found = read_dashboard_file(path, display)
        return dash, None, [*found, error(SourceLocation(display, 1, 1), "OAC309", f"dashboard cannot be rendered: {type(exc).__name__}: {exc}")]
    return rendered.source(), rendered.board, findings(rendered, inner)
