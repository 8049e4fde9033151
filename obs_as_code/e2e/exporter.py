"""The synthetic exporter: one loopback HTTP server per scrape job, fed by a simulator.

Served with prometheus_client's exposition, so Prometheus parses exactly what a
real client library would send. A job can be taken down (HTTP 503) to make its
``up`` series drop to 0.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.utils import floatToGoString

from obs_as_code.e2e.processes import (
    LOOPBACK,
    LoopbackHandler,
    LoopbackHTTPServer,
    Service,
    serve_in_thread,
    stop_serving,
)
from obs_as_code.e2e.traffic import Sample, Signal, Simulator


def _fmt_bound(bound: float) -> str:
    # The Go client's spelling of a bucket bound ("0.5", "10", "+Inf").
    text: str = floatToGoString(bound)  # type: ignore[no-untyped-call]
    return text


class _JobCollector:
    """prometheus_client collector exposing one job's series."""

    def __init__(self, sim: Simulator, job: str, job_of: Callable[[Signal], str]) -> None:
        self.sim = sim
        self.job = job
        self.job_of = job_of

    def collect(self) -> Iterator[Metric]:
        families: dict[str, Any] = {}
        samples: list[Sample] = self.sim.collect(self.job, self.job_of)
        for sample in samples:
            names = [k for k, _ in sample.labels]
            values = [v for _, v in sample.labels]
            fam = families.get(sample.metric)
            if sample.kind == "counter":
                base = sample.metric.removesuffix("_total")
                if fam is None:
                    fam = families[sample.metric] = CounterMetricFamily(base, base, labels=names)
                fam.add_metric(values, sample.value)
            elif sample.kind == "gauge":
                if fam is None:
                    fam = families[sample.metric] = GaugeMetricFamily(sample.metric, sample.metric, labels=names)
                fam.add_metric(values, sample.value)
            else:
                if fam is None:
                    fam = families[sample.metric] = HistogramMetricFamily(sample.metric, sample.metric, labels=names)
                fam.add_metric(
                    values, [(_fmt_bound(b), c) for b, c in sample.buckets], sum_value=sample.total
                )
        yield from families.values()


class _Handler(LoopbackHandler):
    server: _JobServer

    def do_GET(self) -> None:
        srv = self.server
        if self.client_gone():
            # Prometheus gave up on this scrape (it waited too long to be read):
            # answering it would only make the next one late too.
            self.close_connection = True
            return
        if srv.exporter.is_down(srv.job):
            self.send_response(503)
            self.end_headers()
            return
        body = generate_latest(srv.registry)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _JobServer(LoopbackHTTPServer):

    def __init__(self, exporter: Exporter, job: str, registry: CollectorRegistry) -> None:
        super().__init__((LOOPBACK, 0), _Handler)
        self.exporter = exporter
        self.job = job
        self.registry = registry


class Exporter(Service):
    """Serves each of ``jobs`` on its own free loopback port (any path).

    Use as a context manager; :attr:`addresses` maps job -> ``host:port``.
    """

    def __init__(self, sim: Simulator, jobs: list[str], job_of: Callable[[Signal], str]) -> None:
        self.sim = sim
        self.jobs = list(jobs)
        self.job_of = job_of
        self._down: set[str] = set()
        self._lock = threading.Lock()
        self._servers: dict[str, _JobServer] = {}
        self._threads: dict[str, threading.Thread] = {}

    def set_down(self, jobs: set[str] | frozenset[str]) -> None:
        """Make ``jobs`` answer 503 (and every other job answer normally)."""
        with self._lock:
            self._down = set(jobs)

    def is_down(self, job: str) -> bool:
        """Whether ``job`` answers 503 now."""
        with self._lock:
            return job in self._down

    @property
    def addresses(self) -> Mapping[str, str]:
        """job -> ``127.0.0.1:port``."""
        return {job: f"{LOOPBACK}:{srv.server_address[1]}" for job, srv in self._servers.items()}

    def start(self) -> None:
        """Bind every job's server and serve in background threads."""
        for job in self.jobs:
            registry = CollectorRegistry(auto_describe=False)
            registry.register(_JobCollector(self.sim, job, self.job_of))
            server = _JobServer(self, job, registry)
            self._servers[job] = server
            self._threads[job] = serve_in_thread(server, f"exporter-{job}")

    def stop(self) -> None:
        """Stop serving and close the sockets."""
        for job, server in self._servers.items():
            stop_serving(server, self._threads.get(job))
        self._servers.clear()
        self._threads.clear()
