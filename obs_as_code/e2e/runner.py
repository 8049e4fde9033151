"""Run scenarios against the real ``prometheus`` and ``prometheus-alertmanager``.

One run: recorder, exporter, Alertmanager and Prometheus on loopback, configs
rewritten from ``build/`` into a temp dir (see :mod:`obs_as_code.e2e.config`),
silences created through Alertmanager's API, then the incident, then recovery.
Everything is torn down by context managers, whatever happens.
"""

from __future__ import annotations

import glob
import json
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from obs_as_code.durations import parse_ms
from obs_as_code.e2e import config as cfg
from obs_as_code.e2e.exporter import Exporter
from obs_as_code.e2e.processes import LOOPBACK, Server, ServerError, http_get, start_on_free_port
from obs_as_code.e2e.recorder import Notification, Recorder
from obs_as_code.e2e.scenario import Scenario
from obs_as_code.e2e.scrape_health import (
    NOTIFY_FAILED_METRIC,
    notify_failures,
    rules_reading_up,
    rules_selecting,
    target_scrapes,
)
from obs_as_code.e2e.scrape_health import harness_slowness as judge_slowness
from obs_as_code.e2e.traffic import Signal, Simulator, Traffic
from obs_as_code.model.catalog import MetricsCatalog
from obs_as_code.serialize import dump_yaml, load_yaml
from obs_as_code.validate import ToolMissing, find_tool

POLL = 0.5
#: Seconds an API call to the run's Prometheus or Alertmanager may take. Every
#: wait of a run is bounded by its own deadline; this only bounds one call, and a
#: starved server on a loaded machine can take seconds to answer one (2s failed
#: runs with 'TimeoutError: timed out').
API_TIMEOUT = 15.0
#: Shortest watch for a notification that must not happen once expectations hold.
SETTLE = 2.0
#: Longest such watch, however slow notifications were during the run.
SETTLE_CAP = 15.0
#: Longest default watch of a steady state, in seconds (see Scenario.observe).
STEADY_CAP = 30.0
_KIND_TYPES = {"counter": "counter", "gauge": "gauge", "histogram": "histogram"}


class ScenarioError(ValueError):
    """A scenario that cannot run as declared (unknown metric, wrong labels ...)."""


@dataclass(frozen=True)
class Binaries:
    """Paths of the two servers."""

    prometheus: str
    alertmanager: str


def find_binaries() -> Binaries:
    """``prometheus`` and the Alertmanager binary (Debian: ``prometheus-alertmanager``).

    Raises :class:`ToolMissing` with install instructions when either is absent.
    """
    prom = find_tool("prometheus", "prometheus")
    try:
        am = find_tool("prometheus-alertmanager", "prometheus-alertmanager")
    except ToolMissing:
        am = find_tool("alertmanager", "prometheus-alertmanager")
    return Binaries(prom, am)


@dataclass(frozen=True)
class RunConfig:
    """What a run needs besides the scenario."""

    build_dir: Path
    alertmanager_config: Path
    catalog: MetricsCatalog
    binaries: Binaries


