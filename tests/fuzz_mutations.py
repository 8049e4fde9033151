"""A mutation fuzzer of user modules: small valid modules of every kind, each
mutated one argument at a time, built with ``oac`` and held to the promise of
the README's "Errors" section.

The promise, for any mutant:

* no Python traceback, no exception escaping the command;
* exit code 0 or 1;
* on exit 1, every error line ``path:LINE:COL: CODE message`` names a user's
  file (never a file inside ``obs_as_code/``), and ``build/`` is byte-for-byte
  as it was.

Used by ``tests/cli/test_mutation_fuzz.py`` (a sample of the mutants) and run as
a script for the whole table: ``python -m tests.fuzz_mutations [-j N]``.
"""

from __future__ import annotations

import ast
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from obs_as_code.cli import cli

#: name -> (path in the project, source). Each builds cleanly as it is.
BASES: dict[str, tuple[str, str]] = {
    "alert": (
        "alerts/a.py",
        'from obs_as_code import AlertRule, RuleGroup\n'
        'g = RuleGroup(\n'
        '    name="g",\n'
        '    interval="30s",\n'
        '    labels={"team": "api"},\n'
        '    rules=[\n'
        '        AlertRule(\n'
        '            name="Down",\n'
        '            expr="up == 0",\n'
        '            for_="5m",\n'
        '            keep_firing_for="1m",\n'
        '            labels={"severity": "critical"},\n'
        '            annotations={"summary": "down", "runbook_url": "https://x/r"},\n'
        '        ),\n'
        '    ],\n'
        ')\n',
    ),
    "recording": (
        "alerts/r.py",
        'from obs_as_code import RecordingRule, RuleGroup\n'
        'g = RuleGroup(\n'
        '    name="rec",\n'
        '    limit=10,\n'
        '    rules=[RecordingRule(name="job:up:sum", expr="sum by (job) (up)", labels={"k": "v"})],\n'
        ')\n',
    ),
    "slo_ratio": (
        "slos/s.py",
        'from obs_as_code.slo import SLO, Alerting, AlertOptions, RatioSLI, RuleIntervals\n'
        's = SLO(\n'
        '    service="api",\n'
        '    name="availability",\n'
        '    objective=99.9,\n'
        '    period="30d",\n'
        '    description="d",\n'
        '    labels={"team": "api"},\n'
        '    sli=RatioSLI(errors=\'http_requests_total{code=~"5.."}\', total="http_requests_total"),\n'
        '    alerting=Alerting(name="ApiBurn", labels={"a": "b"}, annotations={"summary": "s"},\n'
        '                      page=AlertOptions(labels={"p": "1"}), ticket=AlertOptions(disable=False)),\n'
        '    intervals=RuleIntervals(default="30s", sli="1m"),\n'
        ')\n',
    ),
    "slo_latency": (
        "slos/l.py",
        'from obs_as_code.slo import SLO, LatencySLI, RawSLI\n'
        'l = SLO(service="api", name="latency", objective=95, period="7d",\n'
        '        sli=LatencySLI(metric="http_request_duration_seconds", threshold=0.5, selector=\'job="api"\'))\n'
        'r = SLO(service="api", name="raw", objective=99.0,\n'
        '        sli=RawSLI(error_ratio_query="sum(rate(errs_total[{window}])) / sum(rate(reqs_total[{window}]))"))\n',
    ),
    "kit": (
        "dashboards/k.py",
        'from obs_as_code.dashboards import kit as k\n'
        'board = k.dashboard(\n'
        '    "Kit board",\n'
        '    [\n'
        '        k.row("Row", [\n'
        '            k.timeseries("Rate", k.prom(k.rate("http_requests_total", \'code="500"\', by=["job"]), "{{job}}"),\n'
        '                         unit=k.OPS, width=12, min=0),\n'
        '            k.stat("Up", k.prom("min(up)"), unit=k.NONE, thresholds=k.thresholds((None, "red"), (1, "green"))),\n'
        '        ]),\n'
        '        k.gauge("Ratio", k.prom(k.ratio("sum(rate(a_total[5m]))", "sum(rate(b_total[5m]))")), unit=k.PERCENTUNIT),\n'
        '        k.text("Notes", "hello", height=3),\n'
        '    ],\n'
        '    description="desc",\n'
        '    tags=["t"],\n'
        '    variables=[k.datasource_var(), k.query_var("job", "label_values(up, job)", multi=True, include_all=True),\n'
        '               k.custom_var("env", ["prod", "dev"]), k.interval_var()],\n'
        '    annotations=[k.alerts_annotation(), k.deploys_annotation()],\n'
        '    links=[k.link_dashboards("t"), k.link_url("Docs", "https://x")],\n'
        '    refresh="1m",\n'
        '    time_from="now-6h",\n'
        ')\n',
    ),
    "dict_dashboard": (
        "dashboards/d.py",
        'board = {\n'
        '    "title": "Dict board",\n'
        '    "uid": "dict-board",\n'
        '    "schemaVersion": 41,\n'
        '    "tags": ["x"],\n'
        '    "panels": [\n'
        '        {"id": 1, "type": "timeseries", "title": "P", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},\n'
        '         "datasource": {"type": "prometheus", "uid": "prom"},\n'
        '         "targets": [{"refId": "A", "expr": "sum(rate(http_requests_total[5m]))"}]},\n'
        '    ],\n'
        '}\n',
    ),
    "grafanalib": (
        "dashboards/g.py",
        'import grafanalib.core as gl\n'
        'board = gl.Dashboard(\n'
        '    title="GL board",\n'
        '    uid="gl-board",\n'
        '    panels=[\n'
        '        gl.TimeSeries(title="Up", dataSource="prom", targets=[gl.Target(expr="sum(up)", refId="A")],\n'
        '                      gridPos=gl.GridPos(h=8, w=12, x=0, y=0)),\n'
        '    ],\n'
        ').auto_panel_ids()\n',
    ),
    "dashboard_def": (
        "dashboards/dd.py",
        'from obs_as_code import DashboardDef\n'
        'board = DashboardDef(source={"title": "Def board", "schemaVersion": 41, "panels": []}, uid="def-board", folder="Team")\n',
    ),
    "scrape": (
        "scrape/p.py",
        'from obs_as_code import AlertmanagerTarget, Authorization, BasicAuth, PrometheusConfig, RelabelConfig, ScrapeJob, StaticConfig, TLSConfig\n'
        'config = PrometheusConfig(\n'
        '    scrape_interval="15s",\n'
        '    evaluation_interval="15s",\n'
        '    scrape_timeout="10s",\n'
        '    external_labels={"cluster": "prod"},\n'
        '    alertmanagers=[AlertmanagerTarget(targets=["am:9093"], timeout="10s", tls_config=TLSConfig(ca_file="/ca"))],\n'
        '    rule_files=["extra/*.yml"],\n'
        ')\n'
        'api = ScrapeJob(\n'
        '    name="api",\n'
        '    targets=["api:3000"],\n'
        '    static_configs=[StaticConfig(targets=["api2:3000"], labels={"zone": "a"})],\n'
        '    labels={"service": "api"},\n'
        '    metrics_path="/metrics",\n'
        '    scheme="https",\n'
        '    params={"module": ["http_2xx"]},\n'
        '    scrape_interval="30s",\n'
        '    scrape_timeout="10s",\n'
        '    honor_labels=True,\n'
        '    sample_limit=1000,\n'
        '    relabel_configs=[RelabelConfig(source_labels=["__address__"], target_label="instance", regex="(.*)", replacement="$1", action="replace")],\n'
        '    metric_relabel_configs=[RelabelConfig(source_labels=["__name__"], regex="go_.*", action="drop")],\n'
        '    basic_auth=BasicAuth(username="u", password_file="/secret"),\n'
        '    tls_config=TLSConfig(ca_file="/ca", insecure_skip_verify=False),\n'
        '    extra={"proxy_url": "http://proxy:3128"},\n'
        ')\n'
        'web = ScrapeJob(name="web", targets=["web:80"], authorization=Authorization(credentials_file="/tok"))\n',
    ),
    "routing": (
        "alerts/routing.py",
        'from obs_as_code import (AlertmanagerConfig, Email, Global, InhibitRule, Matcher, PagerDuty, Receiver, Route,\n'
        '                         RoutingTest, Slack, Template, TimeInterval, TimeRange, Webhook)\n'
        'maint = TimeInterval(name="maint", ranges=[TimeRange(weekdays=["sunday"], times=[("02:00", "04:00")], time_zone="UTC")])\n'
        'config = AlertmanagerConfig(\n'
        '    route=Route(\n'
        '        receiver="default",\n'
        '        group_by=["alertname"],\n'
        '        group_wait="30s",\n'
        '        group_interval="5m",\n'
        '        repeat_interval="4h",\n'
        '        routes=[\n'
        '            Route(receiver=Receiver(name="pager", integrations=[PagerDuty(routing_key_file="/k", severity="critical")]),\n'
        '                  matchers=[\'severity="critical"\'], continue_=True),\n'
        '            Route(receiver="slack", matchers=[Matcher("severity", "warning")], mute_time_intervals=[maint]),\n'
        '        ],\n'
        '    ),\n'
        '    receivers=[\n'
        '        Receiver(name="default"),\n'
        '        Receiver(name="slack", integrations=[Slack(channel="#a", api_url_file="/s", send_resolved=True)]),\n'
        '        Receiver(name="mail", integrations=[Email(to="a@example.com", smarthost="smtp:25", auth_password_file="/p"),\n'
        '                                           Webhook(url="https://hooks.example/x", max_alerts=5)]),\n'
        '    ],\n'
        '    inhibit_rules=[InhibitRule(source_matchers=[\'severity="critical"\'], target_matchers=[\'severity="warning"\'], equal=["alertname"])],\n'
        '    time_intervals=[maint],\n'
        '    templates=[Template(name="t", text="{{ define \\"x\\" }}x{{ end }}")],\n'
        '    global_=Global(resolve_timeout="5m", smtp_from="am@example.com"),\n'
        ')\n'
        't1 = RoutingTest(labels={"severity": "critical"}, receivers=["pager", "default"], name="crit")\n'
        't2 = RoutingTest(labels={"severity": "warning"}, receivers=["slack"])\n',
    ),
    "datasource": (
        "datasources/ds.py",
        'from obs_as_code import Datasource\n'
        'prom = Datasource("Prometheus", "prometheus", "http://prometheus:9090", uid="prom", is_default=True,\n'
        '                  json_data={"httpMethod": "POST"}, basic_auth_user="svc",\n'
        '                  secure_json_data={"basicAuthPassword": "${PROM_PASSWORD}"})\n'
        'loki = Datasource("Loki", "loki", "http://loki:3100", uid="loki")\n',
    ),
    "rule_test": (
        "alerts/t.py",
        'from obs_as_code import AlertExpectation, AlertRule, ExpectedAlert, ExprExpectation, RuleGroup, RuleTest, Sample, Series\n'
        'g = RuleGroup(name="tg", rules=[AlertRule(name="Down", expr="up == 0", for_="1m", labels={"severity": "page"})])\n'
        't = RuleTest(\n'
        '    name="down fires",\n'
        '    series=[Series(series=\'up{job="x"}\', values="0x10")],\n'
        '    interval="1m",\n'
        '    alerts=[AlertExpectation(at="5m", alertname="Down",\n'
        '                             alerts=[ExpectedAlert(labels={"job": "x", "severity": "page"})])],\n'
        '    exprs=[ExprExpectation(expr="up", at="2m", samples=[Sample(labels=\'up{job="x"}\', value=0)])],\n'
        '    external_labels={"cluster": "c"},\n'
        '    rule_modules=["alerts/t.py"],\n'
        ')\n',
    ),
    "catalog": (
        "catalog/c.py",
        'from obs_as_code import Metric, MetricsCatalog\n'
        'catalog = MetricsCatalog(metrics=[\n'
        '    Metric(name="http_requests_total", type="counter", labels=["code", "job"], unit="requests", help="h", jobs=["api"]),\n'
        '    Metric(name="http_request_duration_seconds", type="histogram", unit="seconds", buckets=[0.1, 0.5, 1.0]),\n'
        '])\n',
    ),
}

