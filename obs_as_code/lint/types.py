"""Type and unit inference over the promql-parser AST.

Every sub-expression gets a :class:`VType`: what kind of value it is (a raw
counter, a per-second rate, a gauge...), its unit (seconds, bytes, dollars, a
0..1 ratio, a percentage), the labels its series carry when we can know them,
and a few facts checks need (is it histogram buckets, did an aggregation drop
``le``, is it a sum of raw counters). Facts come from the metrics catalog, from
the project's own recording rules, or from naming conventions; ``certain`` says
whether a guess from naming was involved, so checks report errors only on what
is known.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import promql_parser as pp

#: A PromQL string literal ("...", '...' with escapes, `...` raw): the pattern text,
#: for the checks that read a query's text and must skip what its strings hold.
STRING_LITERAL: Final = r""""(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`"""
#: :data:`STRING_LITERAL` compiled.
STRINGS: Final = re.compile(STRING_LITERAL)

# Kinds of values.
COUNTER = "counter"  # a raw cumulative counter (also _bucket/_sum/_count series)
RATE = "rate"  # per-second rate of a counter (rate, irate)
INCREASE = "increase"  # increase of a counter over a window
GAUGE = "gauge"
INFO = "info"
SCALAR = "scalar"
STRING = "string"
UNKNOWN = "unknown"

#: Units whose values are never negative.
_NONNEG_KINDS = {COUNTER, RATE, INCREASE}

# Series every target gets from Prometheus, whatever it exposes.
TARGET_LABELS = frozenset({"job", "instance"})

#: Series Prometheus writes itself; never "unknown metrics".
SYNTHETIC = frozenset(
    {
        "ALERTS",
        "ALERTS_FOR_STATE",
        "up",
        "scrape_duration_seconds",
        "scrape_samples_scraped",
        "scrape_samples_post_metric_relabeling",
        "scrape_series_added",
        "scrape_timeout_seconds",
        "scrape_sample_limit",
        "scrape_body_size_bytes",
    }
)


_EXPR_TYPES = (
    pp.VectorSelector, pp.MatrixSelector, pp.Call, pp.AggregateExpr, pp.BinaryExpr,
    pp.ParenExpr, pp.SubqueryExpr, pp.NumberLiteral, pp.StringLiteral, pp.UnaryExpr,
)  # fmt: skip


class Node:
    """A promql-parser node whose sub-expressions are read once and kept.

    promql-parser builds a new Python object on every attribute read (``x.lhs``
    twice gives two objects), which defeats caching by node and makes walking
    the tree slow. ``Node`` reads each attribute once; ``isinstance`` still sees
    the wrapped class, so ``isinstance(n, promql_parser.Call)`` keeps working.
    """

    __slots__ = ("_attrs", "_raw", "by_key", "kids", "tag", "walked")

    def __init__(self, raw: Any):
        self._raw = raw
        self._attrs: dict[str, Any] = {}
        #: The class name of the wrapped node ("Call", "BinaryExpr" ...): cheaper
        #: to compare than isinstance() through the proxy.
        self.tag: str = type(raw).__name__
        self.kids: list[Any] | None = None
        self.walked: list[Any] | None = None
        self.by_key: dict[str, list[Any]] | None = None

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        return type(self._raw)

    def __getattr__(self, name: str) -> Any:
        attrs = self._attrs
        if name in attrs:
            return attrs[name]
        value = getattr(self._raw, name)
        if isinstance(value, _EXPR_TYPES):
            value = Node(value)
        elif isinstance(value, list) and value and isinstance(value[0], _EXPR_TYPES):
            value = [Node(v) for v in value]
        attrs[name] = value
        return value

    def __str__(self) -> str:
        return str(self._raw)

    def __repr__(self) -> str:
        return repr(self._raw)


#: The attributes holding the sub-expressions of each kind of node, in the
#: order :func:`children` lists them (a ``Call``'s are its ``args``).
_CHILD_ATTRS: Final[dict[str, tuple[str, ...]]] = {
    "BinaryExpr": ("lhs", "rhs"),
    "AggregateExpr": ("param", "expr"),
    "ParenExpr": ("expr",),
    "UnaryExpr": ("expr",),
    "SubqueryExpr": ("expr",),
    "MatrixSelector": ("vector_selector",),
}


def wrap_tree(raw: Any) -> Node:
    """The tree under ``raw`` wrapped in :class:`Node` at once, each node's
    sub-expressions read and its :func:`children` kept, and the root given
    what :func:`walk` and :func:`nodes` would compute of it on their first
    call. Every check walks every tree, so doing it up front costs nothing
    more, and in one pass it skips what the lazy reads paid: a failed
    attribute lookup and ``__getattr__`` call per child, then a second
    traversal to list the nodes and a third to index them."""
    root = Node(raw)
    walked: list[Any] = []
    index: dict[str, list[Any]] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        walked.append(node)  # pre-order, children left to right: walk()'s order
        kind = node.tag
        same = index.get(kind)
        if same is None:
            index[kind] = [node]
        else:
            same.append(node)
        attrs = node._attrs
        kids: list[Any] = []
        if kind == "Call":
            kids = [Node(arg) for arg in node._raw.args]
            attrs["args"] = list(kids)  # its own list, as children() was a copy
            name = attrs["__fname"] = str(node._raw.func.name)
            index.setdefault("Call:" + name, []).append(node)
        else:
            for attr in _CHILD_ATTRS.get(kind, ()):
                value = getattr(node._raw, attr)
                if value is not None:
                    value = Node(value)
                    kids.append(value)
                attrs[attr] = value
        node.kids = kids
        stack.extend(reversed(kids))
    root.walked = walked
    root.by_key = index
    return root


