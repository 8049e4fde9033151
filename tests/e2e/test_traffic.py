"""Simulator, exporter and recorder: what Prometheus scrapes and what Alertmanager posts."""

from __future__ import annotations

import json
import math
import urllib.request

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from obs_as_code.e2e import Observe, Rate, Traffic, Value
from obs_as_code.e2e.exporter import Exporter
from obs_as_code.e2e.processes import http_get
from obs_as_code.e2e.recorder import Recorder
from obs_as_code.e2e.runner import check_traffic, job_resolver
from obs_as_code.e2e.traffic import Simulator
from obs_as_code.model.catalog import Metric, MetricsCatalog

CATALOG = MetricsCatalog(
    name="t",
    metrics=[
        Metric("req_total", "counter", ["status"], jobs=["api"]),
        Metric("lat_seconds", "histogram", ["path"], buckets=(0.1, 1, 10), jobs=["api"]),
        Metric("conns", "gauge", [], jobs=["web"]),
        Metric("shared", "gauge", [], jobs=["api", "web"]),
    ],
)


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def _bounds(name: str) -> tuple[float, ...]:
    metric = CATALOG.get(name)
    assert metric is not None
    return tuple(float(b) for b in metric.buckets)


def test_counters_integrate_their_rate_and_keep_totals_across_switches() -> None:
    clock = Clock()
    sim = Simulator(Traffic.of([Rate("req_total", {"status": "200"}, 10.0)]), _bounds, clock)
    clock.t = 3.0
    assert [s.value for s in sim.collect()] == [30.0]
    sim.switch(Traffic.of([Rate("req_total", {"status": "200"}, 1.0)]))
    clock.t = 5.0
    assert [s.value for s in sim.collect()] == [32.0]


@given(value=st.floats(min_value=0.0, max_value=20.0), rate=st.floats(min_value=0.1, max_value=100.0))
def test_histogram_buckets_are_cumulative_and_end_with_count(value: float, rate: float) -> None:
    clock = Clock()
    sim = Simulator(Traffic.of([Observe("lat_seconds", {"path": "/"}, rate, value)]), _bounds, clock)
    clock.t = 2.0
    (sample,) = sim.collect()
    counts = [c for _, c in sample.buckets]
    assert counts == sorted(counts)
    assert sample.buckets[-1] == (math.inf, sample.count)
    assert sample.count == pytest.approx(2 * rate)
    for bound, count in sample.buckets:
        assert count == (pytest.approx(2 * rate) if value <= bound else 0.0)
    assert sample.total == pytest.approx(2 * rate * value)


def test_override_replaces_only_the_named_series() -> None:
    base = Traffic.of([Rate("req_total", {"status": "200"}, 1.0), Rate("req_total", {"status": "500"}, 0.0)])
    spiked = base.override(Rate("req_total", {"status": "500"}, 5.0))
    assert len(spiked.signals) == 2
    assert {s.labels["status"]: s.per_second for s in spiked.signals if isinstance(s, Rate)} == {"200": 1.0, "500": 5.0}


def test_check_traffic_reports_drift_from_the_catalog() -> None:
    traffic = Traffic.of(
        [
            Rate("nope_total", {}, 1.0),
            Value("req_total", {"status": "200"}, 1.0),
            Rate("req_total", {"code": "200"}, 1.0),
            Value("shared", {}, 1.0),
            Value("conns", {}, 1.0),
        ]
    )
    problems = check_traffic(traffic, CATALOG, ["api"])
    assert problems == [
        "nope_total is not in the metrics catalog t",
        "req_total is a counter in the catalog, the scenario drives it as a gauge",
        "req_total: labels ['code'] differ from the catalog's ['status']",
        "shared: say which job serves it (catalog lists ['api', 'web'])",
        "conns: job web is not scraped by prometheus.yml",
    ]


def test_exporter_serves_each_job_its_series_and_503_when_down() -> None:
    traffic = Traffic.of(
        [
            Rate("req_total", {"status": "500"}, 2.0),
            Observe("lat_seconds", {"path": "/x"}, 1.0, 0.5),
            Value("conns", {}, 7.0),
        ]
    )
    sim = Simulator(traffic, _bounds)
    with Exporter(sim, ["api", "web"], job_resolver(CATALOG)) as exporter:
        addr = exporter.addresses
        status, body = http_get(f"http://{addr['api']}/metrics")
        assert status == 200
        families = {f.name: f for f in text_string_to_metric_families(body.decode())}
        assert set(families) == {"req", "lat_seconds"}
        assert families["req"].type == "counter"
        buckets = {s.labels["le"]: s.value for s in families["lat_seconds"].samples if s.name.endswith("_bucket")}
        assert list(buckets) == ["0.1", "1.0", "10.0", "+Inf"]
        assert buckets["0.1"] == 0.0 and buckets["1.0"] == buckets["+Inf"] > 0
        _, web = http_get(f"http://{addr['web']}/metrics")
        assert "conns 7.0" in web.decode()
        exporter.set_down({"web"})
        assert http_get(f"http://{addr['web']}/metrics")[0] == 503
        assert http_get(f"http://{addr['api']}/metrics")[0] == 200


def test_recorder_keeps_payloads_by_receiver() -> None:
    payload = {"status": "firing", "groupKey": "k", "groupLabels": {"alertname": "A"}, "alerts": [{"status": "firing", "labels": {"alertname": "A"}}]}
    with Recorder() as rec:
        req = urllib.request.Request(f"{rec.url}/slack-warnings", data=json.dumps(payload).encode(), method="POST")
        with urllib.request.urlopen(req, timeout=5) as resp:
            assert resp.status == 200
        (note,) = rec.notifications()
    assert note.receiver == "slack-warnings"
    assert note.status == "firing" and note.group_key == "k" and note.group_labels == {"alertname": "A"}
    assert note.alerts("firing") == payload["alerts"] and note.alerts("resolved") == []