@dataclass
class AlertOutcome:
    """One alert series seen during a run."""

    labels: dict[str, str]
    verdict: str  # expected | tolerated | unexpected
    fired_after: float | None = None  # seconds from Prometheus start
    notified_after: float | None = None
    resolved_after: float | None = None
    receivers: list[str] = field(default_factory=list)
    suppressed: str = ""  # "inhibited" | "silenced" | ""

    @property
    def alertname(self) -> str:
        """The alert's name."""
        return self.labels.get("alertname", "")

    def to_json(self) -> dict[str, Any]:
        """Plain data for the JSON report."""
        return {
            "labels": dict(sorted(self.labels.items())),
            "verdict": self.verdict,
            "fired_after_s": _round(self.fired_after),
            "notified_after_s": _round(self.notified_after),
            "resolved_after_s": _round(self.resolved_after),
            "receivers": sorted(self.receivers),
            "suppressed": self.suppressed or None,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@dataclass
class ScenarioResult:
    """What a scenario run found."""

    name: str
    status: str  # passed | failed | skipped
    description: str = ""
    reason: str = ""
    failures: list[str] = field(default_factory=list)
    alerts: list[AlertOutcome] = field(default_factory=list)
    expected: list[str] = field(default_factory=list)
    receivers: dict[str, int] = field(default_factory=dict)  # receiver -> groups notified
    duration: float = 0.0
    #: Why this failed attempt may be the harness's own slowness: its targets or its
    #: recorder timed out, and every unexpected alert is explained by that (see
    #: :mod:`obs_as_code.e2e.scrape_health`); empty when it passed or may not be.
    harness_slow: list[str] = field(default_factory=list)
    #: Failures of an earlier attempt that was run again because of ``harness_slow``.
    retried_after: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Passed or skipped."""
        return self.status != "failed"

    def to_json(self) -> dict[str, Any]:
        """Plain data for the JSON report."""
        return {
            "name": self.name,
            "status": self.status,
            "description": self.description,
            "reason": self.reason or None,
            "failures": list(self.failures),
            "expected": list(self.expected),
            "alerts": [a.to_json() for a in self.alerts],
            "receivers": dict(sorted(self.receivers.items())),
            "duration_s": round(self.duration, 1),
            "harness_slow": list(self.harness_slow),
            "retried_after": list(self.retried_after),
        }


# --- configuration --------------------------------------------------------------


def job_resolver(catalog: MetricsCatalog) -> Callable[[Signal], str]:
    """signal -> the scrape job serving it (its own ``job`` or the catalog's only job)."""

    def job_of(signal: Signal) -> str:
        if signal.job:
            return signal.job
        metric = catalog.get(signal.metric)
        jobs = list(metric.jobs or []) if metric is not None else []
        if len(jobs) != 1:
            raise ScenarioError(f"{signal.metric}: say which job serves it (catalog lists {jobs or 'none'})")
        return str(jobs[0])

    return job_of


def check_traffic(traffic: Traffic, catalog: MetricsCatalog, jobs: Iterable[str]) -> list[str]:
    """Problems of ``traffic`` against the catalog and the scrape jobs (empty when fine)."""
    problems: list[str] = []
    job_of = job_resolver(catalog)
    known_jobs = set(jobs)
    for signal in traffic.signals:
        metric = catalog.get(signal.metric)
        if metric is None:
            problems.append(f"{signal.metric} is not in the metrics catalog {catalog.name}")
            continue
        if _KIND_TYPES[signal.kind] != metric.type:
            problems.append(f"{signal.metric} is a {metric.type} in the catalog, the scenario drives it as a {signal.kind}")
        if set(signal.labels) != set(metric.labels):
            problems.append(
                f"{signal.metric}: labels {sorted(signal.labels)} differ from the catalog's {sorted(metric.labels)}"
            )
        try:
            job = job_of(signal)
        except ScenarioError as exc:
            problems.append(str(exc))
            continue
        if job not in known_jobs:
            problems.append(f"{signal.metric}: job {job} is not scraped by prometheus.yml")
    return problems


def bucket_bounds(catalog: MetricsCatalog) -> Callable[[str], tuple[float, ...]]:
    """metric name -> its histogram bucket bounds from the catalog (empty when unknown)."""

    def bounds(name: str) -> tuple[float, ...]:
        metric = catalog.get(name)
        return tuple(float(b) for b in (metric.buckets or ())) if metric is not None else ()

    return bounds


def load_rules(build_dir: Path, prom_doc: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Rule files listed by ``prometheus.yml`` (globs expanded): name -> document."""
    base = build_dir / "prometheus"
    out: dict[str, dict[str, Any]] = {}
    for pattern in prom_doc.get("rule_files") or []:
        for path in sorted(glob.glob(str(base / pattern))):
            out[Path(path).name] = load_yaml(Path(path).read_text(encoding="utf-8")) or {}
    return out


def built_records(build_dir: Path) -> set[str]:
    """Every recording rule name in the built rule files."""
    prom_doc = load_yaml((build_dir / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    records: set[str] = set()
    for doc in load_rules(build_dir, prom_doc).values():
        records |= cfg.rule_records(doc)
    return records


def built_alerts(build_dir: Path) -> set[str]:
    """Every alerting rule name in the built rule files."""
    prom_doc = load_yaml((build_dir / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    names: set[str] = set()
    for doc in load_rules(build_dir, prom_doc).values():
        names |= cfg.rule_alerts(doc)
    return names


# --- the two APIs ---------------------------------------------------------------


def _get_json(url: str) -> Any:
    status, body = http_get(url, timeout=API_TIMEOUT)
    if status != 200:
        raise ServerError(f"GET {url}: HTTP {status}: {body[:200]!r}")
    return json.loads(body)


def prometheus_alerts(base: str) -> list[dict[str, Any]]:
    """Active (pending and firing) alerts from Prometheus' API."""
    data = _get_json(f"{base}/api/v1/alerts")
    alerts: list[dict[str, Any]] = data["data"]["alerts"]
    return alerts


def prometheus_query(base: str, expr: str) -> list[dict[str, Any]]:
    """The ``result`` of an instant query through Prometheus' API."""
    data = _get_json(f"{base}/api/v1/query?query={urllib.parse.quote(expr)}")
    result: list[dict[str, Any]] = data["data"]["result"]
    return result


def prometheus_targets_up(base: str) -> bool:
    """Whether every active target has been scraped at least once."""
    data = _get_json(f"{base}/api/v1/targets?state=active")
    targets = data["data"]["activeTargets"]
    return bool(targets) and all(t.get("health") != "unknown" for t in targets)


def alertmanager_alerts(base: str) -> list[dict[str, Any]]:
    """Every alert Alertmanager holds, suppressed ones included."""
    alerts: list[dict[str, Any]] = _get_json(
        f"{base}/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true"
    )
    return alerts


def create_silence(base: str, matchers: Mapping[str, str], comment: str) -> str:
    """Create a silence through Alertmanager's v2 API; returns its id."""
    now = datetime.now(UTC)
    body = json.dumps(
        {
            "matchers": [
                {"name": k, "value": v, "isRegex": False, "isEqual": True}
                for k, v in sorted(matchers.items())
            ],
            "startsAt": now.isoformat(),
            "endsAt": (now + timedelta(hours=1)).isoformat(),
            "createdBy": "oac e2e",
            "comment": comment,
        }
    ).encode()
    req = urllib.request.Request(
        f"{base}/api/v2/silences", data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(req, timeout=API_TIMEOUT) as resp:
        silence_id: str = json.loads(resp.read())["silenceID"]
        return silence_id


# --- the run --------------------------------------------------------------------


def _key(labels: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(labels.items()))


def _contains(outer: Mapping[str, str], inner: Mapping[str, str]) -> bool:
    # Alertmanager adds external labels: a Prometheus alert is "in" a payload when
    # all its labels are.
    return all(outer.get(k) == v for k, v in inner.items())


def max_scaled_for(rules: Mapping[str, Mapping[str, Any]], factor: float) -> float:
    """Longest ``for`` of any alerting rule after scaling, in seconds."""
    longest = 0
    for doc in rules.values():
        for group in doc.get("groups") or []:
            for rule in group.get("rules") or []:
                if "alert" in rule and rule.get("for"):
                    longest = max(longest, parse_ms(str(rule["for"])))
    return longest / factor / 1000.0


class _Run:
    """State of one scenario run (one instance per run; not shared across threads)."""

    def __init__(self, scenario: Scenario, rc: RunConfig, result: ScenarioResult) -> None:
        self.s = scenario
        self.rc = rc
        self.result = result
        self.outcomes: dict[tuple[tuple[str, str], ...], AlertOutcome] = {}
        self.t0 = 0.0
        self.silence_ids: set[str] = set()
        self.prom = ""
        self.am = ""
        self.recorder: Recorder | None = None
        #: monotonic time the incident ended (recovery began); None while it lasts.
        self.incident_end: float | None = None
        #: Unexpected alerts found pending at the end of a steady state.
        self.pending: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}

    def now(self) -> float:
        return time.monotonic() - self.t0

    def fail(self, message: str) -> None:
        if message not in self.result.failures:
            self.result.failures.append(message)

    def outcome(self, labels: Mapping[str, str]) -> AlertOutcome:
        key = _key(labels)
        found = self.outcomes.get(key)
        if found is None:
            verdict = "expected" if self.s.expected(labels) else "tolerated" if self.s.tolerated(labels) else "unexpected"
            found = self.outcomes[key] = AlertOutcome(dict(labels), verdict)
        return found

    # Observation of both servers and the recorder.
    def observe(self) -> list[dict[str, Any]]:
        alerts = prometheus_alerts(self.prom)
        for alert in alerts:
            if alert.get("state") != "firing":
                continue
            out = self.outcome(alert["labels"])
            if out.fired_after is None:
                out.fired_after = self.now()
            if out.verdict == "unexpected":
                self.fail(f"unexpected alert fired: {_describe(out.labels)}")
        # Receivers are those of the incident: during recovery a warning whose
        # critical resolved first is rightly notified, but that is not routing.
        end = self.incident_end if self.incident_end is not None else float("inf")
        notifications = [n for n in self.notifications() if n.at <= end]
        for out in self.outcomes.values():
            for note in notifications:
                if any(_contains(a["labels"], out.labels) for a in note.alerts("firing")):
                    if note.receiver not in out.receivers:
                        out.receivers.append(note.receiver)
                    if out.notified_after is None:
                        out.notified_after = note.at - self.t0
        return alerts

    def notifications(self) -> list[Notification]:
        assert self.recorder is not None
        return self.recorder.notifications()

    def suppression(self) -> dict[tuple[tuple[str, str], ...], str]:
        """Prometheus alert key -> how Alertmanager suppresses it."""
        out: dict[tuple[tuple[str, str], ...], str] = {}
        am_alerts = alertmanager_alerts(self.am)
        for key, outcome in self.outcomes.items():
            for alert in am_alerts:
                if not _contains(alert["labels"], outcome.labels):
                    continue
                status = alert.get("status") or {}
                if status.get("inhibitedBy"):
                    out[key] = "inhibited"
                elif set(status.get("silencedBy") or ()) & self.silence_ids:
                    out[key] = "silenced"
        return out

    def unmet(self) -> list[str]:
        """Expectations not (yet) satisfied."""
        missing: list[str] = []
        suppressed = self.suppression() if any(f.delivery != "notified" for f in self.s.expect) else {}
        for key, reason in suppressed.items():
            self.outcomes[key].suppressed = reason
        for fires in self.s.expect:
            matched = [o for o in self.outcomes.values() if o.fired_after is not None and fires.matches(o.labels)]
            want = fires.count or 1
            if len(matched) < want:
                missing.append(f"{fires.describe()} fired {len(matched)} of {want} series")
                continue
            for out in matched:
                if fires.delivery == "notified":
                    if fires.receiver is not None and fires.receiver not in out.receivers:
                        missing.append(f"{_describe(out.labels)} not yet notified to {fires.receiver}")
                elif out.suppressed != fires.delivery:
                    missing.append(f"{_describe(out.labels)} not {fires.delivery} in Alertmanager")
        return missing

    def final_checks(self) -> None:
        """Checks over what was recorded during the incident: counts, receivers,
        suppression and grouping.

        Notifications sent after the incident ended are left out: while an error
        ratio decays, the critical alert resolves first and its warning, no longer
        inhibited, is rightly notified for the last seconds.
        """
        end = self.incident_end if self.incident_end is not None else float("inf")
        notes = [n for n in self.notifications() if n.at <= end]
        relevant = [n for n in notes if not all(self._is_tolerated(a["labels"]) for a in n.alerts())]
        for fires in self.s.expect:
            matched = [o for o in self.outcomes.values() if o.fired_after is not None and fires.matches(o.labels)]
            if fires.count is not None and len(matched) != fires.count:
                self.fail(f"{fires.describe()}: {len(matched)} series fired, expected {fires.count}")
            for out in matched:
                reached = sorted(
                    {n.receiver for n in notes if any(_contains(a["labels"], out.labels) for a in n.alerts("firing"))}
                )
                if fires.delivery == "notified":
                    wrong = [r for r in reached if r != fires.receiver] if fires.receiver else []
                    if wrong:
                        self.fail(f"{_describe(out.labels)} was also sent to {', '.join(wrong)}")
                elif reached:
                    self.fail(f"{_describe(out.labels)} should be {fires.delivery} but reached {', '.join(reached)}")
        groups: dict[str, set[str]] = {}
        for note in relevant:
            if note.status == "firing":
                groups.setdefault(note.receiver, set()).add(note.group_key)
            if self.s.group_by is not None:
                # Alertmanager groups by the group_by labels the alerts carry.
                want = {k for k in self.s.group_by if any(k in a["labels"] for a in note.alerts())}
                if set(note.group_labels) != want:
                    self.fail(
                        f"notification to {note.receiver} grouped by {sorted(note.group_labels)}, "
                        f"expected {sorted(want)}"
                    )
        self.result.receivers = {r: len(keys) for r, keys in sorted(groups.items())}
        if self.s.groups is not None and dict(self.s.groups) != self.result.receivers:
            self.fail(f"receivers notified (groups): {self.result.receivers}, expected {dict(self.s.groups)}")

    def _is_tolerated(self, labels: Mapping[str, str]) -> bool:
        return self.s.tolerated(labels) and not self.s.expected(labels)

    def resolved(self, alerts: list[dict[str, Any]]) -> list[str]:
        """Alerts still active, or notified but without a resolved notification."""
        waiting: list[str] = []
        active = {_key(a["labels"]) for a in alerts}
        notes = self.notifications()
        for key, out in self.outcomes.items():
            if out.verdict == "tolerated":
                continue
            if key in active:
                waiting.append(f"{_describe(out.labels)} still active")
                continue
            for receiver in out.receivers:
                done = any(
                    n.receiver == receiver and any(_contains(a["labels"], out.labels) for a in n.alerts("resolved"))
                    for n in notes
                )
                if not done:
                    waiting.append(f"{_describe(out.labels)}: no resolved notification at {receiver} yet")
                    break
            else:
                if out.resolved_after is None:
                    out.resolved_after = self.now()
        return waiting


def _describe(labels: Mapping[str, str]) -> str:
    name = labels.get("alertname", "?")
    keep = ("severity", "service", "job", "provider", "model", "cache_type", "workflow", "team", "instance")
    inner = ",".join(f'{k}="{labels[k]}"' for k in keep if k in labels)
    return f"{name}{{{inner}}}"


def start_alertmanager(
    stack: ExitStack,
    rc: RunConfig,
    am_doc: Mapping[str, Any],
    tmp: Path,
    *,
    webhook_base: str,
    strip_mute_time_intervals: bool,
) -> tuple[Server, str]:
    """Alertmanager on a free loopback port with ``am_doc`` rewritten for the run.

    Every receiver posts to ``webhook_base/<receiver>``; the server is stopped by
    ``stack``. Returns the server and its base URL.
    """
    am_cfg = tmp / "alertmanager.yml"
    am_cfg.write_text(
        dump_yaml(
            cfg.rewrite_alertmanager(
                am_doc,
                webhook_base=webhook_base,
                config_dir=rc.alertmanager_config.parent.resolve(),
                strip_mute_time_intervals=strip_mute_time_intervals,
            )
        ),
        encoding="utf-8",
    )
    (tmp / "am-data").mkdir()
    am, am_port = start_on_free_port(
        "alertmanager",
        lambda port: [
            rc.binaries.alertmanager,
            f"--config.file={am_cfg}",
            f"--storage.path={tmp / 'am-data'}",
            f"--web.listen-address={LOOPBACK}:{port}",
            f"--web.external-url=http://{LOOPBACK}:{port}/",
            "--cluster.listen-address=",
            "--log.level=warn",
        ],
        tmp / "alertmanager.log",
    )
    stack.callback(am.stop)
    return am, f"http://{LOOPBACK}:{am_port}"


def start_prometheus(
    stack: ExitStack,
    rc: RunConfig,
    prom_doc: Mapping[str, Any],
    rules: Mapping[str, Mapping[str, Any]],
    tmp: Path,
    exporter: Exporter,
    *,
    am_url: str,
    timing: cfg.Timing,
) -> tuple[Server, str]:
    """Prometheus on a free loopback port: the built config and rules, rewritten for the run.

    Jobs scrape ``exporter`` (the self-monitoring jobs the real servers), alerts
    go to ``am_url``; the server is stopped by ``stack``. Returns the server and
    its base URL.
    """
    am_address = am_url.removeprefix("http://")
    rules_dir = tmp / "rules"
    rules_dir.mkdir()
    for name, doc in rules.items():
        (rules_dir / name).write_text(dump_yaml(cfg.rewrite_rules(doc, timing)), encoding="utf-8")

    def prom_argv(port: int) -> list[str]:
        targets = dict(exporter.addresses)
        targets["prometheus"] = f"{LOOPBACK}:{port}"
        targets["alertmanager"] = am_address
        (tmp / "prometheus.yml").write_text(
            dump_yaml(
                cfg.rewrite_prometheus(
                    prom_doc,
                    targets=targets,
                    alertmanager=am_address,
                    rule_files=[str(rules_dir / n) for n in sorted(rules)],
                    timing=timing,
                )
            ),
            encoding="utf-8",
        )
        return [
            rc.binaries.prometheus,
            f"--config.file={tmp / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp / 'prom-data'}",
            f"--web.listen-address={LOOPBACK}:{port}",
            f"--web.external-url=http://{LOOPBACK}:{port}/",
            # Firing alerts are re-sent at this pace; the default (1m) would
            # let Alertmanager time them out between sends.
            "--rules.alert.resend-delay=1s",
            "--log.level=warn",
        ]

    prom, port = start_on_free_port("prometheus", prom_argv, tmp / "prometheus.log")
    stack.callback(prom.stop)
    return prom, f"http://{LOOPBACK}:{port}"



def run_scenario(scenario: Scenario, rc: RunConfig, *, retry: bool = True) -> ScenarioResult:
    """Run one scenario end to end and report what happened.

    A failed run that is the harness's own slowness (its targets or recorder
    timing out on a loaded machine, every unexpected alert explained by that: see
    :mod:`obs_as_code.e2e.scrape_health`) is run once more when ``retry``; the second run's result stands, and it
    carries the first one's failures in ``retried_after``. A second slow run
    fails, saying the harness was too slow.
    """
    first = _attempt(scenario, rc)
    if not (retry and needs_retry(first)):
        return first
    return merge_retry(first, _attempt(scenario, rc))


def needs_retry(result: ScenarioResult) -> bool:
    """Whether ``result`` failed in a run slowed by the harness (and is worth a second run)."""
    return result.status == "failed" and bool(result.harness_slow)


def merge_retry(first: ScenarioResult, second: ScenarioResult) -> ScenarioResult:
    """``second`` (the run again of ``first``), saying why it was run again."""
    second.retried_after = [
        "first run hit the harness's own slowness, so it ran again: " + "; ".join(first.harness_slow),
        *first.failures,
    ]
    second.duration += first.duration
    if second.harness_slow:
        # Never passed on a second excuse: the machine is too slow for this run.
        second.failures.insert(
            0,
            "harness too slow: its own servers timed out in both runs (the scenario's "
            "verdict is unknown, not passed): " + "; ".join(second.harness_slow),
        )
        second.status = "failed"
    return second


def _attempt(scenario: Scenario, rc: RunConfig) -> ScenarioResult:
    started = time.monotonic()
    result = ScenarioResult(scenario.name, "passed", description=scenario.description)
    result.expected = [f.describe() for f in scenario.expect]
    try:
        _run(scenario, rc, result)
    except (ServerError, ScenarioError, OSError) as exc:
        result.failures.append(f"{type(exc).__name__}: {exc}")
    result.duration = time.monotonic() - started
    if result.status != "skipped":
        result.status = "failed" if result.failures else "passed"
    return result


def _run(s: Scenario, rc: RunConfig, result: ScenarioResult) -> None:
    prom_path = rc.build_dir / "prometheus" / "prometheus.yml"
    prom_doc = load_yaml(prom_path.read_text(encoding="utf-8"))
    rules = load_rules(rc.build_dir, prom_doc)
    records = set().union(*(cfg.rule_records(d) for d in rules.values())) if rules else set()
    alerts = set().union(*(cfg.rule_alerts(d) for d in rules.values())) if rules else set()
    missing = [r for r in s.requires_records if r not in records]
    if missing:
        result.status = "skipped"
        result.reason = f"no rule file in {rc.build_dir.name}/prometheus/rules records {', '.join(missing)} (rules not built yet)"
        return
    missing = [a for a in s.requires_alerts if a not in alerts]
    if missing:
        result.status = "skipped"
        result.reason = f"no alerting rule {', '.join(missing)} in {rc.build_dir.name}/prometheus/rules (rules not built yet)"
        return
    am_doc = load_yaml(rc.alertmanager_config.read_text(encoding="utf-8"))
    jobs = cfg.scrape_jobs(prom_doc)
    served = [j for j in jobs if j not in cfg.SELF_JOBS]
    problems = check_traffic(s.baseline, rc.catalog, served) + check_traffic(s.incident_traffic, rc.catalog, served)
    receivers = set(cfg.receiver_names(am_doc))
    for fires in s.expect:
        if fires.receiver is not None and fires.receiver not in receivers:
            problems.append(f"{fires.describe()}: receiver {fires.receiver} is not in {rc.alertmanager_config.name}")
    if problems:
        raise ScenarioError("; ".join(sorted(set(problems))))
    timing = cfg.Timing(factor=s.factor)
    job_of = job_resolver(rc.catalog)
    run = _Run(s, rc, result)

    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"oac-e2e-{s.name}-")))
        recorder = run.recorder = stack.enter_context(Recorder())
        sim = Simulator(s.incident_traffic, bucket_bounds(rc.catalog))
        exporter = stack.enter_context(Exporter(sim, served, job_of))
        exporter.set_down(set(s.down))

        am, run.am = start_alertmanager(
            stack, rc, am_doc, tmp, webhook_base=recorder.url,
            strip_mute_time_intervals=s.strip_mute_time_intervals,
        )
        for silence in s.silences:
            run.silence_ids.add(create_silence(run.am, silence.matchers, silence.comment))
        run.t0 = time.monotonic()
        prom, run.prom = start_prometheus(stack, rc, prom_doc, rules, tmp, exporter, am_url=run.am, timing=timing)
        try:
            _incident(run, rules)
            if s.expect and s.resolves and not result.failures:
                run.incident_end = time.monotonic()
                sim.switch(s.baseline)
                exporter.set_down(set())
                _recover(run)
            run.final_checks()
        finally:
            result.alerts = sorted(run.outcomes.values(), key=lambda o: _key(o.labels))
        if result.failures:
            try:
                result.harness_slow = harness_slowness(run, rules, timing, am.log_tail(100_000))
            except (ServerError, OSError, KeyError, ValueError) as exc:
                # No evidence, no excuse: the failures stand as they are.
                result.failures.append(f"could not read the run's scrape health: {type(exc).__name__}: {exc}")
            result.failures.append(f"prometheus log tail:\n{prom.log_tail(8)}\nalertmanager log tail:\n{am.log_tail(8)}")



