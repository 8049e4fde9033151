"""Whether an unexpected alert of a run is the harness's own slowness, with the evidence.

Every target of an e2e run is the harness's: the synthetic exporter, and the
run's own Prometheus and Alertmanager for the self-monitoring jobs. A scenario
takes a target down on purpose only through ``Scenario.down``, which answers
HTTP 503 at once. On a loaded machine a scrape can instead take longer than the
run's ``scrape_timeout`` (1s, the interval: Prometheus allows no more), ``up``
drops to 0, and with ``for: 2m`` scaled to a second or two ``TargetDown`` fires
for a target nobody took down.

The evidence is Prometheus' own: a scrape that failed by timing out has
``up == 0`` and a ``scrape_duration_seconds`` of at least the timeout (the
deadline is measured from the scrape's start), while a target that answered an
error (503, a broken exposition, a refused connection) failed sooner. An
alert is *explained* by the harness only when its rule reads ``up``, it names a
job the scenario did not take down, and every failed scrape of that job's
targets during the run was a timeout. Anything else stays a failure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import promql_parser as pp

from obs_as_code.lint.types import is_a, selector_name, walk

#: Fraction of the timeout a failed scrape must have lasted to count as a timeout
#: (scrape_duration_seconds is a float; a deadline hit lasts the whole timeout).
_TIMEOUT_SHARE = 0.99


@dataclass(frozen=True)
class TargetScrapes:
    """Failed scrapes of one target during a run."""

    job: str
    instance: str
    #: Scrapes with ``up == 0``.
    failed: int
    #: Of those, the ones that lasted the whole scrape timeout.
    timed_out: int
    #: Longest failed scrape, in seconds.
    longest: float = 0.0

    @property
    def only_timeouts(self) -> bool:
        """Whether the target failed, and only ever by timing out."""
        return self.failed > 0 and self.timed_out == self.failed


def rules_reading_up(rules: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """Names of the alerting rules whose expression selects the ``up`` series."""
    names: set[str] = set()
    for doc in rules.values():
        for group in doc.get("groups") or []:
            for rule in group.get("rules") or []:
                if "alert" not in rule:
                    continue
                try:
                    tree = pp.parse(str(rule["expr"]))
                except (ValueError, TypeError):
                    continue  # promtool reports it at build time; nothing to explain here
                if any(is_a(n, "VectorSelector") and selector_name(n) == "up" for n in walk(tree)):
                    names.add(str(rule["alert"]))
    return names


def _samples(series: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], dict[float, float]]:
    out: dict[tuple[str, str], dict[float, float]] = {}
    for s in series:
        metric = s.get("metric") or {}
        key = (str(metric.get("job", "")), str(metric.get("instance", "")))
        values = out.setdefault(key, {})
        for ts, value in s.get("values") or []:
            values[float(ts)] = float(value)
    return out


def target_scrapes(
    up: Iterable[Mapping[str, Any]],
    durations: Iterable[Mapping[str, Any]],
    timeout_s: float,
) -> dict[tuple[str, str], TargetScrapes]:
    """Failed scrapes per ``(job, instance)`` from range-vector results of ``up`` and
    ``scrape_duration_seconds`` (Prometheus' API ``matrix`` form: ``metric``, ``values``).

    Both series get a sample at the same timestamp for each scrape; a failed
    scrape whose duration is missing counts as failed, not as a timeout.
    """
    dur = _samples(durations)
    out: dict[tuple[str, str], TargetScrapes] = {}
    for key, values in _samples(up).items():
        failed = [ts for ts, v in values.items() if v == 0]
        lasted = [dur.get(key, {}).get(ts) for ts in failed]
        timed_out = sum(1 for d in lasted if d is not None and d >= timeout_s * _TIMEOUT_SHARE)
        longest = max((d for d in lasted if d is not None), default=0.0)
        out[key] = TargetScrapes(key[0], key[1], len(failed), timed_out, longest)
    return out


def harness_explanation(
    labels: Mapping[str, str],
    *,
    up_rules: set[str],
    scrapes: Mapping[tuple[str, str], TargetScrapes],
    down_jobs: Iterable[str],
    timeout_s: float,
) -> str | None:
    """Why the alert with ``labels`` is the harness's slowness, or None when it is not.

    None unless: its rule reads ``up``; it carries a ``job`` the scenario did not
    take down; that job's targets (the alert's ``instance`` only, when it has
    one) failed at least one scrape; and every failed scrape timed out.
    """
    if labels.get("alertname") not in up_rules:
        return None
    job = labels.get("job")
    if not job or job in set(down_jobs):
        return None
    instance = labels.get("instance")
    targets = [t for t in scrapes.values() if t.job == job and (instance is None or t.instance == instance)]
    failing = [t for t in targets if t.failed]
    if not failing or not all(t.only_timeouts for t in failing):
        return None
    where = ", ".join(
        f"{t.instance or '?'} ({t.failed} scrape{'s' if t.failed != 1 else ''}, up to {t.longest:.2f}s)"
        for t in failing
    )
    return (
        f"{labels.get('alertname')}{{job=\"{job}\"}}: every failed scrape of job {job} timed out "
        f"(scrape_timeout {timeout_s:g}s) at {where}; the harness served it too slowly, "
        "nothing in the scenario took it down"
    )


def explain_all(
    unexpected: Sequence[Mapping[str, str]],
    *,
    up_rules: set[str],
    scrapes: Mapping[tuple[str, str], TargetScrapes],
    down_jobs: Iterable[str],
    timeout_s: float,
) -> list[str] | None:
    """Explanations for every unexpected alert, or None when any is not the harness's
    (or there is none): a run is retried only when all that went wrong is explained."""
    if not unexpected:
        return None
    down = set(down_jobs)
    out: list[str] = []
    for labels in unexpected:
        why = harness_explanation(labels, up_rules=up_rules, scrapes=scrapes, down_jobs=down, timeout_s=timeout_s)
        if why is None:
            return None
        if why not in out:
            out.append(why)
    return out


def timed_out_targets(
    scrapes: Mapping[tuple[str, str], TargetScrapes], down_jobs: Iterable[str]
) -> list[TargetScrapes]:
    """Targets of jobs the scenario did not take down that had a scrape time out."""
    down = set(down_jobs)
    return [t for _, t in sorted(scrapes.items()) if t.timed_out and t.job not in down]


def harness_slowness(
    unexpected: Sequence[Mapping[str, str]],
    *,
    up_rules: set[str],
    scrapes: Mapping[tuple[str, str], TargetScrapes],
    down_jobs: Iterable[str],
    timeout_s: float,
) -> list[str]:
    """Why a failed run may be the harness's own slowness; empty when it may not be.

    Not the harness's when no target of a job left up timed out, or when any
    ``unexpected`` alert (firing or pending) is not explained by timeouts
    (:func:`explain_all`): an alert with another cause is a real failure. Other
    failures of a run with timeouts are the harness's too: a failed scrape marks
    every series of its target stale, so a scenario's own alerts can reset their
    ``for``, lose their rate samples or resolve early (an inhibition lifts).
    """
    down = set(down_jobs)
    slow = timed_out_targets(scrapes, down)
    if not slow:
        return []
    reasons: list[str] = []
    if unexpected:
        explained = explain_all(unexpected, up_rules=up_rules, scrapes=scrapes, down_jobs=down, timeout_s=timeout_s)
        if explained is None:
            return []
        reasons.extend(explained)
    where = ", ".join(f"{t.job} {t.instance} ({t.timed_out}x, up to {t.longest:.2f}s)" for t in slow)
    reasons.append(
        f"scrapes of harness targets outlasted the {timeout_s:g}s scrape_timeout: {where}; "
        "a failed scrape marks its target's series stale, so rates and pending alerts of the run were disturbed"
    )
    return reasons


__all__ = [
    "TargetScrapes",
    "explain_all",
    "harness_explanation",
    "harness_slowness",
    "rules_reading_up",
    "target_scrapes",
    "timed_out_targets",
]
