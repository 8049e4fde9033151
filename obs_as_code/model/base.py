"""The base of every definition a user declares: it remembers where it was declared."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import timedelta
from typing import Any, ClassVar

from obs_as_code.redact import is_secret_name, shown_value
from obs_as_code.source import SourceLocation, capture


class FieldValueError(ValueError):
    """A field of a definition holds a value of the right type that Prometheus
    or Alertmanager refuse (a negative limit, one too large for Go, an unknown
    ``extra=`` key): raised in the user's module, it is reported (OAC101) at the
    keyword argument that gave ``field`` when the call was written with it,
    else at the call. User code may catch it as ``ValueError``."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class FieldTypeError(TypeError):
    """A field of a definition, or an argument of a dashboard kit function,
    holds a value of a type it does not take (a number where a string belongs,
    a dict where a list belongs, an item of the wrong type in a list or dict):
    raised in the user's module, it is reported (OAC101) at the keyword
    argument that gave ``field`` when the call was written with it, else at the
    call (positional arguments, ``**kwargs``). User code may catch it as
    ``TypeError``."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


#: The integers Go reads a field as: ``int`` (int64, a rule group's ``limit``)
#: up to 2**63-1; ``uint`` (uint, uint64: limits, ``modulus``, ``max_alerts``)
#: up to the largest value whose float64 is not above 2**64 (go-yaml reads a
#: number beyond uint64 as a float, and takes it when it is not above
#: ``math.MaxUint64`` as a float64: 2**64).
GO_INT_MAX = 2**63 - 1
GO_UINT_MAX = 2**64 - 1


def go_integer_problem(value: int, go_type: str) -> str | None:
    """Why go-yaml refuses ``value`` for a Go ``int``/``uint`` field, None when
    it reads it (negative numbers are :attr:`Definition.non_negative`'s)."""
    if go_type == "int" and value > GO_INT_MAX:
        return f"at most {GO_INT_MAX} (Prometheus reads it as a 64-bit integer)"
    if go_type == "uint" and value > GO_UINT_MAX and (value.bit_length() > 65 or float(value) > 2.0**64):
        return f"at most {GO_UINT_MAX} (read as an unsigned 64-bit integer)"
    return None


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
    #: Fields whose type a later stage reports with a code of its own (OAC401
    #: for an SLO's objective): :func:`require_field_types` leaves them alone.
    typed_later: ClassVar[frozenset[str]] = frozenset()
    #: Integer fields that must not be negative (limits, counts): Prometheus and
    #: Alertmanager read them as unsigned and refuse the file.
    non_negative: ClassVar[frozenset[str]] = frozenset()
    #: Integer fields by the Go type Prometheus or Alertmanager read them as
    #: (``"int"`` or ``"uint"``): a larger value fails their YAML decoding.
    go_integers: ClassVar[Mapping[str, str]] = {}

    def __post_init__(self) -> None:
        require_field_types(self)

    def key(self) -> str:
        """The name that must be unique among definitions of this kind."""
        return ""

    def assigned_to(self, name: str) -> None:
        """Told by the loader the module-level name the user's module assigned this
        to (in the module that declared it). Kinds that need it keep it."""


def require_strings(obj: Any, names: tuple[str, ...], optional: tuple[str, ...] = ()) -> None:
    """Raise :class:`FieldTypeError` when a field of ``obj`` named in ``names`` is not a
    string (or, for ``optional``, neither a string nor None): raised in the
    user's module, it is reported (OAC101) at the keyword argument that gave
    the field, else at the line that built ``obj``, instead of crashing a later stage, or running into a compiled module's own
    type check (obs_as_code/_native.py), with a traceback."""
    for name in (*names, *optional):
        value = getattr(obj, name)
        if not isinstance(value, str) and not (value is None and name in optional):
            kind = "a string or None" if name in optional else "a string"
            raise FieldTypeError(f"{type(obj).__name__} {name} must be {kind}, not {type(value).__name__} ({shown_value(name, value)})", name)


def require_string_maps(obj: Any, names: tuple[str, ...]) -> None:
    """Raise :class:`FieldTypeError` when a field of ``obj`` named in ``names`` is not a
    mapping of strings to strings (labels, annotations): a number or None there
    would otherwise crash a later stage, outside the user's code."""
    for name in names:
        value = getattr(obj, name)
        if not isinstance(value, Mapping):
            raise FieldTypeError(f"{type(obj).__name__} {name} must be a dict of strings, not {type(value).__name__} ({shown_value(name, value)})", name)
        for key, item in value.items():
            if not isinstance(key, str):
                raise FieldTypeError(f"{type(obj).__name__} {name}: key {key!r} must be a string, not {type(key).__name__}", name)
            if not isinstance(item, str):
                raise FieldTypeError(
                    f"{type(obj).__name__} {name}[{key!r}] must be a string, not {type(item).__name__} ({shown_value(key, item)})"
                    # The fix quotes the value: not for a secret-named key.
                    + (f": write {str(item)!r}" if isinstance(item, (int, float)) and not isinstance(item, bool) and not is_secret_name(key) else ""),
                    name,
                )


def require_sequence(obj: Any, name: str, of: tuple[type, ...], what: str) -> None:
    """Raise :class:`FieldTypeError` when the field ``name`` of ``obj`` is not a list or tuple
    whose items are instances of ``of`` (``what`` names them in the message): a
    single item or a string given where a list belongs is the usual slip."""
    value = getattr(obj, name)
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        hint = f": write {name}=[...]" if isinstance(value, (str, *of)) else ""
        raise FieldTypeError(f"{type(obj).__name__} {name} must be a list of {what}, not {type(value).__name__}{hint}", name)
    for i, item in enumerate(value):
        if not isinstance(item, of):
            raise FieldTypeError(f"{type(obj).__name__} {name}[{i}] must be {what}, not {type(item).__name__} ({shown_value(name, item)})", name)


def field_location(obj: Any) -> SourceLocation | None:
    """The location of ``obj`` when it is a :class:`Definition`."""
    return obj.location if isinstance(obj, Definition) else None


# --- the declared type of every field -------------------------------------------

#: (value) -> whether it fits, and what fits said for a message ("a string").
_Fits = tuple[Callable[[Any], bool], str]

_SHOWN_LIMIT = 60


def _shown(name: str, value: Any) -> str:
    text = shown_value(name, value)
    return text if len(text) <= _SHOWN_LIMIT else f"{text[:_SHOWN_LIMIT]}..."


def _classes(hint: Any) -> tuple[type, ...] | None:
    """The classes whose instances are exactly the values ``hint`` allows, when
    one ``isinstance`` call is its whole test (``str``, ``str | None``, a
    definition class); None for the others (``int``, which is no ``bool``;
    ``float``, which takes an ``int``; generics, literals)."""
    if hint is Any:  # a class since Python 3.11, but no isinstance() test
        return None
    if hint is type(None):
        return (type(None),)
    if typing.get_origin(hint) in (types.UnionType, typing.Union):
        parts = [_classes(a) for a in typing.get_args(hint)]
        return tuple(c for p in parts if p is not None for c in p) if all(p is not None for p in parts) else None
    if isinstance(hint, type) and hint not in (int, float) and typing.get_origin(hint) is None:
        return (hint,)
    return None


def _fits(hint: Any) -> _Fits | None:
    """A test of the values a field annotated ``hint`` may hold, None for one not
    checked (``Any``, a type this does not know). The test is one ``isinstance``
    call where that says it all (each definition built runs these)."""
    fit = _fits_any(hint)
    if fit is None:
        return None
    classes = _classes(hint)
    if classes is not None:
        return (lambda v: isinstance(v, classes)), fit[1]
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    items = _classes(args[0]) if origin in (Sequence, list) and args else None
    if items is not None:
        return (lambda v: isinstance(v, (list, tuple)) and all(isinstance(i, items) for i in v)), fit[1]
    keys = _classes(args[0]) if origin in (Mapping, dict) and len(args) == 2 else None
    values = _classes(args[1]) if keys is not None else None
    if keys is not None and values is not None:
        return (lambda v: isinstance(v, Mapping) and all(isinstance(k, keys) and isinstance(i, values) for k, i in v.items())), fit[1]
    return fit


def _fits_any(hint: Any) -> _Fits | None:
    """:func:`_fits` built from its parts, each a test of its own."""
    if hint is Any:
        return None
    if hint is type(None):
        return (lambda v: v is None), "None"
    if hint is str:
        return (lambda v: isinstance(v, str)), "a string"
    if hint is bool:
        return (lambda v: isinstance(v, bool)), "a bool"
    if hint is int:
        return (lambda v: isinstance(v, int) and not isinstance(v, bool)), "an integer"
    if hint is float:
        return (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)), "a number"
    if hint is timedelta:
        return (lambda v: isinstance(v, timedelta)), "a timedelta"
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        parts = [_fits(a) for a in args]
        if any(p is None for p in parts):
            return None
        tests = [p[0] for p in parts if p is not None]
        names = [p[1] for p in parts if p is not None]
        if set(args) >= {str, timedelta}:  # Duration
            names = [n for n in names if n not in ("a string", "a timedelta")]
            names.insert(0, "a duration ('5m' or a timedelta)")
        said = ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]
        return (lambda v: any(t(v) for t in tests)), said
    if origin is typing.Literal:
        return (lambda v: isinstance(v, str) and v in args), "one of " + ", ".join(repr(a) for a in args)
    if origin in (Sequence, list, tuple) and origin is not tuple:
        item = _fits(args[0]) if args else None
        if item is None:
            return (lambda v: isinstance(v, (list, tuple))), "a list"
        test, name = item
        return (lambda v: isinstance(v, (list, tuple)) and all(test(i) for i in v)), f"a list of {_plural(name)}"
    if origin is tuple:
        parts = [_fits(a) for a in args]
        if any(p is None for p in parts) or Ellipsis in args:
            return (lambda v: isinstance(v, (list, tuple))), "a tuple"
        tests = [p[0] for p in parts if p is not None]
        shape = "(" + ", ".join(getattr(a, "__name__", "...") for a in args) + ")"
        return (lambda v: isinstance(v, (list, tuple)) and len(v) == len(tests) and all(t(i) for t, i in zip(tests, v, strict=False))), shape
    if origin in (Mapping, dict):
        key = _fits(args[0]) if args else None
        value = _fits(args[1]) if len(args) > 1 else None
        if key is None:
            return (lambda v: isinstance(v, Mapping)), "a dict"
        key_test = key[0]
        # Any: written into build/ as it is (extra, json_data), so plain data.
        value_test = value[0] if value is not None else _plain
        said = f"a dict of {_plural(value[1])}" if value is not None else "a dict of plain data (strings, numbers, bools, lists, dicts)"
        return (lambda v: isinstance(v, Mapping) and all(key_test(k) and value_test(i) for k, i in v.items())), said
    if isinstance(hint, type):
        return (lambda v: isinstance(v, hint)), hint.__name__
    return None


