"""PromQL expressions for differential tests of ``oac lint`` against ``promtool
check rules`` (Prometheus 2.42): random expressions (seeded: deterministic)
made of what the grammars of 2.42 and later releases differ on or might:
functions of every release with right and wrong argument types and counts,
aggregations with and without parameters, offsets and ``@``, subqueries,
durations, number literals, string escapes and raw strings, quoted label names,
``bool``, vector matching with ``group_left``, comments and non-ASCII text.
"""

from __future__ import annotations

import json
import random
import re

#: Functions of Prometheus 2.42 and of later releases, with the argument kinds
#: of their usual call (v vector, m matrix, s scalar, S string).
FUNCTIONS: dict[str, str] = {
    "abs": "v", "absent": "v", "absent_over_time": "m", "ceil": "v", "changes": "m", "clamp": "vss", "clamp_max": "vs",
    "clamp_min": "vs", "cos": "v", "count_over_time": "m", "day_of_month": "v", "days_in_month": "", "delta": "m",
    "deriv": "m", "exp": "v", "floor": "v", "histogram_count": "v", "histogram_sum": "v", "histogram_fraction": "ssv",
    "histogram_quantile": "sv", "holt_winters": "mss", "hour": "", "idelta": "m", "increase": "m", "irate": "m",
    "label_replace": "vSSSS", "label_join": "vSSS", "last_over_time": "m", "ln": "v", "minute": "v", "pi": "",
    "predict_linear": "ms", "present_over_time": "m", "quantile_over_time": "sm", "rate": "m", "resets": "m",
    "round": "vs", "scalar": "v", "sgn": "v", "sort": "v", "sort_desc": "v", "sqrt": "v", "stddev_over_time": "m",
    "sum_over_time": "m", "time": "", "timestamp": "v", "vector": "s", "year": "v", "deg": "v", "rad": "v",
    # later releases
    "double_exponential_smoothing": "mss", "sort_by_label": "vS", "sort_by_label_desc": "vSS", "info": "v",
    "mad_over_time": "m", "histogram_avg": "v", "histogram_stddev": "v", "histogram_stdvar": "v",
    "first_over_time": "m", "ts_of_max_over_time": "m", "ts_of_min_over_time": "m", "ts_of_last_over_time": "m",
    "ts_of_first_over_time": "m", "start": "", "end": "", "range": "", "step": "", "max_of": "ss", "min_of": "ss",
    "start_timestamp": "v", "histogram_quantiles": "vSs", "nosuchfunc": "v",
}  # fmt: skip
AGGREGATIONS = ["sum", "avg", "count", "min", "max", "stddev", "stdvar", "group", "topk", "bottomk", "quantile", "count_values", "limitk", "limit_ratio"]
PARAMS = {"topk": "s", "bottomk": "s", "quantile": "s", "count_values": "S", "limitk": "s", "limit_ratio": "s"}
METRICS = ["up", "x", "http_requests_total", "a:b:c", "node_load1", "on", "by", "bool", "inf", "nan", "offset", "sum", "rate", "start", "atan2", "Inf", "é", "_x"]
LABELS = ["job", "a", "instance", "le", "__name__", "_x", "bool", "on", "by", "offset", "A1", "é", "sum"]
QUOTED_LABELS = ['"a.b"', '"job"', "'job'", "`job`", '"é"', '"a b"', '""']
VALUES = ['"api"', "'api'", "`api`", '""', '"a\\"b"', '"a\\nb"', '"\\x41"', '"\\u00e9"', '"\\U0001F600"', '"\\101"', '"\\q"', "'\\\"'", '"\\\'"',
          '"é"', "`a\\.b`", "`\\d+`", "`a\\nb`", '"a\\\\.b"', '"\\\\Qa.b\\\\E"', "`\\Qa.b\\E`", '"\\Qa.b\\E"', '"\\\\d+"', '"\\a\\b\\f\\v\\t\\r"',
          '"\\xZZ"', '"\\400"', '"\\uD800"', '"(a|b)"', '"(?i)a"', '"(?P<n>a)"', '"(?<n>a)"', '"a{2,3}"', '"[[:alpha:]]"', '"\\\\pL"', '".*"', '".+"', '"("',
          '"\\\\z"', '"\\\\C"', '"a**"', '"\\\\Q"', "`\\E`", "`\\\\Qa\\\\E`"]  # fmt: skip
