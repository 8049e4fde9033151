"""The diagnostic codes no lint check owns: one table for the stages that report them.

A check's code lives on its :class:`~obs_as_code.lint.engine.Check`. The other
stages (loading modules, the generators, rendering the project's dashboards,
writing ``build/``, the validators) report codes of their own; they are listed
here, once, with the stage that reports them and a one-line summary, so that
``oac lint --select/--ignore`` knows them without a second hand-kept list. A test scans
the package for every ``OACnnn`` it spells and requires each to be a check's
code or a row of :data:`STAGE_CODES`, with a ``docs/lint/<CODE>.md`` page.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StageCode:
    """A code reported by a stage that is no lint check."""

    code: str
    #: ``load``, ``generate``, ``dashboards`` (rendering every dashboard of the
    #: project, which ``oac lint`` runs too), ``build`` or ``validate``.
    stage: str
    summary: str


STAGE_CODES: tuple[StageCode, ...] = (
    StageCode("OAC101", "load", "a project module raised or has a syntax error"),
    StageCode("OAC102", "load", "a project module declares nothing"),
    StageCode("OAC110", "build", "two definitions write the same file under build/"),
    StageCode("OAC112", "build", "oac build --check: a file of build/ is not what the sources make now"),
    StageCode("OAC113", "build", "a datasource renamed since the last build without previous_names, or a previous name in use"),
    StageCode("OAC114", "build", "a datasource removed since the last build without DeletedDatasource, or a deleted name in use"),
    StageCode("OAC308", "dashboards", "two dashboards share a UID, or a UID Grafana rejects"),
    StageCode("OAC309", "dashboards", "a dashboard source cannot be rendered"),
    StageCode("OAC310", "dashboards", "an invalid dashboard folder, or a nested one provisioning flattens"),
    StageCode("OAC312", "dashboards", "an empty dashboard title, or two in one folder alike"),
    StageCode("OAC313", "dashboards", "a library panel without its model"),
    StageCode("OAC405", "generate", "an SLO the generator cannot turn into rules"),
    StageCode("OAC406", "generate", "two SLOs with one id (one of them would overwrite the other's rules)"),
    StageCode("OAC901", "validate", "promtool rejects a rule file or the Prometheus config"),
    StageCode("OAC902", "validate", "amtool rejects the Alertmanager config, or a routing test fails"),
    StageCode("OAC903", "validate", "a built dashboard does not match Grafana's dashboard schema"),
)


def stage_codes(stage: str | None = None) -> frozenset[str]:
    """Every code of :data:`STAGE_CODES`, or those ``stage`` reports."""
    return frozenset(c.code for c in STAGE_CODES if stage is None or c.stage == stage)
