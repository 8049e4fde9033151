"""The examples of README.md and docs/*.md do what the pages say, copied as they are.

A Python block whose first line names a project file (``# alerts/api.py``) is a
whole module a reader copies to that path: every such block of a page goes into
one fresh project, which must build, lint and validate without a single finding.
The scenario of docs/e2e.md runs on real Prometheus and Alertmanager (e2e)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from obs_as_code.discover import PROJECT_DIRS
from tests.oac_testing import REPO, need_binary, run_oac

#: ```python, then "# <project dir>/<file>.py", then the module.
_MODULE = re.compile(r"```python\n# ((?:" + "|".join(sorted(PROJECT_DIRS)) + r")/[\w/]+\.py)\n(.*?)```", re.S)

#: The pages with whole-module examples, and the files they make: a page losing
#: its path comment (so that this test no longer sees the example) fails here.
PAGES = {
    "README.md": ["alerts/api.py", "catalog/opencode.py", "alerts/records.py", "scrape/prometheus.py"],
    "docs/alertmanager.md": ["alerts/routing.py"],
    "docs/dashboards.md": ["dashboards/api.py", "datasources/main.py", "datasources/mimir.py", "datasources/deleted.py"],
    "docs/slo.md": ["slos/api.py", "alerts/capacity.py"],
}


def _modules(page: str) -> list[tuple[str, str]]:
    return [(rel, f"# {rel}\n{body}") for rel, body in _MODULE.findall((REPO / page).read_text(encoding="utf-8"))]


def test_the_pages_with_module_examples_are_the_ones_listed() -> None:
    found = {
        str(p.relative_to(REPO)): [rel for rel, _ in _modules(str(p.relative_to(REPO)))]
        for p in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    }
    assert {page: files for page, files in found.items() if files} == PAGES


def _project(tmp_path: Path, page: str) -> Path:
    root = tmp_path / "proj"
    for rel, text in _modules(page):
        assert not (root / rel).exists(), f"{page} has two examples for {rel}"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def _findings(*args: str) -> list[str]:
    result = run_oac(*args, "--format", "json")
    return [f"{d['file']}:{d['line']}: {d['code']} {d['message']}" for d in json.loads(result.stdout)] + (
        [] if result.exit_code == 0 else [f"exit {result.exit_code}: {result.stderr}"]
    )


@pytest.mark.parametrize("page", sorted(PAGES))
def test_a_pages_examples_build_and_lint_without_a_finding(tmp_path: Path, page: str) -> None:
    root = _project(tmp_path, page)
    assert _findings("build", "-C", str(root)) == []
    assert _findings("lint", "-C", str(root)) == []


@pytest.mark.integration
@pytest.mark.parametrize("page", sorted(PAGES))
def test_a_pages_examples_pass_validation(tmp_path: Path, page: str) -> None:
    need_binary("promtool")
    need_binary("amtool")
    root = _project(tmp_path, page)
    assert run_oac("build", "-C", str(root)).exit_code == 0
    result = run_oac("validate", "-C", str(root))
    assert result.exit_code == 0, result.stderr


@pytest.mark.e2e
def test_the_e2e_pages_scenario_passes_on_the_shipped_build() -> None:
    # Without tolerate=[SLO_ALERTS] it failed: the availability SLO's burn-rate
    # alerts fire on the same 5xx spike, and any alert not expected fails a scenario.
    from obs_as_code.e2e.project import load_scenarios
    from obs_as_code.e2e.runner import RunConfig, run_scenarios
    from obs_as_code.e2e.scenario import Scenario
    from tests.e2e.conftest import BUILD, alertmanager_config, require_binaries

    ((rel, text),) = re.findall(r"```python\n# (scenarios/\w+\.py)\n(.*?)```", (REPO / "docs/e2e.md").read_text(), re.S)
    namespace: dict[str, object] = {}
    exec(compile(text, f"docs/e2e.md ({rel})", "exec"), namespace)
    (scenario,) = [v for v in namespace.values() if isinstance(v, Scenario)]
    _, catalog, diagnostics = load_scenarios(REPO)
    assert not diagnostics and catalog is not None
    (result,) = run_scenarios([scenario], RunConfig(BUILD, alertmanager_config(), catalog, require_binaries()), parallel=1)
    assert result.status == "passed", result.to_json()


@pytest.mark.integration
def test_the_rule_test_example_passes_under_the_readmes_alert_and_fails_as_it_says(tmp_path: Path) -> None:
    # docs/alertmanager.md had no RuleTest example at all: a newcomer wrote one
    # from the signatures. This one goes below the README's alerts/api.py.
    need_binary("promtool")
    (text,) = re.findall(r"```python\n# alerts/api.py, below the group of the README's example\n(.*?)```",
                         (REPO / "docs/alertmanager.md").read_text(encoding="utf-8"), re.S)
    readme = dict(_modules("README.md"))["alerts/api.py"]
    root = tmp_path / "proj"
    (root / "alerts").mkdir(parents=True)
    (root / "alerts/api.py").write_text(readme + "\n" + text, encoding="utf-8")
    result = run_oac("test", "-C", str(root))
    assert result.exit_code == 0, result.stderr
    assert "1 rule test(s)" in result.stderr
    (root / "alerts/api.py").write_text(readme + "\n" + text.replace("16.67%", "16.6%"), encoding="utf-8")
    result = run_oac("test", "-C", str(root))
    assert result.exit_code == 1
    assert "OAC901" in result.stderr and 'AlertExpectation(at="15m"' in result.stderr