#: Replacement values, as source text, for any argument.
VALUES: tuple[str, ...] = (
    "None",
    "0",
    "-1",
    "10**30",
    "1.5",
    "float('nan')",
    "True",
    "''",
    "' '",
    "'ünï\\u202e🔥'",
    "'x' * 10000",
    "[]",
    "{}",
    "['a', 5]",
    "{'k': None}",
    "object()",
    "b'bytes'",
    "'-5m'",
    "'$$'",
    "'{{'",
)


@dataclass(frozen=True)
class Mutant:
    base: str
    what: str
    rel: str
    source: str


def _segment(source: str, node: ast.AST) -> tuple[int, int]:
    """Character offsets of ``node`` in ``source``."""
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(line: int, col: int) -> int:
        # ast columns count UTF-8 bytes; the bases are ASCII.
        return starts[line - 1] + col

    assert node.end_lineno is not None and node.end_col_offset is not None
    return offset(node.lineno, node.col_offset), offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]


def _replace(source: str, node: ast.AST, text: str) -> str:
    start, end = _segment(source, node)
    return source[:start] + text + source[end:]


def mutants(bases: dict[str, tuple[str, str]] = BASES) -> Iterator[Mutant]:
    """Every mutant of every base: each argument of each call (and each value of
    each dict literal) replaced by each of :data:`VALUES`, each argument left
    out, each keyword and dict key misspelt, each list's first item doubled, and
    each module-level definition declared twice."""
    for base, (rel, source) in bases.items():
        seen: set[str] = set()
        for what, text in _mutations(source):
            if text != source and text not in seen:
                seen.add(text)
                yield Mutant(base, what, rel, text)


