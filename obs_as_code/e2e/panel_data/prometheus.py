"""The few Prometheus HTTP API calls Grafana makes for panels and variables."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from typing import Any

from obs_as_code.e2e.panel_data.timemath import TimeRange


class PrometheusError(RuntimeError):
    """Prometheus answered a query with an error (its message is the text)."""


class PrometheusClient:
    """The few HTTP API calls Grafana makes, as POSTs (the provisioned ``httpMethod``)."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _call(self, path: str, params: Sequence[tuple[str, str]], *, get: bool = False) -> Any:
        query = urllib.parse.urlencode(list(params))
        if get:
            req = urllib.request.Request(f"{self.url}{path}?{query}")
        else:
            req = urllib.request.Request(
                f"{self.url}{path}", data=query.encode(), method="POST",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                doc = json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            # 400/422 carry Prometheus' own message in a JSON body.
            raw = exc.read()
            try:
                doc = json.loads(raw)
            except ValueError:
                raise PrometheusError(f"HTTP {exc.code}: {raw[:200]!r}") from exc
        if doc.get("status") != "success":
            raise PrometheusError(f"{doc.get('errorType', 'error')}: {doc.get('error', '')}".strip())
        return doc["data"]

    def instant(self, expr: str, at: float) -> tuple[str, Any]:
        """``/api/v1/query``: the result type and the result, as Prometheus gives them."""
        data = self._call("/api/v1/query", [("query", expr), ("time", _fmt_time(at))])
        return str(data["resultType"]), data["result"]

    def query(self, expr: str, at: float) -> list[dict[str, Any]]:
        """``/api/v1/query``: the instant vector (a scalar becomes one sample)."""
        result_type, result = self.instant(expr, at)
        if result_type in ("scalar", "string"):
            return [{"metric": {}, "value": result}]
        return list(result)

    def query_range(self, expr: str, start: float, end: float, step_ms: int) -> list[dict[str, Any]]:
        """``/api/v1/query_range``: one entry per series."""
        data = self._call("/api/v1/query_range", [
            ("query", expr), ("start", _fmt_time(start)), ("end", _fmt_time(end)), ("step", _fmt_step(step_ms)),
        ])
        result: list[dict[str, Any]] = data["result"]
        return result

    def label_values(self, label: str, match: str | None, time_range: TimeRange) -> list[str]:
        """``/api/v1/label/<label>/values`` (with ``match[]`` when given) over the range."""
        params = [("start", _fmt_time(time_range.start)), ("end", _fmt_time(time_range.end))]
        if match:
            params.append(("match[]", match))
        # This endpoint is GET-only in Prometheus.
        path = f"/api/v1/label/{urllib.parse.quote(label, safe='')}/values"
        return [str(v) for v in self._call(path, params, get=True)]

    def series(self, match: str, time_range: TimeRange) -> list[dict[str, str]]:
        """``/api/v1/series?match[]=...`` over the range: the label sets."""
        params = [("match[]", match), ("start", _fmt_time(time_range.start)), ("end", _fmt_time(time_range.end))]
        return [{str(k): str(v) for k, v in item.items()} for item in self._call("/api/v1/series", params)]

    def label_names(self, match: str | None, time_range: TimeRange) -> list[str]:
        """``/api/v1/labels`` (with ``match[]`` when given)."""
        params = [("start", _fmt_time(time_range.start)), ("end", _fmt_time(time_range.end))]
        if match:
            params.append(("match[]", match))
        return [str(v) for v in self._call("/api/v1/labels", params)]


def _fmt_time(t: float) -> str:
    return f"{t:.3f}"


def _fmt_step(step_ms: int) -> str:
    # Seconds, exact to the millisecond (":g" kept 6 digits: 1234567.891 s was 1.23457e+06).
    whole, ms = divmod(step_ms, 1000)
    return f"{whole}.{ms:03d}".rstrip("0") if ms else str(whole)
