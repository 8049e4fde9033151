"""Alert unit tests in Python, rendered for ``promtool test rules``.

The notation of input series is promtool's (``"0+10x30"``, ``"1 _ 3 stale"``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from obs_as_code.durations import Duration
from obs_as_code.model.base import (
    Definition,
    require_sequence,
    require_string_maps,
    require_strings,
)


@dataclass
class Series(Definition):
    """An input series: ``series`` is a selector with labels, ``values`` promtool notation."""

    series: str
    values: str

    kind: ClassVar[str] = "input series"


@dataclass
class ExpectedAlert(Definition):
    """An alert expected to be firing, with its labels and rendered annotations."""

    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)

    kind: ClassVar[str] = "expected alert"


@dataclass
class AlertExpectation(Definition):
    """At ``at``, alert ``alertname`` fires exactly ``alerts`` (empty: does not fire)."""

    at: Duration
    alertname: str
    alerts: Sequence[ExpectedAlert] = ()

    kind: ClassVar[str] = "alert expectation"


@dataclass
class Sample(Definition):
    """An expected sample of a PromQL expression."""

    labels: str
    value: float

    kind: ClassVar[str] = "sample"


@dataclass
class ExprExpectation(Definition):
    """At ``at``, ``expr`` evaluates to exactly ``samples``."""

    expr: str
    at: Duration
    samples: Sequence[Sample] = ()

    kind: ClassVar[str] = "expression expectation"


@dataclass
class RuleTest(Definition):
    """One promtool test case over the rules of ``rule_modules`` (default: the
    module that declares the test)."""

    name: str
    series: Sequence[Series]
    interval: Duration = "1m"
    alerts: Sequence[AlertExpectation] = ()
    exprs: Sequence[ExprExpectation] = ()
    external_labels: Mapping[str, str] = field(default_factory=dict)
    rule_modules: Sequence[str] = ()

    top_level: ClassVar[bool] = True
    kind: ClassVar[str] = "rule test"

    def key(self) -> str:
        return self.name


@dataclass
class RoutingTest(Definition):
    """An alert with ``labels`` is delivered to exactly ``receivers`` (in route order).

    Run by ``oac test`` with ``amtool config routes test`` against the built
    ``alertmanager.yml``.
    """

    labels: Mapping[str, str]
    receivers: Sequence[str]
    name: str = ""

    top_level: ClassVar[bool] = True
    kind: ClassVar[str] = "routing test"

    def __post_init__(self) -> None:
        # amtool gets them on its command line: a number there crashed `oac test`.
        require_string_maps(self, ("labels",))
        require_sequence(self, "receivers", (str,), "receiver names")
        require_strings(self, ("name",))
        super().__post_init__()

    def key(self) -> str:
        return self.name or ",".join(f"{k}={v}" for k, v in sorted(self.labels.items()))
