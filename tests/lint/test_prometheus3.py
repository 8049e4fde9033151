"""A project targets Prometheus 3 (``[tool.oac] prometheus-version = "3.5"``):
PromQL and names as Prometheus 3 reads them, 2.42's by default.

Each pinned case names the fact of Prometheus 3.14's source
(prometheus/prometheus promql/parser, model/rulefmt) it relies on."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from obs_as_code import incremental
from obs_as_code.lint.api import lint
from obs_as_code.lint.engine import parse_promql
from obs_as_code.lint.promql3 import EXPERIMENTAL_AGGREGATIONS, EXPERIMENTAL_FUNCTION_NAMES
from obs_as_code.lint.types import SCALAR
from obs_as_code.target import (
    DEFAULT,
    PrometheusTarget,
    TargetError,
    parse_target,
    read_target,
    targeting,
)
from tests.oac_testing import (
    GOOD_ALERT,
    ProjectFactory,
    incremental_and_clean,
    need_binary,
    run_oac,
    setting_refused,
)

V3 = PrometheusTarget(3, 5)
V3_EXPERIMENTAL = PrometheusTarget(3, 5, frozenset({"promql-experimental-functions"}))
OK = None

#: expr -> (2.42's verdict, 3.x's, 3.x's with promql-experimental-functions, the fact):
#: None (parses) or a piece of the message.
CASES: dict[str, tuple[str | None, str | None, str | None, str]] = {
    '{"http.server.duration"}': ("quoted label name", OK, OK, "lex.go: a string in braces is a quoted metric or label name (3.0)"),
    '{"http.server.duration", "service.name"="api"}': ("quoted label name", OK, OK, "generated_parser.y: label_matcher accepts a STRING name"),
    'sum by ("http.route") (rate(x[5m]))': ("quoted label name", OK, OK, "generated_parser.y: grouping_label accepts a STRING"),
    "x[300]": ("missing unit", OK, OK, "lex.go: a number without unit is a duration in seconds (2.54+)"),
    "x > 5m": (OK, OK, OK, "lex.go: a duration is a number anywhere (2.54+; OAC108 refuses it at 2.42)"),
    "holt_winters(x[5m], 0.5, 0.5)": (OK, 'unknown function with name "holt_winters"', 'unknown function with name "holt_winters"',
                                      "functions.go has no holt_winters (renamed double_exponential_smoothing in 3.0)"),
    "double_exponential_smoothing(x[5m], 0.5, 0.5)": ("not a function in Prometheus 2.42", 'function "double_exponential_smoothing" is not enabled', OK,
                                                      "functions.go: double_exponential_smoothing Experimental: true"),
    'info(x{"a.b"="c"})': ("quoted label name", 'function "info" is not enabled', OK, "functions.go: info Experimental: true"),
    "sort_by_label(x, \"a\")": ("not a function", 'function "sort_by_label" is not enabled', OK, "functions.go: sort_by_label Experimental: true"),
    "limitk(2, x)": ("not a function", "limitk() is not enabled", OK, "lex.go: IsExperimentalAggregator is LIMITK or LIMIT_RATIO"),
    "limit_ratio(0.5, x)": ("not a function", "limit_ratio() is not enabled", OK, "lex.go: IsExperimentalAggregator is LIMITK or LIMIT_RATIO"),
    "mad_over_time(x[5m])": ("not a function", 'function "mad_over_time" is not enabled', OK, "functions.go: mad_over_time Experimental: true"),
    "x - step()": ("not a function", 'function "step" is not enabled', OK, "functions.go: step Experimental: true"),
    "x @ start()": (OK, OK, OK, "generated_parser.y: @ start() is the modifier's, not the function's"),
    "first_over_time(x[5m])": ("not a function", OK, OK, "functions.go: first_over_time is not experimental"),
    "histogram_avg(x)": ("not a function", OK, OK, "functions.go: histogram_avg is not experimental"),
    "exp(Inf)": ("got scalar", "got scalar", "got scalar", "functions.go: exp takes ValueTypeVector (a number literal is a scalar)"),
    'x{a=~`a\\.b`}': (OK, OK, OK, "lex.go: a raw string keeps backslashes (promql-parser reads escapes)"),
    'x{a=~"\\\\Qa.b\\\\E"}': (OK, OK, OK, "Go regexp: \\Q...\\E quotes (promql-parser's regex crate refuses it)"),
    "rate(x[5m])": (OK, OK, OK, "a plain expression"),
}  # fmt: skip


@pytest.mark.parametrize("expr", sorted(CASES))
def test_parse_promql_under_each_target(expr: str) -> None:
    expected = CASES[expr][:3]
    for target, want in zip((DEFAULT, V3, V3_EXPERIMENTAL), expected, strict=True):
        _ast, problem = parse_promql(expr, target)
        if want is None:
            assert problem is None, (target, expr, problem)
        else:
            assert problem is not None and want in problem, (target, expr, problem)
    # holt_winters once registered (a 2.42 parse in this process) is still refused at 3.x.
    assert parse_promql("holt_winters(x[5m], 0.5, 0.5)", DEFAULT)[1] is None
    assert "holt_winters" in str(parse_promql("holt_winters(x[5m], 0.5, 0.5)", V3)[1])


def test_the_default_target_is_the_running_builds() -> None:
    assert parse_promql('{"a.b"}')[1] is not None
    with targeting(V3):
        assert parse_promql('{"a.b"}')[1] is None
    assert parse_promql('{"a.b"}')[1] is not None


def test_scalar_functions_of_prometheus3_are_inferred_as_scalars() -> None:
    from obs_as_code.lint.engine import parse_tree
    from obs_as_code.lint.types import Inferer

    inferer = Inferer(lambda _name: None)
    for expr in ("step()", "range()", "start()", "end()", "max_of(1, 2)"):
        tree, problem = parse_tree(expr, V3_EXPERIMENTAL)
        assert problem is None
        assert inferer.infer(tree).kind == SCALAR, expr
    tree, _problem = parse_tree('info(x, {"k8s.cluster.name"=~".+"})', V3_EXPERIMENTAL)
    assert inferer.infer(tree).labels is None  # info adds labels no one knows here


# --- the differential against Prometheus's own function list --------------------------

SNAPSHOT = Path("/work/.mirror/prometheus+prometheus/repo")
_ARG = {"ValueTypeVector": "x", "ValueTypeMatrix": "x[5m]", "ValueTypeScalar": "1", "ValueTypeString": '"a"'}


def _show(path: str) -> str:
    if not SNAPSHOT.is_dir():
        pytest.skip("no Prometheus source snapshot here (CI has none)")
    proc = subprocess.run(["git", "--git-dir", str(SNAPSHOT), "show", f"HEAD:{path}"], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        pytest.skip(f"{path} not in the snapshot")
    return proc.stdout


def test_function_acceptance_follows_prometheus_functions_go() -> None:
    source = _show("promql/parser/functions.go")
    functions = re.findall(r'\n\t"(\w+)": \{\n(.*?)\n\t\},', source, re.S)
    assert len(functions) >= 90
    experimental = set()
    for name, body in functions:
        args = re.search(r"ArgTypes:\s*\[\]ValueType\{([^}]*)\}", body)
        types = [t.strip() for t in args[1].split(",") if t.strip()] if args else []
        expr = f"{name}({', '.join(_ARG[t] for t in types)})"
        if name == "info" and len(types) == 2:
            expr = 'info(x, {"a"="b"})'  # its second argument is a selector
        is_experimental = "Experimental: true" in body
        if is_experimental:
            experimental.add(name)
        assert parse_promql(expr, V3_EXPERIMENTAL)[1] is None, expr
        problem = parse_promql(expr, V3)[1]
        if is_experimental:
            assert problem is not None and "is not enabled" in problem, expr
        else:
            assert problem is None, (expr, problem)
    assert experimental == EXPERIMENTAL_FUNCTION_NAMES
    assert "holt_winters" not in dict(functions)
    lex = _show("promql/parser/lex.go")
    body = re.search(r"func \(i ItemType\) IsExperimentalAggregator\(\) bool \{\n\s*return ([^\n]*)", lex)
    assert body is not None
    assert {w.lower() for w in re.findall(r"\b[A-Z_]+\b", body[1])} == EXPERIMENTAL_AGGREGATIONS


# --- the setting ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", DEFAULT),
        ("[tool.ruff]\nline-length = 1\n", DEFAULT),
        ('[tool.oac]\nprometheus-version = "2.42"\n', DEFAULT),
        ('[tool.oac]\nprometheus-version = "3.5"\n', V3),
        ('[tool.oac]\nprometheus-version = "3.5"\nprometheus-features = ["promql-experimental-functions"]\n', V3_EXPERIMENTAL),
    ],
)
def test_read_target(tmp_path: Path, text: str, expected: PrometheusTarget) -> None:
    (tmp_path / "pyproject.toml").write_text(text)
    assert read_target(tmp_path) == expected


@pytest.mark.parametrize(
    ("version", "features", "message"),
    [
        ("3", (), "is not a version"),
        (3.5, (), "is not a version"),
        ("v3.5", (), "is not a version"),
        ("2.53", (), "is not supported"),
        ("4.0", (), "is not supported"),
        ("1.8", (), "is not supported"),
        ("3.5", ("native-histograms",), "unknown feature"),
        ("3.5", "promql-experimental-functions", "is not a list"),
        ("2.42", ("promql-experimental-functions",), "needs prometheus-version 3.x"),
    ],
)
def test_bad_settings_are_refused(version: object, features: object, message: str) -> None:
    with pytest.raises(TargetError, match=message):
        parse_target(version, features)


# --- projects --------------------------------------------------------------------------

OTEL = '''
from obs_as_code import AlertRule, RecordingRule, RuleGroup

g = RuleGroup(
    name="otel",
    labels={"service.name": "api"},
    rules=[
        RecordingRule(
            name="http.server.duration:rate5m",
            expr='sum by ("http.route") (rate({"http.server.duration_count"}[5m]))',
        ),
        AlertRule(
            name="SlowApi",
            expr='histogram_quantile(0.99, sum by (le) (rate({"http.server.duration_bucket"}[5m]))) > 0.5',
            for_="5m",
            labels={"severity": "warning", "deployment.environment": "prod"},
            annotations={"summary": "slow", "otel.note": "x"},
        ),
    ],
)
'''
V3_SETTING = '[tool.oac]\nprometheus-version = "3.5"\n'


def test_a_prometheus3_project_with_utf8_names_builds_clean(make_project: ProjectFactory) -> None:
    root = make_project({"alerts/otel.py": OTEL, "pyproject.toml": V3_SETTING})
    result = run_oac("build", "-C", str(root))
    assert result.exit_code == 0, result.output
    rules = (root / "build/prometheus/rules/otel.yaml").read_text()
    assert "record: http.server.duration:rate5m" in rules
    assert 'rate({"http.server.duration_bucket"}[5m])' in rules


def test_the_same_project_at_242_is_refused_at_the_users_lines(make_project: ProjectFactory) -> None:
    root = make_project({"alerts/otel.py": OTEL, "pyproject.toml": '[tool.oac]\nprometheus-version = "2.42"\n'})
    result = run_oac("build", "-C", str(root))
    assert result.exit_code == 1
    found = [line for line in result.stderr.splitlines() if line.startswith("alerts/")]
    assert found == [
        "alerts/otel.py:5:12: OAC104 invalid label name 'service.name' in labels: use [a-zA-Z_][a-zA-Z0-9_]*",
        "alerts/otel.py:8:18: OAC108 recording rule name 'http.server.duration:rate5m' is not a valid metric name",
        "alerts/otel.py:9:18: OAC108 invalid PromQL in recording rule 'http.server.duration:rate5m' (group 'otel'): "
        'quoted label name "http.route" in a label list: Prometheus 2.42 reads only unquoted label names '
        "(letters, digits and _; quoted and UTF-8 names came in 3.0)",
        "alerts/otel.py:13:18: OAC108 invalid PromQL in alert 'SlowApi' (group 'otel'): quoted label name "
        '"http.server.duration_bucket" in a selector: Prometheus 2.42 reads only unquoted label names '
        "(letters, digits and _; quoted and UTF-8 names came in 3.0)",
        "alerts/otel.py:15:20: OAC104 invalid label name 'deployment.environment' in labels: use [a-zA-Z_][a-zA-Z0-9_]*",
        "alerts/otel.py:16:25: OAC104 invalid annotation name 'otel.note': use [a-zA-Z_][a-zA-Z0-9_]*",
    ]


def test_prometheus3_refusals_at_the_users_lines(make_project: ProjectFactory) -> None:
    root = make_project({
        "pyproject.toml": V3_SETTING,
        "alerts/a.py": """
        from obs_as_code import AlertRule, RecordingRule, RuleGroup
        g = RuleGroup(name="g", rules=[
            AlertRule(name="Smooth", expr="holt_winters(x[5m], 0.5, 0.5) > 1"),
            AlertRule(name="Limited", expr="limitk(2, x) > 1"),
            AlertRule(name="Number", expr="x > 5m"),
            RecordingRule(name="a{b}", expr="x"),
        ])
        """,
    })  # fmt: skip
    found = [(d.location.line, d.code, d.message) for d in lint(root) if d.code in ("OAC104", "OAC108")]
    assert found == [
        (3, "OAC108", "invalid PromQL in alert 'Smooth' (group 'g'): unknown function with name \"holt_winters\" (Prometheus 3 renamed it double_exponential_smoothing)"),
        (4, "OAC108", "invalid PromQL in alert 'Limited' (group 'g'): limitk() is not enabled: experimental in Prometheus 3: it needs "
         '--enable-feature=promql-experimental-functions (then list it in pyproject.toml: [tool.oac] prometheus-features = ["promql-experimental-functions"])'),
        (6, "OAC108", "recording rule name 'a{b}' holds braces: should they be in expr? (Prometheus 3 refuses braces in a recording rule name)"),
    ]  # fmt: skip


def test_scrape_labels_keep_legacy_names_at_3x(make_project: ProjectFactory) -> None:
    root = make_project({
        "pyproject.toml": V3_SETTING,
        "scrape/s.py": 'from obs_as_code import ScrapeJob\nj = ScrapeJob(name="api", targets=["a:1"], labels={"service.name": "x"})\n',
    })  # fmt: skip
    assert [d.code for d in lint(root) if d.code == "OAC104"] == ["OAC104"]


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('[tool.oac]\nprometheus-version = "3"\n', 'prometheus-version = "3" is not a version'),
        ('[tool.oac]\nprometheus-version = "2.53"\n', 'prometheus-version = "2.53" is not supported'),
        ('[tool.oac\nprometheus-version = "3.5"\n', "not valid TOML"),
    ],
)
@pytest.mark.parametrize("command", ["build", "lint", "validate", "test"])
def test_a_bad_setting_is_a_usage_error(make_project: ProjectFactory, setting: str, message: str, command: str) -> None:
    root = make_project({"pyproject.toml": setting})
    setting_refused(root, command, message)


def test_changing_the_target_reuses_no_finding_of_the_other(make_project: ProjectFactory) -> None:
    root = make_project({"alerts/otel.py": OTEL, "pyproject.toml": V3_SETTING})

    cached, clean = incremental_and_clean(root)
    assert cached == clean and clean[1] == []
    (root / "pyproject.toml").write_text('[tool.oac]\nprometheus-version = "2.42"\n')
    cached, clean = incremental_and_clean(root)
    assert cached == clean and len(clean[1]) == 6
    (root / "pyproject.toml").write_text(V3_SETTING)
    cached, clean = incremental_and_clean(root)
    assert cached == clean and clean[1] == []
    # The target is part of the cache's key: a change starts the cache afresh.
    assert incremental.last_run.loaded == ["alerts/otel.py"]
    cached, clean = incremental_and_clean(root)
    assert cached == clean and clean[1] == []
    assert incremental.last_run.loaded == []


def test_validate_with_an_older_promtool_says_so(make_project: ProjectFactory) -> None:
    promtool = need_binary("promtool")
    version = subprocess.run([promtool, "--version"], capture_output=True, text=True, check=False).stdout
    if not version.startswith("promtool, version 2."):
        pytest.skip("promtool is not 2.x here")
    root = make_project({"alerts/otel.py": OTEL, "pyproject.toml": V3_SETTING})
    assert run_oac("build", "-C", str(root)).exit_code == 0
    result = run_oac("validate", "-C", str(root))
    assert result.exit_code == 0, result.output
    assert "pyproject.toml:2:1: OAC901 [warning] promtool 2.42 cannot check rules written for Prometheus 3.5" in result.stderr
    # At 2.42 the same promtool checks the rules (and refuses what 3.x's names need).
    (root / "pyproject.toml").write_text('[tool.oac]\nprometheus-version = "2.42"\n')
    assert "cannot check rules" not in run_oac("validate", "-C", str(root)).stderr


def test_an_slo_on_a_quoted_metric_name_builds_at_3x(make_project: ProjectFactory) -> None:
    slo = """
    from obs_as_code.slo import SLO, RatioSLI
    availability = SLO(service="api", name="availability", objective=99.9, sli=RatioSLI(
        errors='{"http.server.request.duration_count", job="api", "http.response.status_code"=~"5.."}',
        total='{"http.server.request.duration_count", job="api"}',
    ))
    """
    scrape = 'from obs_as_code import ScrapeJob\njobs = [ScrapeJob(name="api", targets=["api:80"])]\n'
    root = make_project({"slos/otel.py": slo, "scrape/s.py": scrape, "pyproject.toml": V3_SETTING})
    result = run_oac("build", "-C", str(root))
    assert result.exit_code == 0, result.output
    rules = (root / "build/prometheus/rules/slos-otel.yaml").read_text()
    assert 'sum(rate({"http.server.request.duration_count", job="api"}[5m]))' in rules


def test_the_preview_runs_the_targeted_prometheus(make_project: ProjectFactory) -> None:
    setting = V3_SETTING + 'prometheus-features = ["promql-experimental-functions"]\n'
    root = make_project({"alerts/otel.py": OTEL, "pyproject.toml": setting})
    assert run_oac("build", "-C", str(root)).exit_code == 0
    compose = (root / "build/preview/docker-compose.yml").read_text()
    assert "image: prom/prometheus:v3.5.0" in compose
    assert "--enable-feature=promql-experimental-functions" in compose
    assert run_oac("build", "--check", "-C", str(root)).exit_code == 0
    (root / "pyproject.toml").write_text("")
    assert run_oac("build", "-C", str(root)).exit_code == 1  # the UTF-8 names, at 2.42
    (root / "alerts/otel.py").write_text(GOOD_ALERT)
    assert run_oac("build", "-C", str(root)).exit_code == 0
    assert "image: prom/prometheus:v2.42.0" in (root / "build/preview/docker-compose.yml").read_text()
