"""``build/preview/``: a docker-compose stack that runs what ``oac build`` wrote.

Registered as a renderer, so ``oac build`` writes it deterministically next to
the configs it mounts (a separate writer would be wiped by the atomic swap of
``build/``). ``oac preview --out DIR`` writes the same file elsewhere, with
mounts pointing back at ``build/``.

Service names match the built configs: Prometheus sends to ``alertmanager:9093``;
Grafana datasources should use ``http://prometheus:9090``, ``http://loki:3100``,
``http://alertmanager:9093`` and ``http://tempo:3200``; the dashboards file
provider should read :data:`GRAFANA_DASHBOARDS_PATH`.

Alertmanager runs ``build/preview/alertmanager.yml`` (:func:`preview_alertmanager`):
the built routing tree, inhibit rules, time intervals and receiver names, with
every receiver's integrations and the global secret files left out. A preview
never notifies anyone (its ``TargetDown`` alerts fire by design, and with the
real secrets mounted they would page the on-call) and needs no secret: with the
built file, whose ``*_file`` secrets are not in ``build/``, every notification
failed and ``AlertmanagerNotificationsFailing`` fired. Alertmanager's UI and API
still show which receiver each alert reaches.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from obs_as_code.artifacts import Artifact
from obs_as_code.load import Project
from obs_as_code.serialize import dump_yaml

COMPOSE_PATH = "preview/docker-compose.yml"
TEMPO_PATH = "preview/tempo.yaml"
ALERTMANAGER_PATH = "preview/alertmanager.yml"
#: Where the compose file mounts build/alertmanager (the built config and templates).
ALERTMANAGER_DIR = "/etc/alertmanager"
#: Where it mounts the preview's own alertmanager.yml: beside, not inside, the
#: read-only mount above (Docker cannot make a mount point inside a read-only bind).
PREVIEW_ALERTMANAGER_DIR = "/etc/alertmanager-preview"
#: Where the compose file mounts build/grafana/dashboards inside Grafana.
GRAFANA_DASHBOARDS_PATH = "/var/lib/grafana/dashboards"

#: Pinned images: Prometheus and Alertmanager match the promtool/amtool that validate build/.
IMAGES = {
    "prometheus": "prom/prometheus:v2.42.0",
    "alertmanager": "prom/alertmanager:v0.25.0",
    "grafana": "grafana/grafana:11.6.0",
    "loki": "grafana/loki:2.9.8",
    "promtail": "grafana/promtail:2.9.8",
    "tempo": "grafana/tempo:2.4.1",
    "node-exporter": "prom/node-exporter:v1.8.1",
    "cadvisor": "gcr.io/cadvisor/cadvisor:v0.49.1",
}


def _health(url: str) -> dict[str, Any]:
    return {
        "test": ["CMD", "wget", "-q", "-O", "/dev/null", url],
        "interval": "5s",
        "timeout": "3s",
        "retries": 30,
    }


def preview_alertmanager(built: Mapping[str, Any] | None) -> dict[str, Any]:
    """The preview's ``alertmanager.yml`` from the built one's data (``None``: the
    project declares no Alertmanager configuration, so one receiver takes everything).

    Routes, inhibit rules and time intervals are kept as built; receivers keep their
    names and lose their integrations; ``global`` keeps only ``resolve_timeout`` (the
    rest configures integrations, secret files included). Relative template paths
    are made absolute under :data:`ALERTMANAGER_DIR`, where the built templates are
    mounted, since Alertmanager resolves them against its config file's folder.
    """
    if built is None:
        return {"route": {"receiver": "preview"}, "receivers": [{"name": "preview"}]}
    out: dict[str, Any] = {}
    timeout = (built.get("global") or {}).get("resolve_timeout")
    if timeout is not None:
        out["global"] = {"resolve_timeout": timeout}
    templates = [t if posixpath.isabs(t) else posixpath.join(ALERTMANAGER_DIR, t) for t in built.get("templates") or []]
    if templates:
        out["templates"] = templates
    for key, value in built.items():
        if key not in ("global", "templates", "receivers"):
            out[key] = value
    out["receivers"] = [{"name": r["name"]} for r in built.get("receivers") or []]
    return out


def compose(build_rel: str = "..", *, built_alertmanager: bool = True) -> dict[str, Any]:
    """The compose document; ``build_rel`` is build/ relative to the compose file.
    ``built_alertmanager``: build/alertmanager exists (the project declares an
    Alertmanager configuration), so its templates are mounted; a missing host path
    would be created, empty and root-owned, inside build/ by Docker."""
    b = build_rel.rstrip("/")
    am_volumes = [f"{b}/{ALERTMANAGER_PATH}:{PREVIEW_ALERTMANAGER_DIR}/alertmanager.yml:ro"]
    if built_alertmanager:
        am_volumes.insert(0, f"{b}/alertmanager:{ALERTMANAGER_DIR}:ro")
    return {
        "services": {
            "prometheus": {
                "image": IMAGES["prometheus"],
                "command": [
                    "--config.file=/etc/prometheus/prometheus.yml",
                    "--storage.tsdb.path=/prometheus",
                    "--web.enable-lifecycle",
                ],
                "volumes": [f"{b}/prometheus:/etc/prometheus:ro"],
                "ports": ["127.0.0.1:9090:9090"],
                "healthcheck": _health("http://localhost:9090/-/ready"),
                "depends_on": {"alertmanager": {"condition": "service_healthy"}},
            },
            "alertmanager": {
                "image": IMAGES["alertmanager"],
                "command": [
                    f"--config.file={PREVIEW_ALERTMANAGER_DIR}/alertmanager.yml",
                    "--storage.path=/alertmanager",
                    # One instance: no gossip port.
                    "--cluster.listen-address=",
                ],
                # The built templates, and the preview's config (no integrations, no secrets).
                "volumes": am_volumes,
                "ports": ["127.0.0.1:9093:9093"],
                "healthcheck": _health("http://localhost:9093/-/ready"),
            },
            "grafana": {
                "image": IMAGES["grafana"],
                "environment": {
                    "GF_AUTH_ANONYMOUS_ENABLED": "true",
                    "GF_AUTH_ANONYMOUS_ORG_ROLE": "Viewer",
                    "GF_USERS_DEFAULT_THEME": "light",
                },
                "volumes": [
                    f"{b}/grafana/provisioning:/etc/grafana/provisioning:ro",
                    f"{b}/grafana/dashboards:{GRAFANA_DASHBOARDS_PATH}:ro",
                ],
                "ports": ["127.0.0.1:3000:3000"],
                "healthcheck": _health("http://localhost:3000/api/health"),
                "depends_on": {
                    "prometheus": {"condition": "service_healthy"},
                    "loki": {"condition": "service_healthy"},
                    "tempo": {"condition": "service_healthy"},
                },
            },
            "loki": {
                "image": IMAGES["loki"],
                "command": ["-config.file=/etc/loki/local-config.yaml"],
                "ports": ["127.0.0.1:3100:3100"],
                "healthcheck": _health("http://localhost:3100/ready"),
            },
            "promtail": {
                "image": IMAGES["promtail"],
                # The image's default config ships /var/log to http://loki:3100.
                "command": ["-config.file=/etc/promtail/config.yml"],
                "volumes": ["/var/log:/var/log:ro"],
                "healthcheck": {
                    "test": ["CMD-SHELL", "bash -c 'exec 3<>/dev/tcp/127.0.0.1/9080'"],
                    "interval": "5s",
                    "timeout": "3s",
                    "retries": 30,
                },
                "depends_on": {"loki": {"condition": "service_healthy"}},
            },
            "tempo": {
                "image": IMAGES["tempo"],
                "command": ["-config.file=/etc/tempo/tempo.yaml"],
                "volumes": ["./tempo.yaml:/etc/tempo/tempo.yaml:ro"],
                "ports": ["127.0.0.1:3200:3200"],
                "healthcheck": _health("http://localhost:3200/ready"),
            },
            "node-exporter": {
                "image": IMAGES["node-exporter"],
                "command": ["--path.rootfs=/host"],
                "volumes": ["/:/host:ro,rslave"],
                "healthcheck": _health("http://localhost:9100/metrics"),
            },
            "cadvisor": {
                "image": IMAGES["cadvisor"],
                "privileged": True,
                "volumes": [
                    "/:/rootfs:ro",
                    "/var/run:/var/run:ro",
                    "/sys:/sys:ro",
                    "/var/lib/docker/:/var/lib/docker:ro",
                ],
                "healthcheck": _health("http://localhost:8080/healthz"),
            },
        },
    }


def tempo_config() -> dict[str, Any]:
    """A single-binary Tempo storing traces on local disk, receiving OTLP."""
    return {
        "server": {"http_listen_port": 3200},
        "distributor": {"receivers": {"otlp": {"protocols": {"grpc": None, "http": None}}}},
        "storage": {
            "trace": {
                "backend": "local",
                "local": {"path": "/var/tempo/traces"},
                "wal": {"path": "/var/tempo/wal"},
            }
        },
    }


_HEADER = "# Generated by `oac build` (obs_as_code.render.preview); run: docker compose up -d\n"


def compose_text(build_dir: Path, out_dir: Path) -> str:
    """The compose file for ``out_dir``, mounting ``build_dir``: relative when
    ``out_dir`` lies in the same project, absolute otherwise."""
    build_dir, out_dir = build_dir.resolve(), out_dir.resolve()
    inside = out_dir.is_relative_to(build_dir.parent)
    where = os.path.relpath(build_dir, out_dir) if inside else str(build_dir)
    return _HEADER + dump_yaml(compose(where, built_alertmanager=(build_dir / "alertmanager").is_dir()))


def tempo_text() -> str:
    """``tempo.yaml`` as written next to the compose file."""
    return dump_yaml(tempo_config())


def render(project: Project) -> list[Artifact]:
    """Renderer: ``preview/docker-compose.yml``, ``preview/tempo.yaml`` and
    ``preview/alertmanager.yml``.

    The stack mounts build/ as a whole; only the preview's Alertmanager config
    depends on the project (its routing). It is written only when the project has
    a Prometheus side for the stack to run.
    """
    from obs_as_code import names
    from obs_as_code.model import AlertmanagerConfig, PrometheusConfig, RuleGroup, ScrapeJob
    from obs_as_code.render import alertmanager

    if not any(project.all(kind) for kind in (PrometheusConfig, ScrapeJob, RuleGroup)):
        return []
    configs = project.all(AlertmanagerConfig)
    built = next((a.data for a in alertmanager.render(project) if a.path == names.ALERTMANAGER_CONFIG), None)
    sources = [configs[0].module] if configs and configs[0].module else []
    return [
        Artifact(COMPOSE_PATH, _HEADER + dump_yaml(compose("..", built_alertmanager=built is not None)), "text"),
        Artifact(TEMPO_PATH, tempo_config(), "yaml"),
        Artifact(ALERTMANAGER_PATH, preview_alertmanager(built), "yaml", sources=sources),
    ]
