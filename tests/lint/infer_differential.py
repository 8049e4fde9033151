"""Label inference (:mod:`obs_as_code.lint.types`) and OAC220 against Prometheus'
own engine: random PromQL over a small fixed universe of series, each evaluated
by ``promtool test rules`` (one ``promql_expr_test`` per expression expecting
nothing, so that promtool prints what it got) and compared with

* the labels inference says the result series may carry (``VType.labels``, an
  upper bound; None is "unknown"): every label of every series Prometheus
  returns (``__name__`` aside) must be in it;
* OAC220's errors ("never matches", "is always empty", "never removes
  anything"): the binary operation it names must pair no series in Prometheus.

Run it outside the suite on many expressions::

    PYTHONPATH=. OAC_PURE_PYTHON=1 .venv/bin/python -m tests.lint.infer_differential 5000 [seed]
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from obs_as_code.diagnostics import Severity
from obs_as_code.lint.catalog import load_catalog
from obs_as_code.lint.engine import LintContext
from obs_as_code.lint.files import load_paths
from obs_as_code.lint.rules import oac220_vector_matching as oac220
from obs_as_code.lint.types import SCALAR, STRING, UNKNOWN, is_on, op_of, walk
from obs_as_code.load import Project

#: The catalog: what the universe's series expose (target labels come from the scrape).
CATALOG = """\
# TYPE http_requests_total counter
http_requests_total{code="200",method="GET"} 1
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{method="GET",le="0.1"} 1
http_request_duration_seconds_sum{method="GET"} 1
http_request_duration_seconds_count{method="GET"} 1
# TYPE mem_bytes gauge
mem_bytes{area="heap"} 1
# TYPE build_info gauge
build_info{version="1.0"} 1
# TYPE queue_length gauge
queue_length{queue="q1"} 1
"""

_TARGETS = [("api", "h1"), ("api", "h2"), ("web", "h3")]


def _series() -> list[tuple[str, str]]:
    """``(series, values)`` of the universe, every series with job and instance."""
    out: list[tuple[str, str]] = []
    for n, (job, instance) in enumerate(_TARGETS):
        t = f'job="{job}",instance="{instance}"'
        out.append((f"up{{{t}}}", "1x30"))
        for code, step in (("200", 10 + n), ("500", 1 + n)):
            out.append((f'http_requests_total{{{t},code="{code}",method="GET"}}', f"0+{step}x30"))
        for le, step in (("0.1", 3 + n), ("0.5", 7 + n), ("+Inf", 9 + n)):
            out.append((f'http_request_duration_seconds_bucket{{{t},method="GET",le="{le}"}}', f"0+{step}x30"))
        out.append((f'http_request_duration_seconds_sum{{{t},method="GET"}}', f"0+{n + 1}x30"))
        out.append((f'http_request_duration_seconds_count{{{t},method="GET"}}', f"0+{9 + n}x30"))
        for area, value in (("heap", 100 * (n + 1)), ("stack", 10)):
            out.append((f'mem_bytes{{{t},area="{area}"}}', f"{value}+{n}x30"))
        out.append((f'build_info{{{t},version="1.{n % 2}"}}', "1x30"))
        out.append((f'queue_length{{{t},queue="q{n % 2}"}}', f"{n}+1x30"))
    return out


#: Recording rules of the universe, which expressions select like any series.
RECORDING = [
    ("job:http_requests:rate5m", "sum by (job) (rate(http_requests_total[5m]))"),
    ("job_code:http_requests:rate5m", "sum by (job, code) (rate(http_requests_total[5m]))"),
    ("instance:mem_bytes:sum", "sum without (area) (mem_bytes)"),
    ("code:http_requests:ratio", "sum by (code) (rate(http_requests_total[5m])) / ignoring (code) group_left sum(rate(http_requests_total[5m]))"),
]

_METRICS = [
    "http_requests_total", "http_request_duration_seconds_bucket", "http_request_duration_seconds_sum",
    "http_request_duration_seconds_count", "mem_bytes", "build_info", "queue_length", "up",
] + [name for name, _ in RECORDING]  # fmt: skip
_LABELS = ["job", "instance", "code", "method", "le", "area", "version", "queue", "nope"]
_MATCHERS = ['job="api"', 'code="500"', 'version!=""', 'queue=~"q.*"', 'nope="x"', 'code=~"5.."', 'instance!="h1"', 'area="heap"', 'le="+Inf"', 'nope=""', 'job=~"api|web"']


class Gen:
    """Random, well-typed PromQL over the universe."""

    def __init__(self, rnd: random.Random):
        self.r = rnd

    def labels(self, most: int = 3) -> str:
        return ", ".join(self.r.sample(_LABELS, self.r.randint(0, most)))

    def selector(self) -> str:
        r = self.r
        name = r.choice(_METRICS)
        c = r.random()
        if c < 0.05:
            out = f'{{__name__="{name}"}}'
        elif c < 0.08:
            out = f'{{{r.choice(_MATCHERS)}}}'
        elif c < 0.45:
            out = f"{name}{{{r.choice(_MATCHERS)}}}"
        else:
            out = name
        c = r.random()
        if c < 0.05:
            return out + " offset 1m"
        if c < 0.08:
            return out + " @ 300"
        return out

    def range_(self, d: int) -> str:
        if d > 0 and self.r.random() < 0.25:
            return f"{self.vector(d - 1)}[5m:1m]"
        return f"{self.selector()}[5m]"

    def scalar(self, d: int) -> str:
        c = self.r.random()
        if d > 0 and c < 0.2:
            return f"scalar({self.vector(d - 1)})"
        if c < 0.3:
            return self.r.choice(["time()", "pi()"])
        if d > 0 and c < 0.45:
            op = self.r.choice(["+", "*", "/", "> bool", "== bool", "<= bool"])
            return f"({self.scalar(d - 1)} {op} {self.scalar(d - 1)})"
        if d > 0 and c < 0.5:
            return f"-{self.scalar(d - 1)}"
        return self.r.choice(["0", "1", "2", "100", "0.5"])

    def modifier(self, op: str) -> str:
        c = self.r.random()
        if c < 0.35:
            return ""
        kind = self.r.choice(["on", "ignoring"])
        out = f" {kind} ({self.labels()})"
        if op not in ("and", "or", "unless") and self.r.random() < 0.4:
            out += f" {self.r.choice(['group_left', 'group_right'])}"
            if self.r.random() < 0.6:
                out += f" ({self.labels(2)})"
        return out

    def vector(self, d: int) -> str:
        r = self.r
        if d <= 0:
            return self.selector()
        c = r.randrange(16)

        def v() -> str:
            return self.vector(d - 1)

        if c == 0:
            return self.selector()
        if c == 1:
            op = r.choice(["sum", "min", "max", "avg", "count", "group", "stddev"])
            return self._agg(op, "", v())
        if c == 2:
            op, param = r.choice([("topk", "1, "), ("bottomk", "2, "), ("quantile", "0.5, "), ("count_values", f'"{r.choice(["cv", "job", "code"])}", ')])
            return self._agg(op, param, v())
        if c == 3:
            f = r.choice(["abs", "ceil", "sort", "sort_desc", "timestamp", "sgn", "exp", "ln", "hour", "minute", "day_of_week", "round", "floor", "sqrt", "days_in_month", "year"])
            return f"{f}({v() if r.random() < 0.85 else ''})" if f in ("hour", "minute", "day_of_week", "days_in_month", "year") else f"{f}({v()})"
        if c == 4:
            return f"clamp_min({v()}, {self.scalar(d - 1)})"
        if c == 5:
            f = r.choice(["rate", "irate", "increase", "delta", "deriv", "max_over_time", "count_over_time", "changes", "resets", "last_over_time", "avg_over_time", "absent_over_time", "present_over_time"])
            return f"{f}({self.range_(d)})"
        if c == 6:
            f = r.choice(["predict_linear({}, 60)", "quantile_over_time(0.5, {})"])
            return f.format(self.range_(d))
        if c == 7:
            inner = r.choice([v(), f"sum by ({r.choice(['le', 'le, job', 'job', 'le, instance, code'])}) (rate(http_request_duration_seconds_bucket[5m]))"])
            return f"histogram_quantile(0.9, {inner})"
        if c == 8:
            dst = r.choice([*_LABELS, "new", "__name__"])
            src = r.choice(_LABELS)
            regex, rep = r.choice([("(.*)", "$1"), ("(.+)", "x$1"), ("nomatch", "z"), (".*", ""), ("(.*)", "")])
            return f'label_replace({v()}, "{dst}", "{rep}", "{src}", "{regex}")'
        if c == 9:
            dst = r.choice([*_LABELS, "new"])
            srcs = ", ".join(f'"{s}"' for s in r.sample(_LABELS, r.randint(0, 2)))
            return f'label_join({v()}, "{dst}", "-"{", " + srcs if srcs else ""})'
        if c == 10:
            return f"vector({self.scalar(d - 1)})"
        if c == 11:
            return f"absent({v()})"
        if c in (12, 13):
            op = r.choice(["+", "-", "*", "/", ">", "<", "==", "!=", "> bool", "== bool", "and", "or", "unless"])
            return f"({v()} {op}{self.modifier(op.split()[0])} {v()})"
        if c == 14:
            op = r.choice(["+", "*", "/", ">", "<=", "> bool"])
            if r.random() < 0.5:
                return f"({v()} {op} {self.scalar(d - 1)})"
            return f"({self.scalar(d - 1)} {op} {v()})"
        return f"-{v()}" if r.random() < 0.5 else f"({v()})"

    def _agg(self, op: str, param: str, inner: str) -> str:
        c = self.r.random()
        if c < 0.2:
            return f"{op}({param}{inner})"
        word = "by" if c < 0.6 else "without"
        return f"{op} {word} ({self.labels()}) ({param}{inner})"


@dataclass
class Tally:
    exprs: int = 0
    errors: int = 0  # Prometheus refused or failed the expression
    unknown: int = 0  # inference says nothing of the labels
    empty: int = 0
    checked: int = 0  # non-empty results whose labels were compared
    label_bugs: list[tuple[str, list[str], list[str]]] = field(default_factory=list)
    oac220_errors: int = 0
    oac220_bugs: list[tuple[str, str]] = field(default_factory=list)
    kinds: int = 0  # sub-expressions whose kind (scalar or instant vector) was compared
    kind_bugs: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.exprs} expressions: {self.errors} Prometheus errors, {self.empty} empty results, "
            f"{self.unknown} with labels unknown to inference, {self.checked} compared, "
            f"{len(self.label_bugs)} label contradictions; {self.oac220_errors} OAC220 errors checked, "
            f"{len(self.oac220_bugs)} contradicted; {self.kinds} sub-expression kinds compared, "
            f"{len(self.kind_bugs)} contradicted"
        )


_GOT_SERIES = re.compile(r"\{([^{}]*)\}")
_LABEL = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"')


def evaluate(promtool: str, exprs: list[str], workdir: Path) -> dict[str, list[dict[str, str]] | str]:
    """What Prometheus returns for each expression at 10m: the label sets of its
    series (``[]`` when empty) or its error text."""
    (workdir / "rules.yaml").write_text(
        "groups:\n- name: rec\n  rules:\n" + "".join(f"  - record: {n}\n    expr: {json.dumps(e)}\n" for n, e in RECORDING),
        encoding="utf-8",
    )
    series = "".join(f"      - series: {json.dumps(s)}\n        values: {json.dumps(v)}\n" for s, v in _series())
    cases = "".join(f"      - expr: {json.dumps(e)}\n        eval_time: 10m\n        exp_samples: []\n" for e in exprs)
    test = workdir / "test.yaml"
    test.write_text(
        f"rule_files: [rules.yaml]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n{series}    promql_expr_test:\n{cases}",
        encoding="utf-8",
    )
    run = subprocess.run([promtool, "test", "rules", str(test)], capture_output=True, text=True, cwd=workdir, check=False)
    out: dict[str, list[dict[str, str]] | str] = {e: [] for e in exprs}
    current: str | None = None
    for line in (run.stdout + run.stderr).splitlines():
        line = line.strip()
        if line.startswith('expr: "'):
            end = line.rindex('", time: ')
            current = json.loads(line[len("expr: "):end + 1])
            if ", err: " in line[end:]:
                out[current] = line[end:].split(", err: ", 1)[1]
        elif line.startswith("got: ") and current is not None:
            out[current] = [dict((k, v) for k, v in _LABEL.findall(m)) for m in _GOT_SERIES.findall(line[5:])]
    if run.returncode != 0 and not any(out.values()):
        raise RuntimeError(run.stdout + run.stderr)
    return out


def context(workdir: Path) -> LintContext:
    """A lint context with the universe's catalog and recording rules."""
    (workdir / "catalog.prom").write_text(CATALOG, encoding="utf-8")
    rules = workdir / "lint.yaml"
    rules.write_text(
        "groups:\n- name: rec\n  rules:\n" + "".join(f"  - record: {n}\n    expr: {json.dumps(e)}\n" for n, e in RECORDING),
        encoding="utf-8",
    )
    proj = Project(root=workdir)
    groups, sites, _boards, _diags = load_paths([rules], workdir)
    proj.definitions.extend(groups)
    return LintContext(proj, catalog=load_catalog(workdir / "catalog.prom"), sites=sites)