def tag(node: Any) -> str:
    """The node's class name, for wrapped and raw promql-parser nodes alike."""
    return node.tag if type(node) is Node else type(node).__name__


def is_a(node: Any, name: str) -> bool:
    """``isinstance(node, promql_parser.<name>)``, fast for wrapped nodes."""
    return tag(node) == name


@dataclass(frozen=True)
class VType:
    """What a PromQL (sub-)expression evaluates to."""

    kind: str = UNKNOWN
    #: seconds, bytes, dollars, ratio (0..1), percent (0..100), bool, timestamp,
    #: bytes/s, dollars/s ... or None when unknown.
    unit: str | None = None
    #: Labels of the result series; None when we cannot know (no catalog).
    labels: frozenset[str] | None = None
    #: Histogram bucket series (carries ``le``): True, False, or None (unknown).
    bucket: bool | None = None
    #: An aggregation removed ``le`` from bucket series.
    le_dropped: bool = False
    #: A sum (or other aggregation) of raw counters: rate() over it is wrong.
    summed_counter: bool = False
    #: A range vector (matrix selector or subquery).
    matrix: bool = False
    subquery: bool = False
    #: Whether an aggregation ran (sum, max ...), for dashboard checks.
    aggregated: bool = False
    #: Value of a number literal (or a scalar built from literals).
    const: float | None = None
    #: False when any fact above was guessed from a name.
    certain: bool = False
    #: Metric names read, for messages.
    metrics: tuple[str, ...] = ()
    #: Constant factor applied to a unit-less value (``100 * errors / total`` is a percentage).
    scale: float = 1.0
    #: May be negative whatever the unit (a difference, a derivative, a prediction).
    signed: bool = False
    #: Known to lie within 0..1 (a part over its whole), not only dimensionless.
    bounded: bool = False
    #: Metric labels the scrape overwrites with a target label of the same name
    #: (the metric's own value moves to ``exported_<name>``).
    renamed: frozenset[str] = frozenset()

    @property
    def nonneg(self) -> bool:
        """Values can never be negative."""
        if self.signed:
            return False
        # Seconds are not here: clock offsets and time differences go negative.
        if self.unit in {"ratio", "percent", "bool", "bytes", "dollars"}:
            return True
        return self.kind in _NONNEG_KINDS

    @property
    def is_ratio(self) -> bool:
        return self.unit == "ratio"


def replace(t: VType, **changes: Any) -> VType:
    """A copy of ``t`` with ``changes`` (``dataclasses.replace`` without its
    checks: inference makes one per node, and it showed in profiles)."""
    new = object.__new__(VType)
    fields = new.__dict__
    fields.update(t.__dict__)
    fields.update(changes)
    return new


@dataclass(frozen=True)
class MetricInfo:
    """What a source (catalog, recorded rule, naming) says about one series name."""

    kind: str
    unit: str | None
    labels: frozenset[str] | None
    bucket: bool | None
    certain: bool
    summed_counter: bool = False
    renamed: frozenset[str] = frozenset()


_UNIT_SUFFIXES = (
    ("_seconds", "seconds"),
    ("_bytes", "bytes"),
    ("_dollars", "dollars"),
    ("_usd", "dollars"),
    ("_ratio", "ratio"),
    ("_percent", "percent"),
)


