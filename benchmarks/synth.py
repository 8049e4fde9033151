"""Generate a synthetic project the size of a large organisation.

``write_repo(root, sizes)`` writes, under ``root``:

- ``alerts/_lib.py``: a shared helper every rule module imports (so editing it
  invalidates every rule module, the worst case for incremental builds);
- ``alerts/gen_NNN.py``: ``sizes.rule_modules`` modules of ``sizes.rules_per_module``
  rules (alerts and recording rules) in ``sizes.groups_per_module`` groups;
- ``scrape/prometheus.py`` and ``scrape/jobs_NN.py``: the Prometheus config and
  ``sizes.scrape_jobs`` scrape jobs;
- ``slos/gen_NNN.py``: ``sizes.slos`` ratio SLOs, ``sizes.slos_per_module`` a module
  (each becomes 17 recording rules, 2 burn-rate alerts and a dashboard);
- ``dashboards/gen_NNN.py``: plain JSON dashboards of ``sizes.panels`` panels, only
  when the dashboards layer is present (an adapter accepts a plain dict); the
  spine alone would report such modules as declaring nothing.

Every value is derived from the indexes, so two runs write identical files.
"""

from __future__ import annotations

import os
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Sizes:
    """How big the synthetic project is."""

    rule_modules: int = 100
    groups_per_module: int = 4
    rules_per_module: int = 100
    scrape_jobs: int = 200
    jobs_per_module: int = 20
    dashboards: int = 1000
    dashboards_per_module: int = 10
    panels: int = 20
    slos: int = 500
    slos_per_module: int = 10

    @property
    def rules(self) -> int:
        return self.rule_modules * self.rules_per_module


FULL = Sizes()
SMALL = Sizes(
    rule_modules=6,
    groups_per_module=2,
    rules_per_module=10,
    scrape_jobs=10,
    jobs_per_module=5,
    dashboards=10,
    dashboards_per_module=5,
    panels=4,
    slos=5,
    slos_per_module=5,
)

LIB = '''\
"""Helpers shared by every generated rule module."""

from obs_as_code import AlertRule, RecordingRule

RUNBOOKS = "https://runbooks.example.com"


def runbook(service: str, alert: str) -> str:
    """Runbook link of an alert."""
    return f"{RUNBOOKS}/{service}.md#{alert.lower()}"


def error_ratio_alert(service: str, index: int, threshold: float) -> AlertRule:
    """A 5xx ratio alert on a service's request counter."""
    name = f"Svc{index:05d}HighErrorRatio"
    return AlertRule(
        name=name,
        expr=(
            f'sum by (job) (rate(http_requests_total{{service="{service}", code=~"5.."}}[5m]))\\n'
            f'/ sum by (job) (rate(http_requests_total{{service="{service}"}}[5m]))\\n'
            f"> {threshold}"
        ),
        for_="10m",
        labels={"severity": "critical" if index % 3 == 0 else "warning", "team": f"team-{index % 17}"},
        annotations={
            "summary": f"{service}: too many 5xx responses",
            "description": "{{ $value | humanizePercentage }} of requests to {{ $labels.job }} failed.",
            "runbook_url": runbook(service, name),
        },
    )


def latency_record(service: str, index: int) -> RecordingRule:
    """p95 latency of a service as a recording rule."""
    return RecordingRule(
        name=f"svc_{index:05d}:http_request_duration_seconds:p95",
        expr=(
            "histogram_quantile(0.95, sum by (job, le) "
            f'(rate(http_request_duration_seconds_bucket{{service="{service}"}}[5m])))'
        ),
        labels={"service": service},
    )
'''