@dataclass
class LiveStack:
    """A running exporter, Alertmanager and Prometheus (see :func:`live_stack`)."""

    prometheus: str
    alertmanager: str
    timing: cfg.Timing
    simulator: Simulator
    exporter: Exporter

    def switch(self, traffic: Traffic) -> None:
        """Serve ``traffic`` from now on (counters keep their totals)."""
        self.simulator.switch(traffic)


@contextmanager
def live_stack(
    rc: RunConfig,
    traffic: Traffic,
    *,
    factor: float,
    strip_mute_time_intervals: bool = True,
) -> Iterator[LiveStack]:
    """The built configs running on loopback with ``traffic``, until the block ends.

    The same servers and rewriting as a scenario run (durations of the rules
    divided by ``factor``), without expectations: for callers that query the
    running Prometheus themselves (``oac e2e --dashboards``).
    Raises :class:`ScenarioError` when ``traffic`` does not fit the catalog.
    """
    prom_doc = load_yaml((rc.build_dir / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    rules = load_rules(rc.build_dir, prom_doc)
    am_doc = load_yaml(rc.alertmanager_config.read_text(encoding="utf-8"))
    served = [j for j in cfg.scrape_jobs(prom_doc) if j not in cfg.SELF_JOBS]
    problems = check_traffic(traffic, rc.catalog, served)
    if problems:
        raise ScenarioError("; ".join(sorted(set(problems))))
    timing = cfg.Timing(factor=factor)
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="oac-e2e-live-")))
        recorder = stack.enter_context(Recorder())
        sim = Simulator(traffic, bucket_bounds(rc.catalog))
        exporter = stack.enter_context(Exporter(sim, served, job_resolver(rc.catalog)))
        _, am_url = start_alertmanager(
            stack, rc, am_doc, tmp, webhook_base=recorder.url,
            strip_mute_time_intervals=strip_mute_time_intervals,
        )
        _, prom_url = start_prometheus(stack, rc, prom_doc, rules, tmp, exporter, am_url=am_url, timing=timing)
        yield LiveStack(prom_url, am_url, timing, sim, exporter)


