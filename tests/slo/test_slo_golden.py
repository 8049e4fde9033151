"""Golden rule files: one per shipped SLO (``OAC_UPDATE_GOLDEN=1`` to regenerate)."""

from __future__ import annotations

import pytest
from slo_support import REPO, check_golden, groups_of, rules_yaml

from obs_as_code.pipeline import load
from obs_as_code.slo.model import SLO

SHIPPED = ["langgraph-workflow-success", "opencode-api-availability", "opencode-api-latency", "opencode-llm-success"]


def _shipped() -> dict[str, SLO]:
    project, problems = load(REPO)
    assert not problems, [str(p) for p in problems]
    return {slo.id: slo for slo in project.all(SLO)}


def test_the_context_slos_are_shipped() -> None:
    slos = _shipped()
    assert sorted(slos) == SHIPPED
    assert {i: slos[i].objective for i in SHIPPED} == {
        "langgraph-workflow-success": 99.5,
        "opencode-api-availability": 99.9,
        "opencode-api-latency": 95,
        "opencode-llm-success": 99,
    }


@pytest.mark.parametrize("slo_id", SHIPPED)
def test_golden_rules(slo_id: str) -> None:
    slo = _shipped()[slo_id]
    check_golden(f"{slo_id}.yaml", rules_yaml(groups_of(slo, REPO)))


def test_build_contains_the_slo_rule_files() -> None:
    # The shipped build/ holds exactly what the golden files hold, per module.
    from obs_as_code.serialize import load_yaml

    built = {
        g["name"]
        for path in sorted((REPO / "build/prometheus/rules").glob("slos-*.yaml"))
        for g in load_yaml(path.read_text())["groups"]
    }
    assert built == {f"slo-{stage}-{i}" for i in SHIPPED for stage in ("sli-recordings", "meta-recordings", "alerts")}
