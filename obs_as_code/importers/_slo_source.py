"""Writing :class:`~obs_as_code.slo.SLO` declarations as Python source (shared by
the Sloth and OpenSLO importers)."""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from obs_as_code.slo.model import SLOTH_WINDOW_RE


class SpecError(ValueError):
    """An input spec that cannot be imported; the message says where and why."""


def read_spec(path: Path) -> str:
    """The text of a spec file, or :class:`SpecError` when it is not UTF-8 text
    (or cannot be read): a usage error, never a traceback."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"{path}: not a YAML text file (not UTF-8: {exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise SpecError(f"{path}: cannot read: {exc.strerror or exc}") from None


def py_str(value: str) -> str:
    """A Python literal for ``value``: triple-quoted when multi-line and safe."""
    if "\n" in value and '"""' not in value and "\\" not in value and not value.endswith('"'):
        return '"""' + value + '"""'
    if "\n" not in value and '"' not in value and "\\" not in value and value.isprintable():
        return f'"{value}"'
    return repr(value)


def py_dict(mapping: Mapping[str, str]) -> str:
    """``{"a": "b"}`` with sorted keys."""
    return "{" + ", ".join(f"{py_str(k)}: {py_str(str(mapping[k]))}" for k in sorted(mapping)) + "}"


def py_float(value: float) -> str:
    """``99.9``, ``99`` (no binary noise)."""
    text = f"{value:.12g}"
    return text


def window_query(query: str) -> str:
    """A query with Sloth's ``{{.window}}`` spelled ``{window}``, trailing space trimmed."""
    return SLOTH_WINDOW_RE.sub("{window}", query).strip()


def identifier(text: str, taken: set[str]) -> str:
    """A unique Python identifier for a module global."""
    base = re.sub(r"[^0-9a-zA-Z_]+", "_", text).strip("_").lower() or "slo"
    if base[0].isdigit() or keyword.iskeyword(base):
        base = f"slo_{base}"
    name, i = base, 2
    while name in taken:
        name, i = f"{base}_{i}", i + 1
    taken.add(name)
    return name


@dataclass
class AlertSpec:
    """One of the two alerts as imported."""

    disable: bool = False
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)


@dataclass
class SLOSpec:
    """An SLO as read from a foreign spec, ready to be written as Python."""

    service: str
    name: str
    objective: float
    sli_kind: str  # "ratio", "good", "raw"
    queries: Mapping[str, str]
    period: str = "30d"
    description: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    alert_name: str | None = None
    alert_labels: Mapping[str, str] = field(default_factory=dict)
    alert_annotations: Mapping[str, str] = field(default_factory=dict)
    page: AlertSpec = field(default_factory=AlertSpec)
    ticket: AlertSpec = field(default_factory=AlertSpec)
    alerts: bool = True
    #: RuleIntervals keywords -> durations.
    intervals: Mapping[str, str] = field(default_factory=dict)
    #: Keep the house severities (critical page, warning ticket) where the spec
    #: sets none. False for Sloth specs (the rules Sloth would generate); True
    #: for OpenSLO, whose alerts Sloth does not generate at all.
    house_severity: bool = False


def _alert_options(spec: AlertSpec, indent: str) -> str | None:
    args = []
    if spec.labels:
        args.append(f"labels={py_dict(spec.labels)}")
    if spec.annotations:
        args.append(f"annotations={py_dict(spec.annotations)}")
    if spec.disable:
        args.append("disable=True")
    return f"AlertOptions({', '.join(args)})" if args else None