def harness_slowness(
    run: _Run, rules: Mapping[str, Mapping[str, Any]], timing: cfg.Timing, am_log: str = ""
) -> list[str]:
    """Why the failed run may be the harness's own slowness, from the run's ``up`` and
    ``scrape_duration_seconds``; empty when it may not be (no harness target timed
    out, or an unexpected alert, firing or left pending, has another cause: see
    :func:`obs_as_code.e2e.scrape_health.harness_slowness`)."""
    unexpected = [o.labels for o in run.outcomes.values() if o.verdict == "unexpected" and o.fired_after is not None]
    unexpected += [labels for key, labels in run.pending.items() if key not in run.outcomes]
    # Longer than any run: every sample since Prometheus started.
    up = prometheus_query(run.prom, "up[1h]")
    durations = prometheus_query(run.prom, "scrape_duration_seconds[1h]")
    timeout_s = parse_ms(timing.interval) / 1000.0  # the run's scrape_timeout (config.rewrite_prometheus)
    return judge_slowness(
        unexpected,
        up_rules=rules_reading_up(rules),
        scrapes=target_scrapes(up, durations, timeout_s),
        down_jobs=run.s.down,
        timeout_s=timeout_s,
        notify_rules=rules_selecting(rules, NOTIFY_FAILED_METRIC),
        notifications=notify_failures(am_log),
    )