def _shape_problem(value: Any, shape: str) -> str | None:
    if value is None:
        return None
    if shape == "bool":
        return None if isinstance(value, bool) else "must be true or false"
    if shape == "list":
        return None if isinstance(value, (list, tuple)) else "must be a list"
    if shape == "map":
        return None if isinstance(value, Mapping) else "must be a dict"
    if shape == "scalar":
        return "must be a string" if isinstance(value, (Mapping, list, tuple)) else None
    if isinstance(value, float):
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        return "must be an integer"
    if value < 0:
        return "must not be negative"
    return go_integer_problem(value, "uint")


def require_known_extra(owner: str, extra: Mapping[str, Any], known: frozenset[str], what: str,
                        arguments: Mapping[str, str], product: str, shapes: Mapping[str, str],
                        later: frozenset[str] = frozenset()) -> None:
    """Raise :class:`FieldValueError` (OAC101 at ``extra=``) for what ``product``
    (Prometheus 2.42, Alertmanager 0.25) refuses in the ``extra=`` of ``owner``
    (``known`` its YAML keys, ``what`` their block); a key with an argument of its own (``arguments``:
    key -> the argument) is refused too: ``extra`` is written last and would
    replace what the argument wrote. ``shapes`` gives the YAML shape of some
    keys as go-yaml reads them (None, a YAML null, is the zero value of any):
    "uint" an unsigned integer (a float is truncated, a string or bool
    refused), "bool", "list", "map", "scalar" (a string, which go-yaml also
    reads from a number or bool, not from a list or dict). A key of ``later``
    (one a later release reads: ``extra=`` is how a project on a newer
    Prometheus or Alertmanager sets it) is accepted; the installed promtool or
    amtool judges it in ``oac validate``. Only a key no release knows (a
    misspelt one) is refused."""
    problem = _extra_problem(owner, extra, known, what, arguments, product, shapes, later)
    if problem is not None:
        raise FieldValueError(problem, "extra")


