"""OAC318 on a variable without a custom All value and without values: Grafana
writes All as every value of the variable's options (the Loki datasource joins
them with ``|``), so with none All is the empty text and ``{job=~"$service"}``
becomes ``{job=~""}``, which Loki refuses. Known when the variable cannot list
values at load: a query variable never refreshed (``refresh`` 0: Grafana keeps
its saved options) saved without options, or a custom variable without values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from obs_as_code.lint.rules.oac318_loki_empty_selector import no_values
from obs_as_code.pipeline import Compiled

LOKI = {"type": "loki", "uid": "loki"}


def _variable(**extra: Any) -> dict[str, Any]:
    return {"name": "service", "type": "query", "datasource": LOKI, "query": "label_values(job)", "includeAll": True,
            "multi": True, "options": [], **extra}


def _source(service: dict[str, Any], expr: str = '{job=~"$service"} |= "error"') -> str:
    pod = {"name": "pod", "type": "query", "datasource": LOKI, "query": 'label_values({job=~"$service"}, pod)', "refresh": 2}
    return f"""board = {{
    "title": "Logs",
    "schemaVersion": 41,
    "templating": {{"list": [
        {service!r},
        {pod!r},
    ]}},
    "panels": [
        {{"type": "logs", "title": "Errors", "id": 1, "gridPos": {{"h": 8, "w": 24, "x": 0, "y": 0}}, "datasource": {LOKI!r},
         "targets": [{{"refId": "A", "expr": {expr!r}}}]}},
    ],
}}
"""


def _found(project: Callable[..., Compiled], source: str) -> list[str]:
    compiled = project({"dashboards/logs.py": source})
    return [str(d) + (f"\n    hint: {d.hint}" if d.hint else "") for d in compiled.diagnostics if d.code == "OAC318"]


@pytest.mark.parametrize(
    "service",
    [
        _variable(refresh=0),
        _variable(refresh=0, options=[{"text": "All", "value": "$__all", "selected": True}]),
        {"name": "service", "type": "custom", "query": "", "includeAll": True, "options": []},
    ],
    ids=["never refreshed, no options", "never refreshed, only All", "custom without values"],
)
def test_all_of_a_variable_without_values_is_empty(service: dict[str, Any], project: Callable[..., Compiled]) -> None:
    source = _source(service)
    found = _found(project, source)
    lines = source.splitlines()
    panel_line = next(n for n, s in enumerate(lines, 1) if '"expr"' in s)
    pod_line = next(n for n, s in enumerate(lines, 1) if "'name': 'pod'" in s)
    at = sorted(f.split(": ")[0].rsplit(":", 1)[0] for f in found)
    assert at == sorted([f"dashboards/logs.py:{panel_line}", f"dashboards/logs.py:{pod_line}"]), found
    assert all("$service (no values: All is empty) is All" in f for f in found), found
    assert all("give $service values to list" in f for f in found), found


@pytest.mark.parametrize(
    "service",
    [
        _variable(refresh=2),  # its query lists the values on load
        _variable(refresh=1),
        _variable(),  # refresh not said
        _variable(refresh=0, options=[{"text": "All", "value": "$__all"}, {"text": "api", "value": "api"}]),
        _variable(refresh=0, allValue=".+"),
        {"name": "service", "type": "custom", "query": "api,web", "includeAll": True},
    ],
    ids=["on time range change", "on load", "refresh not said", "saved values", "custom All value", "custom with values"],
)
def test_all_of_a_variable_with_values_is_not_empty(service: dict[str, Any], project: Callable[..., Compiled]) -> None:
    assert _found(project, _source(service)) == []


def test_formats_of_the_empty_list(project: Callable[..., Compiled]) -> None:
    never = _variable(refresh=0)
    # ${service:regex} is "()", which matches the empty string; text is "All".
    assert len(_found(project, _source(never, '{job=~"${service:regex}"}'))) == 2
    assert len(_found(project, _source(never, '{job=~"${service:text}"}'))) == 1  # the pod variable's only
    # Another matcher that cannot be empty keeps the selector valid.
    assert len(_found(project, _source(never, '{job=~"$service", namespace="prod"}'))) == 1


_option_values = st.lists(st.sampled_from(["$__all", "api", "web", ""]), max_size=4)


@given(refresh=st.sampled_from([0, 1, 2, None, "0"]), values=_option_values)
def test_no_values_property(refresh: object, values: list[str]) -> None:
    """Only a query variable refreshed Never (the integer 0) keeps its saved
    options; it has no values when none of them is more than All."""
    var: dict[str, Any] = {"name": "v", "type": "query", "options": [{"text": v, "value": v} for v in values]}
    if refresh is not None:
        var["refresh"] = refresh
    assert no_values(var) == (refresh == 0 and type(refresh) is int and all(v == "$__all" for v in values))


@given(values=st.lists(st.sampled_from(["", " ", "a", "b c"]), max_size=4))
def test_custom_no_values_property(values: list[str]) -> None:
    var = {"name": "v", "type": "custom", "query": ",".join(values)}
    assert no_values(var) == all(not v.strip() for v in values)
