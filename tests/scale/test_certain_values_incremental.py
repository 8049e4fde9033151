"""OAC502 and OAC510 with the label values SLO alerts get from their recording
rules: an incremental build agrees with a clean one when another module starts
(or stops) recording the names the SLO's alerts read."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from obs_as_code import incremental
from tests.scale.test_incremental_build import cached, clean

FILES = {
    "catalog/c.py": """
        from obs_as_code import Metric, MetricsCatalog

        catalog = MetricsCatalog(metrics=[Metric("http_requests_total", "counter", ["code"], jobs=["api", "web"])])
    """,
    "scrape/jobs.py": """
        from obs_as_code import ScrapeJob

        jobs = [ScrapeJob(name="api", targets=["api:80"]), ScrapeJob(name="web", targets=["web:80"])]
    """,
    "slos/s.py": """
        from obs_as_code.slo import SLO, Alerting, RatioSLI

        api = SLO(
            service="api", name="availability", objective=99.9, period="30d", labels={"team": "api"},
            sli=RatioSLI(errors='http_requests_total{job="api", code=~"5.."}', total='http_requests_total{job="api"}'),
            alerting=Alerting(name="ApiBudgetBurn", annotations={"runbook_url": "https://example.com/slo"}),
        )
        web = SLO(
            service="web", name="availability", objective=99.9, period="30d", labels={"team": "web"},
            sli=RatioSLI(errors='http_requests_total{job="web", code=~"5.."}', total='http_requests_total{job="web"}'),
            alerting=Alerting(name="WebBudgetBurn", annotations={"runbook_url": "https://example.com/slo"}),
        )
    """,
    "alerts/routing.py": """
        from obs_as_code import AlertmanagerConfig, Receiver, Route

        config = AlertmanagerConfig(
            route=Route(receiver="default", routes=[
                Route(receiver="api-pager", matchers=['team="api"']),
                Route(receiver="api-pager", matchers=['team="wbe"']),
            ]),
            receivers=[Receiver(name="default"), Receiver(name="api-pager")],
        )
    """,
}

# Another module recording the name the web SLO's fast-burn alert reads, for the
# same SLO but another team: neither team is then certain.
OTHER = """
    from obs_as_code import RecordingRule, RuleGroup

    group = RuleGroup(name="other", rules=[
        RecordingRule(name="NAME", expr='sum(rate(http_requests_total{job="web"}[5m]))',
                      labels={"sloth_id": "web-availability", "sloth_service": "web", "sloth_slo": "availability", "team": "wbe"}),
    ])
"""


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    stamp = path.stat().st_mtime_ns + 10**9 * (1 + len(list(root.rglob("*.py"))))  # later than any earlier write
    os.utime(path, ns=(stamp, stamp))


def findings(result: tuple[dict[str, bytes], list[str]], code: str) -> list[str]:
    return [d for d in result[1] if code in d]


def test_incremental_agrees_when_another_module_records_the_slo_names(tmp_path: Path) -> None:
    for rel, text in FILES.items():
        write(tmp_path, rel, text)
    first = clean(tmp_path)
    assert cached(tmp_path) == first
    # The web SLO's alerts carry team="web": only the root takes them (OAC502), and
    # no alert can match team="wbe" (OAC510).
    assert findings(first, "OAC502") and all("WebBudgetBurn" in d for d in findings(first, "OAC502"))
    assert len(findings(first, "OAC510")) == 1 and "wbe" in findings(first, "OAC510")[0]
    assert cached(tmp_path) == first and "OAC510" not in incremental.last_run.ran  # a no-op

    # Another module records slo:sli_error:ratio_rate5m for the web SLO with team="wbe":
    # the SLO module's OAC502 runs again (which modules record its names changed).
    write(tmp_path, "alerts/other.py", OTHER.replace("NAME", "slo:sli_error:ratio_rate5m"))
    second = clean(tmp_path)
    assert cached(tmp_path) == second
    assert "OAC502@slos/s.py" in incremental.last_run.ran, incremental.last_run.ran
    assert findings(second, "OAC510") == []  # team="wbe" may come from the other rule
    assert findings(second, "OAC502") != findings(first, "OAC502")

    # It records another name: back to the first findings.
    write(tmp_path, "alerts/other.py", OTHER.replace("NAME", "job:other:rate5m"))
    third = clean(tmp_path)
    assert cached(tmp_path) == third
    assert findings(third, "OAC502") == findings(first, "OAC502") and findings(third, "OAC510") == findings(first, "OAC510")

    # The SLO's team changes: the values follow.
    text = textwrap.dedent(FILES["slos/s.py"]).replace('labels={"team": "web"}', 'labels={"team": "api"}')
    write(tmp_path, "slos/s.py", text)
    fourth = clean(tmp_path)
    assert cached(tmp_path) == fourth
    assert findings(fourth, "OAC502") == []
