"""A tiny project written from a few parameters, for the incremental-build tests."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

VARIANTS = ("ok", "bad_promql", "raises", "empty", "lib_constant", "two_groups", "dup_group")


@dataclass
class Spec:
    """What the project holds: rule modules (name -> (seed, variant)), the helper's version, jobs."""

    modules: dict[str, tuple[int, str]] = field(default_factory=dict)
    lib_version: int = 0
    jobs: int = 2


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
    head = f'"""Rules {name}."""\n\nfrom alerts import _lib\nfrom alerts._lib import down\nfrom obs_as_code import RecordingRule, RuleGroup\n\n'
    if variant == "raises":
        return head + f"raise RuntimeError('broken {seed}')\n"
    if variant == "empty":
        return head + "_nothing = 1\n"
    expr = f"sum(rate(x_{seed}_total[5m]))" if variant != "bad_promql" else f"sum(rate(x_{seed}_total[5m])"
    rules = [f"down('svc-{seed}', {seed})", f'RecordingRule(name="job:x_{seed}:rate5m", expr="{expr}")']
    if variant == "lib_constant":
        rules.append(f'RecordingRule(name="job:y_{seed}:rate5m", expr="sum(y)", labels={{"base": _lib.BASE}})')
    group_name = "shared" if variant == "dup_group" else f"{name}-{seed}"
    body = f'group = RuleGroup(name="{group_name}", interval="{1 + seed % 5}m", rules=[\n    ' + ",\n    ".join(rules) + ",\n])\n"
    if variant == "two_groups":
        body += f'other = RuleGroup(name="{name}-other", rules=[down("svc-o{seed}", {seed + 1})])\n'
    return head + body


def jobs_source(count: int) -> str:
    """Source of ``scrape/jobs.py``."""
    jobs = ",\n    ".join(f'ScrapeJob(name="job-{i}", targets=["h{i}:9100"])' for i in range(count))
    return f'"""Jobs."""\n\nfrom obs_as_code import PrometheusConfig, ScrapeJob\n\nconfig = PrometheusConfig()\njobs = [\n    {jobs},\n]\n'


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
