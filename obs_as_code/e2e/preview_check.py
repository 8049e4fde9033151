"""Check a running preview stack against build/: Grafana serves every dashboard,
Prometheus loads and evaluates every rule.

Run by ``.github/workflows/preview.yml`` after ``docker compose up --wait``::

    python -m obs_as_code.e2e.preview_check build http://127.0.0.1:3000 http://127.0.0.1:9090
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from obs_as_code.e2e.processes import http_get
from obs_as_code.serialize import load_yaml


def expected_dashboards(build_dir: Path) -> set[str]:
    """UIDs of every dashboard under ``build/grafana/dashboards``."""
    uids: set[str] = set()
    for path in sorted((build_dir / "grafana" / "dashboards").rglob("*.json")):
        uid = json.loads(path.read_text(encoding="utf-8")).get("uid")
        uids.add(str(uid) if uid else path.stem)
    return uids


def expected_rules(build_dir: Path) -> set[tuple[str, str]]:
    """``(group, rule name)`` of every rule under ``build/prometheus/rules``."""
    out: set[tuple[str, str]] = set()
    for path in sorted((build_dir / "prometheus" / "rules").glob("*.y*ml")):
        for group in (load_yaml(path.read_text(encoding="utf-8")) or {}).get("groups") or []:
            for rule in group.get("rules") or []:
                out.add((str(group["name"]), str(rule.get("alert") or rule.get("record"))))
    return out


def check_grafana(build_dir: Path, url: str) -> list[str]:
    """Dashboards of build/ that Grafana does not serve."""
    want = expected_dashboards(build_dir)
    status, body = http_get(f"{url.rstrip('/')}/api/search?type=dash-db&limit=5000", timeout=10)
    if status != 200:
        return [f"Grafana search answered HTTP {status}"]
    got = {str(d.get("uid")) for d in json.loads(body)}
    return [f"Grafana does not serve dashboard {uid}" for uid in sorted(want - got)]


def check_prometheus(build_dir: Path, url: str) -> list[str]:
    """Rules of build/ that Prometheus did not load, or fails to evaluate."""
    want = expected_rules(build_dir)
    status, body = http_get(f"{url.rstrip('/')}/api/v1/rules", timeout=10)
    if status != 200:
        return [f"Prometheus rules API answered HTTP {status}"]
    problems: list[str] = []
    got: set[tuple[str, str]] = set()
    for group in json.loads(body)["data"]["groups"]:
        for rule in group["rules"]:
            got.add((group["name"], rule["name"]))
            if rule.get("health") == "err":
                problems.append(f"rule {group['name']}/{rule['name']} fails: {rule.get('lastError', '')}")
    problems += [f"Prometheus did not load rule {g}/{r}" for g, r in sorted(want - got)]
    return problems


def check(build_dir: Path, grafana: str | None, prometheus: str | None, *, timeout: float = 120.0) -> list[str]:
    """Every problem, retried until ``timeout`` (provisioning and first evaluations take a moment)."""
    deadline = time.monotonic() + timeout
    while True:
        problems: list[str] = []
        try:
            if grafana:
                problems += check_grafana(build_dir, grafana)
            if prometheus:
                problems += check_prometheus(build_dir, prometheus)
        except OSError as exc:
            problems = [f"cannot reach the stack: {exc}"]
        if not problems or time.monotonic() > deadline:
            return problems
        time.sleep(2)


def main(argv: list[str] | None = None) -> int:
    """``BUILD GRAFANA_URL PROMETHEUS_URL`` -> exit 1 and the problems when any."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3:
        print("usage: python -m obs_as_code.e2e.preview_check BUILD_DIR GRAFANA_URL PROMETHEUS_URL", file=sys.stderr)
        return 2
    build_dir = Path(args[0])
    problems = check(build_dir, args[1], args[2])
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(
            f"preview ok: {len(expected_dashboards(build_dir))} dashboards served, "
            f"{len(expected_rules(build_dir))} rules loaded"
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
