"""A tiny project written from a few parameters, for the incremental-build tests."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

#: ``dup_group_ignored`` is ``dup_group`` with an ``# oac: ignore[OAC106]`` at the end
#: of the group's first line: switching between the two moves no line.
VARIANTS = (
    "ok", "bad_promql", "raises", "empty", "lib_constant", "two_groups", "dup_group", "dup_group_ignored",
    "repo_runbook", "uses_other", "new_expr",
)

#: Dashboard module variants: a panel over a recording rule of the rule module of the
#: same seed (undefined once that module changes seed: OAC506 across modules), a UID
#: shared by every module of this variant (a collision), an unparsable query, an
#: unaggregated rate, a title shared by every module of this variant (a collision).
DASHBOARD_VARIANTS = ("ok", "shared_uid", "bad_query", "unaggregated", "shared_title")


@dataclass
class Spec:
    """What the project holds: rule modules (name -> (seed, variant)), the helper's version, jobs."""

    modules: dict[str, tuple[int, str]] = field(default_factory=dict)
    lib_version: int = 0
    jobs: int = 2
    #: Dashboard modules: name -> (seed, one of DASHBOARD_VARIANTS).
    dashboards: dict[str, tuple[int, str]] = field(default_factory=dict)
    #: SLO module ``slos/s0.py``: None for none, else a seed (its objective and names).
    slo: int | None = None
    #: Headings of ``docs/runbooks.md`` (seeds): repo_runbook alerts link to ``#svc-<seed>``.
    runbook_headings: tuple[int, ...] = ()
    #: Datasources in ``datasources/ds.py``: 0 none, 1 the ``prometheus`` one the
    #: dashboards use, 2 only another one (dashboards then reference an undeclared uid).
    datasources: int = 0

LIB = '''\
"""Shared helpers (edited by the tests)."""

from obs_as_code import AlertRule

BASE = "https://runbooks.example.com/v{version}"
SEVERITY = "{severity}"


def down(service: str, seed: int) -> AlertRule:
    """An up == 0 alert."""
    return AlertRule(
        name=f"Down{{seed}}",
        expr=f'up{{{{service="{{service}}"}}}} == 0',
        for_="{for_}m",
        labels={{"severity": SEVERITY, "team": "t{{seed % 3}}"}},
        annotations={{"summary": f"{{service}} down", "runbook_url": f"{{BASE}}/{{service}}"}},
    )
'''


def module_source(name: str, seed: int, variant: str) -> str:
    """Source of ``alerts/<name>.py`` for a seed and one of :data:`VARIANTS`."""
    head = f'"""Rules {name}."""\n\nfrom alerts import _lib\nfrom alerts._lib import down\nfrom obs_as_code import AlertRule, RecordingRule, RuleGroup\n\n'
    if variant == "raises":
        return head + f"raise RuntimeError('broken {seed}')\n"
    if variant == "empty":
        return head + "_nothing = 1\n"
    expr = f"sum(rate(x_{seed}_total[5m]))" if variant != "bad_promql" else f"sum(rate(x_{seed}_total[5m])"
    if variant == "new_expr":  # the same names, labels and lines; another expression and interval
        expr = f"sum(rate(x_{seed}_total[10m]))"
    rules = [f"down('svc-{seed}', {seed})", f'RecordingRule(name="job:x_{seed}:rate5m", expr="{expr}")']
    if variant == "lib_constant":
        rules.append(f'RecordingRule(name="job:y_{seed}:rate5m", expr="sum(y)", labels={{"base": _lib.BASE}})')
    if variant == "repo_runbook":
        rules.append(
            f'AlertRule(name="Runbook{seed}", expr="up == 0", for_="5m", labels={{"severity": "info"}}, '
            f'annotations={{"summary": "s", "runbook_url": "docs/runbooks.md#svc-{seed}"}})'
        )
    if variant == "uses_other":  # reads the recording rule of the module of the next seed
        rules.append(f'RecordingRule(name="job:z_{seed}:sum", expr="sum(job:x_{seed + 1}:rate5m)")')
    group_name = "shared" if variant.startswith("dup_group") else f"{name}-{seed}"
    interval = f"{1 + seed % 5}m" if variant != "new_expr" else "30s"
    ignore = "  # oac: ignore[OAC106]" if variant == "dup_group_ignored" else ""
    body = f'group = RuleGroup(name="{group_name}", interval="{interval}", rules=[{ignore}\n    ' + ",\n    ".join(rules) + ",\n])\n"
    if variant == "two_groups":
        body += f'other = RuleGroup(name="{name}-other", rules=[down("svc-o{seed}", {seed + 1})])\n'
    return head + body


