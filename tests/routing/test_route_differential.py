"""The offline router agrees with ``amtool config routes test``: a small seeded
sample of the differential test (tests/route_differential.py;
``python -m tests.route_differential 2000 1000`` runs a large one)."""

from __future__ import annotations

import shutil

import pytest

from tests.route_differential import Gen, run

AMTOOL = shutil.which("amtool")


def test_the_generator_hits_the_matchers() -> None:
    # Label sets are drawn from the config's own values: most reach a route
    # below the root, and several receivers are reached, or the comparison tells little.
    from obs_as_code.model.alertmanager import route_receivers

    reached = [route_receivers(c.config.route, labels) for c in (Gen(s).case(8) for s in range(40)) for labels in c.label_sets]
    assert sum(r != ["r0"] for r in reached) > len(reached) // 3
    assert sum(len(r) > 1 for r in reached) > len(reached) // 10


@pytest.mark.integration
@pytest.mark.skipif(AMTOOL is None, reason="amtool not installed")
def test_offline_router_agrees_with_amtool_on_random_trees() -> None:
    count, found = run(range(60), per_config=5, jobs=4, amtool=AMTOOL)
    assert count > 250
    assert found == [], "\n".join(f"seed {d.seed} {d.labels!r}: ours {d.ours!r}, amtool {d.amtool!r}\n{d.yaml}" for d in found[:3])