def _extra_problem(owner: str, extra: Mapping[str, Any], known: frozenset[str], what: str,
                   arguments: Mapping[str, str], product: str, shapes: Mapping[str, str],
                   later: frozenset[str]) -> str | None:
    for key in extra:
        if key in arguments:
            return f"{owner} extra: {key!r} has an argument of its own: write {arguments[key]}"
        if key in later:
            continue
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known | later), n=1)
            meant = f" (did you mean {close[0]!r}?)" if close else ""
            since = " nor in a later release" if later else ""
            return f"{owner} extra: {key!r} is not a key of {what} in {product}{since}{meant}"
        shape = shapes.get(key)
        problem = _shape_problem(extra[key], shape) if shape is not None else None
        if problem is not None:
            return f"{owner} extra: {key} {problem}, not {type(extra[key]).__name__} ({_shown(key, extra[key])})"
    return None


def _plain(value: Any, depth: int = 0) -> bool:
    """Whether ``value`` is data the serializer writes as YAML and JSON."""
    if value is None or isinstance(value, (str, int, float)):
        return True
    if depth > 100:
        return False
    if isinstance(value, (list, tuple)):
        return all(_plain(v, depth + 1) for v in value)
    if isinstance(value, Mapping):
        return all(isinstance(k, str) and _plain(v, depth + 1) for k, v in value.items())
    return False


