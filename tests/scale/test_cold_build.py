"""The first (cold-cache) incremental build's shortcuts give what the long way gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obs_as_code import incremental
from obs_as_code.lint.engine import LintContext
from obs_as_code.model.rules import AlertRule, RecordingRule, RuleGroup
from obs_as_code.pipeline import load
from obs_as_code.source import SourceLocation
from tests.scale.project import Spec, Writer
from tests.scale.test_incremental_build import cached, clean


def _old_tokens(ctx: Any) -> tuple[str, ...]:
    """What ``_local_stage`` computed before :func:`incremental.query_tokens`."""
    return tuple(sorted({t for q in ctx.queries() for t in incremental.tokens(q.expr)}))


def _spec() -> Spec:
    return Spec(
        modules={"m0": (0, "ok"), "m1": (1, "two_groups"), "m3": (0, "uses_other")},
        dashboards={"d0": (0, "ok"), "d1": (1, "unaggregated"), "d2": (2, "bad_query")},
        slo=3,
        datasources=1,
    )


def test_query_tokens_are_those_of_every_query_without_making_them(tmp_path: Path) -> None:
    Writer(tmp_path).write(_spec())
    project, _diagnostics = load(tmp_path)
    ctx = LintContext(project)
    found = incremental.query_tokens(ctx)
    assert ctx._queries is None  # read from the parts: no Query per target
    assert "http_requests_total" in found or len(found) > 10
    assert found == _old_tokens(ctx)


def test_cold_build_scoped_contexts_get_the_tokens_of_their_queries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Writer(tmp_path).write(_spec())
    seen: list[tuple[str, ...]] = []
    real = incremental.query_tokens

    def checked(ctx: Any) -> tuple[str, ...]:
        found = real(ctx)
        assert found == _old_tokens(ctx)
        seen.append(found)
        return found

    monkeypatch.setattr(incremental, "query_tokens", checked)
    assert cached(tmp_path) == clean(tmp_path)
    assert len(seen) >= 5 and any(seen)  # every rule and dashboard module


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="ab_:{}()[]\"=~ 0123456789\n$.,", max_size=30), max_size=6))
def test_query_tokens_merge_like_tokens(exprs: list[str]) -> None:
    # Joining the texts with a newline never makes or splits an identifier.
    location = SourceLocation("alerts/x.py", 1, 1)
    rules: list[AlertRule | RecordingRule] = [AlertRule(name=f"A{i}", expr=e, location=location) for i, e in enumerate(exprs)]
    group = RuleGroup(name="g", rules=rules, location=location)
    from obs_as_code.load import Project

    ctx = LintContext(Project(root=Path("."), modules=[], definitions=[group]))
    assert incremental.query_tokens(ctx) == tuple(sorted({t for e in exprs for t in incremental.tokens(e)}))