def _and_of(node: Any) -> str:
    """``node`` (a binary operation) as the ``and`` of its two sides with its
    matching: empty exactly when no series pair up."""
    mod = node.modifier
    text = ""
    matching = getattr(mod, "matching", None) if mod is not None else None
    if matching is not None:
        word = "on" if is_on(matching) else "ignoring"
        text = f" {word} ({', '.join(str(x) for x in matching.labels)})"
    return f"({node.lhs}) and{text} ({node.rhs})"


def audit(exprs: list[str], promtool: str, log: Callable[[str], None] | None = None) -> Tally:
    """Inference and OAC220 on ``exprs`` against promtool (three promtool runs)."""
    tally = Tally()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        ctx = context(workdir)
        inferred: dict[str, frozenset[str] | None] = {}
        pairs: dict[str, str] = {}  # OAC220 error -> the expression it was found in
        kinds: dict[str, bool] = {}  # vector(sub-expression) -> whether sub is inferred a scalar
        for e in exprs:
            ast, problem = ctx.tree(e)
            if problem is not None:
                continue
            inferred[e] = ctx.type_of(ast).labels
            for sub in walk(ast):
                t = ctx.type_of(sub)
                if t.kind not in (STRING, UNKNOWN) and not t.matrix:  # unknown: no claim
                    kinds.setdefault(f"vector({sub})", t.kind == SCALAR)
            for hit in oac220.find(ctx, ast):
                if hit.severity is Severity.ERROR:
                    # "never matches" / "is always empty": the operation itself is
                    # empty; "never removes anything": its and is.
                    pairs.setdefault(_and_of(hit.node) if op_of(hit.node) == "unless" else str(hit.node), e)
        got = evaluate(promtool, list(inferred), workdir)
        for e, labels in inferred.items():
            tally.exprs += 1
            result = got[e]
            if isinstance(result, str):
                tally.errors += 1
            elif not result:
                tally.empty += 1
            elif labels is None:
                tally.unknown += 1
            else:
                tally.checked += 1
                seen = sorted({k for s in result for k in s} - {"__name__"})
                if not set(seen) <= labels:
                    tally.label_bugs.append((e, sorted(labels), seen))
                    if log:
                        log(f"LABELS {e}\n  inferred {sorted(labels)}\n  got {result[:3]}")
        if pairs:
            paired = evaluate(promtool, list(pairs), workdir)
            for sub, e in pairs.items():
                tally.oac220_errors += 1
                result = paired[sub]
                if isinstance(result, list) and result:
                    tally.oac220_bugs.append((e, sub))
                    if log:
                        log(f"OAC220 {e}\n  pairs: {sub}\n  got {result[:3]}")
        said = evaluate(promtool, list(kinds), workdir)
        for text, scalar in kinds.items():
            result = said[text]
            if isinstance(result, str) and "parse error" in result and "expected type scalar" not in result:
                continue  # the parser's text of the sub-expression, not a type
            tally.kinds += 1
            vector = isinstance(result, str) and "expected type scalar" in result
            if vector == scalar:
                tally.kind_bugs.append((text, "scalar" if scalar else "vector"))
                if log:
                    log(f"KIND {text}: inferred {'scalar' if scalar else 'instant vector'}; promtool: {result if isinstance(result, str) else 'evaluated'}")
    return tally


def generate(n: int, seed: int, depth: int = 3) -> list[str]:
    gen = Gen(random.Random(seed))
    seen: dict[str, None] = {}
    while len(seen) < n:
        seen.setdefault(gen.vector(gen.r.randint(1, depth)), None)
    return list(seen)


def main(argv: list[str]) -> int:
    n = int(argv[1]) if len(argv) > 1 else 2000
    seed = int(argv[2]) if len(argv) > 2 else 1
    tally = audit(generate(n, seed), "promtool", log=print)
    print(tally.summary())
    return 1 if tally.label_bugs or tally.oac220_bugs or tally.kind_bugs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
