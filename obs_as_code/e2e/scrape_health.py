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

The run's receivers are all webhooks to the harness's recorder, so the same
holds for Alertmanager's own health: an alert reading
``alertmanager_notifications_failed_total`` is explained only when every
notification Alertmanager logged as failed timed out (``context deadline
exceeded`` or a connect's ``i/o timeout``) on its way to the recorder.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import promql_parser as pp

from obs_as_code.lint.types import is_a, selector_name, walk

#: Fraction of the timeout a failed scrape must have lasted to count as a timeout
#: (scrape_duration_seconds is a float; a deadline hit lasts the whole timeout).
_TIMEOUT_SHARE = 0.99
#: Alertmanager's log line for a notification that failed after its retries.
_NOTIFY_FAILED = re.compile(r'msg="Notify for alerts failed".*?\berr="((?:[^"\\]|\\.)*)"')
#: How Go spells a timeout: the request's deadline, or a connect that got no answer.
_TIMEOUT_ERRORS = ("context deadline exceeded", ": i/o timeout")
#: The counter Alertmanager's notification-health rules read.
NOTIFY_FAILED_METRIC = "alertmanager_notifications_failed_total"


@dataclass(frozen=True)
class NotifyFailures:
    """Notifications Alertmanager logged as failed during a run."""

    failed: int = 0
    #: Of those, the ones that timed out (a receiver too slow to answer or to accept).
    timed_out: int = 0

    @property
    def only_timeouts(self) -> bool:
        """Whether notifications failed, and only ever by timing out."""
        return self.failed > 0 and self.timed_out == self.failed


def notify_failures(log: str) -> NotifyFailures:
    """Failed notifications in Alertmanager's log (logged at error level)."""
    errors = [m.group(1) for m in _NOTIFY_FAILED.finditer(log)]
    return NotifyFailures(len(errors), sum(1 for e in errors if e.endswith(_TIMEOUT_ERRORS)))


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
    return rules_selecting(rules, "up")


def rules_selecting(rules: Mapping[str, Mapping[str, Any]], metric: str) -> set[str]:
    """Names of the alerting rules whose expression selects ``metric``."""
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
                if any(is_a(n, "VectorSelector") and selector_name(n) == metric for n in walk(tree)):
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
    notify_rules: Iterable[str] = (),
    notifications: NotifyFailures = NotifyFailures(),
) -> str | None:
    """Why the alert with ``labels`` is the harness's slowness, or None when it is not.

    None unless: its rule reads ``up``; it carries a ``job`` the scenario did not
    take down; that job's targets (the alert's ``instance`` only, when it has
    one) failed at least one scrape; and every failed scrape timed out. Or: its
    rule reads Alertmanager's failed notifications (``notify_rules``) and every
    failed notification of the run timed out (``notifications``).
    """
    name = labels.get("alertname")
    if name in set(notify_rules):
        if not notifications.only_timeouts:
            return None
        return (
            f"{name}: every failed notification of the run ({notifications.failed}) timed out "
            "posting to the harness's recorder (the only receiver of a run): the harness answered too slowly"
        )
    if name not in up_rules:
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
    notify_rules: Iterable[str] = (),
    notifications: NotifyFailures = NotifyFailures(),
) -> list[str] | None:
    """Explanations for every unexpected alert, or None when any is not the harness's
    (or there is none): a run is retried only when all that went wrong is explained."""
    if not unexpected:
        return None
    down = set(down_jobs)
    out: list[str] = []
    for labels in unexpected:
        why = harness_explanation(
            labels, up_rules=up_rules, scrapes=scrapes, down_jobs=down, timeout_s=timeout_s,
            notify_rules=notify_rules, notifications=notifications,
        )
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
    notify_rules: Iterable[str] = (),
    notifications: NotifyFailures = NotifyFailures(),
) -> list[str]:
    """Why a failed run may be the harness's own slowness; empty when it may not be.

    Not the harness's when no target of a job left up timed out (nor any
    notification to the recorder, ``notifications``), or when any
    ``unexpected`` alert (firing or pending) is not explained by timeouts
    (:func:`explain_all`): an alert with another cause is a real failure. Other
    failures of a run with timeouts are the harness's too: a failed scrape marks
    every series of its target stale, so a scenario's own alerts can reset their
    ``for``, lose their rate samples or resolve early (an inhibition lifts).
    """
    down = set(down_jobs)
    slow = timed_out_targets(scrapes, down)
    if not slow and not notifications.timed_out:
        return []
    reasons: list[str] = []
    if unexpected:
        explained = explain_all(
            unexpected, up_rules=up_rules, scrapes=scrapes, down_jobs=down, timeout_s=timeout_s,
            notify_rules=notify_rules, notifications=notifications,
        )
        if explained is None:
            return []
        reasons.extend(explained)
    if slow:
        where = ", ".join(f"{t.job} {t.instance} ({t.timed_out}x, up to {t.longest:.2f}s)" for t in slow)
        reasons.append(
            f"scrapes of harness targets outlasted the {timeout_s:g}s scrape_timeout: {where}; "
            "a failed scrape marks its target's series stale, so rates and pending alerts of the run were disturbed"
        )
    if notifications.timed_out:
        reasons.append(
            f"{notifications.timed_out} notification(s) to the harness's recorder timed out "
            "(Alertmanager retries them, so they arrive late)"
        )
    return reasons


__all__ = [
    "NOTIFY_FAILED_METRIC",
    "NotifyFailures",
    "TargetScrapes",
    "explain_all",
    "harness_explanation",
    "harness_slowness",
    "notify_failures",
    "rules_reading_up",
    "rules_selecting",
    "target_scrapes",
    "timed_out_targets",
]
