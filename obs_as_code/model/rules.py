"""Prometheus alerting and recording rules, and the groups that hold them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from obs_as_code.durations import Duration
from obs_as_code.model.base import (
    Definition,
    require_sequence,
    require_string_maps,
    require_strings,
)


@dataclass
class AlertRule(Definition):
    """An alerting rule. ``for_`` is Prometheus' ``for`` (a Python keyword)."""

    name: str
    expr: str
    for_: Duration | None = None
    keep_firing_for: Duration | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)

    kind: ClassVar[str] = "alert"

    def __post_init__(self) -> None:
        require_strings(self, ("name", "expr"))
        require_string_maps(self, ("labels", "annotations"))
        super().__post_init__()

    def key(self) -> str:
        return self.name


@dataclass
class RecordingRule(Definition):
    """A recording rule: ``name`` is the recorded metric name (``record``)."""

    name: str
    expr: str
    labels: Mapping[str, str] = field(default_factory=dict)

    kind: ClassVar[str] = "recording rule"

    def __post_init__(self) -> None:
        require_strings(self, ("name", "expr"))
        require_string_maps(self, ("labels",))
        super().__post_init__()

    def key(self) -> str:
        return self.name


Rule = AlertRule | RecordingRule


@dataclass
class RuleGroup(Definition):
    """A rule group. Group ``labels`` are added to every rule (rule labels win),
    which keeps the output loadable by Prometheus versions without group labels."""

    name: str
    rules: Sequence[Rule]
    interval: Duration | None = None
    limit: int | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    #: Extra keys written into the group as they are (escape hatch).
    extra: Mapping[str, Any] = field(default_factory=dict)

    top_level: ClassVar[bool] = True
    kind: ClassVar[str] = "rule group"
    non_negative: ClassVar[frozenset[str]] = frozenset({"limit"})
    go_integers: ClassVar[Mapping[str, str]] = {"limit": "int"}

    def __post_init__(self) -> None:
        require_strings(self, ("name",))
        require_sequence(self, "rules", (AlertRule, RecordingRule), "AlertRule and RecordingRule")
        require_string_maps(self, ("labels",))
        super().__post_init__()

    def key(self) -> str:
        return self.name
