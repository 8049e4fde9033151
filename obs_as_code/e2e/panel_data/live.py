"""The check over a running e2e stack, and waiting for its data (``oac e2e --dashboards``)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from obs_as_code.durations import parse_ms
from obs_as_code.e2e.panel_data.check import check_dashboards
from obs_as_code.e2e.panel_data.prometheus import PrometheusClient
from obs_as_code.e2e.panel_data.report import PanelDataReport
from obs_as_code.e2e.panel_data.timemath import TimeRange

if TYPE_CHECKING:
    from obs_as_code.e2e.runner import LiveStack, RunConfig
    from obs_as_code.e2e.traffic import Traffic


def wait_for_scrapes(prometheus_url: str, scrapes: int, *, timeout: float = 60.0) -> None:
    """Wait until every target has been scraped ``scrapes`` times (``up`` samples).

    Raises :class:`TimeoutError` after ``timeout`` seconds.
    """
    client = PrometheusClient(prometheus_url)
    deadline = time.monotonic() + timeout
    seen = 0.0
    while time.monotonic() < deadline:
        # count_over_time over a window longer than any run: every scrape so far.
        found = client.query("min(count_over_time(up[1d]))", time.time())
        seen = float(found[0]["value"][1]) if found else 0.0
        if seen >= scrapes:
            return
        time.sleep(0.25)
    raise TimeoutError(f"targets scraped {seen:g} of {scrapes} times after {timeout:.0f}s")


def wait_for_series(prometheus_url: str, expr: str, *, timeout: float = 60.0, settled: float = 0.0) -> None:
    """Wait until ``expr`` returned a series ``settled`` seconds ago (e.g. an alert firing).

    ``settled`` of one step makes sure a range query ending now, whose end is
    aligned down to the step as Grafana aligns it, includes the series.
    Raises :class:`TimeoutError` after ``timeout`` seconds.
    """
    client = PrometheusClient(prometheus_url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.query(expr, time.time() - settled):
            return
        time.sleep(0.25)
    raise TimeoutError(f"{expr} returned nothing after {timeout:.0f}s")


@dataclass
class LiveCheck:
    """:func:`check_dashboards` over a running e2e stack (see :func:`live_dashboards`)."""

    live: LiveStack
    build_dir: Path
    #: Unix time the stack started: the dashboards' time range begins here.
    started: float

    @property
    def prometheus(self) -> str:
        """Base URL of the stack's Prometheus."""
        return self.live.prometheus

    def check(
        self, *, build_dir: Path | None = None, paths: Sequence[Path] | None = None, each_value: bool = False
    ) -> PanelDataReport:
        """Every Prometheus target of the dashboards, over the run so far at its scrape interval."""
        return check_dashboards(
            build_dir or self.build_dir, self.prometheus,
            time_range=TimeRange(self.started, time.time()), scrape_interval=self.live.timing.interval,
            paths=paths, each_value=each_value,
        )

    def switch(self, traffic: Traffic) -> None:
        """Serve ``traffic`` from now on."""
        self.live.switch(traffic)

    def wait_for_series(self, expr: str, *, timeout: float = 60.0) -> None:
        """Wait until ``expr`` has had a series for one scrape interval (so a range query sees it)."""
        wait_for_series(self.prometheus, expr, timeout=timeout, settled=parse_ms(self.live.timing.interval) / 1000)


@contextmanager
def live_dashboards(
    rc: RunConfig, traffic: Traffic, *, factor: float, scrapes: int = 8, timeout: float = 60.0
) -> Iterator[LiveCheck]:
    """The e2e stack serving ``traffic``, ready for :meth:`LiveCheck.check` once data is there.

    Waits until every target was scraped ``scrapes`` times: with the run's 1s
    scrapes, ``$__rate_interval`` is 4s (four scrapes), and a few more let
    recording rules that read other rules' records catch up.
    """
    from obs_as_code.e2e.runner import live_stack

    started = time.time()
    with live_stack(rc, traffic, factor=factor) as live:
        wait_for_scrapes(live.prometheus, scrapes, timeout=timeout)
        yield LiveCheck(live, rc.build_dir, started)
