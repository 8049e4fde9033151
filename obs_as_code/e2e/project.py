"""Load a project's scenarios and metrics catalog (not part of ``oac build``)."""

from __future__ import annotations

from pathlib import Path

from obs_as_code.diagnostics import Diagnostic
from obs_as_code.e2e.scenario import Scenario
from obs_as_code.model.catalog import MetricsCatalog

#: Folder of the project holding scenarios; loaded only by ``oac e2e``.
SCENARIO_DIR = "scenarios"


def load_scenarios(root: Path) -> tuple[list[Scenario], MetricsCatalog | None, list[Diagnostic]]:
    """Scenarios declared under ``root/scenarios`` and the project's metrics catalog."""
    from obs_as_code.pipeline import load

    project, diagnostics = load(root, dirs=("catalog", SCENARIO_DIR))
    catalogs = project.all(MetricsCatalog)
    catalog: MetricsCatalog | None = None
    if catalogs:
        # One catalog per platform is the norm; merge when a project has several.
        catalog = catalogs[0] if len(catalogs) == 1 else MetricsCatalog(
            name="+".join(c.name for c in catalogs), metrics=[m for c in catalogs for m in c.metrics]
        )
    return project.all(Scenario), catalog, diagnostics