def _plural(name: str) -> str:
    for article in ("a ", "an "):
        if name.startswith(article):
            word = name[len(article):]
            if " or " in word or word.endswith(")"):
                return word
            first, _, rest = word.partition(" ")
            return f"{first}s {rest}" if rest.startswith("of ") else f"{word}s"
    return name


_CHECKS: dict[type, list[tuple[str, Callable[[Any], bool], str]]] = {}


def _checks_of(cls: type) -> list[tuple[str, Callable[[Any], bool], str]]:
    found = _CHECKS.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls)
        found = []
        for f in fields(cls):
            if f.name in ("location", "module") or f.name in getattr(cls, "typed_later", ()):
                continue
            fit = _fits(hints.get(f.name, Any))
            if fit is not None:
                found.append((f.name, fit[0], fit[1]))
        _CHECKS[cls] = found
    return found


def require_field_types(obj: Any) -> None:
    """Raise :class:`FieldTypeError` when a field of the dataclass ``obj`` holds a value its
    annotation does not allow: raised in the user's module, it is reported
    (OAC101) at the keyword argument that gave the field, else at the line that
    built ``obj``. Without it a number where a string
    belongs, a string where a list belongs or a dict where a definition belongs
    crashed a later stage with a traceback, or was written into build/ for
    promtool or Grafana to refuse."""
    for name, test, said in _checks_of(type(obj)):
        value = getattr(obj, name)
        if not test(value):
            hint = f": write {name}=[...]" if said.startswith("a list") and not isinstance(value, (list, tuple, Mapping)) and value is not None else ""
            if said.startswith("a list of ") and isinstance(value, (list, tuple)):
                # A list whose item is wrong: name the item, not the list's own type
                # ("must be a list of numbers, not tuple" of buckets=(0.1, "x")).
                # The field's test of a one-item list is the test of that item.
                bad = next((i for i, item in enumerate(value) if not test([item])), None)
                if bad is not None:
                    raise FieldTypeError(
                        f"{type(obj).__name__} {name} must be {said}: {name}[{bad}] is {type(value[bad]).__name__} ({_shown(name, value[bad])})", name
                    )
            raise FieldTypeError(f"{type(obj).__name__} {name} must be {said}, not {type(value).__name__} ({_shown(name, value)}){hint}", name)
    for name in getattr(type(obj), "non_negative", ()):
        value = getattr(obj, name)
        if isinstance(value, int) and value < 0:
            raise FieldValueError(f"{type(obj).__name__} {name} must not be negative, not {value}", name)
    for name, go_type in getattr(type(obj), "go_integers", {}).items():
        value = getattr(obj, name)
        problem = go_integer_problem(value, go_type) if isinstance(value, int) and not isinstance(value, bool) else None
        if problem is not None:
            raise FieldValueError(f"{type(obj).__name__} {name} is too large: {problem}, not {_shown(name, value)}", name)