OPS = ["=", "!=", "=~", "!~"]
DURATIONS = ["5m", "1m1s", "1y", "0s", "1h30m", "30m1h", "1w2d", "5ms", "1d1h", "5", "1.5m", "0", "100d", "1e3s", "5M", "1Y", "1mm", "5m5m", "$x", "1h0m", "2d3h4m5s6ms", "0x10s", "-5m", "+5m"]
NUMBERS = ["1", "0.5", ".5", "5.", "1e3", "1E-3", "0x1F", "0X1f", "0x", "Inf", "-Inf", "+Inf", "NaN", "nan", "inf", "iNf", "1_000", "08", "0777", "1e400",
           "1e-400", "0.0", "-1", "+1", "5m", "1e", "0b101", "0o17", "1.5e3.2", "1p3", "0x1p3", "00", "9223372036854775808", "Infinity"]  # fmt: skip
BINOPS = ["+", "-", "*", "/", "%", "^", "==", "!=", ">", "<", ">=", "<=", "and", "or", "unless", "atan2"]
COMPARISONS = {"==", "!=", ">", "<", ">=", "<="}
SETS = {"and", "or", "unless"}


#: What a tame expression draws from instead (mostly what 2.42 takes).
TAME: dict[int, list[str]] = {
    id(VALUES): ['"api"', "'api'", "`api`", '""', '"a\\"b"', '"\\u00e9"', "`a\\.b`", '"a\\\\.b"', '"\\\\Qa.b\\\\E"', "`\\Qa.b\\E`", '".*"', '"(a|b)"'],
    id(DURATIONS): ["5m", "1m1s", "1y", "0s", "1h30m", "1w2d", "5ms", "1d1h", "100d", "1h0m"],
    id(NUMBERS): ["1", "0.5", ".5", "1e3", "0x1F", "Inf", "-Inf", "NaN", "nan", "0.0", "-1", "08", "1e-400"],
    id(METRICS): ["up", "x", "http_requests_total", "a:b:c", "node_load1", "offset", "sum", "rate", "Inf", "_x"],
    id(LABELS): ["job", "a", "instance", "le", "_x", "bool", "on", "by", "offset", "A1"],
}


