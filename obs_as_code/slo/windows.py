"""Burn-rate alert windows: a small table per SLO period, kept as data.

``windows/google-30d.yaml`` (and 28d, 7d) hold, for the page and ticket alerts,
a quick and a slow pair of (short, long) windows and the share of the period's
error budget that may be spent over the long window. Every burn-rate factor is
derived from that table (:meth:`AlertWindow.factor`), as the Google SRE workbook
and Sloth do, so a new period is one new file, not new code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from obs_as_code.durations import Duration, DurationError, format_ms, parse_ms
from obs_as_code.serialize import load_yaml

#: The tables shipped with the package.
WINDOWS_DIR = Path(__file__).resolve().parent / "windows"


class WindowsError(ValueError):
    """A windows table that cannot be used."""


#: Sloth's windows file: ``apiVersion: sloth.slok.dev/v1``, ``kind: AlertWindows``,
#: ``spec: {sloPeriod, page: {quick, slow}, ticket: {quick, slow}}``, each with
#: ``errorBudgetPercent``, ``shortWindow`` and ``longWindow``.
SLOTH_API, SLOTH_KIND = "sloth.slok.dev/v1", "AlertWindows"
_SLOTH_KEYS = {"errorBudgetPercent": "budget_percent", "shortWindow": "short", "longWindow": "long"}


def _from_sloth(data: Mapping[str, Any], origin: str) -> dict[str, Any]:
    """A Sloth ``AlertWindows`` document in our table format."""
    if data.get("apiVersion") != SLOTH_API:
        raise WindowsError(f"{origin}: a Sloth AlertWindows file needs apiVersion {SLOTH_API}, not {data.get('apiVersion')!r}")
    spec = data.get("spec")
    if not isinstance(spec, Mapping):
        raise WindowsError(f"{origin}: a Sloth AlertWindows file needs a spec")
    out: dict[str, Any] = {"period": spec.get("sloPeriod")}
    for severity in ("page", "ticket"):
        speeds = spec.get(severity)
        if isinstance(speeds, Mapping):
            out[severity] = {
                speed: {_SLOTH_KEYS.get(str(k), str(k)): v for k, v in window.items()} if isinstance(window, Mapping) else window
                for speed, window in speeds.items()
            }
    return out


@dataclass(frozen=True)
class AlertWindow:
    """One multiwindow condition: alert when the error ratio over both ``short``
    and ``long`` (milliseconds) is above ``factor * error budget``."""

    budget_percent: float
    short_ms: int
    long_ms: int

    def factor(self, period_ms: int) -> float:
        """The burn-rate factor: how many times faster than "exactly the budget
        over the period" spends ``budget_percent`` of it within the long window."""
        return self.budget_percent / 100.0 * period_ms / self.long_ms

    @property
    def short(self) -> str:
        """The short window as Prometheus writes it (``5m``)."""
        return format_ms(self.short_ms)

    @property
    def long(self) -> str:
        """The long window as Prometheus writes it (``1h``)."""
        return format_ms(self.long_ms)


@dataclass(frozen=True)
class AlertWindows:
    """The four conditions of one SLO period."""

    period_ms: int
    page_quick: AlertWindow
    page_slow: AlertWindow
    ticket_quick: AlertWindow
    ticket_slow: AlertWindow

    @property
    def period(self) -> str:
        """The period as Prometheus writes it (``30d``, ``4w`` for 28 days)."""
        return format_ms(self.period_ms)

    def by_severity(self) -> tuple[tuple[str, tuple[AlertWindow, AlertWindow]], ...]:
        """``(severity, (quick, slow))`` for the page and the ticket alert."""
        return ("page", (self.page_quick, self.page_slow)), ("ticket", (self.ticket_quick, self.ticket_slow))

    def windows_ms(self) -> list[int]:
        """Every distinct short and long window, shortest first."""
        found = {
            w
            for cond in (self.page_quick, self.page_slow, self.ticket_quick, self.ticket_slow)
            for w in (cond.short_ms, cond.long_ms)
        }
        return sorted(found)

    @property
    def shortest_ms(self) -> int:
        """The shortest window: the SLI every other derived series starts from."""
        return self.windows_ms()[0]

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], origin: str = "<windows>") -> AlertWindows:
        """Build from the table format of ``windows/*.yaml``, or from Sloth's
        ``AlertWindows`` file (``--slo-period-windows-path``), so a Sloth user's
        custom windows work as they are; raises :class:`WindowsError`."""
        if data.get("kind") == SLOTH_KIND:
            data = _from_sloth(data, origin)

        def window(severity: str, speed: str) -> AlertWindow:
            try:
                raw = data[severity][speed]
                budget = float(raw["budget_percent"])
                short, long = parse_ms(raw["short"]), parse_ms(raw["long"])
            except (KeyError, TypeError, ValueError, DurationError) as exc:
                raise WindowsError(f"{origin}: {severity}.{speed} needs budget_percent, short and long ({exc})") from exc
            if not 0 < budget <= 100:
                raise WindowsError(f"{origin}: {severity}.{speed}.budget_percent must be in (0, 100]")
            if not 0 < short < long:
                raise WindowsError(f"{origin}: {severity}.{speed}: the short window must be shorter than the long one")
            return AlertWindow(budget, short, long)

        try:
            period = parse_ms(data["period"])
        except (KeyError, TypeError, DurationError) as exc:
            raise WindowsError(f"{origin}: needs a period such as 30d ({exc})") from exc
        built = cls(period, window("page", "quick"), window("page", "slow"), window("ticket", "quick"), window("ticket", "slow"))
        if built.windows_ms()[-1] > period:
            raise WindowsError(f"{origin}: a window is longer than the period {format_ms(period)}")
        return built

    @classmethod
    def load(cls, path: Path) -> AlertWindows:
        """Read a table file (same format as the shipped ones)."""
        data = load_yaml(path.read_text(encoding="utf-8"))
        if not isinstance(data, Mapping):
            raise WindowsError(f"{path}: expected a mapping")
        return cls.from_mapping(data, str(path))


@cache
def shipped() -> dict[int, AlertWindows]:
    """The shipped tables by period (milliseconds)."""
    out: dict[int, AlertWindows] = {}
    for path in sorted(WINDOWS_DIR.glob("*.yaml")):
        table = AlertWindows.load(path)
        if table.period_ms in out:
            raise WindowsError(f"{path}: a second table for period {table.period}")
        out[table.period_ms] = table
    return out


def for_period(period: Duration) -> AlertWindows | None:
    """The shipped table for ``period`` (None when there is none)."""
    try:
        return shipped().get(parse_ms(period))
    except DurationError:
        return None


def supported_periods() -> list[str]:
    """The periods that have a shipped table, shortest first."""
    day = 24 * 3600 * 1000
    return [f"{p // day}d" if p % day == 0 else format_ms(p) for p in sorted(shipped())]
