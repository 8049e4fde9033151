"""Helpers shared by checks: walking the definitions that hold durations and labels."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from obs_as_code.load import Project
from obs_as_code.model.base import Definition
from obs_as_code.model.prometheus import AlertmanagerTarget, PrometheusConfig, ScrapeJob
from obs_as_code.model.rules import RuleGroup


def definitions(project: Project) -> Iterator[Definition]:
    """Every definition reachable from the project's top-level ones."""
    seen: set[int] = set()
    stack: list[Any] = list(reversed(project.definitions))
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
            continue
        if not isinstance(item, Definition) or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        children: list[Any] = []
        for value in vars(item).values():
            if isinstance(value, Definition) or (isinstance(value, (list, tuple)) and any(isinstance(v, Definition) for v in value)):
                children.append(value)
        stack.extend(reversed(children))


def label_maps(defs: Iterable[Definition]) -> Iterator[tuple[Definition, str, Mapping[str, str]]]:
    """``(owner, field name, mapping)`` for every label set users write, among
    ``defs`` (``LintContext.definitions()``: the walk is shared by the checks)."""
    for d in defs:
        for attr in ("labels", "external_labels"):
            value = getattr(d, attr, None)
            if isinstance(value, Mapping):
                yield d, attr, value


__all__ = ["AlertmanagerTarget", "PrometheusConfig", "RuleGroup", "ScrapeJob", "definitions", "label_maps"]
