"""Files from anywhere: Prometheus rule YAML and Grafana dashboard JSON.

Rule files are decoded strictly, like Prometheus' ``rulefmt`` (unknown fields,
duplicate keys, a rule both ``alert`` and ``record`` ...), collecting every
error (OAC219), and turned into the model (``RuleGroup``, ``AlertRule``,
``RecordingRule``) with locations in the YAML file, so the same checks run on
them as on the project's Python. Dashboards are rendered as the build renders
one (:mod:`obs_as_code.lint.dashboard_file`), so that the dashboard checks read
them too; the PromQL targets of dashboard JSON are found in ``panels``, in panels
nested in rows and in the legacy ``rows`` layout.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from obs_as_code.diagnostics import Diagnostic, error, warning
from obs_as_code.durations import DurationError, parse_ms
from obs_as_code.lint._rule_yaml import AnchorLoader as _AnchorLoader
from obs_as_code.lint._rule_yaml import Loader as _Loader
from obs_as_code.lint.engine import DashboardSource
from obs_as_code.lint.sites import Site
from obs_as_code.load import Project
from obs_as_code.model.base import GO_INT_MAX, go_integer_problem
from obs_as_code.model.dashboard import DashboardDef
from obs_as_code.model.datasource import Datasource
from obs_as_code.model.rules import AlertRule, RecordingRule, RuleGroup
from obs_as_code.source import SourceLocation


def _plain(node: yaml.Node) -> bool:
    """Whether ``node`` is a plain scalar (libyaml's loader says style ``''``, PyYAML's None)."""
    return isinstance(node, yaml.ScalarNode) and not node.style


def _is_null(node: yaml.Node) -> bool:
    return _plain(node) and node.value in ("", "~", "null", "Null", "NULL")

CODE = "OAC219"

_GROUP_KEYS = {"name", "interval", "rules", "limit", "query_offset", "labels", "partial_response_strategy"}
_RULE_KEYS = {"record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"}


_STR_TAG = "tag:yaml.org,2002:str"
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
# go-yaml v3's resolve.go, read for its facts (YAML 1.2 core schema plus
# leftovers): what a plain scalar is before it is decoded into a Go value.
_YAML_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_YAML_BOOLS = frozenset({"true", "True", "TRUE", "false", "False", "FALSE"})
_YAML_SPECIAL_FLOATS = {
    ".nan": float("nan"), ".NaN": float("nan"), ".NAN": float("nan"),
    ".inf": float("inf"), ".Inf": float("inf"), ".INF": float("inf"),
    "+.inf": float("inf"), "+.Inf": float("inf"), "+.INF": float("inf"),
    "-.inf": float("-inf"), "-.Inf": float("-inf"), "-.INF": float("-inf"),
}
#: strconv.ParseInt(s, 0, 64)'s syntax (underscores removed first): a sign, then
#: 0x/0o/0b or a leading 0 (octal) or decimal digits.
_GO_INT_RE = re.compile(r"([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)\Z")
#: go-yaml's yamlStyleFloat (on the scalar without underscores).
_YAML_FLOAT_RE = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
#: strconv.ParseFloat of a scalar starting with "." (underscores only between digits).
_GO_DOT_FLOAT_RE = re.compile(r"\.[0-9](_?[0-9])*([eE][-+]?[0-9](_?[0-9])*)?\Z")
_YAML_TIMESTAMP_RE = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ].*)?\Z")


def _go_int(text: str) -> int | None:
    """strconv.ParseInt(text, 0, 64) or ParseUint's value (unbounded), None when neither parses."""
    match = _GO_INT_RE.match(text)
    if match is None:
        return None
    digits = match.group(2)
    base = 10
    if len(digits) > 1 and digits[0] == "0":
        base = {"x": 16, "o": 8, "b": 2}.get(digits[1].lower(), 8)
        digits = digits[2:] if base != 8 or digits[1] in "oO" else digits[1:]
    value = int(digits, base) if digits else 0
    return -value if match.group(1) == "-" else value


