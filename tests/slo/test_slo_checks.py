"""The SLO checks (OAC401-404) and the generator's OAC405, on throwaway projects.

Each case is a small project; the exact diagnostics of all cases are kept in
``golden/checks.txt`` (pint-style snapshot): a changed message is a reviewed diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from slo_support import check_golden, make_project

from obs_as_code.diagnostics import Diagnostic
from obs_as_code.model.tests import RuleTest
from obs_as_code.pipeline import compile_project

CATALOG = '''
from obs_as_code import Metric, MetricsCatalog
catalog = MetricsCatalog(metrics=[
    Metric("http_requests_total", "counter", ["job", "code"], jobs=["api"]),
    Metric("http_request_duration_seconds", "histogram", ["job"], buckets=(0.1, 0.5, 1), jobs=["api"]),
    Metric("queue_depth", "gauge", [], jobs=["api"]),
])
'''
SCRAPE = '''
from obs_as_code import PrometheusConfig, ScrapeJob
config = PrometheusConfig(scrape_interval="15s")
jobs = [ScrapeJob(name="api", targets=["api:80"]), ScrapeJob(name="batch", targets=["b:80"], scrape_interval="2m")]
'''
HEAD = "from obs_as_code.slo import SLO, LatencySLI, RatioSLI, RawSLI, RuleIntervals\n"
GOOD_RATIO = 'RatioSLI(errors=\'http_requests_total{job="api", code=~"5.."}\', total=\'http_requests_total{job="api"}\')'

CASES: dict[str, tuple[str, list[tuple[str, int]]]] = {
    "good": (
        HEAD + f'ok = SLO(service="api", name="a", objective=99.9, sli={GOOD_RATIO})\n',
        [],
    ),
    "objective-ratio": (
        HEAD + "bad = SLO(\n    service=\"api\",\n    name=\"a\",\n    objective=0.999 * 1000 / 10 + 1,\n"
        f"    sli={GOOD_RATIO},\n)\n",
        [("OAC401", 5)],
    ),
    "objective-looks-like-ratio": (
        HEAD + f'warn = SLO(service="api", name="a", objective=0.999, sli={GOOD_RATIO})\n',
        [("OAC401", 2)],
    ),
    "objective-zero": (HEAD + f'bad = SLO(service="api", name="a", objective=0, sli={GOOD_RATIO})\n', [("OAC401", 2)]),
    "latency-bucket": (
        HEAD + "bad = SLO(service=\"api\", name=\"l\", objective=95, sli=LatencySLI(\n"
        "    metric=\"http_request_duration_seconds\",\n    threshold=0.3,\n    selector='job=\"api\"',\n))\n",
        [("OAC402", 4)],
    ),
    "latency-not-histogram": (
        HEAD + 'bad = SLO(service="api", name="l", objective=95, sli=LatencySLI(metric="queue_depth", threshold=1))\n',
        [("OAC402", 2)],
    ),
    "latency-good": (
        HEAD + "ok = SLO(service=\"api\", name=\"l\", objective=95, sli=LatencySLI(metric=\"http_request_duration_seconds\", threshold=0.5, selector='job=\"api\"'))\n",
        [],
    ),
    "ratio-other-job": (
        HEAD + "bad = SLO(service=\"api\", name=\"a\", objective=99, sli=RatioSLI(\n"
        "    errors='http_requests_total{job=\"web\", code=~\"5..\"}',\n    total='http_requests_total{job=\"api\"}',\n))\n",
        [("OAC403", 3)],
    ),
    "ratio-grouping": (
        HEAD + "bad = SLO(service=\"api\", name=\"a\", objective=99, sli=RatioSLI(\n"
        "    errors='sum by (code) (rate(http_requests_total{job=\"api\", code=~\"5..\"}[{window}]))',\n"
        "    total='sum(rate(http_requests_total{job=\"api\"}[{window}]))',\n))\n",
        [("OAC403", 3)],
    ),
    # An unaggregated query keeps every stored label: its division by a sum()
    # matches nothing, and "or (total) * 0" would make the SLI 0 whatever fails.
    "ratio-unaggregated": (
        HEAD + "bad = SLO(service=\"api\", name=\"a\", objective=99, sli=RatioSLI(\n"
        "    errors='rate(http_requests_total{job=\"api\", code=~\"5..\"}[{window}])',\n"
        "    total='sum(rate(http_requests_total{job=\"api\"}[{window}]))',\n))\n",
        [("OAC403", 3)],
    ),
    "ratio-good-unaggregated": (
        HEAD + "bad = SLO(service=\"api\", name=\"a\", objective=99, sli=RatioSLI(\n"
        "    good='sum without (instance) (rate(http_requests_total{job=\"api\", code!~\"5..\"}[{window}]))',\n"
        "    total='sum(rate(http_requests_total{job=\"api\"}[{window}]))',\n))\n",
        [("OAC403", 3)],
    ),
    "ratio-without-differs": (
        HEAD + "bad = SLO(service=\"api\", name=\"a\", objective=99, sli=RatioSLI(\n"
        "    errors='sum without (instance) (rate(http_requests_total{job=\"api\", code=~\"5..\"}[{window}]))',\n"
        "    total='sum without (instance, code) (rate(http_requests_total{job=\"api\"}[{window}]))',\n))\n",
        [("OAC403", 3)],
    ),
    # The same labels dropped on both sides, or a by() that keeps the label the
    # other side's matcher names: the division matches.
    "ratio-without-same": (
        HEAD + "ok = SLO(service=\"api\", name=\"a\", objective=99, sli=RatioSLI(\n"
        "    errors='sum without (instance, code) (rate(http_requests_total{job=\"api\", code=~\"5..\"}[{window}]))',\n"
        "    total='sum without (code, instance) (rate(http_requests_total{job=\"api\"}[{window}]))',\n))\n",
        [],
    ),
    "ratio-topk-by": (
        HEAD + "ok = SLO(service=\"api\", name=\"a\", objective=99, sli=RatioSLI(\n"
        "    errors='topk(5, sum by (job) (rate(http_requests_total{job=\"api\", code=~\"5..\"}[{window}])))',\n"
        "    total='sum by (job) (rate(http_requests_total{job=\"api\"}[{window}]))',\n))\n",
        [],
    ),
    "ratio-good-query": (
        HEAD + "ok = SLO(service=\"api\", name=\"a\", objective=99, sli=RatioSLI(\n"
        "    good='http_requests_total{job=\"api\", code!~\"5..\"}',\n    total='http_requests_total{job=\"api\"}',\n))\n",
        [],
    ),
    "slow-scrape": (
        HEAD + "bad = SLO(\n    service=\"batch\",\n    name=\"s\",\n    objective=99,\n    period=\"30d\",\n"
        "    sli=RatioSLI(errors='failed_total{job=\"batch\"}', total='runs_total{job=\"batch\"}'),\n)\n",
        [("OAC404", 6)],
    ),
    "period-without-table": (
        HEAD + f'bad = SLO(service="api", name="a", objective=99, period="14d", sli={GOOD_RATIO})\n',
        [("OAC405", 2)],
    ),
    "no-window": (
        HEAD + "bad = SLO(service=\"api\", name=\"r\", objective=99, sli=RawSLI(\n"
        "    error_ratio_query='1 - avg(up{job=\"api\"})',\n))\n",
        [("OAC405", 3)],
    ),
    "sloth-window": (
        HEAD + "bad = SLO(service=\"api\", name=\"a\", objective=99, sli=RatioSLI(\n"
        "    errors='sum(rate(http_requests_total{job=\"api\",code=~\"5..\"}[{{.window}}]))',\n"
        "    total='sum(rate(http_requests_total{job=\"api\"}[{window}]))',\n))\n",
        [("OAC405", 3)],
    ),
    "interval-too-long": (
        HEAD + f'bad = SLO(service="api", name="a", objective=99, sli={GOOD_RATIO},\n'
        '          intervals=RuleIntervals(sli="30s",\n                                  metadata="10m"))\n',
        [("OAC405", 4)],
    ),
    "bad-name": (
        HEAD + f'bad = SLO(service="api", name="checkout availability", objective=99, sli={GOOD_RATIO})\n',
        [("OAC405", 2)],
    ),
    "duplicate-slo": (
        HEAD + f'a = SLO(service="api", name="a", objective=99.9, sli={GOOD_RATIO})\n'
        f'b = SLO(service="api",\n        name="a", objective=99, sli={GOOD_RATIO})\n',
        [("OAC406", 4)],
    ),
    # Different service and name, the same id: "a-b" + "c" and "a" + "b-c".
    "duplicate-slo-id": (
        HEAD + f'a = SLO(service="a-b", name="c", objective=99.9, sli={GOOD_RATIO})\n'
        f'b = SLO(service="a", name="b-c", objective=99, sli={GOOD_RATIO})\n',
        [("OAC406", 3)],
    ),
    # Invalid PromQL in a query: one error at its argument (it was OAC108 at the
    # SLO's line once for each of the 7 recording rules the query is copied into).
    "invalid-promql-errors": (
        HEAD + "bad = SLO(service=\"api\", name=\"a\", objective=99, sli=RatioSLI(\n"
        "    errors='sum(rate(http_requests_total{job=\"api\", code=~\"5..\"}[{window}])',\n"
        "    total='http_requests_total{job=\"api\"}',\n))\n",
        [("OAC405", 3)],
    ),
    "invalid-promql-total": (
        HEAD + "bad = SLO(service=\"api\", name=\"a\", objective=99, sli=RatioSLI(\n"
        "    errors='http_requests_total{job=\"api\", code=~\"5..\"}',\n"
        "    total='sum(rate(http_requests_total{job=\"api\"}[{window}])) by',\n))\n",
        [("OAC405", 4)],
    ),
    "invalid-promql-raw": (
        HEAD + "bad = SLO(service=\"api\", name=\"r\", objective=99, sli=RawSLI(\n"
        "    error_ratio_query='1 - avg_over_time(up{job=\"api\"}[{window}]',\n))\n",
        [("OAC405", 3)],
    ),
    "invalid-latency-selector": (
        HEAD + "bad = SLO(service=\"api\", name=\"l\", objective=95, sli=LatencySLI(\n"
        "    metric=\"http_request_duration_seconds\",\n    threshold=0.5,\n    selector='job=\"api',\n))\n",
        [("OAC405", 5)],
    ),
    # A wrong type where the generator would crash later (a traceback, or an
    # AttributeError without the argument): OAC101 at the user's line.
    "latency-threshold-string": (
        HEAD + "bad = SLO(service=\"api\", name=\"l\", objective=95, sli=LatencySLI(\n"
        "    metric=\"http_request_duration_seconds\", threshold=\"0.5\", selector='job=\"api\"'))\n",
        [("OAC101", 3)],
    ),
    "windows-not-a-path": (
        HEAD + f'bad = SLO(service="api", name="a", objective=99, sli={GOOD_RATIO}, windows=123)\n',
        [("OAC101", 2)],
    ),
    "alerting-dict": (
        HEAD + f'bad = SLO(service="api", name="a", objective=99, sli={GOOD_RATIO},\n'
        '          alerting={"name": "ApiBudgetBurn"})\n',
        [("OAC101", 3)],
    ),
    # A bad label name: OAC104 once at labels= (it was also reported at the
    # SLI's line, for the generated SLI rules); an alert's at its labels=.
    "label-name": (
        HEAD + f'bad = SLO(service="api", name="a", objective=99, sli={GOOD_RATIO},\n'
        '          labels={"bad-key": "x"})\n',
        [("OAC104", 3)],
    ),
    "alert-label-name": (
        HEAD.replace("RuleIntervals", "RuleIntervals, Alerting") + f'bad = SLO(service="api", name="a", objective=99, sli={GOOD_RATIO},\n'
        '          alerting=Alerting(labels={"bad-key": "x"}))\n',
        [("OAC104", 3)],
    ),
    # Sloth lets an SLO label override sloth_id: its own filters then match nothing.
    "reserved-label": (
        HEAD + f'bad = SLO(service="api", name="a", objective=99, sli={GOOD_RATIO},\n'
        '          labels={"sloth_id": "x"})\n',
        [("OAC405", 3)],
    ),
    # Sloth refuses an error query equal to the total: the ratio would always be 1.
    "same-queries": (
        HEAD + "bad = SLO(service=\"api\", name=\"a\", objective=99, sli=RatioSLI(\n"
        "    errors='http_requests_total{job=\"api\"}',\n    total='http_requests_total{job=\"api\"}',\n))\n",
        [("OAC405", 3)],
    ),
    "both-errors-and-good": (
        HEAD + "bad = SLO(service=\"api\", name=\"a\", objective=99, sli=RatioSLI(errors='x', good='y', total='z'))\n",
        [("OAC405", 2)],
    ),
}


def _slo_diagnostics(root: Path, source: str) -> list[Diagnostic]:
    make_project(root, {"catalog/main.py": CATALOG, "scrape/main.py": SCRAPE, "slos/case.py": source})
    compiled = compile_project(root)
    return [d for d in compiled.diagnostics if d.code.startswith("OAC4") or d.code in ("OAC101", "OAC104")]


#: One mistake in an SLO module: the one diagnostic of the case, and nothing else
#: from any stage (no OAC108 per generated rule, no OAC106/OAC308 per clash).
SINGLE = [
    "duplicate-slo", "duplicate-slo-id", "invalid-promql-errors", "invalid-promql-total", "invalid-promql-raw",
    "invalid-latency-selector", "objective-zero", "period-without-table", "no-window", "sloth-window",
    "latency-threshold-string", "alerting-dict", "windows-not-a-path", "label-name", "alert-label-name", "reserved-label", "same-queries",
]


@pytest.mark.parametrize("case", SINGLE)
def test_one_mistake_is_one_diagnostic(tmp_path: Path, case: str) -> None:
    source, expected = CASES[case]
    root = make_project(tmp_path / "proj", {"catalog/main.py": CATALOG, "scrape/main.py": SCRAPE, "slos/case.py": source})
    found = compile_project(root).diagnostics
    assert [(d.code, d.location.file, d.location.line) for d in found] == [(c, "slos/case.py", n) for c, n in expected], [str(d) for d in found]


#: A typo in the SLI was one finding per window the SLI is recorded over (8, the
#: same line, column and hint, naming slo:sli_error:ratio_rate5m ... 3d in turn).
SLI_TYPOS: dict[str, tuple[str, list[tuple[str, int]]]] = {
    "metric-typo": (
        HEAD + "bad = SLO(service=\"api\", name=\"a\", objective=99.9, sli=RatioSLI(\n"
        "    errors='http_request_total{job=\"api\", code=~\"5..\"}',\n    total='http_requests_total{job=\"api\"}',\n))\n",
        [("OAC206", 3)],
    ),
    "label-typo": (
        HEAD + "bad = SLO(service=\"api\", name=\"a\", objective=99.9, sli=RatioSLI(\n"
        "    errors='http_requests_total{job=\"api\", cdoe=~\"5..\"}',\n    total='http_requests_total{job=\"api\"}',\n))\n",
        [("OAC207", 3)],
    ),
}


@pytest.mark.parametrize("case", sorted(SLI_TYPOS))
def test_a_typo_in_the_sli_is_one_diagnostic(tmp_path: Path, case: str) -> None:
    source, expected = SLI_TYPOS[case]
    root = make_project(tmp_path / "proj", {"catalog/main.py": CATALOG, "scrape/main.py": SCRAPE, "slos/case.py": source})
    found = compile_project(root).diagnostics
    assert [(d.code, d.location.file, d.location.line) for d in found] == [(c, "slos/case.py", n) for c, n in expected], [str(d) for d in found]
    assert "in the SLI recording rules of SLO 'api-a'" in found[0].message


@pytest.mark.parametrize(("threshold", "hint"), [
    ("500", "the histogram counts seconds: write threshold=0.5"),
    ("300", "a latency SLI counts the requests in the bucket le=threshold, so the threshold must be one of the histogram's bounds: pick one, or add the bound to the histogram"),
])
def test_a_threshold_in_milliseconds_on_a_seconds_histogram_says_so(tmp_path: Path, threshold: str, hint: str) -> None:
    # 500 (ms) on a _seconds histogram got only "pick one of the bounds".
    source = HEAD + f'bad = SLO(service="api", name="l", objective=95, sli=LatencySLI(metric="http_request_duration_seconds", threshold={threshold}))\n'
    (found,) = _slo_diagnostics(tmp_path / "proj", source)
    assert (found.code, found.hint) == ("OAC402", hint), str(found)


def test_a_duplicated_slo_is_one_error_naming_both_definitions(tmp_path: Path) -> None:
    # Was 4 errors: OAC106 for each of the three rule groups and OAC308 for the
    # dashboard UID, none of them saying "this SLO is declared twice".
    one = HEAD + f'a = SLO(service="api", name="a", objective=99.9, sli={GOOD_RATIO})\n'
    two = HEAD + f'\n\nb = SLO(service="api", name="a", objective=99, sli={GOOD_RATIO})\n'
    root = make_project(tmp_path / "proj", {"catalog/main.py": CATALOG, "scrape/main.py": SCRAPE, "slos/one.py": one, "slos/two.py": two})
    found = compile_project(root).diagnostics
    assert [(d.code, str(d.location)) for d in found] == [("OAC406", "slos/two.py:4:29")], [str(d) for d in found]
    assert "first at slos/one.py:2, again at slos/two.py:4" in found[0].message


def test_a_duplicated_slo_is_one_error_in_an_incremental_build_too(tmp_path: Path) -> None:
    # oac build (incremental) generated each module's SLOs on their own and never
    # saw the copy in another module: OAC106 three times and OAC308, not OAC406,
    # on a cold cache, a warm one and after the copy was added to a built project.
    from obs_as_code.incremental import compile_incremental

    one = HEAD + f'a = SLO(service="api", name="a", objective=99.9, sli={GOOD_RATIO})\n'
    two = HEAD + f'\n\nb = SLO(service="api", name="a", objective=99, sli={GOOD_RATIO})\n'
    root = make_project(tmp_path / "proj", {"catalog/main.py": CATALOG, "scrape/main.py": SCRAPE, "slos/one.py": one})
    assert [str(d) for d in compile_incremental(root).diagnostics] == []
    (root / "slos/two.py").write_text(two)
    for _ in range(2):
        found = compile_incremental(root).diagnostics
        assert [(d.code, str(d.location)) for d in found] == [("OAC406", "slos/two.py:4:29")], [str(d) for d in found]
    (root / "slos/two.py").unlink()
    assert [str(d) for d in compile_incremental(root).diagnostics] == []


def test_one_slo_bound_to_two_names_is_not_a_duplicate(tmp_path: Path) -> None:
    source = HEAD + f'a = SLO(service="api", name="a", objective=99.9, sli={GOOD_RATIO})\nalias = a\nall_slos = [a]\n'
    root = make_project(tmp_path / "proj", {"catalog/main.py": CATALOG, "scrape/main.py": SCRAPE, "slos/case.py": source})
    assert [str(d) for d in compile_project(root).diagnostics if d.severity.value == "error"] == []


@pytest.mark.parametrize("case", sorted(CASES))
def test_check_reports_at_the_line(tmp_path: Path, case: str) -> None:
    source, expected = CASES[case]
    found = _slo_diagnostics(tmp_path / "proj", source)
    assert [(d.code, d.location.line) for d in found] == expected, [str(d) for d in found]
    assert all(d.location.file == "slos/case.py" for d in found)


def test_diagnostics_snapshot(tmp_path: Path) -> None:
    lines: list[str] = []
    for i, case in enumerate(sorted(CASES)):
        for d in _slo_diagnostics(tmp_path / f"c{i}", CASES[case][0]):
            lines.append(f"[{case}] {d}")
            if d.hint:
                lines.append(f"    hint: {d.hint}")
    check_golden("checks.txt", "\n".join(lines) + "\n")


def test_ratio_like_objective_is_only_a_warning(tmp_path: Path) -> None:
    found = _slo_diagnostics(tmp_path / "proj", CASES["objective-looks-like-ratio"][0])
    assert [d.severity.value for d in found] == ["warning"]
    assert "write objective=99.9" in (found[0].hint or "")


def test_errors_stop_the_build(tmp_path: Path) -> None:
    from obs_as_code.pipeline import build

    root = make_project(tmp_path / "proj", {"slos/case.py": HEAD + f'bad = SLO(service="api", name="a", objective=100, sli={GOOD_RATIO})\n'})
    result = build(root)
    assert not result.ok and not result.wrote
    assert not (root / "build").exists()


def test_an_unforeseen_generator_error_masks_a_secret_it_quotes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """OAC405 for an exception the checks did not foresee quotes its text, masked as OAC101 masks it."""
    from obs_as_code.slo import generate as gen

    def boom(*_args: object) -> None:
        raise ValueError("cannot reach https://user:hunter2-do-not-print@example.test/api")

    monkeypatch.setattr(gen, "generate_slo", boom)
    root = make_project(tmp_path / "proj", {"slos/case.py": HEAD + f'ok = SLO(service="api", name="a", objective=99.9, sli={GOOD_RATIO})\n'})
    found = [d for d in compile_project(root).diagnostics if d.code == "OAC405"]
    assert len(found) == 1 and "cannot be generated: ValueError: cannot reach https://user:" in found[0].message, found
    assert "hunter2-do-not-print" not in found[0].message


@pytest.mark.parametrize(
    ("alerting", "line", "fix"),
    [
        # Sloth's word for the page alert where the house routing wants critical.
        ('Alerting(\n        page_severity="page")', 4, 'write page_severity="critical"'),
        # A severity label shared by both alerts: one warning, not one per alert.
        ('Alerting(labels={"severity": "urgent"})', 3, "use one of them"),
        ('Alerting(ticket=AlertOptions(\n        labels={"severity": "ticket"}))', 4, 'write ticket_severity="warning"'),
    ],
)
def test_an_unknown_severity_is_one_warning_at_its_argument(tmp_path: Path, alerting: str, line: int, fix: str) -> None:
    from click.testing import CliRunner

    from obs_as_code.cli import cli

    source = HEAD.replace("RuleIntervals", "RuleIntervals, Alerting, AlertOptions") + (
        f'a = SLO(service="api", name="a", objective=99.9, sli={GOOD_RATIO},\n    alerting={alerting})\n'
    )
    root = make_project(tmp_path / "proj", {"catalog/main.py": CATALOG, "scrape/main.py": SCRAPE, "slos/case.py": source})
    found = compile_project(root).diagnostics
    assert [(d.code, d.severity.value, d.location.line) for d in found] == [("OAC213", "warning", line)], [str(d) for d in found]
    assert fix in (found[0].hint or "")
    # `oac lint` runs the lint-only OAC213 over every alert too: still one.
    linted = CliRunner().invoke(cli, ["lint", "-C", str(root), "--select", "OAC213"])
    assert linted.output.count("OAC213") == 1, linted.output


def test_a_known_or_no_severity_is_not_reported(tmp_path: Path) -> None:
    source = HEAD.replace("RuleIntervals", "RuleIntervals, Alerting") + (
        f'a = SLO(service="api", name="a", objective=99.9, sli={GOOD_RATIO}, alerting=Alerting(page_severity=None, ticket_severity="info"))\n'
    )
    root = make_project(tmp_path / "proj", {"catalog/main.py": CATALOG, "scrape/main.py": SCRAPE, "slos/case.py": source})
    assert [str(d) for d in compile_project(root).diagnostics] == []


def test_slos_sharing_an_alert_name_are_not_duplicate_alerts(tmp_path: Path) -> None:
    # One alert name for every SLO is common with Sloth: the alerts differ by
    # the sloth_id their series carry. OAC216 warned for each SLO after the first.
    from click.testing import CliRunner

    from obs_as_code.cli import cli

    source = HEAD.replace("RuleIntervals", "RuleIntervals, Alerting") + "".join(
        f'{n} = SLO(service="api", name="{n}", objective=99.9, sli={GOOD_RATIO}, alerting=Alerting(name="SLOBudgetBurn"))\n'
        for n in ("a", "b")
    )
    root = make_project(tmp_path / "proj", {"catalog/main.py": CATALOG, "scrape/main.py": SCRAPE, "slos/case.py": source})
    linted = CliRunner().invoke(cli, ["lint", "-C", str(root), "--select", "OAC216"])
    assert "OAC216" not in linted.output, linted.output


# burn_rate_tests of an SLO on GOOD_RATIO's counter.
BURN_TESTS = "from obs_as_code.slo.testing import burn_rate_tests\n"
BURN = "burn_rate_tests({slo}, bad='http_requests_total{{job=\"api\", code=\"500\"}}', good='http_requests_total{{job=\"api\", code=\"200\"}}')"
TEST_HEAD = "from obs_as_code import AlertExpectation, RuleTest, Series\n"


def _found_everywhere(root: Path) -> list[tuple[str, str]]:
    """The errors of a clean build, of an incremental one (cold, then warm) and
    of ``oac lint``, which must agree; those of the clean build."""
    from click.testing import CliRunner

    from obs_as_code.cli import cli
    from obs_as_code.incremental import compile_incremental

    def errors(found: list[Diagnostic]) -> list[tuple[str, str]]:
        return [(d.code, str(d.location)) for d in found if d.severity.value == "error"]

    clean = errors(compile_project(root).diagnostics)
    for _ in range(2):
        assert errors(compile_incremental(root).diagnostics) == clean
    result = CliRunner().invoke(cli, ["lint", "-C", str(root)])
    said = [line.split(" ", 2) for line in result.stderr.splitlines() if ": OAC" in line and "[warning]" not in line]
    assert sorted((code, where.rstrip(":")) for where, code, _message in said) == sorted(clean), result.stderr
    return clean


def test_the_burn_rate_tests_of_a_copied_slo_module_are_not_reported_again(tmp_path: Path) -> None:
    # A copied SLO module was OAC406 once and then OAC509 for each of the copy's
    # burn-rate tests ("tests slos/two.py, which declares no rule groups"): the
    # generator skips the copy, so its module has no rule groups.
    module = HEAD + BURN_TESTS + f'a = SLO(service="api", name="a", objective=99.9, sli={GOOD_RATIO})\ntests = ' + BURN.format(slo="a") + "\n"
    root = make_project(
        tmp_path / "proj", {"catalog/main.py": CATALOG, "scrape/main.py": SCRAPE, "slos/one.py": module, "slos/two.py": module}
    )
    assert _found_everywhere(root) == [("OAC406", "slos/two.py:3:29")]


def test_the_tests_of_a_copied_slo_next_to_a_new_one_are_not_reported_again(tmp_path: Path) -> None:
    # The copy's module has rule groups (of its other SLO), not those of the
    # copied one: its tests' alerts were OAC509 "does not define".
    one = HEAD + BURN_TESTS + f'a = SLO(service="api", name="a", objective=99.9, sli={GOOD_RATIO})\n'
    two = (
        HEAD + BURN_TESTS
        + f'a = SLO(service="api", name="a", objective=99.9, sli={GOOD_RATIO}, alerting=Alerting(name="CopyBurn"))\n'
        + f'b = SLO(service="api", name="b", objective=99, sli={GOOD_RATIO})\n'
        + "tests = " + BURN.format(slo="a") + " + " + BURN.format(slo="b") + "\n"
    ).replace("RuleIntervals", "RuleIntervals, Alerting")
    root = make_project(
        tmp_path / "proj", {"catalog/main.py": CATALOG, "scrape/main.py": SCRAPE, "slos/one.py": one, "slos/two.py": two}
    )
    assert _found_everywhere(root) == [("OAC406", "slos/two.py:3:29")]


def test_the_tests_of_an_slo_duplicated_in_one_module_are_not_reported_again(tmp_path: Path) -> None:
    # In one module the generator runs per module in incremental builds too: the
    # second SLO's tests name alerts (CopyBurn) that only it would have made.
    source = (
        HEAD.replace("RuleIntervals", "RuleIntervals, Alerting") + BURN_TESTS
        + f'a = SLO(service="api", name="a", objective=99.9, sli={GOOD_RATIO})\n'
        + f'b = SLO(service="api", name="a", objective=99.9, sli={GOOD_RATIO}, alerting=Alerting(name="CopyBurn"))\n'
        + "tests = " + BURN.format(slo="b") + "\n"
    )
    root = make_project(tmp_path / "proj", {"catalog/main.py": CATALOG, "scrape/main.py": SCRAPE, "slos/case.py": source})
    assert _found_everywhere(root) == [("OAC406", "slos/case.py:4:29")]


def test_a_real_unknown_alert_is_still_reported_next_to_a_duplicated_slo(tmp_path: Path) -> None:
    # What the duplicate explains is hidden, nothing else: a misspelt alert in a
    # test of the copy's module, a test of a module without rules, and a
    # misspelt alert in a module whose SLO is not duplicated.
    one = HEAD + f'a = SLO(service="api", name="a", objective=99.9, sli={GOOD_RATIO})\n'
    expects = (
        "RuleTest(name={name!r}, series=[Series('up', '1')], rule_modules={modules!r}, "
        "alerts=[AlertExpectation(at='5m', alertname={alert!r})])"
    )
    two = (
        HEAD + TEST_HEAD
        + f'a = SLO(service="api", name="a", objective=99.9, sli={GOOD_RATIO})\n'
        + "t1 = " + expects.format(name="typo", modules=[], alert="ApiABurn") + "\n"
        + "t2 = " + expects.format(name="right", modules=[], alert="ApiAErrorBudgetBurn") + "\n"
        + "t3 = " + expects.format(name="elsewhere", modules=["slos/three.py"], alert="ApiAErrorBudgetBurn") + "\n"
    )
    three = HEAD + TEST_HEAD + "t = " + expects.format(name="none", modules=[], alert="X") + "\n"
    four = (
        HEAD + TEST_HEAD
        + f'c = SLO(service="api", name="c", objective=99.9, sli={GOOD_RATIO})\n'
        + "t = " + expects.format(name="typo", modules=[], alert="ApiCBurn") + "\n"
    )
    root = make_project(
        tmp_path / "proj",
        {"catalog/main.py": CATALOG, "scrape/main.py": SCRAPE, "slos/one.py": one, "slos/two.py": two,
         "slos/three.py": three, "slos/four.py": four},
    )
    found = _found_everywhere(root)
    assert sorted(found) == sorted([
        ("OAC406", "slos/two.py:3:29"),
        ("OAC509", "slos/two.py:4:117"),
        ("OAC509", "slos/two.py:6:74"),
        ("OAC509", "slos/three.py:3:68"),
        ("OAC509", "slos/four.py:4:116"),
    ]), found


# A windows table (Google's 30d one) for another period, and one with its windows swapped.
_WINDOWS_90D = (
    "period: 90d\npage:\n  quick: {budget_percent: 2, short: 5m, long: 1h}\n  slow: {budget_percent: 5, short: 30m, long: 6h}\n"
    "ticket:\n  quick: {budget_percent: 10, short: 2h, long: 1d}\n  slow: {budget_percent: 10, short: 6h, long: 3d}\n"
)


def test_the_burn_rate_tests_of_an_slo_without_a_windows_table_leave_the_error_at_its_period(tmp_path: Path) -> None:
    # burn_rate_tests raised ValueError at import: the module was OAC101 at the
    # burn_rate_tests call, and the SLO's own OAC405 at period= never showed.
    module = HEAD + BURN_TESTS + f'a = SLO(service="api", name="a", objective=99.9,\n    period="31d", sli={GOOD_RATIO})\ntests = ' + BURN.format(slo="a") + "\n"
    root = make_project(tmp_path / "proj", {"catalog/main.py": CATALOG, "scrape/main.py": SCRAPE, "slos/case.py": module})
    assert _found_everywhere(root) == [("OAC405", "slos/case.py:4:12")]


def test_the_burn_rate_tests_of_an_slo_read_its_windows_file(tmp_path: Path) -> None:
    # A period without a shipped table is valid with windows=: burn_rate_tests
    # looked for the shipped table only and raised ValueError (OAC101).
    module = (
        HEAD + BURN_TESTS
        + f'a = SLO(service="api", name="a", objective=99.9, period="90d", windows="slos/w90.yaml", sli={GOOD_RATIO})\n'
        + "tests = " + BURN.format(slo="a") + "\n"
    )
    root = make_project(
        tmp_path / "proj",
        {"catalog/main.py": CATALOG, "scrape/main.py": SCRAPE, "slos/case.py": module, "slos/w90.yaml": _WINDOWS_90D},
    )
    assert _found_everywhere(root) == []
    tests = compile_project(root).project.all(RuleTest)
    assert len(tests) == 4 and all(t.alerts for t in tests)


def test_the_burn_rate_tests_of_an_slo_that_cannot_be_generated_are_not_reported_again(tmp_path: Path) -> None:
    # The SLO's windows file is refused (OAC405), so it has no alerts: each of
    # its four burn-rate tests was also OAC509 "expects alert ..., which
    # slos/case.py does not define", about alerts the user did declare.
    swapped = _WINDOWS_90D.replace("period: 90d", "period: 30d").replace("short: 5m, long: 1h", "short: 1h, long: 5m")
    module = (
        HEAD + BURN_TESTS
        + f'a = SLO(service="api", name="a", objective=99.9, windows="slos/w.yaml", sli={GOOD_RATIO})\n'
        + "tests = " + BURN.format(slo="a") + "\n"
    )
    root = make_project(
        tmp_path / "proj",
        {"catalog/main.py": CATALOG, "scrape/main.py": SCRAPE, "slos/case.py": module, "slos/w.yaml": swapped},
    )
    assert _found_everywhere(root) == [("OAC405", "slos/case.py:3:58")]


def test_the_burn_rate_tests_of_an_slo_with_a_refused_sli_are_not_reported_again(tmp_path: Path) -> None:
    # errors= equal to total= is OAC405 and the SLO gets no rule groups: each of
    # its burn-rate tests was also OAC509 about an alert the user did declare.
    same = "RatioSLI(errors='http_requests_total{job=\"api\"}', total='http_requests_total{job=\"api\"}')"
    module = HEAD + BURN_TESTS + f'a = SLO(service="api", name="a", objective=99.9, sli={same})\ntests = ' + BURN.format(slo="a") + "\n"
    root = make_project(tmp_path / "proj", {"catalog/main.py": CATALOG, "scrape/main.py": SCRAPE, "slos/case.py": module})
    assert [code for code, _ in _found_everywhere(root)] == ["OAC405"]


@pytest.mark.parametrize(
    ("objective", "alerting", "expected"),
    [
        # 30d table: page 14.4 over 1h and 6 over 6h, ticket 3 over 1d and 1 over 3d.
        ("99.9", "", []),
        ("90", "", ["page alert's condition over 5m and 1h (burn rate 14.4) needs an error ratio above 1.44, "
                    "which no ratio reaches: only its other condition can fire"]),
        ("80", "", ["page alert's conditions over 5m and 1h (burn rate 14.4) and over 30m and 6h (burn rate 6) need an "
                    "error ratio above 2.88 and 1.2, which no ratio reaches: it can never fire"]),
        ("80", ", alerting=Alerting(page=AlertOptions(disable=True))", []),
    ],
)
def test_an_objective_too_low_for_the_burn_rates_is_a_warning_at_the_objective(
    tmp_path: Path, objective: str, alerting: str, expected: list[str]
) -> None:
    # A generated burn-rate alert whose threshold (burn rate x error budget) is 1 or
    # more compares an error ratio with what it never exceeds: said once, at the
    # objective, in the SLO's terms (not by OAC215 at each generated alert).
    source = (HEAD.rstrip() + ", Alerting, AlertOptions\n"
              + f'low = SLO(service="api", name="a", objective={objective}, sli={GOOD_RATIO}{alerting})\n')
    root = make_project(tmp_path / "proj", {"catalog/main.py": CATALOG, "scrape/main.py": SCRAPE, "slos/case.py": source})
    compiled = compile_project(root)
    found = [d for d in compiled.diagnostics if d.code in ("OAC401", "OAC215")]
    assert [(d.code, d.severity.value, d.location.line) for d in found] == [("OAC401", "warning", 2)] * len(expected), [str(d) for d in found]
    for d, said in zip(found, expected, strict=True):
        assert d.message.endswith(said), d.message
        assert f"objective {objective}% leaves an error budget of" in d.message
    assert compiled.ok
