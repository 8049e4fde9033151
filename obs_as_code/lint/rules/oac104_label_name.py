"""OAC104: an invalid label or annotation name."""

from __future__ import annotations

import re
from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._walk import label_maps
from obs_as_code.source import keyword_location

LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for owner, attr, labels in label_maps(ctx.definitions()):
        for name in labels:
            if not isinstance(name, str) or not LABEL_NAME.match(name):
                yield error(
                    keyword_location(owner.location, attr),
                    "OAC104",
                    f"invalid label name {name!r} in {attr}: use [a-zA-Z_][a-zA-Z0-9_]*",
                )
            elif name.startswith("__"):
                yield error(
                    keyword_location(owner.location, attr),
                    "OAC104",
                    f"label name {name!r} in {attr}: names starting with __ are reserved for Prometheus",
                )
            elif not isinstance(labels[name], str):
                yield error(
                    keyword_location(owner.location, attr),
                    "OAC104",
                    f"label {name!r} in {attr} has a {type(labels[name]).__name__} value: label values are strings",
                )
    for d in ctx.definitions():
        annotations = getattr(d, "annotations", None)
        if isinstance(annotations, dict):
            for name, value in annotations.items():
                if not isinstance(name, str) or not LABEL_NAME.match(name):
                    yield error(
                        keyword_location(d.location, "annotations"),
                        "OAC104",
                        f"invalid annotation name {name!r}: use [a-zA-Z_][a-zA-Z0-9_]*",
                    )
                elif not isinstance(value, str):
                    yield error(
                        keyword_location(d.location, "annotations"),
                        "OAC104",
                        f"annotation {name!r} has a {type(value).__name__} value: annotations are strings",
                    )


CHECK = Check("OAC104", "label-name", "label and annotation names must be valid Prometheus label names", run)
