"""Waits of a run that must hold on a slow machine: API calls, the settle after expectations."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from obs_as_code.e2e.processes import LOOPBACK, serve_in_thread, stop_serving
from obs_as_code.e2e.runner import SETTLE, SETTLE_CAP, AlertOutcome, prometheus_alerts, settle_time

#: How long the starved server takes to answer (longer than the old 2s per call).
DELAY = 3.0


class _Slow(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        time.sleep(DELAY)
        body = json.dumps({"status": "success", "data": {"alerts": [{"labels": {"alertname": "A"}}]}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def slow_prometheus() -> Iterator[str]:
    server = ThreadingHTTPServer((LOOPBACK, 0), _Slow)
    server.daemon_threads = True
    thread: threading.Thread = serve_in_thread(server, "slow-prometheus")
    try:
        yield f"http://{LOOPBACK}:{server.server_address[1]}"
    finally:
        stop_serving(server, thread)


def test_an_api_call_waits_for_a_starved_server(slow_prometheus: str) -> None:
    # Before: urlopen's 2s timeout raised TimeoutError and the scenario failed.
    assert prometheus_alerts(slow_prometheus) == [{"labels": {"alertname": "A"}}]


def _notified(fired: float, notified: float | None) -> AlertOutcome:
    return AlertOutcome({"alertname": "A"}, "expected", fired_after=fired, notified_after=notified)


def test_the_settle_lasts_twice_the_slowest_notification_of_the_run() -> None:
    assert settle_time([]) == SETTLE
    assert settle_time([_notified(5.0, 5.5), _notified(6.0, None)]) == SETTLE
    # On a loaded machine notifications came 4s after firing: a wrong one would be as late.
    assert settle_time([_notified(5.0, 6.0), _notified(6.0, 10.0)]) == 8.0
    assert settle_time([_notified(1.0, 60.0)]) == SETTLE_CAP
