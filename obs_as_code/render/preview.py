"""``build/preview/``: a docker-compose stack that runs what ``oac build`` wrote.

Registered as a renderer, so ``oac build`` writes it deterministically next to
the configs it mounts (a separate writer would be wiped by the atomic swap of
``build/``). ``oac preview --out DIR`` writes the same file elsewhere, with
mounts pointing back at ``build/``.

Service names match the built configs: Prometheus sends to ``alertmanager:9093``;
Grafana datasources should use ``http://prometheus:9090``, ``http://loki:3100``,
``http://alertmanager:9093`` and ``http://tempo:3200``; the dashboards file
provider should read :data:`GRAFANA_DASHBOARDS_PATH`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from obs_as_code.artifacts import Artifact
from obs_as_code.load import Project
from obs_as_code.serialize import dump_yaml

COMPOSE_PATH = "preview/docker-compose.yml"
TEMPO_PATH = "preview/tempo.yaml"
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


def compose(build_rel: str = "..") -> dict[str, Any]:
    """The compose document; ``build_rel`` is build/ relative to the compose file."""
    b = build_rel.rstrip("/")
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
                    "--config.file=/etc/alertmanager/alertmanager.yml",
                    "--storage.path=/alertmanager",
                    # One instance: no gossip port.
                    "--cluster.listen-address=",
                ],
                "volumes": [f"{b}/alertmanager:/etc/alertmanager:ro"],
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
    return _HEADER + dump_yaml(compose(where))


def tempo_text() -> str:
    """``tempo.yaml`` as written next to the compose file."""
    return dump_yaml(tempo_config())


def render(project: Project) -> list[Artifact]:
    """Renderer: ``preview/docker-compose.yml`` and ``preview/tempo.yaml``.

    The stack mounts build/ as a whole, so nothing in it is per-project; it is
    written only when the project has a Prometheus side for the stack to run.
    """
    from obs_as_code.model import PrometheusConfig, RuleGroup, ScrapeJob

    if not any(project.all(kind) for kind in (PrometheusConfig, ScrapeJob, RuleGroup)):
        return []
    return [
        Artifact(COMPOSE_PATH, _HEADER + dump_yaml(compose("..")), "text"),
        Artifact(TEMPO_PATH, tempo_config(), "yaml"),
    ]