def _incident(run: _Run, rules: Mapping[str, Mapping[str, Any]]) -> None:
    s = run.s
    deadline = time.monotonic() + s.timeout
    if not s.expect:
        # Steady state: wait for every target's first scrape, then long enough for
        # the longest `for` to elapse; nothing may fire or even be pending.
        while time.monotonic() < deadline and not prometheus_targets_up(run.prom):
            time.sleep(POLL)
        observe = s.observe if s.observe is not None else min(max_scaled_for(rules, s.factor), STEADY_CAP) + 3.0
        until = min(deadline, time.monotonic() + observe)
        alerts: list[dict[str, Any]] = []
        while time.monotonic() < until:
            alerts = run.observe()
            time.sleep(POLL)
        alerts = run.observe()
        for alert in alerts:
            if alert.get("state") == "pending" and not s.tolerated(alert["labels"]):
                run.pending[_key(alert["labels"])] = dict(alert["labels"])
                run.fail(f"alert pending at the end of the steady state: {_describe(alert['labels'])}")
        if any(n for n in run.notifications() if not all(s.tolerated(a["labels"]) for a in n.alerts())):
            run.fail("Alertmanager sent notifications during the steady state")
        return
    unmet: list[str] = ["not started"]
    while time.monotonic() < deadline:
        run.observe()
        unmet = run.unmet()
        if not unmet:
            break
        time.sleep(POLL)
    if unmet:
        for item in unmet:
            run.fail(f"after {s.timeout:.0f}s: {item}")
        return
    # A little longer, so a notification that must not happen has its chance to:
    # as long again as notifications took in this run (twice the slowest), since
    # on a loaded machine a wrong one would be as late as the right ones were.
    settle = time.monotonic() + settle_time(run.outcomes.values())
    while time.monotonic() < settle:
        run.observe()
        time.sleep(POLL)
    for key, reason in run.suppression().items():
        run.outcomes[key].suppressed = reason


