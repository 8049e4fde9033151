"""The base of every definition a user declares: it remembers where it was declared."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from obs_as_code.source import SourceLocation, capture


def _here() -> SourceLocation:
    # Skip this helper, the dataclass-generated __init__ and the default factory call.
    return capture(skip=3)


@dataclass(kw_only=True)
class Definition:
    """Something declared in a user's module.

    ``location`` is the user's line that constructed it; ``module`` is the project
    module it was collected from (set by the loader). ``top_level`` marks the kinds
    the loader collects from module globals.
    """

    location: SourceLocation = field(default_factory=_here, compare=False, repr=False)
    module: str = field(default="", compare=False, repr=False)

    top_level: ClassVar[bool] = False
    #: Human name of the kind, used in messages ("rule group", "scrape job").
    kind: ClassVar[str] = "definition"

    def key(self) -> str:
        """The name that must be unique among definitions of this kind."""
        return ""


def field_location(obj: Any) -> SourceLocation | None:
    """The location of ``obj`` when it is a :class:`Definition`."""
    return obj.location if isinstance(obj, Definition) else None