class Gen:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        #: A tame expression draws from :data:`TAME` and calls functions with
        #: their usual arguments; a wild one (half of them) draws from everything.
        self.tame = self.rng.random() < 0.5

    def pick(self, items: list[str]) -> str:
        if self.tame:
            items = TAME.get(id(items), items)
        return self.rng.choice(items)

    def label(self) -> str:
        return self.pick(QUOTED_LABELS) if self.rng.random() < (0.01 if self.tame else 0.1) else self.pick(LABELS)

    def selector(self) -> str:
        r = self.rng.random()
        matchers = [f"{self.label()}{self.pick(OPS)}{self.pick(VALUES)}" for _ in range(self.rng.choice([0, 0, 1, 1, 2]))]
        if r < (0.01 if self.tame else 0.08):
            matchers.insert(0, self.pick(['"a.b"', '"up"', "'x'", '"é"']))  # 3.x: a quoted metric name in braces
        inner = ", ".join(matchers) if self.rng.random() < 0.5 else ",".join(matchers)
        if self.rng.random() < 0.05 and matchers:
            inner += ","
        name = self.pick(METRICS) if r >= 0.08 or self.rng.random() < 0.5 else ""
        if not name and not matchers:
            return "{}" if self.rng.random() < 0.3 else "up"
        if not matchers and self.rng.random() < 0.7:
            return name
        return f"{name}{{{inner}}}"

    def modifiers(self, text: str) -> str:
        r = self.rng.random()
        if r < 0.1:
            text += f" offset {self.pick(DURATIONS)}"
        elif r < 0.17:
            text += f" @ {self.pick(['100', '1.5', '-1', 'start()', 'end()', '1e3', 'Inf', '0x10', '5m', 'time()', '(100)', 'start', 'end( )'])}"
        elif r < 0.2:
            text += f" @ 100 offset {self.pick(DURATIONS)}" if self.rng.random() < 0.5 else f" offset 5m @ {self.pick(['100', 'end()'])}"
        return text

    def matrix(self, depth: int) -> str:
        if depth > 0 and self.rng.random() < 0.2:
            step = self.pick(["", "1m", "30s", "0s", "1y", "5"])
            return self.modifiers(f"{self.paren(self.vector(depth - 1))}[{self.pick(DURATIONS)}:{step}]")
        return self.modifiers(f"{self.selector()}[{self.pick(DURATIONS)}]")

    def paren(self, text: str) -> str:
        return f"({text})" if any(c in text for c in " +-*/%^<>=!") else text

    def scalar(self, depth: int) -> str:
        r = self.rng.random()
        if depth > 0 and r < 0.15:
            return f"scalar({self.vector(depth - 1)})"
        if r < 0.25:
            return self.pick(["time()", "pi()", "(1)", "-1", "1 + 1", "1 > bool 0"])
        return self.pick(NUMBERS)

    def string(self) -> str:
        return self.pick([*VALUES, '"a"', '"le"', '"$1"', '"(.*)"', '"job"'])

    def arg(self, kind: str, depth: int) -> str:
        if self.rng.random() < (0.02 if self.tame else 0.1):  # a wrong kind
            kind = self.pick(["v", "m", "s", "S"])
        if kind == "v":
            return self.vector(depth - 1)
        if kind == "m":
            return self.matrix(depth - 1)
        if kind == "s":
            return self.scalar(depth - 1)
        return self.string()

    def call(self, depth: int) -> str:
        names = list(FUNCTIONS)
        name = self.rng.choice(names[: names.index("double_exponential_smoothing")] if self.tame and self.rng.random() < 0.9 else names)
        kinds = FUNCTIONS[name]
        r = self.rng.random() + (0.15 if self.tame else 0)
        if r < 0.08:
            kinds = kinds[:-1]
        elif r < 0.16:
            kinds = kinds + self.pick(["v", "s", "S"])
        elif r < 0.2 and name in ("label_join", "sort_by_label", "sort_by_label_desc", "round", "hour", "year", "info"):
            kinds = kinds + "SS"
        args = ", ".join(self.arg(k, depth) for k in kinds)
        space = " " if self.rng.random() < 0.05 else ""
        return f"{name}{space}({args})"

    def grouping(self) -> str:
        labels = ", ".join(self.label() for _ in range(self.rng.choice([0, 1, 1, 2])))
        if self.rng.random() < 0.05:
            labels += ","
        return f"{self.pick(['by', 'without', 'BY', 'By'])} ({labels})"

    def aggregation(self, depth: int) -> str:
        op = self.pick(AGGREGATIONS)
        param = PARAMS.get(op)
        r = self.rng.random()
        args = self.vector(depth - 1)
        if (param and r > 0.1) or (not param and r < 0.05):
            args = f"{self.arg(param or 's', depth)}, {args}"
        place = self.rng.random()
        group = self.grouping() if place < 0.6 else ""
        if place < 0.3:
            return f"{op} {group} ({args})"
        return f"{op}({args}) {group}".rstrip()

    def binary(self, depth: int) -> str:
        op = self.pick(BINOPS)
        left, right = self.vector(depth - 1), self.vector(depth - 1) if self.rng.random() < 0.7 else self.scalar(depth - 1)
        if self.rng.random() < 0.2:
            left = self.scalar(depth - 1)
        modifier = ""
        if op in COMPARISONS and self.rng.random() < 0.3:
            modifier += " bool"
        r = self.rng.random()
        if r < 0.3:
            modifier += f" {self.pick(['on', 'ignoring'])}({', '.join(self.label() for _ in range(self.rng.choice([0, 1, 2])))})"
            if self.rng.random() < 0.4:
                modifier += f" {self.pick(['group_left', 'group_right'])}"
                if self.rng.random() < 0.6:
                    modifier += f"({self.label()})"
        elif r < 0.35:
            modifier += f" {self.pick(['group_left', 'group_right'])}"
        return f"{self.paren(left)} {op}{modifier} {self.paren(right)}"

    def vector(self, depth: int) -> str:
        r = self.rng.random()
        if depth <= 0 or r < 0.25:
            return self.modifiers(self.selector())
        if r < 0.5:
            return self.call(depth)
        if r < 0.65:
            return self.aggregation(depth)
        if r < 0.85:
            return self.binary(depth)
        if r < 0.9:
            return f"{self.pick(['-', '+', '- -'])}{self.paren(self.vector(depth - 1))}"
        return f"({self.vector(depth - 1)})"


