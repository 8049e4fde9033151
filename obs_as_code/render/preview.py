"""``build/preview/``: a docker-compose stack that runs what ``oac build`` wrote.

Registered as a renderer, so ``oac build`` writes it deterministically next to
the configs it mounts (a separate writer would be wiped by the atomic swap of
``build/``). ``oac preview --out DIR`` writes the same file elsewhere, with
mounts pointing back at ``build/``.

The services that read build/ mount the folder *holding* build/ (the project)
read-only at :data:`PROJECT_MOUNT` and read ``/oac/build/...`` through it. A bind
mount holds on to the directory it was given, and ``oac build`` replaces build/
by renaming a new tree into place: a mount of ``build/prometheus`` or
``build/grafana/dashboards`` went on showing the old, deleted (empty) directory,
so after a rebuild Prometheus and Alertmanager could not reload their configs
and Grafana's file provider, finding no dashboard file, deleted every
provisioned dashboard. The build folder's name is ``${OAC_BUILD_DIR:-build}``
(``oac build --out`` writes elsewhere). Grafana reads the built provisioning
files (``GF_PATHS_PROVISIONING``); the built dashboard provider's path,
:data:`GRAFANA_DASHBOARDS_PATH`, is made a symbolic link to the dashboards
(Grafana resolves it on every scan).

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

from obs_as_code import names
from obs_as_code.artifacts import Artifact
from obs_as_code.load import Project
from obs_as_code.serialize import dump_yaml
from obs_as_code.target import PrometheusTarget, current_target

COMPOSE_PATH = "preview/docker-compose.yml"
TEMPO_PATH = "preview/tempo.yaml"
ALERTMANAGER_PATH = "preview/alertmanager.yml"
#: Where the services that read build/ see the folder holding it (read-only).
PROJECT_MOUNT = "/oac"
#: The compose variable naming the build folder under :data:`PROJECT_MOUNT`.
BUILD_DIR_VARIABLE = "OAC_BUILD_DIR"
#: The built dashboard provider's path, linked to the dashboards in Grafana.
GRAFANA_DASHBOARDS_PATH = names.GRAFANA_DASHBOARDS_MOUNT

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
    rest configures integrations, secret files included). Alertmanager resolves a
    relative template path against its config file's folder: from build/preview/,
    the built templates are under ``../alertmanager/``.
    """
    if built is None:
        return {"route": {"receiver": "preview"}, "receivers": [{"name": "preview"}]}
    out: dict[str, Any] = {}
    timeout = (built.get("global") or {}).get("resolve_timeout")
    if timeout is not None:
        out["global"] = {"resolve_timeout": timeout}
    templates = [t if posixpath.isabs(t) else posixpath.join("..", "alertmanager", t) for t in built.get("templates") or []]
    if templates:
        out["templates"] = templates
    for key, value in built.items():
        if key not in ("global", "templates", "receivers"):
            out[key] = value
    out["receivers"] = [{"name": r["name"]} for r in built.get("receivers") or []]
    return out


#: The newest patch release of each Loki 3 minor (the git tags of Loki's
#: repository, v3.0.1 ... v3.7.6); a later minor runs its ``.0``.
LOKI3_PATCHES = {0: 1, 1: 2, 2: 2, 3: 4, 4: 6, 5: 12, 6: 15, 7: 6}
#: From Loki 3.6 the image is distroless without a shell or wget; its binary
#: checks its own health (``loki -health``, from 3.6.5).
_LOKI_SELF_HEALTH_MINOR = 6


def loki_image(target: PrometheusTarget) -> str:
    """The preview's Loki: the pinned 2.9.8, or the project's 3.x target
    (``[tool.oac] loki-version``) at its newest patch release."""
    if target.loki_major < 3:
        return IMAGES["loki"]
    return f"grafana/loki:{target.loki_version}.{LOKI3_PATCHES.get(target.loki_minor, 0)}"


def _loki_health(target: PrometheusTarget) -> dict[str, Any]:
    if target.loki_major < 3 or target.loki_minor < _LOKI_SELF_HEALTH_MINOR:
        return _health("http://localhost:3100/ready")  # wget: alpine, or busybox in distroless:debug (3.2 ... 3.5)
    return {**_health("http://localhost:3100/ready"), "test": ["CMD", "/usr/bin/loki", "-health"]}


def prometheus_image(target: PrometheusTarget) -> str:
    """The preview's Prometheus: the pinned 2.42, or the project's 3.x target
    (``[tool.oac] prometheus-version``), whose rules 2.42 may not load."""
    return IMAGES["prometheus"] if not target.v3 else f"prom/prometheus:v{target.version}.0"