def settle_time(outcomes: Iterable[AlertOutcome]) -> float:
    """Seconds to keep watching after the expectations hold: twice the slowest
    fire-to-notification delay of the run, between SETTLE and SETTLE_CAP."""
    lags = [
        o.notified_after - o.fired_after
        for o in outcomes
        if o.notified_after is not None and o.fired_after is not None
    ]
    return min(SETTLE_CAP, max([SETTLE, *(2 * lag for lag in lags)]))


def _recover(run: _Run) -> None:
    deadline = time.monotonic() + run.s.timeout
    waiting: list[str] = ["not started"]
    while time.monotonic() < deadline:
        alerts = run.observe()
        waiting = run.resolved(alerts)
        if not waiting:
            return
        time.sleep(POLL)
    for item in waiting:
        run.fail(f"did not resolve within {run.s.timeout:.0f}s: {item}")


def _map(fn: Callable[[Scenario], ScenarioResult], scenarios: Sequence[Scenario], parallel: int) -> list[ScenarioResult]:
    if parallel <= 1 or len(scenarios) <= 1:
        return [fn(s) for s in scenarios]
    with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="e2e") as pool:
        return list(pool.map(fn, scenarios))


def run_scenarios(scenarios: Sequence[Scenario], rc: RunConfig, *, parallel: int = 2) -> list[ScenarioResult]:
    """Run scenarios, ``parallel`` at a time; results in the order given.

    Scenarios that failed only by the harness's slowness (see :func:`run_scenario`)
    run once more after all the others, half as many at a time, since the
    harness's own servers are part of the load that made them slow.
    """
    results = _map(lambda s: run_scenario(s, rc, retry=False), scenarios, parallel)
    again = [i for i, r in enumerate(results) if needs_retry(r)]
    if again:
        second = _map(lambda s: _attempt(s, rc), [scenarios[i] for i in again], max(1, parallel // 2))
        for i, result in zip(again, second, strict=True):
            results[i] = merge_retry(results[i], result)
    return results


__all__ = [
    "AlertOutcome",
    "Binaries",
    "LiveStack",
    "RunConfig",
    "ScenarioError",
    "ScenarioResult",
    "bucket_bounds",
    "built_alerts",
    "built_records",
    "check_traffic",
    "find_binaries",
    "live_stack",
    "run_scenario",
    "run_scenarios",
    "start_alertmanager",
    "start_prometheus",
]