def expression(seed: int) -> str:
    """The expression of ``seed``."""
    g = Gen(seed)
    r = g.rng.random()
    text = g.vector(g.rng.choice([1, 2, 2, 3])) if r < 0.85 else g.scalar(1) if r < 0.93 else g.matrix(1) if r < 0.97 else g.string()
    r = g.rng.random()
    if r < 0.04:
        text = f"{text} # a comment"
    elif r < 0.06:
        text = f"# c\n{text}"
    elif r < 0.07:
        text = f"{text}\n"
    elif r < 0.08:
        text = f"\t{text}"
    return text


def rule_file(expr: str) -> str:
    """A rule file with one recording rule of ``expr`` (a YAML double-quoted scalar)."""
    return f"groups:\n  - name: g\n    rules:\n      - record: a:b\n        expr: {json.dumps(expr, ensure_ascii=False)}\n"


#: What :func:`invalid_expression` inserts: items of every kind Prometheus's
#: lexer makes, and characters it refuses.
INSERTS = ["(", ")", "[", "]", "{", "}", ",", ":", "=", "==", "=~", "!", "!=", "~", "+", "-", "*", "/", ">>", "^", "@", "#c\n",
           "\n", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "sum", "topk", "x", "a:b",
           "5m", "1", "0x", "1e", '"s"', "'s", "`r", "$", "é", "and", "atan2", "start", "end", "rate", "nosuch", "[5m]",
           "[5m:]", "(x)", "{a=\"b\"}", "\\"]  # fmt: skip
_PIECE = re.compile(r"\s+|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|`[^`]*`|[a-zA-Z_:][a-zA-Z0-9_:]*|[0-9.][0-9a-zA-Z.]*|[=!<>]=|=~|!~|.", re.DOTALL)


def invalid_expression(seed: int) -> str:
    """:func:`expression` of ``seed`` with one or two pieces deleted, doubled,
    swapped, inserted or the text cut short: mostly what Prometheus cannot
    parse, for the comparison of where and what it reports."""
    rng = random.Random(-seed - 1)
    pieces = _PIECE.findall(expression(seed))
    for _ in range(1 if rng.random() < 0.8 else 2):
        i = rng.randrange(len(pieces) + 1)
        r = rng.random()
        if r < 0.25 and i < len(pieces):
            del pieces[i]
        elif r < 0.35 and i < len(pieces):
            pieces.insert(i, pieces[i])
        elif r < 0.45 and i + 1 < len(pieces):
            pieces[i], pieces[i + 1] = pieces[i + 1], pieces[i]
        elif r < 0.55:
            pieces = pieces[:i]
        else:
            pieces.insert(i, rng.choice(INSERTS) + rng.choice(["", " "]))
    return "".join(pieces)
