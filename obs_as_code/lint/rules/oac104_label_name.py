"""OAC104: an invalid label or annotation name."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._walk import label_maps
from obs_as_code.model.rules import AlertRule, RecordingRule, RuleGroup
from obs_as_code.source import SourceLocation, keyword_location
from obs_as_code.target import valid_utf8

LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def valid_name(name: object, utf8: bool) -> bool:
    """A valid label (or annotation) name: Prometheus 3's UTF-8 names when ``utf8``, else the legacy ones."""
    return isinstance(name, str) and (valid_utf8(name) if utf8 else LABEL_NAME.match(name) is not None)


def label_problems(location: SourceLocation, attr: str, labels: Mapping[Any, Any], utf8: bool = False) -> Iterator[Diagnostic]:
    """OAC104 for each bad name (or value) in the label map ``attr`` of the
    definition at ``location`` (also used by the SLO generator, whose findings
    are the same diagnostics, so they merge). ``utf8``: judge names as
    Prometheus 3's rulefmt does (a rule's or group's labels, project target 3.x)."""
    for name in labels:
        if not valid_name(name, utf8):
            if utf8:
                yield error(keyword_location(location, attr), "OAC104", f"invalid label name {name!r} in {attr}: not valid UTF-8")
                continue
            yield error(
                keyword_location(location, attr),
                "OAC104",
                f"invalid label name {name!r} in {attr}: use [a-zA-Z_][a-zA-Z0-9_]*",
            )
        elif name.startswith("__"):
            yield error(
                keyword_location(location, attr),
                "OAC104",
                f"label name {name!r} in {attr}: names starting with __ are reserved for Prometheus",
            )
        elif not isinstance(labels[name], str):
            yield error(
                keyword_location(location, attr),
                "OAC104",
                f"label {name!r} in {attr} has a {type(labels[name]).__name__} value: label values are strings",
            )


def annotation_problems(location: SourceLocation, annotations: Mapping[Any, Any], utf8: bool = False) -> Iterator[Diagnostic]:
    """OAC104 for each bad name (or value) in the ``annotations`` of the definition at ``location``."""
    for name, value in annotations.items():
        if not valid_name(name, utf8):
            if utf8:
                yield error(keyword_location(location, "annotations"), "OAC104", f"invalid annotation name {name!r}: not valid UTF-8")
                continue
            yield error(
                keyword_location(location, "annotations"),
                "OAC104",
                f"invalid annotation name {name!r}: use [a-zA-Z_][a-zA-Z0-9_]*",
            )
        elif not isinstance(value, str):
            yield error(
                keyword_location(location, "annotations"),
                "OAC104",
                f"annotation {name!r} has a {type(value).__name__} value: annotations are strings",
            )


#: Whose names Prometheus 3's rulefmt judges by ``metric_name_validation_scheme``
#: (UTF-8 by default): rule groups' and rules' labels, rules' annotations. Scrape
#: configurations, external labels and SLOs keep the legacy names.
_RULEFMT = (RuleGroup, AlertRule, RecordingRule)


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    v3 = ctx.target.v3
    for owner, attr, labels in label_maps(ctx.definitions()):
        yield from label_problems(owner.location, attr, labels, v3 and isinstance(owner, _RULEFMT))
    for d in ctx.definitions():
        annotations = getattr(d, "annotations", None)
        if isinstance(annotations, dict):
            yield from annotation_problems(d.location, annotations, v3 and isinstance(d, _RULEFMT))


CHECK = Check("OAC104", "label-name", "label and annotation names must be valid Prometheus label names", run)
