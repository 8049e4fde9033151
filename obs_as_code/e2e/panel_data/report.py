"""What each panel target showed, and the report of a whole check."""

from __future__ import annotations

import fnmatch
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from obs_as_code.e2e.panel_data.formats import Variable

Status = Literal["ok", "empty", "error"]


@dataclass(frozen=True)
class TargetResult:
    """What one panel target showed."""

    dashboard: str
    panel: str
    ref_id: str
    #: The query as written in the dashboard.
    query: str
    status: Status
    #: The query Prometheus ran (variables substituted).
    expr: str = ""
    message: str = ""
    series: int = 0
    #: Every value the query returned is NaN (Grafana shows "NaN", not a number).
    all_nan: bool = False
    kind: str = "range"
    row: str = ""
    #: ``$var=value`` when one variable was set to one of its options (``each_value``).
    selection: str = ""
    #: The panel's own time range (``timeFrom``/``timeShift``) as its header tells it,
    #: e.g. ``now-30d to now``, ``invalid time override`` (see :class:`.timemath.PanelTime`).
    time_override: str = ""
    #: The panel sits in a collapsed row: Grafana runs this query only once a user
    #: expands the row (checked all the same: the panel must show data then).
    collapsed: bool = False

    def where(self) -> str:
        """``file: panel [refId]`` (and the selection) for messages."""
        chosen = f" with {self.selection}" if self.selection else ""
        return f"{self.dashboard}: {self.panel!r} [{self.ref_id}]{chosen}"

    def to_json(self) -> dict[str, Any]:
        """Plain data for the JSON report."""
        return {
            "dashboard": self.dashboard, "row": self.row, "panel": self.panel, "ref_id": self.ref_id,
            "selection": self.selection or None, "query": self.query, "expr": self.expr, "kind": self.kind, "status": self.status,
            "message": self.message or None, "series": self.series, "all_nan": self.all_nan,
            "time_override": self.time_override or None, "collapsed": self.collapsed,
        }


@dataclass
class PanelDataReport:
    """Every Prometheus target's outcome, and what was not checked."""

    results: list[TargetResult] = field(default_factory=list)
    #: datasource type (or ``hidden``, ``library panel``, ``nested in an expanded row``)
    #: -> targets not checked.
    skipped: Counter[str] = field(default_factory=Counter)
    #: dashboard file -> its variables at first load.
    variables: dict[str, list[Variable]] = field(default_factory=dict)

    def by_status(self, status: Status) -> list[TargetResult]:
        """The targets with ``status``."""
        return [r for r in self.results if r.status == status]

    @property
    def errors(self) -> list[TargetResult]:
        """Targets Prometheus refused."""
        return self.by_status("error")

    @property
    def empty(self) -> list[TargetResult]:
        """Targets without a series ("No data")."""
        return self.by_status("empty")

    def collapsed_panels(self) -> list[str]:
        """``dashboard: row / panel`` of every panel checked in a collapsed row, once each,
        in order (their queries run in Grafana only when the row is expanded)."""
        return list(dict.fromkeys(f"{r.dashboard}: {r.row} / {r.panel}" for r in self.results if r.collapsed))

    @property
    def variable_problems(self) -> list[tuple[str, Variable]]:
        """``(dashboard, variable)`` for variables that matched nothing or failed."""
        return [(d, v) for d, vs in self.variables.items() for v in vs if v.problem]

    def problems(self, allow_empty: Sequence[str] = ()) -> list[str]:
        """What fails the check: errors, empty targets not allowed, variables without options,
        panels whose ``timeFrom``/``timeShift`` Grafana rejects (``invalid time override``).

        ``allow_empty``: :func:`fnmatch.fnmatchcase` patterns on ``dashboard file:panel title``
        of panels allowed to show no data (e.g. ``alerting/*:Firing alerts*``); a
        pattern matching no Prometheus panel checked is a problem too.
        """
        out = [f"{r.status} {r.where()}: {r.message or r.expr}" for r in self.errors]
        out += [
            f"empty {r.where()}: {r.expr}" for r in self.empty
            if not any(fnmatch.fnmatchcase(f"{r.dashboard}:{r.panel}", p) for p in allow_empty)
        ]
        out += [f"variable {d}: {v.describe()}: {v.problem}" for d, v in self.variable_problems]
        # Grafana runs such a panel over the dashboard's range and says why in its header.
        out += [f"time override {r.where()}: {r.time_override}" for r in self.results
                if r.time_override.startswith("invalid")]
        # A pattern matching no panel at all is a typo or a panel renamed since: it allows nothing.
        panels = {f"{r.dashboard}:{r.panel}" for r in self.results}
        out += [
            f"allow-empty {p!r} matches no panel" for p in allow_empty
            if not any(fnmatch.fnmatchcase(panel, p) for panel in panels)
        ]
        return out

    def summary(self) -> str:
        """One line: counts by status (first-load targets, then single-value runs) and skipped targets."""
        first = Counter(r.status for r in self.results if not r.selection)
        chosen = Counter(r.status for r in self.results if r.selection)
        skipped = ", ".join(f"{n} {t}" for t, n in sorted(self.skipped.items())) or "none"
        line = (
            f"{first.total()} Prometheus target(s): {first['ok']} ok, {first['empty']} empty, "
            f"{first['error']} error"
        )
        if chosen:
            line += (
                f"; {chosen.total()} single-value run(s): {chosen['ok']} ok, {chosen['empty']} empty, "
                f"{chosen['error']} error"
            )
        return f"{line}; skipped: {skipped}"

    def render_text(self, *, verbose: bool = False) -> str:
        """Human-readable report: problems first, then (verbose) every target."""
        lines: list[str] = []
        for result in self.results:
            if result.status == "ok" and not (verbose or result.all_nan):
                continue
            note = " (every value NaN)" if result.all_nan else ""
            note += f" [{result.time_override}]" if result.time_override else ""
            lines.append(f"{result.status.upper():5} {result.where()}{note}")
            lines.append(f"      {result.expr or result.query}")
            if result.message:
                lines.append(f"      {result.message}")
        for dashboard, var in self.variable_problems:
            lines.append(f"VAR   {dashboard}: {var.describe()}: {var.problem}")
        for result in self.results:
            if result.status == "ok" and result.time_override.startswith("invalid") and not verbose:
                lines.append(f"TIME  {result.where()}: {result.time_override}")
        collapsed = self.collapsed_panels()
        if collapsed:
            lines.append(f"{len(collapsed)} panel(s) in collapsed rows, checked as if expanded "
                         "(Grafana queries them when the row is opened):")
            lines += [f"      {panel}" for panel in collapsed]
        lines.append(self.summary())
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """Plain data for the JSON report."""
        return {
            "results": [r.to_json() for r in self.results],
            "skipped": dict(sorted(self.skipped.items())),
            "collapsed": self.collapsed_panels(),
            "variables": {
                d: [{"name": v.name, "type": v.type, "values": list(v.values), "all": v.is_all,
                     "problem": v.problem or None} for v in vs]
                for d, vs in sorted(self.variables.items())
            },
        }
