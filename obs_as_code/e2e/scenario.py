"""Scenarios: traffic the platform sees, and what Prometheus and Alertmanager must do about it.

A scenario is a :class:`~obs_as_code.model.base.Definition`, declared at module
level in the project's ``scenarios/`` folder and collected by the loader (the
folder is loaded only by ``oac e2e``, never by ``oac build``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from obs_as_code.e2e.traffic import Traffic
from obs_as_code.model.base import Definition

Delivery = Literal["notified", "inhibited", "silenced"]


@dataclass(frozen=True, kw_only=True)
class Fires:
    """An alert that must fire (or that may fire, in ``tolerate``).

    ``alertname`` and the values of ``labels`` are regular expressions matched
    in full against the alert's labels as Prometheus reports them.
    ``delivery`` says what Alertmanager must do with it: notify ``receiver``,
    or suppress it by inhibition or by a silence of the scenario.
    ``count`` is the number of distinct alert series expected (None: at least one).
    """

    alertname: str
    labels: Mapping[str, str] = field(default_factory=dict)
    receiver: str | None = None
    delivery: Delivery = "notified"
    count: int | None = None

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether an alert with ``labels`` is one of these."""
        if not re.fullmatch(self.alertname, labels.get("alertname", "")):
            return False
        return all(re.fullmatch(v, labels.get(k, "")) for k, v in self.labels.items())

    def describe(self) -> str:
        """``Name{k="v"}`` for messages."""
        inner = ",".join(f'{k}=~"{v}"' for k, v in sorted(self.labels.items()))
        return f"{self.alertname}{{{inner}}}" if inner else self.alertname


@dataclass(frozen=True, kw_only=True)
class Silence:
    """A silence created through Alertmanager's API before the incident starts."""

    matchers: Mapping[str, str]
    comment: str = "created by oac e2e"


@dataclass(kw_only=True)
class Scenario(Definition):
    """Traffic for the synthetic exporter and the alerts it must (and must not) cause.

    The run serves ``incident`` traffic (with the ``down`` jobs answering 503)
    until every expectation holds, then switches back to ``baseline`` and waits
    for every alert to resolve (``resolves``). Without ``expect`` the scenario is
    a steady state: it watches long enough for any rule's ``for`` to elapse and
    requires that nothing fires or is pending.
    """

    name: str
    baseline: Traffic
    description: str = ""
    incident: Traffic | None = None
    down: frozenset[str] = frozenset()
    expect: list[Fires] = field(default_factory=list)
    #: Alerts allowed to fire as a side effect (e.g. SLO burn alerts of the same incident).
    tolerate: list[Fires] = field(default_factory=list)
    silences: list[Silence] = field(default_factory=list)
    #: Labels every notification must be grouped by (None: not checked).
    group_by: tuple[str, ...] | None = None
    #: receiver -> number of distinct groups it must be notified of (None: not checked).
    groups: Mapping[str, int] | None = None
    #: Every ``for``, range window and offset is divided by this.
    factor: float = 60.0
    #: Remove mute/active time intervals so a run does not depend on the wall clock.
    strip_mute_time_intervals: bool = False
    #: Recording rules the scenario needs in build/ (skipped, with the reason, when absent).
    requires_records: tuple[str, ...] = ()
    #: Alerting rules the scenario needs in build/ (skipped, with the reason, when absent).
    requires_alerts: tuple[str, ...] = ()
    resolves: bool = True
    #: Steady state only: seconds to watch after the first scrape (None: the
    #: longest scaled ``for`` plus 3s, at most 30s; anything pending at the end
    #: fails the scenario, so a longer ``for`` cannot hide a true condition).
    observe: float | None = None
    #: Seconds allowed for the expectations to hold, and for resolution.
    timeout: float = 60.0

    top_level: ClassVar[bool] = True
    kind: ClassVar[str] = "e2e scenario"

    def key(self) -> str:
        return self.name

    def expected(self, labels: Mapping[str, str]) -> Fires | None:
        """The expectation an alert with ``labels`` satisfies, if any."""
        return next((f for f in self.expect if f.matches(labels)), None)

    def tolerated(self, labels: Mapping[str, str]) -> bool:
        """Whether an alert with ``labels`` may fire without being expected."""
        return any(f.matches(labels) for f in self.tolerate)

    @property
    def incident_traffic(self) -> Traffic:
        """What the exporter serves during the incident."""
        return self.incident if self.incident is not None else self.baseline
