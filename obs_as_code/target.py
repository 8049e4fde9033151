"""The Prometheus and Loki releases a project's queries and names are judged for.

Declared in the project's ``pyproject.toml`` (like ruff's ``target-version``)::

    [tool.oac]
    prometheus-version = "3.5"                            # default "2.42"
    prometheus-features = ["promql-experimental-functions"]  # default none
    loki-version = "3.7"                                  # default "2.9"

- ``"2.42"`` (the default): PromQL as Prometheus 2.42 and its promtool read it
  (:mod:`obs_as_code.lint.promql242`), legacy metric and label names
  (``[a-zA-Z_:][a-zA-Z0-9_:]*``).
- ``"3.N"``: PromQL as Prometheus 3 reads it (the grammar promql-parser follows,
  the function list of Prometheus 3.14: a function added in a later 3.x minor
  than the target is not refused), UTF-8 metric and label names (Prometheus 3's
  default ``metric_name_validation_scheme: utf8``). Functions and aggregations
  Prometheus marks experimental are refused unless ``prometheus-features``
  lists ``promql-experimental-functions``, as Prometheus refuses them without
  ``--enable-feature=promql-experimental-functions``.

``loki-version`` is the Loki a dashboard's Loki queries are read as (OAC321,
:mod:`obs_as_code.lint.logql`) and the one ``oac preview`` runs:

- ``"2.9"`` (the default): LogQL as Loki 2.9.8 parses it.
- ``"3.N"``: LogQL as Loki 3 parses it, the grammar of Loki v3.7.6 (``or``
  between line filters, the ``|>`` and ``!>`` pattern line filters,
  ``approx_topk``, keywords in any case, signed numbers in label filters ...):
  what a 3.x minor later than 3.7 added is refused, and what 3.7 takes that an
  earlier minor did not (``approx_topk`` came in 3.3) is not refused for it;
  ``variants(...) of (...)`` and its two keywords from 3.5 only.

Any other value (not ``MAJOR.MINOR``, a 2.x other than 2.42 or 2.9, a major other
than 2 or 3) is refused: only those grammars are modelled. The target of the build
running is :data:`current`, set by :func:`targeting` around a build, lint or
validation of a project.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

#: The features ``prometheus-features`` may list (``--enable-feature`` names).
EXPERIMENTAL_FUNCTIONS = "promql-experimental-functions"
KNOWN_FEATURES = frozenset({EXPERIMENTAL_FUNCTIONS})
_VERSION = re.compile(r"([0-9]{1,3})\.([0-9]{1,3})")


class TargetError(ValueError):
    """A ``[tool.oac]`` setting that cannot be used (a usage error: exit 2)."""


@dataclass(frozen=True)
class PrometheusTarget:
    """A Prometheus release (``major.minor``) and the features enabled on it."""

    major: int = 2
    minor: int = 42
    features: frozenset[str] = frozenset()
    #: ``[tool.oac] loki-version``: the Loki release (``major.minor``) a
    #: dashboard's Loki queries are read as.
    loki_major: int = 2
    loki_minor: int = 9

    @property
    def v3(self) -> bool:
        """Prometheus 3's grammar and UTF-8 names (else 2.42's)."""
        return self.major >= 3

    @property
    def experimental_functions(self) -> bool:
        return EXPERIMENTAL_FUNCTIONS in self.features

    @property
    def version(self) -> str:
        return f"{self.major}.{self.minor}"

    @property
    def loki(self) -> tuple[int, int]:
        """The Loki release, ``(major, minor)``."""
        return self.loki_major, self.loki_minor

    @property
    def loki_version(self) -> str:
        return f"{self.loki_major}.{self.loki_minor}"

    @property
    def key(self) -> str:
        """What findings depend on, for cache keys."""
        return f"prometheus={self.version};features={','.join(sorted(self.features))};loki={self.loki_version}"


DEFAULT = PrometheusTarget()
DEFAULT_LOKI = "2.9"
current: ContextVar[PrometheusTarget] = ContextVar("oac_prometheus_target", default=DEFAULT)


def current_target() -> PrometheusTarget:
    return current.get()


@contextmanager
def targeting(target: PrometheusTarget) -> Iterator[None]:
    """Set :data:`current` to ``target`` inside the block."""
    token = current.set(target)
    try:
        yield
    finally:
        current.reset(token)


def parse_target(
    version: object, features: object = (), where: str = "pyproject.toml", loki: object = DEFAULT_LOKI
) -> PrometheusTarget:
    """The target of a ``prometheus-version``, ``prometheus-features`` and
    ``loki-version`` value, or :class:`TargetError` naming ``where``."""
    major, minor = _major_minor("prometheus-version", version, where, "Prometheus", (2, 42), "3.5", "judges PromQL")
    if not isinstance(features, (list, tuple)) or not all(isinstance(f, str) for f in features):
        raise TargetError(f"{where}: [tool.oac] prometheus-features = {_shown(features)} is not a list of strings")
    unknown = sorted(set(features) - KNOWN_FEATURES)
    if unknown:
        raise TargetError(
            f"{where}: [tool.oac] prometheus-features: unknown feature {unknown[0]!r} "
            f"(known: {', '.join(sorted(KNOWN_FEATURES))})"
        )
    if features and major < 3:
        raise TargetError(f"{where}: [tool.oac] prometheus-features needs prometheus-version 3.x (modelled for Prometheus 3 only)")
    loki_major, loki_minor = parse_loki_version(loki, where)
    return PrometheusTarget(major, minor, frozenset(features), loki_major, loki_minor)


def parse_loki_version(version: object, where: str = "pyproject.toml") -> tuple[int, int]:
    """The ``(major, minor)`` of a ``loki-version`` value, or :class:`TargetError` naming ``where``."""
    return _major_minor("loki-version", version, where, "Loki", (2, 9), "3.7", "reads LogQL")


def _major_minor(
    key: str, version: object, where: str, product: str, older: tuple[int, int], example: str, reading: str
) -> tuple[int, int]:
    """The ``(major, minor)`` of ``key``'s value, a release of ``product``: ``older``
    (the one 2.x modelled) or any 3.x; else :class:`TargetError` naming ``where``,
    with ``example`` (a 3.x version) and ``reading`` (what is read as ``product``)."""
    m = _VERSION.fullmatch(version) if isinstance(version, str) else None
    old = "{}.{}".format(*older)
    if m is None:
        raise TargetError(
            f"{where}: [tool.oac] {key} = {_shown(version)} is not a version: "
            f'write MAJOR.MINOR as a string, e.g. "{old}" or "{example}"'
        )
    major, minor = int(m[1]), int(m[2])
    if not (major == 3 or (major, minor) == older):
        raise TargetError(
            f"{where}: [tool.oac] {key} = {_shown(version)} is not supported: "
            f'obs-as-code {reading} as {product} "{old}" or as {product} 3 ("3.0" ... "3.N")'
        )
    return major, minor


def _shown(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def read_target(root: Path) -> PrometheusTarget:
    """The target ``root/pyproject.toml`` declares (:data:`DEFAULT` without the
    file, its ``[tool.oac]`` table or the keys); :class:`TargetError` when it
    cannot be read or its values are wrong."""
    path = Path(root) / "pyproject.toml"
    try:
        text = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return DEFAULT
    except OSError as exc:
        raise TargetError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    if b"prometheus-" not in text and b"loki-" not in text:  # no key, however written: not parsed (~0.7 ms)
        return DEFAULT
    try:
        data = tomllib.loads(text.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TargetError(f"{path}: not valid TOML: {exc}") from None
    tool = data.get("tool")
    table = tool.get("oac") if isinstance(tool, dict) else None
    if table is None:
        return DEFAULT
    if not isinstance(table, dict):
        raise TargetError(f"{path}: [tool.oac] is not a table")
    if "prometheus-version" not in table and "prometheus-features" not in table and "loki-version" not in table:
        return DEFAULT
    return parse_target(
        table.get("prometheus-version", DEFAULT.version),
        table.get("prometheus-features", ()),
        str(path),
        table.get("loki-version", DEFAULT_LOKI),
    )


def valid_utf8(name: str) -> bool:
    """A name Prometheus 3 takes where it takes UTF-8 names (``model.UTF8Validation``:
    non-empty, valid UTF-8; a Python string is unless it holds a lone surrogate)."""
    if not name:
        return False
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
