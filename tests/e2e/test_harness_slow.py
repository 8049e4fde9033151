"""A harness target too slow for the scrape timeout is the harness's problem, said so;
a target that answers an error is still the scenario's failure (real binaries)."""

from __future__ import annotations

import dataclasses
import time

import pytest

from obs_as_code.e2e import exporter
from obs_as_code.e2e.runner import RunConfig, run_scenario
from obs_as_code.e2e.scenario import Scenario

pytestmark = pytest.mark.e2e

#: The job made slow: served by the harness's exporter, not taken down by the scenario.
SLOW_JOB = "web-ui"


def _quick(scenarios: list[Scenario], **changes: object) -> Scenario:
    base = next(s for s in scenarios if s.name == "team-over-budget")
    return dataclasses.replace(base, factor=240.0, timeout=20.0, **changes)  # type: ignore[arg-type]


class Served:
    """How SLOW_JOB answers, per run (counted by exporters started, one per run)."""

    def __init__(self) -> None:
        self.runs = 0
        #: Runs (1-based) in which every scrape is answered after 1.5s: longer than the
        #: run's 1s scrape_timeout, as a starved harness server on a loaded machine.
        self.slow_runs: set[int] = set()
        #: Answer HTTP 500 at once (an exposition that fails): the target's own error.
        self.broken = False


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Served:
    """SLOW_JOB of the synthetic exporter made slow or broken as the test says."""
    state = Served()
    start, do_get = exporter.Exporter.start, exporter._Handler.do_GET

    def counting_start(self: exporter.Exporter) -> None:
        state.runs += 1
        self.run_number = state.runs  # type: ignore[attr-defined]
        start(self)

    def get(self: exporter._Handler) -> None:
        if self.server.job != SLOW_JOB:
            do_get(self)
            return
        if getattr(self.server.exporter, "run_number", 0) in state.slow_runs:
            time.sleep(1.5)
        if state.broken:
            self.send_response(500)
            self.end_headers()
            return
        do_get(self)

    monkeypatch.setattr(exporter.Exporter, "start", counting_start)
    monkeypatch.setattr(exporter._Handler, "do_GET", get)
    return state


def test_timed_out_scrapes_of_a_harness_target_rerun_the_scenario_and_say_so(
    shipped: tuple[list[Scenario], RunConfig], served: Served
) -> None:
    scenarios, rc = shipped
    served.slow_runs = {1}
    result = run_scenario(_quick(scenarios, name="slow-web-ui"), rc)
    # Before the fix: failed with 'unexpected alert fired: TargetDown{...job="web-ui"...}'.
    assert result.status == "passed", result.failures
    assert served.runs == 2
    assert result.retried_after, "a second run must be said"
    assert f"every failed scrape of job {SLOW_JOB} timed out" in result.retried_after[0]
    assert any("unexpected alert fired: TargetDown" in f and SLOW_JOB in f for f in result.retried_after[1:])


def test_slow_in_both_runs_fails_as_the_harness_s_problem(
    shipped: tuple[list[Scenario], RunConfig], served: Served
) -> None:
    scenarios, rc = shipped
    served.slow_runs = {1, 2}
    result = run_scenario(_quick(scenarios, name="slow-web-ui-twice"), rc)
    assert result.status == "failed" and served.runs == 2
    assert result.failures[0].startswith("harness too slow"), result.failures
    assert result.retried_after


def test_a_target_answering_errors_still_fails_without_a_second_run(
    shipped: tuple[list[Scenario], RunConfig], served: Served
) -> None:
    scenarios, rc = shipped
    served.broken = True
    result = run_scenario(_quick(scenarios, name="web-ui-broken"), rc)
    assert result.status == "failed"
    assert served.runs == 1 and not result.retried_after and not result.harness_slow
    assert any("unexpected alert fired: TargetDown" in f and SLOW_JOB in f for f in result.failures)
