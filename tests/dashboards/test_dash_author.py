"""Mistakes a dashboard author makes, each reported at the author's line with a
message that says what to do (found writing new dashboards with the kit, the SDK,
grafanalib and dicts)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from obs_as_code.pipeline import Compiled

HEAD = "from obs_as_code.dashboards import kit as k\n\n"


def _of(compiled: Compiled, code: str) -> list[tuple[int, int, str, str | None]]:
    return [(d.location.line, d.location.col, d.message, d.hint) for d in compiled.diagnostics if d.code == code]


@pytest.mark.parametrize(
    "expr",
    [
        'sum(count_over_time({job="api"} |= "error" [5m]))',
        '{job="api"} |~ "time(out|d out)"',
        '{job="api"} | json | level="error"',
        'sum by (level) (rate({job="api"} | logfmt [$__auto]))',
        '{job="api"} != "healthz"',
    ],
)
def test_logql_in_a_prometheus_target_says_so(expr: str, project: Callable[..., Compiled]) -> None:
    compiled = project({"dashboards/case.py": HEAD + f"""board = k.dashboard("Logs", [
    k.timeseries("Errors", k.prom({expr!r})),
], variables=[k.datasource_var()])
"""})
    [(line, _col, message, hint)] = _of(compiled, "OAC302")
    assert line == 4
    assert "invalid PromQL" in message
    assert hint is not None and "LogQL" in hint and "k.loki(" in hint


def test_plain_promql_syntax_error_gets_no_logql_hint(project: Callable[..., Compiled]) -> None:
    compiled = project({"dashboards/case.py": HEAD + """board = k.dashboard("Syntax", [
    k.timeseries("Errors", k.prom('sum(rate(x_total{status!="200"}[5m])')),
], variables=[k.datasource_var()])
"""})
    [(_line, _col, _message, hint)] = _of(compiled, "OAC302")
    assert hint is None