def compose(project_rel: str = "../..", build_name: str = "build", target: PrometheusTarget | None = None) -> dict[str, Any]:
    """The compose document; ``project_rel`` is the folder holding build/, relative
    to the compose file (or absolute), ``build_name`` build/'s name in it (the
    default of ``${OAC_BUILD_DIR}``), ``target`` the Prometheus the rules are
    written for and the Loki the dashboards' queries are (default: the build's,
    :func:`obs_as_code.target.current_target`)."""
    if target is None:
        target = current_target()
    project = f"{project_rel.rstrip('/') or '/'}:{PROJECT_MOUNT}:ro"
    b = f"{PROJECT_MOUNT}/${{{BUILD_DIR_VARIABLE}:-{build_name}}}"
    return {
        "services": {
            "prometheus": {
                "image": prometheus_image(target),
                "command": [
                    f"--config.file={b}/prometheus/prometheus.yml",
                    "--storage.tsdb.path=/prometheus",
                    # POST /-/reload after `oac build` loads the new rules.
                    "--web.enable-lifecycle",
                    *(f"--enable-feature={f}" for f in sorted(target.features)),
                ],
                "volumes": [project],
                "ports": ["127.0.0.1:9090:9090"],
                "healthcheck": _health("http://localhost:9090/-/ready"),
                "depends_on": {"alertmanager": {"condition": "service_healthy"}},
            },
            "alertmanager": {
                "image": IMAGES["alertmanager"],
                "command": [
                    # The preview's config: no integrations, no secrets.
                    f"--config.file={b}/{ALERTMANAGER_PATH}",
                    "--storage.path=/alertmanager",
                    # One instance: no gossip port.
                    "--cluster.listen-address=",
                ],
                "volumes": [project],
                "ports": ["127.0.0.1:9093:9093"],
                "healthcheck": _health("http://localhost:9093/-/ready"),
            },
            "grafana": {
                "image": IMAGES["grafana"],
                "environment": {
                    "GF_AUTH_ANONYMOUS_ENABLED": "true",
                    "GF_AUTH_ANONYMOUS_ORG_ROLE": "Viewer",
                    "GF_USERS_DEFAULT_THEME": "light",
                    "GF_PATHS_PROVISIONING": f"{b}/grafana/provisioning",
                },
                # The image's entrypoint (/run.sh), after linking the provider's path
                # (in the image's /var/lib/grafana volume) to the built dashboards.
                "entrypoint": [
                    "sh", "-c",
                    # rm: a volume kept from an older stack may hold a directory there.
                    f"rm -rf {GRAFANA_DASHBOARDS_PATH} && ln -s {b}/grafana/dashboards {GRAFANA_DASHBOARDS_PATH} && exec /run.sh",
                ],
                "volumes": [project],
                "ports": ["127.0.0.1:3000:3000"],
                "healthcheck": _health("http://localhost:3000/api/health"),
                "depends_on": {
                    "prometheus": {"condition": "service_healthy"},
                    "loki": {"condition": "service_healthy"},
                    "tempo": {"condition": "service_healthy"},
                },
            },
            "loki": {
                "image": loki_image(target),
                "command": ["-config.file=/etc/loki/local-config.yaml"],
                "ports": ["127.0.0.1:3100:3100"],
                "healthcheck": _loki_health(target),
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
                "command": [f"-config.file={b}/{TEMPO_PATH}"],
                "volumes": [project],
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
    """The compose file for ``out_dir``, mounting the folder holding ``build_dir``:
    relative when ``out_dir`` lies in the same project, absolute otherwise."""
    build_dir, out_dir = build_dir.resolve(), out_dir.resolve()
    inside = out_dir.is_relative_to(build_dir.parent)
    where = os.path.relpath(build_dir.parent, out_dir) if inside else str(build_dir.parent)
    return _HEADER + dump_yaml(compose(where, build_dir.name))


def tempo_text() -> str:
    """``tempo.yaml`` as written next to the compose file."""
    return dump_yaml(tempo_config())


def render(project: Project) -> list[Artifact]:
    """Renderer: ``preview/docker-compose.yml``, ``preview/tempo.yaml`` and
    ``preview/alertmanager.yml``.

    The stack reads build/ as a whole; only the preview's Alertmanager config
    depends on the project (its routing). It is written only when the project has
    a Prometheus side for the stack to run.
    """
    from obs_as_code.model import AlertmanagerConfig, PrometheusConfig, RuleGroup, ScrapeJob
    from obs_as_code.render import alertmanager

    if not any(project.all(kind) for kind in (PrometheusConfig, ScrapeJob, RuleGroup)):
        return []
    configs = project.all(AlertmanagerConfig)
    built = next((a.data for a in alertmanager.render(project) if a.path == names.ALERTMANAGER_CONFIG), None)
    sources = [configs[0].module] if configs and configs[0].module else []
    return [
        Artifact(COMPOSE_PATH, _HEADER + dump_yaml(compose()), "text"),
        Artifact(TEMPO_PATH, tempo_config(), "yaml"),
        Artifact(ALERTMANAGER_PATH, preview_alertmanager(built), "yaml", sources=sources),
    ]