def slo_source(spec: SLOSpec, var: str) -> str:
    """``var = SLO(...)`` for one SLO."""
    i1, i2, i3 = "    ", "        ", "            "
    lines = [f"{var} = SLO("]
    lines.append(f"{i1}service={py_str(spec.service)},")
    lines.append(f"{i1}name={py_str(spec.name)},")
    lines.append(f"{i1}objective={py_float(spec.objective)},")
    lines.append(f"{i1}period={py_str(spec.period)},")
    if spec.description:
        lines.append(f"{i1}description={py_str(spec.description)},")
    if spec.labels:
        lines.append(f"{i1}labels={py_dict(spec.labels)},")
    if spec.intervals:
        args = ", ".join(f"{k}={py_str(spec.intervals[k])}" for k in ("default", "sli", "metadata", "alerts") if k in spec.intervals)
        lines.append(f"{i1}intervals=RuleIntervals({args}),")
    if spec.sli_kind == "raw":
        lines.append(f"{i1}sli=RawSLI(error_ratio_query={py_str(spec.queries['raw'])}),")
    else:
        lines.append(f"{i1}sli=RatioSLI(")
        for key in ("errors", "good", "total"):
            if key in spec.queries:
                lines.append(f"{i2}{key}={py_str(spec.queries[key])},")
        lines.append(f"{i1}),")
    if not spec.alerts or (spec.page.disable and spec.ticket.disable):
        lines.append(f"{i1}alerting=Alerting(disable=True),")
    else:
        alerting_args: list[str] = []
        if spec.alert_name:
            alerting_args.append(f"{i2}name={py_str(spec.alert_name)},")
        if spec.alert_labels:
            alerting_args.append(f"{i2}labels={py_dict(spec.alert_labels)},")
        if spec.alert_annotations:
            alerting_args.append(f"{i2}annotations={py_dict(spec.alert_annotations)},")
        for which, alert in (("page", spec.page), ("ticket", spec.ticket)):
            options = _alert_options(alert, i3)
            if options:
                alerting_args.append(f"{i2}{which}={options},")
            # The foreign spec's alerts carry no house severity unless it says so.
            if not alert.disable and not spec.house_severity and "severity" not in {**spec.alert_labels, **alert.labels}:
                alerting_args.append(f"{i2}{which}_severity=None,")
        if alerting_args:  # none: the default Alerting()
            lines += [f"{i1}alerting=Alerting(", *alerting_args, f"{i1}),"]
    lines.append(")")
    return "\n".join(lines) + "\n"


def warn(warnings: list[str] | None, message: str) -> None:
    """Record what an import drops or changes (the CLI prints them, and the
    module lists them in a comment): nothing is lost without a word."""
    if warnings is not None and message not in warnings:
        warnings.append(message)


def unknown_keys(data: object, known: frozenset[str], where: str, warnings: list[str] | None) -> None:
    """Warn about keys of ``data`` the importer does not read (a typo such as
    ``lables`` would otherwise vanish, as it does in Sloth)."""
    if isinstance(data, Mapping):
        for key in sorted(str(k) for k in data if k not in known):
            warn(warnings, f"{where}: unknown key {key!r} ignored (known: {', '.join(sorted(known))})")


def module_source(specs: Sequence[SLOSpec], origin: str, warnings: Sequence[str] = ()) -> str:
    """A whole ``slos/`` module declaring ``specs`` (``warnings`` become a comment)."""
    kinds = {"SLO"}
    for spec in specs:
        kinds.add("RawSLI" if spec.sli_kind == "raw" else "RatioSLI")
        if _alert_options(spec.page, "") or _alert_options(spec.ticket, ""):
            kinds.add("AlertOptions")
        if spec.intervals:
            kinds.add("RuleIntervals")
    taken: set[str] = set()
    body = "\n\n".join(slo_source(s, identifier(f"{s.service}_{s.name}", taken)) for s in specs)
    if "alerting=Alerting(" in body:
        kinds.add("Alerting")
    head = f'"""SLOs imported from {origin}."""\n\n'
    if warnings:
        head += "# Not imported as written (review before use):\n" + "".join(f"# - {' '.join(w.split())}\n" for w in warnings) + "\n"
    head += f'from obs_as_code.slo import {", ".join(sorted(kinds, key=lambda k: (k != "SLO", k)))}\n\n'
    return head + body
