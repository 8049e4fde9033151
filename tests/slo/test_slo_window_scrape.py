"""OAC404: an SLO window shorter than four scrape intervals of the jobs it reads.
Which scrape interval counts (the job's own, the global one, Prometheus' 1m default,
the jobs a catalog names), at the SLO's period= line, with the message's figures."""

from __future__ import annotations

from pathlib import Path

import pytest
from slo_support import make_project

from obs_as_code.diagnostics import Diagnostic
from obs_as_code.pipeline import compile_project

SLO_MODULE = """
from obs_as_code.slo import SLO, RatioSLI
slo = SLO(service="api", name="avail", objective=99.9,
          period="30d", THE_SLI)
"""
JOB_RATIO = "sli=RatioSLI(errors='http_requests_total{job=\"api\", code=~\"5..\"}', total='http_requests_total{job=\"api\"}')"
#: A 30d table whose shortest window is 3m (the default one's is 5m).
WINDOWS_3M = (
    "period: 30d\npage:\n  quick: {budget_percent: 2, short: 3m, long: 1h}\n  slow: {budget_percent: 5, short: 30m, long: 6h}\n"
    "ticket:\n  quick: {budget_percent: 10, short: 2h, long: 1d}\n  slow: {budget_percent: 10, short: 6h, long: 3d}\n"
)


def _oac404(tmp_path: Path, files: dict[str, str]) -> list[Diagnostic]:
    root = make_project(tmp_path / "proj", files)
    return [d for d in compile_project(root).diagnostics if d.code == "OAC404"]


def test_without_any_scrape_config_prometheus_default_of_1m_counts(tmp_path: Path) -> None:
    source = SLO_MODULE.replace("THE_SLI", JOB_RATIO + ', windows="windows/w.yaml"')
    [d] = _oac404(tmp_path, {"slos/s.py": source, "windows/w.yaml": WINDOWS_3M})
    assert (d.location.file, d.location.line) == ("slos/s.py", 3)
    assert d.message == "SLO 'api-avail': its 3m window holds fewer than 4 scrapes of job '(global)' (scrape_interval 1m)"
    assert d.hint is not None and "every 45s" in d.hint and "shortest window is at least 4m" in d.hint


@pytest.mark.parametrize(
    ("scrape", "reported"),
    [
        # The job has no interval of its own: the global 2m is its interval.
        ('config = PrometheusConfig(scrape_interval="2m")\njob = ScrapeJob(name="api", targets=["api:80"])\n', "job 'api' (scrape_interval 2m)"),
        # Four scrapes of 75s are the 5m window exactly: enough.
        ('config = PrometheusConfig(scrape_interval="15s")\njob = ScrapeJob(name="api", targets=["api:80"], scrape_interval="75s")\n', None),
    ],
)
def test_the_jobs_interval_is_its_own_or_the_global_one(tmp_path: Path, scrape: str, reported: str | None) -> None:
    files = {
        "slos/s.py": SLO_MODULE.replace("THE_SLI", JOB_RATIO),
        "scrape/main.py": "from obs_as_code import PrometheusConfig, ScrapeJob\n" + scrape,
    }
    found = _oac404(tmp_path, files)
    assert [(d.location.line, d.message) for d in found] == (
        [(3, f"SLO 'api-avail': its 5m window holds fewer than 4 scrapes of {reported}")] if reported else []
    )


CATALOG = """
from obs_as_code import Metric, MetricsCatalog
catalog = MetricsCatalog(metrics=[
    Metric("http_requests_total", "counter", ["job", "code"], jobs=["api", "batch", "web"]),
    Metric("http_request_duration_seconds", "histogram", ["job"], buckets=(0.1, 0.5, 1), jobs=["batch"]),
])
"""
SCRAPE = """
from obs_as_code import PrometheusConfig, ScrapeJob
config = PrometheusConfig(scrape_interval="15s")
jobs = [
    ScrapeJob(name="api", targets=["api:80"]),
    ScrapeJob(name="batch", targets=["b:80"], scrape_interval="2m"),
    ScrapeJob(name="web", targets=["web:80"]),
]
"""


@pytest.mark.parametrize(
    ("sli", "reported"),
    [
        # job="api" says which of the metric's jobs is read: api's 15s, not batch's 2m.
        (JOB_RATIO, False),
        # No job matcher: every job the catalog names may be read, the slowest (not the last named) counts.
        ("sli=RatioSLI(errors='http_requests_total{code=~\"5..\"}', total='http_requests_total')", True),
        # A latency SLI names its histogram: the catalog's jobs of that metric count.
        ("sli=LatencySLI(metric=\"http_request_duration_seconds\", threshold=0.5)", True),
    ],
)
def test_the_jobs_come_from_the_query_else_from_the_catalog(tmp_path: Path, sli: str, reported: bool) -> None:
    source = SLO_MODULE.replace("THE_SLI", sli).replace("import SLO, RatioSLI", "import SLO, LatencySLI, RatioSLI")
    found = _oac404(tmp_path, {"slos/s.py": source, "catalog/main.py": CATALOG, "scrape/main.py": SCRAPE})
    assert [(d.location.line, d.message) for d in found] == (
        [(3, "SLO 'api-avail': its 5m window holds fewer than 4 scrapes of job 'batch' (scrape_interval 2m)")] if reported else []
    )