def unit_from_name(name: str) -> str | None:
    """The unit a metric name announces (``_seconds``, ``_bytes`` ...)."""
    base = name
    for suffix in ("_total", "_bucket", "_sum", "_count", "_created"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            break
    # A gauge named ..._time_seconds is a point in time; a counter of
    # ..._time_seconds_total is time spent.
    if base == name and base.endswith(("_timestamp_seconds", "_time_seconds", "_timestamp")):
        return "timestamp"
    for suffix, unit in _UNIT_SUFFIXES:
        if base.endswith(suffix):
            return unit
    return None


def info_from_name(name: str) -> MetricInfo:
    """Naming conventions only (no catalog): kind, unit and bucket-ness of a series name."""
    if ":" in name:
        # A recording rule we cannot see: level:metric:operations.
        ops = name.rsplit(":", 1)[-1]
        bucket = True if "bucket" in name else None
        kind = UNKNOWN
        if "irate" in ops or "rate" in ops.replace("ratio", ""):
            kind = RATE
        elif "increase" in ops:
            kind = INCREASE
        unit = "ratio" if "ratio" in ops else None
        return MetricInfo(kind, unit, None, bucket, False)
    unit = unit_from_name(name)
    if name.endswith("_bucket"):
        return MetricInfo(COUNTER, unit, None, True, False)
    if name.endswith("_count"):
        return MetricInfo(COUNTER, None, None, False, False)
    if name.endswith("_total"):
        return MetricInfo(COUNTER, unit, None, False, False)
    if name.endswith("_sum"):
        return MetricInfo(COUNTER, unit, None, False, False)
    if name.endswith("_info"):
        return MetricInfo(INFO, None, None, False, False)
    if unit in {"ratio", "percent", "timestamp"}:
        return MetricInfo(GAUGE, unit, None, False, False)
    bucket = False if unit in {"seconds", "bytes"} or name.endswith("_created") else None
    return MetricInfo(UNKNOWN, unit, None, bucket, False)


#: name -> MetricInfo or None (not known to this source).
Resolver = Callable[[str], MetricInfo | None]


_MATCH_OPS = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~", "MatchOp.NotRe": "!~"}


def match_op(m: Any) -> str:
    """A matcher's operator as written (``=``, ``!=``, ``=~``, ``!~``)."""
    text = str(m.op)
    return _MATCH_OPS.get(text, text)


def is_on(matching: Any) -> bool:
    """Whether a vector matching modifier is ``on(...)`` (else ``ignoring(...)``)."""
    return str(matching.type).endswith(("Include", "On"))


def _matchers(vs: Any) -> list[Any]:
    out = list(vs.matchers.matchers)
    for group in vs.matchers.or_matchers or []:
        out.extend(group)
    return out


def selector_name(vs: Any) -> str | None:
    """The metric name of a vector selector (also from ``{__name__="x"}``)."""
    if vs.name:
        return str(vs.name)
    for m in _matchers(vs):
        if m.name == "__name__" and match_op(m) == "=":
            return str(m.value)
    return None


def selector_matchers(vs: Any) -> list[tuple[str, str, str]]:
    """``(label, op, value)`` of every matcher of a selector, ``__name__`` excluded."""
    return [(str(m.name), match_op(m), str(m.value)) for m in _matchers(vs) if m.name != "__name__"]


def walk(node: Any) -> list[Any]:
    """Every node of an AST, depth first, parents before children (kept on the node)."""
    if type(node) is Node and node.walked is not None:
        return node.walked
    out: list[Any] = []
    stack = [node]
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(reversed(children(n)))
    if type(node) is Node:
        node.walked = out
    return out


def func_name(node: Any) -> str | None:
    """The function name of a ``Call`` node (None for other nodes), read once."""
    if tag(node) != "Call":
        return None
    if type(node) is Node:
        name = node._attrs.get("__fname")
        if name is None:
            name = node._attrs["__fname"] = str(node.func.name)
        return str(name)
    return str(node.func.name)


def nodes(root: Any, *keys: str) -> list[Any]:
    """The nodes under ``root`` (in walk order) whose key is one of ``keys``: a class
    name ("VectorSelector", "BinaryExpr" ...) or "Call:<function>" for calls.
    The index is built once per tree, so checks do not each walk every node."""
    index = root.by_key if type(root) is Node else None
    if index is None:
        index = {}
        for n in walk(root):
            t = tag(n)
            index.setdefault(t, []).append(n)
            if t == "Call":
                index.setdefault("Call:" + str(func_name(n)), []).append(n)
        if type(root) is Node:
            root.by_key = index
    if len(keys) == 1:
        return index.get(keys[0], [])
    out: list[Any] = []
    for key in keys:
        out.extend(index.get(key, ()))
    return out


def children(node: Any) -> list[Any]:
    """Direct sub-expressions of a node."""
    if type(node) is Node:
        if node.kids is None:
            node.kids = _children(node)
        return node.kids
    return _children(node)


def _children(node: Any) -> list[Any]:
    # The same attributes wrap_tree reads (an aggregation's param only when set).
    kind = tag(node)
    if kind == "Call":
        return list(node.args)
    return [value for value in (getattr(node, name) for name in _CHILD_ATTRS.get(kind, ())) if value is not None]


_KEEP_FUNCS = {
    "abs", "ceil", "floor", "round", "clamp", "clamp_min", "clamp_max", "sort", "sort_desc",
    "sort_by_label", "sort_by_label_desc", "last_over_time", "max_over_time", "min_over_time",
    "avg_over_time", "quantile_over_time", "first_over_time",
}  # fmt: skip
#: Prometheus 3's functions without arguments or of scalars that return a scalar
#: (experimental in 3.14's functions.go): the query's start, end, range and step,
#: the larger or smaller of two scalars; with the unit they return.
_SCALAR_FUNCS = {"start": "timestamp", "end": "timestamp", "range": "seconds", "step": "seconds", "max_of": None, "min_of": None}
#: Prometheus 3's functions returning the timestamps of samples (3.14's functions.go).
_TIMESTAMP_FUNCS = {"ts_of_first_over_time", "ts_of_last_over_time", "ts_of_max_over_time", "ts_of_min_over_time", "start_timestamp"}
_TIME_FUNCS = {"day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute", "month", "year"}


class Inferer:
    """Infers the :class:`VType` of expressions; one per lint run (results are cached)."""

    def __init__(self, resolve: Resolver, extra_labels: frozenset[str] = TARGET_LABELS):
        """``extra_labels``: the labels scraping may add to any series."""
        self._resolve = resolve
        self._extra = extra_labels
        self._cache: dict[int, VType] = {}

    def infer(self, node: Any) -> VType:
        """The type of ``node``; memoised per node object."""
        key = id(node)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._infer(node)
            self._cache[key] = hit
        return hit

    def forget(self) -> None:
        """Drop cached results (the AST nodes they were keyed on may be gone)."""
        self._cache.clear()

    # --- nodes ---------------------------------------------------------------
    def _infer(self, node: Any) -> VType:
        # The node's kind read once (each is_a() call read it again: the checks
        # infer the types of every node of thousands of trees).
        kind = tag(node)
        if kind == "NumberLiteral":
            return VType(SCALAR, None, frozenset(), False, const=float(node.val), certain=True)
        if kind == "StringLiteral":
            return VType(STRING, certain=True)
        if kind == "ParenExpr":
            return self.infer(node.expr)
        if kind == "UnaryExpr":
            inner = self.infer(node.expr)
            const = -inner.const if inner.const is not None else None
            inner_kind = GAUGE if inner.kind not in (SCALAR, UNKNOWN) else inner.kind
            return replace(inner, kind=inner_kind, const=const, unit=None, signed=True)
        if kind == "VectorSelector":
            return self._selector(node)
        if kind == "MatrixSelector":
            return replace(self.infer(node.vector_selector), matrix=True)
        if kind == "SubqueryExpr":
            return replace(self.infer(node.expr), matrix=True, subquery=True)
        if kind == "AggregateExpr":
            return self._aggregate(node)
        if kind == "Call":
            return self._call(node)
        if kind == "BinaryExpr":
            return self._binary(node)
        return VType()

    def _selector(self, vs: Any) -> VType:
        name = selector_name(vs)
        if name is None:
            return VType(labels=None)
        info = self._resolve(name) or info_from_name(name)
        labels = None
        if name in ("ALERTS", "ALERTS_FOR_STATE"):
            info = MetricInfo(GAUGE, None, None, False, True)  # every alert's own labels
        if info.labels is not None:
            labels = info.labels | self._extra
            if info.bucket:
                labels = labels | {"le"}
        return VType(
            kind=info.kind,
            unit=info.unit,
            labels=labels,
            bucket=info.bucket,
            summed_counter=info.summed_counter,
            certain=info.certain,
            metrics=(name,),
            bounded=info.unit == "ratio" and info.kind != UNKNOWN,
            renamed=info.renamed,
        )

    def _aggregate(self, node: Any) -> VType:
        inner = self.infer(node.expr)
        op = str(node.op)
        mod = node.modifier
        names = frozenset(str(x) for x in mod.labels) if mod is not None else frozenset()
        by = mod is None or str(mod.type).endswith("By")
        if op in ("topk", "bottomk", "limitk", "limit_ratio"):
            return replace(inner, matrix=False)
        if by:
            labels: frozenset[str] | None = names
        else:
            labels = inner.labels - names if inner.labels is not None else None
        if op == "count_values" and labels is not None:
            param = node.param
            labels = labels | {str(getattr(param, "val", "")).strip('"')}
        keeps_le = "le" in names if by else "le" not in names
        bucket = inner.bucket if keeps_le else (False if inner.bucket else inner.bucket)
        le_dropped = inner.le_dropped or (bool(inner.bucket) and not keeps_le)
        base = replace(
            inner, labels=labels, bucket=bucket, le_dropped=le_dropped, aggregated=True, matrix=False,
            # Buckets merged across bounds are plain counts, not the observed unit.
            unit=None if inner.bucket and not keeps_le else inner.unit,
        )
        if op in ("count", "count_values"):
            return replace(base, kind=GAUGE, unit=None, summed_counter=False, const=None)
        if op == "group":
            return replace(base, kind=GAUGE, unit="bool", summed_counter=False, const=None)
        if op == "sum":
            unit = None if inner.unit in ("ratio", "percent", "bool") else inner.unit
            return replace(base, unit=unit, bounded=False, summed_counter=inner.kind == COUNTER or inner.summed_counter)
        if op in ("stddev", "stdvar"):
            return replace(base, kind=GAUGE, summed_counter=False)
        # min, max, avg, quantile keep the kind and unit.
        return replace(base, summed_counter=inner.summed_counter or (inner.kind == COUNTER and op == "avg"))

    def _call(self, node: Any) -> VType:
        name = str(node.func.name)
        args = [self.infer(a) for a in node.args]
        first = next((a for a in args if a.kind != SCALAR and a.kind != STRING), VType())
        if name in ("rate", "irate", "increase"):
            inner = args[0] if args else VType()
            kind = INCREASE if name == "increase" else RATE
            unit = inner.unit
            observed = bool(inner.bucket) or any(m.endswith("_sum") for m in inner.metrics)
            if unit in ("ratio", "percent", "bool", "timestamp"):
                unit = None
            elif kind == RATE and unit is not None and not observed:
                # Seconds per second is the fraction of time spent (CPU, disk busy).
                unit = "s/s" if unit == "seconds" else unit + "/s"
            return replace(inner, kind=kind, unit=unit, matrix=False, summed_counter=False, subquery=False, aggregated=inner.aggregated)
        if name in ("delta", "idelta", "deriv"):
            return replace(first, kind=GAUGE, unit=None, matrix=False, signed=True)
        if name == "predict_linear":
            return replace(first, kind=GAUGE, matrix=False, signed=True)
        if name == "histogram_quantile":
            inner = args[1] if len(args) > 1 else VType()
            labels = inner.labels - {"le"} if inner.labels is not None else None
            return replace(inner, kind=GAUGE, labels=labels, bucket=False, matrix=False, le_dropped=False)
        if name == "histogram_fraction":
            inner = args[2] if len(args) > 2 else VType()
            labels = inner.labels - {"le"} if inner.labels is not None else None
            return replace(inner, kind=GAUGE, unit="ratio", labels=labels, bucket=False)
        if name in _KEEP_FUNCS:
            return replace(first, matrix=False)
        if name in ("sum_over_time", "stddev_over_time", "stdvar_over_time"):
            return replace(first, kind=GAUGE if first.kind != COUNTER else COUNTER, matrix=False)
        if name in ("count_over_time", "changes", "resets"):
            return replace(first, kind=GAUGE, unit=None, matrix=False, bucket=False)
        if name in ("absent", "absent_over_time", "present_over_time"):
            return VType(GAUGE, "bool", None, False, certain=True)
        if name == "vector":
            return replace(args[0] if args else VType(), kind=GAUGE, labels=frozenset(), matrix=False)
        if name == "scalar":
            return replace(first, kind=SCALAR, labels=frozenset(), const=None)
        if name == "time":
            return VType(SCALAR, "timestamp", frozenset(), False, certain=True)
        if name == "pi":
            return VType(SCALAR, None, frozenset(), False, certain=True)
        if name in _SCALAR_FUNCS:
            return VType(SCALAR, _SCALAR_FUNCS[name], frozenset(), False, certain=True)
        if name in _TIMESTAMP_FUNCS:
            return replace(first, kind=GAUGE, unit="timestamp", matrix=False, bucket=False)
        if name in ("double_exponential_smoothing", "holt_winters", "mad_over_time"):
            return replace(first, kind=GAUGE, matrix=False, bucket=False)
        if name in ("info", "histogram_quantiles"):
            # info adds the labels of the info series it joins, histogram_quantiles
            # a label of its own naming: which ones is not known here.
            return replace(first, kind=GAUGE if name == "histogram_quantiles" else first.kind, labels=None, matrix=False)
        if name == "timestamp":
            return replace(first, kind=GAUGE, unit="timestamp", matrix=False)
        if name in ("label_replace", "label_join"):
            dst = node.args[1] if len(node.args) > 1 else None
            dst_name = str(getattr(dst, "val", "")).strip('"') if dst is not None else ""
            labels = first.labels | {dst_name} if first.labels is not None and dst_name else first.labels
            return replace(first, labels=labels)
        if name in _TIME_FUNCS:
            return VType(GAUGE, None, first.labels if args else frozenset(), False, certain=True)
        if name in ("exp", "ln", "log2", "log10", "sqrt", "sgn", "sin", "cos", "tan", "deg", "rad"):
            return replace(first, kind=GAUGE, unit=None, matrix=False)
        return replace(first, kind=UNKNOWN, unit=None, matrix=False)

    def _binary(self, node: Any) -> VType:
        lhs = self.infer(node.lhs)
        rhs = self.infer(node.rhs)
        op = str(node.op)
        mod = node.modifier
        certain = lhs.certain and rhs.certain
        if op in ("and", "unless"):
            return lhs
        if op == "or":
            if lhs.kind == rhs.kind and lhs.unit == rhs.unit:
                labels = lhs.labels | rhs.labels if lhs.labels is not None and rhs.labels is not None else None
                return replace(lhs, labels=labels, certain=certain)
            return VType(certain=certain)
        comparison = op in ("==", "!=", ">", "<", ">=", "<=")
        labels = self._binary_labels(lhs, rhs, mod)
        if comparison:
            if mod is not None and mod.return_bool:
                # Between two scalars, ``bool`` gives a scalar (1 > bool 0 is 1),
                # which then matches any vector, not a vector without labels.
                kind = SCALAR if lhs.kind == SCALAR and rhs.kind == SCALAR else GAUGE
                return VType(kind, "bool", labels, False, certain=certain)
            # A filter: the value is the vector side's (the lhs when both are vectors).
            side = rhs if lhs.kind == SCALAR and rhs.kind != SCALAR else lhs
            return replace(side, labels=labels if side is lhs else rhs.labels)
        if lhs.kind == SCALAR and rhs.kind == SCALAR:
            const = _fold(op, lhs.const, rhs.const)
            return VType(SCALAR, None, frozenset(), False, const=const, certain=True)
        unit, guessed = _arith_unit(op, lhs, rhs)
        certain = certain and not guessed
        vec = lhs if lhs.kind != SCALAR else rhs
        scale = 1.0
        if (lhs.kind == SCALAR) != (rhs.kind == SCALAR):
            c = (rhs if rhs.kind == SCALAR else lhs).const
            if c is not None and c != 0 and unit == vec.unit and unit not in ("ratio", "percent"):
                scale = vec.scale * c if op == "*" else vec.scale / c if op == "/" and vec is lhs else vec.scale
        with_scalar = lhs.kind == SCALAR or rhs.kind == SCALAR
        summed = False
        metrics = lhs.metrics + rhs.metrics
        if with_scalar:
            # Scaling keeps the kind (a counter in ms / 1000 is a counter in
            # seconds); a constant minus or over a value does not.
            kind = vec.kind if not (lhs.kind == SCALAR and op in ("-", "/")) and op in ("+", "-", "*", "/") else GAUGE
            bucket = vec.bucket
        elif op == "*" and (lhs.kind == INFO) != (rhs.kind == INFO):
            # Prometheus' label join, x * on(instance) group_left(node) node_info:
            # an info series' value is 1, so the value (and its kind) is x's.
            vec = rhs if lhs.kind == INFO else lhs
            kind, unit, scale, summed = vec.kind, vec.unit, vec.scale, vec.summed_counter
            certain = lhs.certain and rhs.certain
            metrics = vec.metrics
            bucket = self._binary_bucket(lhs, rhs, mod)
        else:
            same = lhs.kind == rhs.kind and lhs.kind in (COUNTER, RATE, INCREASE)
            kind = lhs.kind if op == "+" and same else GAUGE
            summed = kind == COUNTER
            bucket = self._binary_bucket(lhs, rhs, mod)
        bounded = _bounded(op, lhs, rhs, unit)
        return VType(
            kind=kind,
            unit=unit,
            labels=labels,
            bucket=bucket,
            bounded=bounded,
            le_dropped=lhs.le_dropped or rhs.le_dropped,
            summed_counter=summed,
            aggregated=lhs.aggregated or rhs.aggregated,
            certain=certain,
            metrics=metrics,
            scale=scale,
            signed=op == "-" or lhs.signed or rhs.signed,
            renamed=lhs.renamed | rhs.renamed,
        )

    @staticmethod
    def _binary_bucket(lhs: VType, rhs: VType, mod: Any) -> bool | None:
        """Buckets survive ``x_bucket * on(...) group_left(node) info`` when the
        side carrying them keeps ``le``."""
        card = str(getattr(mod, "card", "")) if mod is not None else ""
        if card.endswith("ManyToOne"):
            return lhs.bucket
        if card.endswith("OneToMany"):
            return rhs.bucket
        matching = getattr(mod, "matching", None) if mod is not None else None
        if matching is None:
            return lhs.bucket
        names = {str(x) for x in matching.labels}
        keeps = "le" in names if is_on(matching) else "le" not in names
        return lhs.bucket if keeps else False

    @staticmethod
    def _binary_labels(lhs: VType, rhs: VType, mod: Any) -> frozenset[str] | None:
        """Labels of ``lhs op rhs`` (Prometheus' resultMetric): one-to-one keeps only
        the ``on`` labels (or drops the ``ignoring`` ones), a filtering comparison
        too (it lets the lhs series through with those labels); group_left/right
        keep the "many" side's labels plus the group_x labels."""
        if lhs.kind == SCALAR:
            return rhs.labels
        if rhs.kind == SCALAR:
            return lhs.labels
        if mod is None:
            return lhs.labels
        card = str(getattr(mod, "card", ""))
        matching = getattr(mod, "matching", None)
        on_labels = frozenset(str(x) for x in matching.labels) if matching is not None else frozenset()
        on = matching is not None and is_on(matching)
        extra = frozenset(str(x) for x in (getattr(mod, "group_labels", None) or []))
        if card.endswith("OneToMany"):
            base = rhs.labels
        elif card.endswith("ManyToOne"):
            base = lhs.labels
        else:
            if matching is None:
                return lhs.labels
            if on:
                return on_labels
            return lhs.labels - on_labels if lhs.labels is not None else None
        if base is None:
            return None
        return base | extra


def _fold(op: str, a: float | None, b: float | None) -> float | None:
    if a is None or b is None:
        return None
    try:
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return a / b
    except ZeroDivisionError:
        return None
    return None


def _arith_unit(op: str, lhs: VType, rhs: VType) -> tuple[str | None, bool]:
    """The unit of ``lhs op rhs`` for arithmetic operators."""
    if rhs.kind == SCALAR or lhs.kind == SCALAR:
        vec, sc, vec_left = (lhs, rhs, True) if rhs.kind == SCALAR else (rhs, lhs, False)
        c = sc.const
        if sc.unit == "timestamp" and vec.unit == "timestamp" and op == "-":
            return "seconds", False
        if c is None:
            return None, False
        if vec.unit == "ratio" and op == "*" and c == 100:
            return "percent", False
        if vec.unit == "percent" and op == "/" and vec_left and c == 100:
            return "ratio", False
        if vec.unit == "ratio" and op == "-" and not vec_left and c == 1:
            return "ratio", False
        if op in ("*", "/") and (c == 1 or vec.unit is None or vec.unit.endswith("/s")):
            return vec.unit, False
        if op in ("+", "-") and vec.unit not in ("ratio", "percent", "bool"):
            return vec.unit, False
        return None, False
    if op in ("+", "-"):
        if lhs.unit == "timestamp" and rhs.unit == "timestamp" and op == "-":
            return "seconds", False
        if lhs.unit == rhs.unit and lhs.unit not in ("ratio", "percent", "bool", "timestamp"):
            return lhs.unit, False
        return None, False
    if op == "/":
        if (lhs.bucket or lhs.le_dropped) and rhs.kind in (RATE, INCREASE):
            # buckets over _count: the fraction of observations under a bound.
            return "ratio", not (lhs.certain and rhs.certain)
        factor = lhs.scale / rhs.scale if rhs.scale else 0.0
        as_ratio = "ratio" if factor == 1 else "percent" if factor == 100 else None
        if lhs.unit is not None and lhs.unit == rhs.unit and lhs.unit not in ("ratio", "percent", "bool"):
            return (as_ratio if _same_scale(lhs, rhs) else None), False
        if lhs.metrics and set(lhs.metrics) == set(rhs.metrics) and _same_scale(lhs, rhs) and lhs.kind in (RATE, INCREASE):
            # The same counter over itself (errors{status=~"5.."} / all): a ratio for sure.
            return as_ratio, False
        if lhs.unit is None and rhs.unit is None and _same_scale(lhs, rhs) and lhs.kind in (RATE, INCREASE):
            # Rates of two unit-less counters: a ratio by the usual convention
            # (errors / requests); only a guess, so never certain.
            return as_ratio, True
        if lhs.unit in ("seconds", "bytes", "dollars") and rhs.unit is None and rhs.kind in (RATE, INCREASE, COUNTER):
            return lhs.unit, False  # _sum / _count: an average
        return None, False
    return None, False


def _bounded(op: str, lhs: VType, rhs: VType, unit: str | None) -> bool:
    """Whether ``lhs op rhs`` stays within 0..1."""
    if unit != "ratio":
        return False
    if op == "/":
        # A counter over itself with more matchers: a part over its whole.
        return bool(lhs.metrics) and set(lhs.metrics) == set(rhs.metrics) and lhs.kind in (RATE, INCREASE)
    if op == "-" and lhs.kind == SCALAR and lhs.const == 1:
        return rhs.bounded
    if op in ("*", "/") and SCALAR in (lhs.kind, rhs.kind):
        return (lhs if rhs.kind == SCALAR else rhs).bounded
    return False


def _same_scale(lhs: VType, rhs: VType) -> bool:
    # rate/rate, increase/increase, gauge/gauge: the windows cancel out.
    return lhs.kind == rhs.kind and lhs.kind in (RATE, INCREASE, GAUGE, COUNTER)


def ratio_certain(t: VType) -> bool:
    """Whether ``t`` is a 0..1 ratio by the catalog/rules, not only by a naming guess."""
    return t.unit == "ratio" and t.certain


def op_of(node: Any) -> str:
    """The operator of a binary or aggregation node as text (read once)."""
    if type(node) is Node:
        op = node._attrs.get("__op")
        if op is None:
            op = node._attrs["__op"] = str(node.op)
        return str(op)
    return str(node.op)


def _memo(fn: Any) -> Any:
    # Facts derived from a node are kept on it: every query of the same shape
    # shares the node, so each check computes them once per shape.
    key = "__" + fn.__name__

    def wrapper(node: Any) -> Any:
        if type(node) is not Node:
            return fn(node)
        attrs = node._attrs
        if key not in attrs:
            attrs[key] = fn(node)
        return attrs[key]

    wrapper.__doc__ = fn.__doc__
    wrapper.__name__ = fn.__name__
    return wrapper


#: A comparison operator with its operands swapped: ``c < x`` is ``x > c``.
FLIPPED_COMPARISON: Final = {">": "<", "<": ">", ">=": "<=", "<=": ">=", "==": "==", "!=": "!="}


def constant_side(lhs: VType, op: str, rhs: VType) -> tuple[bool, str, float] | None:
    """For a comparison ``lhs op rhs`` with a constant on one side (also written as
    arithmetic, ``5 / 100``): ``(whether the constant is on the right, the operator
    read as "vector op constant", the constant)``; None without one."""
    if rhs.kind == SCALAR and rhs.const is not None:
        return True, op, rhs.const
    if lhs.kind == SCALAR and lhs.const is not None:
        return False, FLIPPED_COMPARISON[op], lhs.const
    return None


@_memo
def comparison_parts(node: Any) -> tuple[Any, str, Any] | None:
    """``(lhs, op, rhs)`` when ``node`` (parentheses stripped) is a filtering comparison."""
    while is_a(node, "ParenExpr"):
        node = node.expr
    if (
        is_a(node, "BinaryExpr")
        and op_of(node) in ("==", "!=", ">", "<", ">=", "<=")
        and (node.modifier is None or not node.modifier.return_bool)
    ):
        return node.lhs, op_of(node), node.rhs
    return None


@_memo
def result_node(node: Any) -> Any:
    """The node whose value an alert's ``$value`` shows: the vector side of the
    top-level comparison (through ``and``/``unless``), else the expression."""
    while True:
        while is_a(node, "ParenExpr"):
            node = node.expr
        if is_a(node, "BinaryExpr") and op_of(node) in ("and", "unless"):
            node = node.lhs
            continue
        parts = comparison_parts(node)
        if parts is None:
            return node
        lhs, _op, rhs = parts
        node = vector_side(lhs, rhs)


def vector_side(lhs: Any, rhs: Any) -> Any:
    """The side of a filtering comparison whose values it lets through: the
    right one when the left is a scalar (``2 * 50 < x``, ``scalar(y) < x``), else
    the left (also when both are vectors)."""
    return rhs if is_scalar(lhs) else lhs


def strip(node: Any) -> Any:
    """``node`` without enclosing parentheses."""
    while is_a(node, "ParenExpr"):
        node = node.expr
    return node


# --- label values a series is certain to carry ----------------------------------
#
# Not a field of VType: the trees types are inferred on are shared by expressions
# that differ only in matcher values (LintContext.tree), and the values are what
# differs. These functions run on the tree of an expression's exact text.

#: Functions whose result series carry the labels of their (first vector or range
#: vector) argument, ``__name__`` aside: Prometheus' functions that compute a value
#: per input series.
_VALUE_KEEPING: Final = frozenset({
    *_KEEP_FUNCS, "sum_over_time", "count_over_time", "stddev_over_time", "stdvar_over_time",
    "present_over_time", "mad_over_time", "changes", "resets", "rate", "irate", "increase",
    "delta", "idelta", "deriv", "predict_linear", "double_exponential_smoothing", "holt_winters",
    "exp", "ln", "log2", "log10", "sqrt", "sgn", "sin", "cos", "tan", "asin", "acos", "atan",
    "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "deg", "rad", "timestamp",
    "histogram_count", "histogram_sum", "histogram_avg", "histogram_stddev", "histogram_stdvar",
    *_TIME_FUNCS, *_TIMESTAMP_FUNCS,
})  # fmt: skip
#: Functions returning a scalar (PromQL's types are static: the parser knows them).
_SCALAR_RESULT: Final = frozenset({"scalar", "time", "pi", *_SCALAR_FUNCS})


def is_scalar(node: Any) -> bool:
    """Whether ``node`` evaluates to a scalar (or a string): PromQL's static type."""
    kind = tag(node)
    if kind in ("NumberLiteral", "StringLiteral"):
        return True
    if kind in ("ParenExpr", "UnaryExpr"):
        return is_scalar(node.expr)
    if kind == "BinaryExpr":
        return is_scalar(node.lhs) and is_scalar(node.rhs)
    if kind == "Call":
        return func_name(node) in _SCALAR_RESULT
    return False


#: A vector selector -> the label values its series are certain to carry.
SelectorValues = Callable[[Any], dict[str, str]]


def equality_matchers(vs: Any) -> dict[str, str]:
    """A vector selector's equality matchers but ``__name__``, empty values
    included (``a=""``: series without ``a``); nothing when it has ``or`` groups."""
    if vs.matchers.or_matchers:
        return {}
    return {str(m.name): str(m.value) for m in vs.matchers.matchers if m.name != "__name__" and match_op(m) == "="}


def equal_matchers(vs: Any) -> dict[str, str]:
    """The labels a vector selector's series are certain to carry, by its equality
    matchers with a value (``x{a="b"}`` selects series with ``a="b"`` only; ``a=""``
    selects series without ``a``); nothing when the selector has ``or`` groups."""
    return {k: v for k, v in equality_matchers(vs).items() if v}


def certain_values(node: Any, selector: SelectorValues) -> dict[str, str]:
    """The labels (with their values) every series of ``node`` is certain to carry,
    given those of its vector selectors (``selector``). A label whose value is not
    certain is left out: ``or`` keeps what both sides agree on, an aggregation what
    it groups by, a vector matching what its result metric keeps of the side it
    takes it from; ``label_replace`` onto a label and ``group_left`` of it drop it,
    and anything not known to keep labels (``absent``, ``info``, ``fill``) gives
    nothing."""
    kind = tag(node)
    if kind == "VectorSelector":
        return selector(node)
    if kind == "MatrixSelector":
        return certain_values(node.vector_selector, selector)
    if kind in ("ParenExpr", "UnaryExpr", "SubqueryExpr"):
        return certain_values(node.expr, selector)
    if kind == "AggregateExpr":
        return _aggregate_values(node, selector)
    if kind == "Call":
        return _call_values(node, selector)
    if kind == "BinaryExpr":
        return _binary_values(node, selector)
    return {}


def _aggregate_values(node: Any, selector: SelectorValues) -> dict[str, str]:
    inner = certain_values(node.expr, selector)
    op = op_of(node)
    if op in ("topk", "bottomk", "limitk", "limit_ratio"):
        return inner  # the input series as they are
    mod = node.modifier
    names = {str(x) for x in mod.labels} if mod is not None else set()
    if mod is None or str(mod.type).endswith("By"):
        kept = {k: v for k, v in inner.items() if k in names}
    else:
        kept = {k: v for k, v in inner.items() if k not in names}
    if op == "count_values":
        # Its parameter names a label it writes each value to.
        kept.pop(str(getattr(node.param, "val", "")).strip("\"'"), None)
    return kept


def _call_values(node: Any, selector: SelectorValues) -> dict[str, str]:
    name = func_name(node)
    args = list(node.args)
    if name in ("label_replace", "label_join"):
        dst = args[1] if len(args) > 1 else None
        if dst is None or tag(dst) != "StringLiteral":
            return {}
        found = certain_values(args[0], selector)
        found.pop(str(dst.val), None)
        return found
    if name in ("histogram_quantile", "histogram_fraction"):
        found = certain_values(args[-1], selector) if args else {}
        found.pop("le", None)
        return found
    if name in _VALUE_KEEPING:
        vector = next((a for a in args if not is_scalar(a)), None)
        return certain_values(vector, selector) if vector is not None else {}
    return {}


def _binary_values(node: Any, selector: SelectorValues) -> dict[str, str]:
    op = op_of(node)
    lhs, rhs = node.lhs, node.rhs
    if op in ("and", "unless"):
        return certain_values(lhs, selector)  # the lhs series that pass
    if op == "or":
        left, right = certain_values(lhs, selector), certain_values(rhs, selector)
        return {k: v for k, v in left.items() if right.get(k) == v}
    left_scalar, right_scalar = is_scalar(lhs), is_scalar(rhs)
    if left_scalar and right_scalar:
        return {}
    if left_scalar:
        return certain_values(rhs, selector)
    if right_scalar:
        return certain_values(lhs, selector)
    mod = node.modifier
    if mod is None:
        return certain_values(lhs, selector)  # one-to-one on every label: the lhs metric
    fill = getattr(mod, "fill_values", None)
    if fill is not None and (fill.lhs is not None or fill.rhs is not None):
        return {}  # series of one side filled in for the other: either side's labels
    card = str(mod.card)
    extra = {str(x) for x in (mod.group_labels or [])}
    if card.endswith("ManyToOne"):
        return {k: v for k, v in certain_values(lhs, selector).items() if k not in extra}
    if card.endswith("OneToMany"):
        return {k: v for k, v in certain_values(rhs, selector).items() if k not in extra}
    found = certain_values(lhs, selector)
    matching = mod.matching
    if matching is None:
        return found
    names = {str(x) for x in matching.labels}
    if is_on(matching):
        return {k: v for k, v in found.items() if k in names}
    return {k: v for k, v in found.items() if k not in names}