def rule_module(index: int, sizes: Sizes) -> str:
    """Source of ``alerts/gen_<index>.py``."""
    per_group = max(1, sizes.rules_per_module // sizes.groups_per_module)
    lines = [
        f'"""Generated rule module {index}."""',
        "",
        "from alerts._lib import error_ratio_alert, latency_record, runbook",
        "from obs_as_code import AlertRule, RuleGroup",
        "",
    ]
    rule_no = index * sizes.rules_per_module
    for g in range(sizes.groups_per_module):
        lines.append(f"group_{g} = RuleGroup(")
        lines.append(f'    name="gen-{index:03d}-{g}",')
        lines.append('    interval="1m",')
        lines.append(f'    labels={{"module": "gen_{index:03d}"}},')
        lines.append("    rules=[")
        for _ in range(per_group):
            service = f"svc-{rule_no % 997}"
            kind = rule_no % 3
            if kind == 0:
                lines.append(f'        error_ratio_alert("{service}", {rule_no}, 0.0{1 + rule_no % 9}),')
            elif kind == 1:
                lines.append(f'        latency_record("{service}", {rule_no}),')
            else:
                lines.append(
                    textwrap.indent(
                        textwrap.dedent(
                            f"""\
                            AlertRule(
                                name="Svc{rule_no:05d}Down",
                                expr='up{{service="{service}"}} == 0',
                                for_="5m",
                                labels={{"severity": "critical", "team": "team-{rule_no % 17}"}},
                                annotations={{
                                    "summary": "{service} is down",
                                    "description": "{{{{ $labels.instance }}}} has been down for 5 minutes.",
                                    "runbook_url": runbook("{service}", "Svc{rule_no:05d}Down"),
                                }},
                            ),"""
                        ),
                        "        ",
                    )
                )
            rule_no += 1
        lines.append("    ],")
        lines.append(")")
        lines.append("")
    return "\n".join(lines)


def config_module() -> str:
    """Source of ``scrape/prometheus.py``."""
    return textwrap.dedent(
        '''\
        """Global Prometheus settings of the synthetic project."""

        from obs_as_code import AlertmanagerTarget, PrometheusConfig

        config = PrometheusConfig(
            scrape_interval="30s",
            evaluation_interval="30s",
            external_labels={"cluster": "synthetic"},
            alertmanagers=[AlertmanagerTarget(targets=["alertmanager:9093"])],
        )
        '''
    )


def jobs_module(first: int, count: int) -> str:
    """Source of a module declaring ``count`` scrape jobs from number ``first``."""
    lines = [
        '"""Generated scrape jobs."""',
        "",
        "from obs_as_code import RelabelConfig, ScrapeJob",
        "",
        "jobs = [",
    ]
    for i in range(first, first + count):
        lines.append(
            f'    ScrapeJob(name="job-{i:04d}", targets=["host-{i:04d}:9100", "host-{i:04d}b:9100"], '
            f'labels={{"service": "svc-{i % 997}", "team": "team-{i % 17}"}}, scrape_interval="30s", '
            'metric_relabel_configs=[RelabelConfig(source_labels=["__name__"], regex="go_gc_.*", action="drop")]),'
        )
    lines.append("]")
    lines.append("")
    return "\n".join(lines)


def dashboard(index: int, panels: int) -> dict[str, Any]:
    """A plain dashboard JSON model of ``panels`` time-series panels."""
    return {
        "title": f"Service {index:04d}",
        "uid": f"synth-{index:04d}",
        "schemaVersion": 39,
        "tags": ["synthetic"],
        "time": {"from": "now-6h", "to": "now"},
        "panels": [
            {
                "id": p + 1,
                "type": "timeseries",
                "title": f"Panel {p}",
                "gridPos": {"h": 8, "w": 12, "x": 12 * (p % 2), "y": 8 * (p // 2)},
                "datasource": {"type": "prometheus", "uid": "prometheus"},
                "targets": [
                    {
                        "refId": "A",
                        "expr": f'sum by (job) (rate(http_requests_total{{service="svc-{index % 997}", panel="{p}"}}[5m]))',
                    }
                ],
                "fieldConfig": {"defaults": {"unit": "reqps"}, "overrides": []},
            }
            for p in range(panels)
        ],
    }


def dashboard_module(first: int, count: int, panels: int) -> str:
    """Source of a module holding ``count`` plain-dict dashboards."""
    lines = ['"""Generated dashboards (plain JSON models)."""', ""]
    for i in range(first, first + count):
        lines.append(f"dashboard_{i:04d} = {dashboard(i, panels)!r}")
    lines.append("")
    return "\n".join(lines)


def dashboards_supported() -> bool:
    """True when a registered adapter turns a plain dashboard dict into a definition."""
    from obs_as_code import load
    from obs_as_code.discover import ModuleRef
    from obs_as_code.source import SourceLocation

    ref = ModuleRef("dashboards/probe.py", "dashboards.probe")
    try:
        adapters = load._adapters()
    except Exception:  # an adapter that fails to import is "not there yet"
        return False
    for adapt in adapters:
        try:
            if adapt("probe", dashboard(0, 1), ref, SourceLocation(ref.path, 1, 1)) is not None:
                return True
        except Exception:
            continue
    return False


def slo_module(first: int, count: int) -> str:
    """Source of a module declaring ``count`` ratio SLOs."""
    lines = ['"""Generated SLOs."""', "", "from obs_as_code.slo import SLO, RatioSLI", ""]
    for k in range(first, first + count):
        lines.append(
            f"slo_{k:04d} = SLO(service=\"svc-{k % 50:02d}\", name=\"availability-{k:04d}\", objective=99.9, "
            f"sli=RatioSLI(errors='svc_{k:04d}_requests_total{{code=~\"5..\"}}', total=\"svc_{k:04d}_requests_total\"))"
        )
    return "\n".join(lines) + "\n"


def write_repo(root: Path, sizes: Sizes = FULL, *, dashboards: bool | None = None) -> dict[str, int]:
    """Write the synthetic project under ``root``; returns what it holds."""
    alerts = root / "alerts"
    scrape = root / "scrape"
    alerts.mkdir(parents=True, exist_ok=True)
    scrape.mkdir(parents=True, exist_ok=True)
    (alerts / "_lib.py").write_text(LIB)
    for i in range(sizes.rule_modules):
        (alerts / f"gen_{i:03d}.py").write_text(rule_module(i, sizes))
    (scrape / "prometheus.py").write_text(config_module())
    for n, first in enumerate(range(0, sizes.scrape_jobs, sizes.jobs_per_module)):
        count = min(sizes.jobs_per_module, sizes.scrape_jobs - first)
        (scrape / f"jobs_{n:02d}.py").write_text(jobs_module(first, count))
    made = {"rules": sizes.rules, "rule_modules": sizes.rule_modules, "scrape_jobs": sizes.scrape_jobs, "dashboards": 0}
    slos = root / "slos"
    slos.mkdir(exist_ok=True)
    for n, first in enumerate(range(0, sizes.slos, sizes.slos_per_module)):
        count = min(sizes.slos_per_module, sizes.slos - first)
        (slos / f"gen_{n:03d}.py").write_text(slo_module(first, count))
    made["slos"] = sizes.slos
    if dashboards is None:
        dashboards = dashboards_supported()
    if dashboards:
        boards = root / "dashboards"
        boards.mkdir(exist_ok=True)
        for n, first in enumerate(range(0, sizes.dashboards, sizes.dashboards_per_module)):
            count = min(sizes.dashboards_per_module, sizes.dashboards - first)
            (boards / f"gen_{n:03d}.py").write_text(dashboard_module(first, count, sizes.panels))
        made["dashboards"] = sizes.dashboards
    return made


def _touch_later(path: Path, before: int) -> None:
    # A later second than the previous version: Python trusts a .pyc whose source
    # mtime (whole seconds) and size match, and the clean build an edit is
    # checked against would otherwise run stale bytecode.
    later = max(path.stat().st_mtime_ns, before + 10**9)
    os.utime(path, ns=(later, later))


def edit_helper(root: Path) -> Path:
    """Change the runbook host in ``alerts/_lib.py``: every rule module's output changes."""
    path = root / "alerts" / "_lib.py"
    before = path.stat().st_mtime_ns
    path.write_text(path.read_text().replace("https://runbooks.example.com", "https://runbooks.example.org"))
    _touch_later(path, before)
    return path


def _edit(path: Path, pattern: str, replacement: str) -> Path:
    """Replace the first match of ``pattern`` in ``path``, with a later mtime."""
    text = path.read_text()
    before = path.stat().st_mtime_ns
    path.write_text(re.sub(pattern, replacement, text, count=1))
    _touch_later(path, before)
    return path


def edit_rule_module(root: Path, index: int, salt: int) -> Path:
    """Change the first group's interval in ``alerts/gen_<index>.py`` (a real change of output)."""
    return _edit(root / "alerts" / f"gen_{index:03d}.py", r'interval="\d+m"', f'interval="{2 + salt % 58}m"')


def edit_dashboard_module(root: Path, index: int, salt: int) -> Path:
    """Change one panel title in ``dashboards/gen_<index>.py`` (one dashboard's output changes)."""
    return _edit(root / "dashboards" / f"gen_{index:03d}.py", r"'title': 'Panel 0( v\d+)?'", f"'title': 'Panel 0 v{salt}'")


def edit_slo_module(root: Path, index: int, salt: int) -> Path:
    """Change the first SLO's objective in ``slos/gen_<index>.py`` (its rules and dashboard change)."""
    return _edit(root / "slos" / f"gen_{index:03d}.py", r"objective=[0-9.]+", f"objective={99 + (salt % 9) / 10}")