def _mutations(source: str) -> Iterator[tuple[str, str]]:
    """(what, mutated source) for :func:`mutants`, duplicates included."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            for i, arg in enumerate(node.args):
                for value in VALUES:
                    yield (f"{name} arg {i} = {value}", _replace(source, arg, value))
                if isinstance(arg, ast.List) and arg.elts:
                    yield (f"{name} arg {i} first item twice", _doubled(source, arg))
                yield (f"{name} arg {i} missing", _dropped(source, *_segment(source, arg)))
            for kw in node.keywords:
                if kw.arg is None:
                    continue
                for value in VALUES:
                    yield (f"{name}({kw.arg}={value})", _replace(source, kw.value, value))
                start, _ = _segment(source, kw.value)
                kw_start = start - len(kw.arg) - 1
                yield (f"{name}({kw.arg} misspelt)", source[:kw_start] + kw.arg + "x" + source[kw_start + len(kw.arg):])
                yield (f"{name}({kw.arg} misspelt)", source[:kw_start] + kw.arg.rstrip("_") + source[kw_start + len(kw.arg):])
                if isinstance(kw.value, ast.List) and kw.value.elts:
                    yield (f"{name}({kw.arg} first item twice)", _doubled(source, kw.value))
                yield (f"{name}({kw.arg} missing)", _dropped(source, kw_start, _segment(source, kw.value)[1]))
        elif isinstance(node, ast.Dict):
            for key, value_node in zip(node.keys, node.values, strict=True):
                if key is None:
                    continue
                for value in VALUES:
                    yield (f"dict[{ast.unparse(key)}] = {value}", _replace(source, value_node, value))
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    yield (f"dict[{key.value!r}] misspelt", _replace(source, key, repr(key.value + "x")))
    # Each top-level assignment declared twice (a duplicate name, uid, job ...).
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            start, end = _segment(source, stmt.value)
            yield (f"{stmt.targets[0].id} twice", source + f"{stmt.targets[0].id}_again = {source[start:end]}\n")


def _dropped(source: str, start: int, end: int) -> str:
    """``source`` without ``source[start:end]`` and the comma after it (unchanged
    when what is left does not parse)."""
    rest = source[end:]
    stripped = rest.lstrip(" ")
    if stripped.startswith(","):
        rest = stripped[1:].lstrip(" ")
    text = source[:start] + rest
    try:
        ast.parse(text)
    except SyntaxError:
        return source
    return text


def _doubled(source: str, node: ast.List) -> str:
    start, end = _segment(source, node.elts[0])
    return source[:start] + source[start:end] + ", " + source[start:]


#: A line of a finding: ``path:LINE:COL: OACnnn ...``.
FINDING = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+): (?P<code>OAC\d{3}) ")


def tree_snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()} if root.exists() else {}


def prepared(rel: str, source: str, where: Path) -> Path:
    """A project at ``where/proj`` declaring ``source`` at ``rel``, built once."""
    root = where / "proj"
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_text(source, encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", "-C", str(root)])
    if result.exit_code != 0:
        raise AssertionError(f"base {rel} does not build:\n{result.output}")
    return root


def broken_promises(command: list[str], root: Path, rel: str) -> list[str]:
    """Run ``oac COMMAND -C root`` and list how its outcome breaks the promise."""
    before = tree_snapshot(root / "build")
    result = CliRunner().invoke(cli, [*command, "-C", str(root)])
    problems: list[str] = []
    output = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        problems.append(f"exception {type(result.exception).__name__}: {str(result.exception)[:300]}")
    if "Traceback" in output:
        problems.append("a traceback was printed")
    if result.exit_code not in (0, 1):
        problems.append(f"exit code {result.exit_code}")
    for line in output.splitlines():
        match = FINDING.match(line)
        if match and ("obs_as_code/" in match["file"] or match["file"].startswith("/")):
            problems.append(f"finding not at the user's file: {line[:300]}")
    if command[0] == "build" and result.exit_code != 0 and tree_snapshot(root / "build") != before:
        problems.append("build/ changed by a failed build")
    if command[0] == "build" and result.exit_code == 1 and not any(FINDING.match(line) for line in output.splitlines()):
        problems.append("failed without a located finding")
    return [f"{p}\n--- output ---\n{output[-1500:]}" for p in problems]


def validate_rejects(root: Path) -> list[str]:
    """After a build that passed: what ``oac validate`` (promtool, amtool, the
    dashboard schema) refuses, which the build should have reported itself."""
    result = CliRunner().invoke(cli, ["validate", "-C", str(root)])
    if result.exit_code == 0 and result.exception is None:
        return []
    return [f"build passed, validate failed (exit {result.exit_code}): {result.output[-1500:]}"]


def check_mutant(mutant: Mutant, root: Path, commands: tuple[str, ...] = ("build",), validating: bool = False) -> list[str]:
    """Write ``mutant`` into the built project ``root`` and check each command
    (with ``validating``, a build that passed and changed build/ is validated)."""
    (root / mutant.rel).write_text(mutant.source, encoding="utf-8")
    before = tree_snapshot(root / "build")
    problems: list[str] = []
    for command in commands:
        problems.extend(f"oac {command}: {p}" for p in broken_promises(command.split(), root, mutant.rel))
        if command == "build" and validating and not problems and tree_snapshot(root / "build") != before:
            problems.extend(validate_rejects(root))
    return problems


def run_all(selected: list[str], commands: tuple[str, ...], every: int = 1, offset: int = 0, validating: bool = False) -> tuple[int, list[tuple[Mutant, str]]]:
    """Check every ``every``-th mutant of the selected bases; (count, problems)."""
    count = 0
    found: list[tuple[Mutant, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        projects: dict[str, Path] = {}
        for i, mutant in enumerate(mutants({k: v for k, v in BASES.items() if k in selected})):
            if i % every != offset:
                continue
            if mutant.base not in projects:
                rel, source = BASES[mutant.base]
                projects[mutant.base] = prepared(rel, source, Path(tmp) / mutant.base)
            count += 1
            for problem in check_mutant(mutant, projects[mutant.base], commands, validating):
                found.append((mutant, problem))
            # Back to the base: the next mutant starts from a project that built.
            rel, source = BASES[mutant.base]
            (projects[mutant.base] / rel).write_text(source, encoding="utf-8")
            if validating:
                CliRunner().invoke(cli, ["build", "-C", str(projects[mutant.base])])
        shutil.rmtree(tmp, ignore_errors=True)
    return count, found


def main() -> None:
    import argparse
    import json
    import multiprocessing

    parser = argparse.ArgumentParser()
    parser.add_argument("--base", action="append", default=None)
    parser.add_argument("--command", action="append", default=None)
    parser.add_argument("-j", type=int, default=1)
    parser.add_argument("--out", default="fuzz-findings.json")
    parser.add_argument("--validate", action="store_true")
    args = parser.parse_args()
    selected = args.base or list(BASES)
    commands = tuple(args.command or ["build"])
    with multiprocessing.get_context("fork").Pool(args.j) as pool:
        results = pool.starmap(run_all, [(selected, commands, args.j, k, args.validate) for k in range(args.j)])
    total = sum(c for c, _ in results)
    found = [(m, p) for _, f in results for m, p in f]
    Path(args.out).write_text(json.dumps([{"base": m.base, "what": m.what, "problem": p, "source": m.source} for m, p in found], indent=1))
    print(f"{total} mutants, {len(found)} problems, {len({m for m, _ in found})} mutants with problems")


if __name__ == "__main__":
    main()


# --- files given to `oac import dashboard` and `oac lint PATH` ------------------

#: Replacement values for any value of a JSON or YAML document.
JSON_VALUES: tuple[object, ...] = (None, 0, -1, 10**30, 1.5, True, "", "ünï\u202e🔥", [], {}, ["a", 5], {"k": None}, "x" * 5000, "{{", "$$")


def json_mutants(document: object) -> Iterator[tuple[str, object]]:
    """``document`` with one value replaced by each of :data:`JSON_VALUES`, or
    one key dropped, or one list emptied: (where, mutant)."""
    import copy

    def paths(node: object, path: tuple[object, ...]) -> Iterator[tuple[object, ...]]:
        yield path
        if isinstance(node, dict):
            for key, value in node.items():
                yield from paths(value, (*path, key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from paths(value, (*path, i))

    def with_value(path: tuple[object, ...], value: object, drop: bool = False) -> object:
        out = copy.deepcopy(document)
        if not path:
            return value
        node = out
        for step in path[:-1]:
            node = node[step]  # type: ignore[index]
        if drop:
            del node[path[-1]]  # type: ignore[attr-defined]
        else:
            node[path[-1]] = value  # type: ignore[index]
        return out

    for path in list(paths(document, ())):
        where = "/".join(map(str, path))
        for value in JSON_VALUES:
            yield f"{where} = {value!r:.40}", with_value(path, value)
        if path:
            yield f"{where} dropped", with_value(path, None, drop=True)


def run_files(kind: str, every: int = 1, offset: int = 0) -> tuple[int, list[tuple[str, str]]]:
    """Mutants of a dashboard JSON (``import``, ``lint-json``) or a rule file
    (``lint-yaml``) given to the command; (count, problems)."""
    import json as json_module

    import yaml

    here = Path(__file__).parent
    if kind == "lint-yaml":
        document: object = {"groups": [{"name": "g", "interval": "30s", "rules": [
            {"alert": "A", "expr": "sum(rate(x_total[5m])) > 1", "for": "5m", "labels": {"severity": "page"},
             "annotations": {"summary": "s"}},
            {"record": "job:x:rate5m", "expr": "sum by (job) (rate(x_total[5m]))"},
        ]}]}
    else:
        document = json_module.loads((here / "dashboards/fixtures/exported_inputs.json").read_text())
    count = 0
    found: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (where, mutant) in enumerate(json_mutants(document)):
            if i % every != offset:
                continue
            count += 1
            path = Path(tmp) / ("in.yaml" if kind == "lint-yaml" else "in.json")
            path.write_text(yaml.safe_dump(mutant) if kind == "lint-yaml" else json_module.dumps(mutant), encoding="utf-8")
            args = ["import", "dashboard", "-C", tmp, str(path)] if kind == "import" else ["lint", "-C", tmp, str(path)]
            result = CliRunner().invoke(cli, args)
            problems = []
            if result.exception is not None and not isinstance(result.exception, SystemExit):
                problems.append(f"exception {type(result.exception).__name__}: {str(result.exception)[:300]}")
            if "Traceback" in result.output:
                problems.append("a traceback was printed")
            if result.exit_code not in (0, 1, 2):
                problems.append(f"exit code {result.exit_code}")
            found.extend((f"{kind} {where}", f"{p}\n{result.output[-800:]}") for p in problems)
    return count, found