def _finite_float(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value not in (float("inf"), float("-inf")) else None  # ParseFloat: out of range


def yaml_scalar_kind(text: str) -> tuple[str, int | float]:
    """What go-yaml v3 resolves the plain scalar ``text`` to: ``("!!int", n)``,
    ``("!!float", x)``, or ``("!!str" | "!!null" | "!!bool" | "!!timestamp", 0)``.
    An integer too large for int64 but a uint64 is ``!!int``; one larger still
    (or signed, beyond int64) is read as a float, and a float that overflows
    float64 is a string."""
    if text in _YAML_NULLS:
        return "!!null", 0
    if text in _YAML_BOOLS:
        return "!!bool", 0
    special = _YAML_SPECIAL_FLOATS.get(text)
    if special is not None:
        return "!!float", special
    first = text[0]
    if first == ".":
        dot = _finite_float(text.replace("_", "")) if _GO_DOT_FLOAT_RE.match(text) else None
        return ("!!float", dot) if dot is not None else ("!!str", 0)
    if first not in "+-0123456789":
        return "!!str", 0
    if _YAML_TIMESTAMP_RE.match(text):
        return "!!timestamp", 0
    plain = text.replace("_", "")
    whole = _go_int(plain)
    if whole is not None and (-(2**63) <= whole <= 2**64 - 1) and not (whole > GO_INT_MAX and plain[0] in "+-"):
        # ParseInt takes the int64s (signed or not); ParseUint the unsigned rest, no sign allowed.
        return "!!int", whole
    if _YAML_FLOAT_RE.match(plain):
        real = _finite_float(plain)
        if real is not None:
            return "!!float", real
    return "!!str", 0


def go_int_field_problem(node: yaml.Node) -> str | None:
    """Why go-yaml v3 refuses ``node`` for a Go ``int`` field (rulefmt's group
    ``limit``), as ``cannot unmarshal ...``; None when it reads it. A null is
    the zero value; a float is truncated when at most 2**63 (-.inf too: Go's
    conversion of it is the smallest int64); a quoted scalar is a string."""
    if isinstance(node, yaml.SequenceNode):
        return "cannot unmarshal !!seq into int"
    if not isinstance(node, yaml.ScalarNode):
        return "cannot unmarshal !!map into int"
    text = str(node.value)
    tag = str(node.tag)
    kind = "!!str"
    number: int | float = 0
    if tag in (_INT_TAG, _FLOAT_TAG):
        # An explicit !!int or !!float is resolved whatever the quotes.
        kind, number = yaml_scalar_kind(text)
        wanted = "!!int" if tag == _INT_TAG else "!!float"
        if kind != wanted and not (wanted == "!!float" and kind == "!!int"):
            return f"cannot decode {kind} `{text}` as a {wanted}"
    elif tag == _STR_TAG and _plain(node):
        kind, number = yaml_scalar_kind(text)
    if kind == "!!null":
        return None
    if kind == "!!int" and -(2**63) <= number <= GO_INT_MAX:
        return None
    if kind == "!!float" and number <= 2.0**63:
        return None  # truncated; Go's conversion of -.inf is the smallest int64
    head = f"cannot unmarshal {kind} `{text}` into int"
    if kind == "!!int" or (kind == "!!float" and number == number and number != float("inf")):
        return f"{head}: {go_integer_problem(2**63, 'int')}"
    if kind == "!!float":
        return f"{head}: not a finite number"
    if kind == "!!str" and node.style in ("'", '"') and yaml_scalar_kind(text)[0] in ("!!int", "!!float"):
        return f"{head}: a quoted number is a string; write it unquoted"
    return head


@dataclass
class RuleFile:
    """A rule file read into the model."""

    groups: list[RuleGroup] = field(default_factory=list)
    sites: dict[tuple[int, str], Site] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)


