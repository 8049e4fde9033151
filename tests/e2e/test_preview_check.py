"""The preview workflow's check, against a real Prometheus and a stand-in Grafana search API."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from obs_as_code.e2e.preview_check import check, check_grafana, expected_rules, main
from obs_as_code.e2e.processes import LOOPBACK, start_on_free_port
from obs_as_code.serialize import dump_yaml, load_yaml
from tests.e2e.conftest import BUILD, require_tool


@pytest.fixture
def build_with_dashboards(tmp_path: Path) -> Path:
    build = tmp_path / "build"
    shutil.copytree(BUILD / "prometheus", build / "prometheus")
    for folder, uid in (("api", "api-overview"), ("llm", "llm-performance")):
        path = build / "grafana" / "dashboards" / folder / f"{uid}.json"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps({"uid": uid, "title": uid}), encoding="utf-8")
    return build


@pytest.fixture
def grafana() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            assert self.path.startswith("/api/search?type=dash-db")
            body = json.dumps([{"uid": "api-overview", "type": "dash-db"}]).encode()
            self.send_response(200)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://{LOOPBACK}:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_missing_dashboard_is_reported(build_with_dashboards: Path, grafana: str) -> None:
    assert check_grafana(build_with_dashboards, grafana) == ["Grafana does not serve dashboard llm-performance"]


@pytest.mark.integration
def test_prometheus_with_every_built_rule_passes_and_a_missing_one_fails(
    build_with_dashboards: Path, tmp_path: Path
) -> None:
    prometheus = require_tool("prometheus")
    rules = sorted((BUILD / "prometheus" / "rules").glob("*.yaml"))
    config = tmp_path / "prometheus.yml"
    # Load all rule files but one: the check must name that file's rules.
    config.write_text(dump_yaml({"rule_files": [str(p) for p in rules[1:]]}), encoding="utf-8")
    server, port = start_on_free_port(
        "prometheus",
        lambda port: [prometheus, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}",
                      f"--web.listen-address={LOOPBACK}:{port}", "--log.level=warn"],
        tmp_path / "prom.log",
    )
    with server:
        problems = check(build_with_dashboards, None, f"http://{LOOPBACK}:{port}", timeout=0)
    skipped_groups = {g["name"] for g in load_yaml(rules[0].read_text(encoding="utf-8"))["groups"]}
    missing = {p.split(" ")[-1] for p in problems}
    assert missing == {f"{g}/{r}" for g, r in expected_rules(build_with_dashboards) if g in skipped_groups}
    assert all(p.startswith("Prometheus did not load rule ") for p in problems)


def test_main_usage_error() -> None:
    assert main([]) == 2