def jobs_source(count: int) -> str:
    """Source of ``scrape/jobs.py``."""
    jobs = ",\n    ".join(f'ScrapeJob(name="job-{i}", targets=["h{i}:9100"])' for i in range(count))
    return f'"""Jobs."""\n\nfrom obs_as_code import PrometheusConfig, ScrapeJob\n\nconfig = PrometheusConfig()\njobs = [\n    {jobs},\n]\n'


def dashboard_source(name: str, seed: int, variant: str) -> str:
    """Source of ``dashboards/<name>.py``: one plain-dict dashboard."""
    expr = {
        "ok": f"sum(job:x_{seed}:rate5m)",
        "shared_uid": "sum(rate(x_total[5m]))",
        "bad_query": "sum(rate(x_total[5m])",
        "unaggregated": "rate(x_total[5m])",
        "shared_title": f"sum(job:x_{seed}:rate5m)",
    }[variant]
    uid = "shared-uid" if variant == "shared_uid" else f"{name}-{seed}"
    board = {
        "title": "Shared title" if variant == "shared_title" else f"Board {name} {seed}",
        "uid": uid,
        "schemaVersion": 39,
        "panels": [
            {
                "id": 1,
                "type": "timeseries",
                "title": "Requests",
                "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
                "datasource": {"type": "prometheus", "uid": "prometheus"},
                "targets": [{"refId": "A", "expr": expr}],
            }
        ],
    }
    return f'"""Dashboard {name}."""\n\nboard = {board!r}\n'


def slo_source(seed: int) -> str:
    """Source of ``slos/s0.py``: one ratio SLO over the seed's counter."""
    return (
        '"""SLOs."""\n\nfrom obs_as_code.slo import SLO, RatioSLI\n\n'
        f'slo = SLO(service="svc-{seed}", name="availability-{seed}", objective={99 + seed % 9 / 10}, '
        f"sli=RatioSLI(errors='x_{seed}_total{{code=~\"5..\"}}', total=\"x_{seed}_total\"))\n"
    )


class Writer:
    """Writes a :class:`Spec` under ``root``, removing modules it no longer holds.

    Every write moves the file's mtime forward by a second: edits made faster than
    the file system's timestamp granularity must still look new to Python's
    bytecode cache and to ours.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._clock = 1_700_000_000 * 10**9

    def _write(self, path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_file() and path.read_text() == text:
            return
        path.write_text(text)
        self._clock += 10**9
        os.utime(path, ns=(self._clock, self._clock))

    def write(self, spec: Spec) -> None:
        alerts = self.root / "alerts"
        severity = ("warning", "critical", "info")[spec.lib_version % 3]
        self._write(alerts / "_lib.py", LIB.format(version=spec.lib_version, severity=severity, for_=1 + spec.lib_version % 4))
        for path in alerts.glob("m*.py"):
            if path.stem not in spec.modules:
                path.unlink()
        for name, (seed, variant) in spec.modules.items():
            self._write(alerts / f"{name}.py", module_source(name, seed, variant))
        self._write(self.root / "scrape" / "jobs.py", jobs_source(spec.jobs))
        boards = self.root / "dashboards"
        for path in boards.glob("d*.py"):
            if path.stem not in spec.dashboards:
                path.unlink()
        for name, (seed, variant) in spec.dashboards.items():
            self._write(boards / f"{name}.py", dashboard_source(name, seed, variant))
        slo = self.root / "slos" / "s0.py"
        if spec.slo is None:
            slo.unlink(missing_ok=True)
        else:
            self._write(slo, slo_source(spec.slo))
        ds = self.root / "datasources" / "ds.py"
        if spec.datasources:
            uid = "prometheus" if spec.datasources == 1 else "other"
            self._write(
                ds,
                '"""Datasources."""\n\nfrom obs_as_code import Datasource\n\n'
                f'main = Datasource("Main", "prometheus", "http://prometheus:9090", uid="{uid}", is_default=True)\n',
            )
        else:
            ds.unlink(missing_ok=True)
        runbooks = self.root / "docs" / "runbooks.md"
        if spec.runbook_headings:
            self._write(runbooks, "# Runbooks\n\n" + "".join(f"## svc-{s}\n\ntext\n\n" for s in spec.runbook_headings))
        else:
            runbooks.unlink(missing_ok=True)