class _Reader:
    """Decodes a rule file as rulefmt (Prometheus 2.42, gopkg.in/yaml.v3 with
    known fields) reads it, collecting every error. go-yaml's ways, kept: a
    plain null (``~``, ``null``, nothing) is the zero value of a field (an empty
    name, no duration, no labels), an entry whose key is a plain null is skipped,
    so is a null item of ``groups`` or ``rules``; keys are compared as written
    (``a`` and ``'a'`` are the same key)."""

    def __init__(self, display: str, path: str):
        self.display = display
        self.path = path
        self.out = RuleFile()
        self.merging: set[int] = set()  # the mappings whose merge keys are being read
        self.merged: dict[int, list[tuple[yaml.Node, yaml.Node]]] = {}  # entries of merged mappings

    def loc(self, node: yaml.Node) -> SourceLocation:
        return SourceLocation(self.display, node.start_mark.line + 1, node.start_mark.column + 1)

    def site(self, node: yaml.Node) -> Site:
        return Site(
            self.display,
            self.path,
            node.start_mark.line + 1,
            node.start_mark.column + 1,
            node.end_mark.line + 1,
            node.end_mark.column + 1,
        )

    def fail(self, node: yaml.Node, message: str) -> None:
        self.out.diagnostics.append(error(self.loc(node), CODE, message))

    def mapping(self, node: yaml.Node, what: str, allowed: set[str], go_type: str) -> dict[str, tuple[yaml.Node, yaml.Node]] | None:
        """The entries of mapping ``node`` by key (None when it is no mapping:
        reported), those with an unknown or repeated key reported and left out."""
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, f"{what} must be a mapping")
            return None
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key, value in self.entries(node, what):
            name = str(key.value)
            if _is_null(key):
                continue  # go-yaml cannot set a null key: the entry is skipped
            if name not in allowed:
                self.fail(key, f"{what}: field {name!r} not found in type rulefmt.{go_type}")
                continue
            out[name] = (key, value)
        return out

    def entries(self, node: yaml.MappingNode, what: str) -> list[tuple[yaml.Node, yaml.Node]]:
        """The entries of ``node`` as go-yaml decodes them: a key written twice
        is reported (the first one read), so is a key that is a list or mapping, and
        the mappings of a merge key (``<<: *base``) add the keys ``node`` (or an
        earlier one of them) does not set."""
        own: list[tuple[yaml.Node, yaml.Node]] = []
        merges: list[yaml.Node] = []
        seen: set[str] = set()
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                self.fail(key, f"{what}: a key must be a string, not a {'list' if isinstance(key, yaml.SequenceNode) else 'mapping'}")
                continue
            name = str(key.value)
            if name in seen:
                self.fail(key, f"{what}: key {name!r} appears twice")
                continue  # the first is read, for no follow-on errors
            seen.add(name)
            if name == "<<" and key.tag == _STR_TAG and _plain(key):  # a quoted "<<" is a key
                merges.append(value)
            else:
                own.append((key, value))
        taken = {str(k.value) for k, _v in own}
        for merge in merges:
            for source in merge.value if isinstance(merge, yaml.SequenceNode) else [merge]:
                if not isinstance(source, yaml.MappingNode):
                    self.fail(source, f"{what}: map merge requires map or sequence of maps as the value")
                    continue
                if source is node or id(source) in self.merging:
                    # go-yaml: "anchor 'a' value contains itself"
                    self.fail(source, f"{what}: a merge key's mapping contains that merge key (through an alias)")
                    continue
                merged = self.merged.get(id(source))
                if merged is None:  # once per mapping, however many aliases name it
                    self.merging.add(id(node))
                    try:
                        merged = self.merged[id(source)] = self.entries(source, what)
                    finally:
                        self.merging.discard(id(node))
                for key, value in merged:
                    if str(key.value) not in taken:
                        taken.add(str(key.value))
                        own.append((key, value))
        return own

    def scalar(self, node: yaml.Node, what: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode):
            self.fail(node, f"{what} must be a string")
            return None
        return str(node.value)

    def text(self, node: yaml.Node, what: str) -> str | None:
        """A Go string field: a plain null is the empty string."""
        return "" if _is_null(node) else self.scalar(node, what)

    def string_map(self, node: yaml.Node, what: str) -> dict[str, str]:
        if _is_null(node):
            return {}
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, f"{what} must be a mapping of strings")
            return {}
        out: dict[str, str] = {}
        for key, value in self.entries(node, what):
            name = str(key.value)
            if _is_null(key):
                continue  # skipped by go-yaml
            v = self.text(value, f"{what}.{name}")
            if v is not None:
                out[name] = v
        return out

    def duration(self, node: yaml.Node, what: str) -> str | None:
        """A duration's text, None when it is null (no duration) or invalid (reported)."""
        if _is_null(node):
            return None
        value = self.scalar(node, what)
        if value is None:
            return None
        try:
            parse_ms(value)
        except DurationError as exc:
            self.fail(node, f"{what}: {exc}")
            return None
        return value

    def read(self, root: yaml.Node) -> None:
        if _is_null(root):
            return  # rulefmt reads no groups
        groups_node: yaml.Node | None = None
        if isinstance(root, yaml.MappingNode):
            keys = [str(k.value) for k, _v in root.value if not _is_null(k)]
            if "groups" not in keys and "spec" in keys:
                # A PrometheusRule custom resource (prometheus-operator): spec.groups.
                spec_node = next(v for k, v in root.value if str(k.value) == "spec")
                if isinstance(spec_node, yaml.MappingNode):
                    groups_node = next((v for k, v in spec_node.value if str(k.value) == "groups"), None)
            elif "groups" in keys or len(keys) < len(root.value):
                top = self.mapping(root, "file", {"groups"}, "RuleGroups")
                if top is None or "groups" not in top:
                    return  # {} or only null keys: no groups, as rulefmt reads it
                groups_node = top["groups"][1]
            elif not keys:
                return  # {}: no groups
        if groups_node is None:
            self.fail(root, NOT_A_RULE_FILE)
            return
        if _is_null(groups_node):
            return
        if not isinstance(groups_node, yaml.SequenceNode):
            self.fail(groups_node, "'groups' must be a list")
            return
        seen: dict[str, int] = {}
        for gnode in groups_node.value:
            if not _is_null(gnode):  # go-yaml drops a null item
                self.group(gnode, seen)

    def group(self, gnode: yaml.Node, seen: dict[str, int]) -> None:
        fields = self.mapping(gnode, "group", _GROUP_KEYS, "RuleGroup") or {}
        name = self.text(fields["name"][1], "group name") if "name" in fields else None
        if not name:
            self.fail(gnode, "group without a name")
            name = ""
        elif name in seen:
            self.fail(fields["name"][1], f"groupname: {name!r} is repeated in the same file (first at line {seen[name]})")
        else:
            seen[name] = gnode.start_mark.line + 1
        interval = self.duration(fields["interval"][1], "interval") if "interval" in fields else None
        if "query_offset" in fields:
            self.duration(fields["query_offset"][1], "query_offset")
        if "limit" in fields:
            problem = go_int_field_problem(fields["limit"][1])
            if problem is not None:
                self.fail(fields["limit"][1], f"limit: {problem}")
        labels = self.string_map(fields["labels"][1], "labels") if "labels" in fields else {}
        rules: list[AlertRule | RecordingRule] = []
        if "rules" in fields:
            rnode = fields["rules"][1]
            if isinstance(rnode, yaml.SequenceNode):
                for item in rnode.value:
                    if _is_null(item):
                        continue  # go-yaml drops a null item
                    rule = self.rule(item, name)
                    if rule is not None:
                        rules.append(rule)
            elif not _is_null(rnode):
                self.fail(rnode, "'rules' must be a list")
        self.out.groups.append(
            RuleGroup(name=name, rules=rules, interval=interval, labels=labels, location=self.loc(gnode), module=self.display)
        )

    def rule(self, node: yaml.Node, group: str) -> AlertRule | RecordingRule | None:
        fields = self.mapping(node, "rule", _RULE_KEYS, "Rule")
        if fields is None:
            return None
        # rulefmt 2.42 keeps record, alert and expr as YAML nodes and reads their
        # text: a null is its spelling ("~" names an alert), a list or mapping is
        # empty, and empty is unset.
        alert = _node_text(fields["alert"][1]) if "alert" in fields else ""
        record = _node_text(fields["record"][1]) if "record" in fields else ""
        expr_node = fields["expr"][1] if "expr" in fields else None
        expr = _node_text(expr_node) if expr_node is not None else ""
        if alert and record:
            self.fail(node, f"rule in group {group!r}: only one of 'record' and 'alert' must be set")
            return None
        if not alert and not record:
            self.fail(node, f"rule in group {group!r}: one of 'record' or 'alert' must be set")
            if not expr:
                self.fail(node, f"rule in group {group!r}: field 'expr' must be set")
            return None
        if not expr or expr_node is None:
            self.fail(expr_node or node, f"rule {alert or record!r}: field 'expr' must be set")
            return None
        labels = self.string_map(fields["labels"][1], "labels") if "labels" in fields else {}
        loc = self.loc(node)
        for_ = self.duration(fields["for"][1], "for") if "for" in fields else None
        kff = self.duration(fields["keep_firing_for"][1], "keep_firing_for") if "keep_firing_for" in fields else None
        annotations = self.string_map(fields["annotations"][1], "annotations") if "annotations" in fields else {}
        rule: AlertRule | RecordingRule
        if record:
            # rulefmt refuses what a recording rule would not use: annotations, a for or keep_firing_for other than 0.
            for bad, given in (("for", for_), ("keep_firing_for", kff), ("annotations", annotations)):
                if given and (not isinstance(given, str) or parse_ms(given) != 0):
                    self.fail(fields[bad][0], f"recording rule {record!r}: invalid field {bad!r}")
            rule = RecordingRule(name=record, expr=expr, labels=labels, location=loc, module=self.display)
        else:
            rule = AlertRule(
                name=alert,
                expr=expr,
                for_=for_,
                keep_firing_for=kff,
                labels=labels,
                annotations=annotations,
                location=loc,
                module=self.display,
            )
            if "annotations" in fields and isinstance(fields["annotations"][1], yaml.MappingNode):
                for key, value in fields["annotations"][1].value:
                    self.out.sites[(id(rule), f"annotations.{key.value}")] = self.site(value)
        self.out.sites[(id(rule), "expr")] = self.site(expr_node)
        return rule


