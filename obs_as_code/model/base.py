"""The base of every definition a user declares: it remembers where it was declared."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from obs_as_code.redact import is_secret_name, shown_value
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

    def assigned_to(self, name: str) -> None:
        """Told by the loader the module-level name the user's module assigned this
        to (in the module that declared it). Kinds that need it keep it."""


def require_strings(obj: Any, names: tuple[str, ...], optional: tuple[str, ...] = ()) -> None:
    """Raise ``TypeError`` when a field of ``obj`` named in ``names`` is not a
    string (or, for ``optional``, neither a string nor None): raised in the
    user's module, it is reported at the line that built ``obj`` (OAC101),
    instead of crashing a later stage, or running into a compiled module's own
    type check (obs_as_code/_native.py), with a traceback."""
    for name in (*names, *optional):
        value = getattr(obj, name)
        if not isinstance(value, str) and not (value is None and name in optional):
            kind = "a string or None" if name in optional else "a string"
            raise TypeError(f"{type(obj).__name__} {name} must be {kind}, not {type(value).__name__} ({shown_value(name, value)})")


def require_string_maps(obj: Any, names: tuple[str, ...]) -> None:
    """Raise ``TypeError`` when a field of ``obj`` named in ``names`` is not a
    mapping of strings to strings (labels, annotations): a number or None there
    would otherwise crash a later stage, outside the user's code."""
    for name in names:
        value = getattr(obj, name)
        if not isinstance(value, Mapping):
            raise TypeError(f"{type(obj).__name__} {name} must be a dict of strings, not {type(value).__name__} ({shown_value(name, value)})")
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{type(obj).__name__} {name}: key {key!r} must be a string, not {type(key).__name__}")
            if not isinstance(item, str):
                raise TypeError(
                    f"{type(obj).__name__} {name}[{key!r}] must be a string, not {type(item).__name__} ({shown_value(key, item)})"
                    # The fix quotes the value: not for a secret-named key.
                    + (f": write {str(item)!r}" if isinstance(item, (int, float)) and not isinstance(item, bool) and not is_secret_name(key) else "")
                )


def require_sequence(obj: Any, name: str, of: tuple[type, ...], what: str) -> None:
    """Raise ``TypeError`` when the field ``name`` of ``obj`` is not a list or tuple
    whose items are instances of ``of`` (``what`` names them in the message): a
    single item or a string given where a list belongs is the usual slip."""
    value = getattr(obj, name)
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        hint = f": write {name}=[...]" if isinstance(value, (str, *of)) else ""
        raise TypeError(f"{type(obj).__name__} {name} must be a list of {what}, not {type(value).__name__}{hint}")
    for i, item in enumerate(value):
        if not isinstance(item, of):
            raise TypeError(f"{type(obj).__name__} {name}[{i}] must be {what}, not {type(item).__name__} ({shown_value(name, item)})")


def field_location(obj: Any) -> SourceLocation | None:
    """The location of ``obj`` when it is a :class:`Definition`."""
    return obj.location if isinstance(obj, Definition) else None