NOT_A_RULE_FILE = "not a rule file: no top-level 'groups' list"


def _node_text(node: yaml.Node) -> str:
    """A yaml.v3 Node's Value: a scalar's text, empty for a list or mapping."""
    return str(node.value) if isinstance(node, yaml.ScalarNode) else ""


def _is_prometheus_rule(node: yaml.Node) -> bool:
    """Whether ``node`` is a PrometheusRule resource (``spec``, no ``groups``)."""
    if not isinstance(node, yaml.MappingNode):
        return False
    keys = {str(k.value) for k, _v in node.value}
    return "spec" in keys and "groups" not in keys


def read_rule_file(path: Path, display: str | None = None) -> RuleFile:
    """Read a Prometheus rule file (or PrometheusRule resources) into the model.

    Prometheus reads the first YAML document of a rule file and nothing after
    it (not even to see that it is YAML): a later document is a warning, not
    read. A file of PrometheusRule resources is read document by document."""
    display = display or str(path)
    reader = _Reader(display, str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reader.out.diagnostics.append(error(SourceLocation(display), CODE, f"cannot read: {exc}"))
        return reader.out
    try:
        nodes = _documents(text, _Loader, reader)
    except yaml.YAMLError:  # an anchor defined twice: libyaml's composer refuses it
        reader.out.diagnostics.clear()
        nodes = _documents(text, _AnchorLoader, reader)
    if nodes is None:
        return reader.out
    for node in nodes:
        if node is not None:
            reader.read(node)
    return reader.out


def _documents(text: str, loader_class: Any, reader: _Reader) -> list[yaml.Node] | None:
    """The documents of ``text`` that Prometheus reads (the first; every one of
    a PrometheusRule file), None when they are not YAML (reported). A later
    document is a warning. Raises ComposerError for an anchor defined twice."""
    loader = loader_class(text)
    nodes: list[yaml.Node] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if _after_first(nodes):
                if node is not None and not _is_null(node):
                    reader.out.diagnostics.append(warning(reader.loc(node), CODE, _LATER_DOCUMENT))
                break
            nodes.append(node)
    except yaml.YAMLError as exc:
        if "found duplicate anchor" in str(exc) and not _after_first(nodes):
            raise
        _not_yaml(reader, exc, nodes)
        if not _after_first(nodes):
            return None
    finally:
        loader.dispose()
    return nodes


def _after_first(nodes: list[yaml.Node]) -> bool:
    """Whether what comes next is a document Prometheus does not read: one
    after the first, unless the first is a PrometheusRule resource."""
    return bool(nodes) and not _is_prometheus_rule(nodes[0])


def _not_yaml(reader: _Reader, exc: yaml.YAMLError, nodes: list[yaml.Node]) -> None:
    """Report ``exc``: an error, or a warning when it is in a document after the first."""
    mark = getattr(exc, "problem_mark", None)
    display = reader.display
    loc = SourceLocation(display, mark.line + 1, mark.column + 1) if mark else SourceLocation(display)
    problem = getattr(exc, "problem", None) or exc
    if _after_first(nodes):
        reader.out.diagnostics.append(warning(loc, CODE, f"{_LATER_DOCUMENT} (and is not valid YAML: {problem})"))
    else:
        reader.out.diagnostics.append(error(loc, CODE, f"invalid YAML: {problem}"))


_LATER_DOCUMENT = "a second YAML document: Prometheus reads only the first document of a rule file, this one is ignored"


# --- dashboards ------------------------------------------------------------------

_NOT_PROMETHEUS = ("loki", "tempo", "jaeger", "elasticsearch", "influx", "graphite", "mysql", "postgres", "cloudwatch", "testdata", "alertmanager", "-- grafana --", "grafana")


def _datasource_kind(ds: Any) -> str:
    if isinstance(ds, dict):
        return str(ds.get("type") or ds.get("uid") or "").lower()
    return str(ds or "").lower()


def is_prometheus(target: dict[str, Any], panel: dict[str, Any], default: str = "prometheus") -> bool:
    """Whether a target queries Prometheus (or something like it): what its
    datasource, else its panel's, names; no datasource means the default one
    (``default``: its plugin type, Prometheus unless a project declares another)."""
    ds = target.get("datasource")
    if type(ds) is dict and ds.get("type") == "prometheus":
        return True  # what the kit writes on every target: the test below, short
    kind = _datasource_kind(ds) or _datasource_kind(panel.get("datasource")) or default.lower()
    if "prometheus" in kind or "mimir" in kind or "thanos" in kind or kind.startswith("$"):
        return True
    return not any(kind == k or kind.startswith(k) for k in _NOT_PROMETHEUS)


def _panels(data: dict[str, Any]) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
    # panel_list walks as iter_panels does, without a generator per level.
    from obs_as_code.dashboards.render import panel_list

    yield from panel_list(data.get("panels"), ("panels",))
    rows = data.get("rows")
    if isinstance(rows, list):
        for r, row in enumerate(rows):
            if isinstance(row, dict):
                yield from panel_list(row.get("panels"), ("rows", r, "panels"))


def dashboard_panels(data: dict[str, Any]) -> list[tuple[tuple[str | int, ...], dict[str, Any]]]:
    """Every panel of dashboard JSON ``data`` with its data path: ``panels`` (rows'
    panels included) and the legacy ``rows``' panels, in the order
    :func:`iter_targets` reads them."""
    return list(_panels(data))


def iter_targets(data: dict[str, Any]) -> Iterator[tuple[tuple[str | int, ...], str, str]]:
    """``(data path of the target's expr, panel title, expr)`` of every PromQL target."""
    if not isinstance(data, dict):
        return
    if isinstance(data.get("dashboard"), dict) and "panels" not in data and "rows" not in data:
        # An API export: {"dashboard": {...}, "meta": {...}}
        for path, title, expr in iter_targets(data["dashboard"]):
            yield ("dashboard", *path), title, expr
        return
    for path, panel in _panels(data):
        targets = panel.get("targets")
        if not isinstance(targets, list):
            continue
        heading: str | None = None  # the panel's title, made once
        for t, target in enumerate(targets):
            query = promql_query(target, panel)
            if query is not None:
                if heading is None:
                    heading = str(panel.get("title") or "")
                yield (*path, "targets", t, "expr"), heading, query


def promql_query(target: Any, panel: dict[str, Any], default: str = "prometheus") -> str | None:
    """The query of a target the PromQL checks read (:func:`iter_targets`): the
    non-blank ``expr`` of a visible target on Prometheus, else None. ``default``:
    plugin type of the default datasource (:func:`is_prometheus`)."""
    if not isinstance(target, dict) or target.get("hide") is True:
        return None
    query = target.get("expr")
    if isinstance(query, str) and query.strip() and is_prometheus(target, panel, default):
        return query
    return None


def panels_only(data: Any) -> bool:
    """Whether :func:`iter_targets` reads ``data`` as its ``panels`` list alone
    (no legacy rows, not an API export): then a walk of those panels in
    :func:`~obs_as_code.dashboards.render.panel_list` order meets its targets."""
    return isinstance(data, dict) and "rows" not in data and not ("panels" not in data and isinstance(data.get("dashboard"), dict))


def board_panels(board: Any) -> list[tuple[tuple[str | int, ...], dict[str, Any]]]:
    """Every panel of a rendered dashboard (``RenderedDashboard``) with its data
    path, rows' panels included, listed once per rendering: several checks and
    the PromQL target list walk them."""
    from obs_as_code.dashboards.render import panel_list

    found: list[tuple[tuple[str | int, ...], dict[str, Any]]] | None = board.derived.get("panels")
    if found is None:
        found = board.derived["panels"] = panel_list(board.json.get("panels"))
    return found


def target_list(data: Any) -> list[tuple[tuple[str | int, ...], str, str]]:
    """``list(iter_targets(data))``."""
    return list(iter_targets(data))


def read_json_file(path: Path, display: str) -> tuple[str, Any] | Diagnostic:
    """The text of the JSON file at ``path`` and its data, or an OAC219 error (at
    the parser's line and column for invalid JSON)."""
    try:
        text = path.read_text(encoding="utf-8")
        return text, json.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        return error(SourceLocation(display), CODE, f"cannot read: {exc}")
    except json.JSONDecodeError as exc:
        return error(SourceLocation(display, exc.lineno, exc.colno), CODE, f"invalid JSON: {exc.msg}")


def read_dashboard_file(path: Path, display: str | None = None) -> tuple[DashboardSource | None, list[Diagnostic]]:
    """A dashboard JSON file with the site of every target's ``expr``."""
    display = display or str(path)
    read = read_json_file(path, display)
    if isinstance(read, Diagnostic):
        return None, [read]
    text, data = read
    if not isinstance(data, dict):
        return None, [error(SourceLocation(display, 1, 1), CODE, "a dashboard must be a JSON object")]
    default = Site(display, str(path), 1, 1)
    dash = DashboardSource(display, data, default=default, fallback=SourceLocation(display, 1, 1))
    try:
        root = yaml.compose(text, Loader=_Loader)  # JSON is YAML: gives line numbers
    except yaml.YAMLError:
        root = None
    if root is not None:
        wanted = {p for p, _t, _e in iter_targets(data)}
        stack: list[tuple[yaml.Node, tuple[str | int, ...]]] = [(root, ())]
        while stack:
            node, p = stack.pop()
            if p in wanted:
                dash.sites[p] = Site(display, str(path), node.start_mark.line + 1, node.start_mark.column + 1, node.end_mark.line + 1, node.end_mark.column + 1)
            if isinstance(node, yaml.MappingNode):
                stack.extend((v, (*p, str(k.value))) for k, v in node.value)
            elif isinstance(node, yaml.SequenceNode):
                stack.extend((v, (*p, i)) for i, v in enumerate(node.value))
    return dash, []


def project_dashboards(project: Project, definitions: Sequence[DashboardDef] | None = None) -> list[DashboardSource]:
    """The project's dashboards (or ``definitions``, some of them) as JSON, as the
    build renders them (:func:`obs_as_code.dashboards.project.render_project`:
    rendered once per build, shared with the OAC3xx checks and the Grafana
    renderer). A dashboard that cannot be rendered is taken from
    ``DashboardDef.source`` when that is a plain dict."""
    from obs_as_code.dashboards.project import render_project

    if definitions is not None and not definitions:
        return []  # nothing to render (a scope without dashboards)
    renders = render_project(project)

    out: list[DashboardSource] = []
    # str(root / file) per file, not per target: building a Path for each of tens
    # of thousands of targets was a third of this function's time.
    paths: dict[str, str] = {}

    def full_path(file: str) -> str:
        hit = paths.get(file)
        if hit is None:
            hit = paths[file] = str(project.root / file)
        return hit

    for d in project.all(DashboardDef) if definitions is None else definitions:
        data: Any = None
        source_map: Mapping[Any, SourceLocation] = {}
        rendered = renders.of(d)
        if rendered is None and definitions is not None:
            rendered = _render_alone(project, d)  # not one of the project's own
        if rendered is not None:  # else reported by the dashboard layer (OAC309)
            data, source_map = rendered.json, rendered.source_map
        if data is None and isinstance(d.source, dict):
            data = d.source
        if not isinstance(data, dict):
            continue
        loc = d.location
        path = str(project.root / loc.file) if loc.file else ""
        default = Site(loc.file, path, loc.line, loc.col, in_statement=True) if loc.line > 0 else None
        dash = DashboardSource(d.name or d.uid or loc.file, data, default=default, fallback=loc, in_project=True)
        # Where each target is written is found when a diagnostic asks: a dict
        # dashboard's panel lines cost a parse of its module, and even a plain
        # source map lookup per target was ~0.1 s for 20,000 targets, for nothing
        # when no check reports.
        dash.locate = partial(_locate, source_map, full_path, default)
        if rendered is not None:
            dash.board = rendered
        out.append(dash)
    return out


def _site(source_map: Mapping[Any, SourceLocation], full_path: Callable[[str], str], p: tuple[str | int, ...]) -> Site | None:
    """The closest declared part of target ``p``: the target, its panel, or the dashboard."""
    for cut in range(len(p), 0, -1):
        hit = source_map.get(p[:cut])
        if hit is not None and hit.line > 0:
            return Site(hit.file, full_path(hit.file), hit.line, hit.col, in_statement=True)
    return None


def _locate(
    source_map: Mapping[Any, SourceLocation], full_path: Callable[[str], str], default: Site | None, p: tuple[str | int, ...]
) -> Site | None:
    return _site(source_map, full_path, p) or default


def _render_alone(project: Project, d: DashboardDef) -> Any:
    from obs_as_code.dashboards import render_dashboard

    try:
        return render_dashboard(d, datasources=project.all(Datasource), root=project.root)
    except Exception:  # a user's builder may raise anything; OAC309 reports it
        return None


def is_dashboard(path: Path) -> bool:
    """JSON files are dashboards; everything else is read as rule YAML."""
    return path.suffix.lower() == ".json"


#: Top-level keys of the YAML files of other tools a folder holds beside rule
#: files (build/ holds them all): a Prometheus config, a promtool test file, an
#: Alertmanager config, a compose file, Grafana provisioning, a Tempo config.
_OTHER_TOOLS_KEYS = frozenset({
    "global", "scrape_configs", "rule_files", "alerting", "remote_write", "remote_read", "tests", "route", "receivers",
    "inhibit_rules", "services", "datasources", "deleteDatasources", "providers", "server", "storage",
})


def _another_tools_file(path: Path) -> bool:
    """Whether the YAML at ``path`` (no rule file) is one of another tool (a
    mapping with a key of :data:`_OTHER_TOOLS_KEYS`): found in a folder, it is
    skipped. Anything else that is no rule file (``grups:``, a list, a string)
    stays an OAC219 error, as promtool would refuse it."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False
    return isinstance(data, dict) and any(isinstance(k, str) and k in _OTHER_TOOLS_KEYS for k in data)


def lintable_files(directory: Path) -> list[Path]:
    """The rule YAML and dashboard JSON candidates under ``directory``, sorted:
    files ending in .yml, .yaml or .json, outside hidden directories."""
    found: list[Path] = []
    for f in directory.rglob("*"):
        if f.suffix.lower() not in (".yml", ".yaml", ".json") or not f.is_file():
            continue
        if any(part.startswith(".") for part in f.relative_to(directory).parts[:-1]):
            continue
        found.append(f)
    return sorted(found)


def load_paths(
    paths: list[Path], root: Path, datasources: Sequence[Datasource] = ()
) -> tuple[list[RuleGroup], dict[tuple[int, str], Site], list[DashboardSource], list[Diagnostic]]:
    """Read every rule file and dashboard under ``paths`` (directories recursively).
    Dashboards are rendered as the build renders them with ``datasources``
    (:mod:`obs_as_code.lint.dashboard_file`: each ``DashboardSource.board`` is
    what the dashboard checks read); JSON that is no dashboard, or YAML that is
    another tool's file (a prometheus.yml, a compose file: :func:`_another_tools_file`),
    is an OAC219 error when named, and skipped when found in a directory, as is
    everything under a hidden directory there (``.oac-cache``'s spare build
    trees, ``.git``)."""
    from obs_as_code.lint.dashboard_file import read as read_dashboard

    files: list[tuple[Path, bool]] = []
    for p in paths:
        if p.is_dir():
            files.extend((f, False) for f in lintable_files(p))
        else:
            files.append((p, True))
    groups: list[RuleGroup] = []
    sites: dict[tuple[int, str], Site] = {}
    dashboards: list[DashboardSource] = []
    diagnostics: list[Diagnostic] = []
    for f, named in files:
        try:
            display = str(f.resolve().relative_to(root.resolve()))
        except ValueError:
            display = str(f)
        if is_dashboard(f):
            dash, _board, found = read_dashboard(f, display, datasources, named=named)
            diagnostics.extend(found)
            if dash is not None:
                dashboards.append(dash)
        else:
            rf = read_rule_file(f, display)
            if not named and not rf.groups and any(d.message == NOT_A_RULE_FILE for d in rf.diagnostics) and _another_tools_file(f):
                continue
            groups.extend(rf.groups)
            sites.update(rf.sites)
            diagnostics.extend(rf.diagnostics)
    return groups, sites, dashboards, diagnostics
