"""Config rewriting for loopback runs: durations, targets, receivers."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from obs_as_code.durations import format_ms, parse_ms
from obs_as_code.e2e import config as cfg
from obs_as_code.serialize import dump_yaml, load_yaml
from tests.e2e.conftest import BUILD, FIXTURES, require_tool
from tests.golden import assert_golden


@pytest.mark.parametrize(
    ("expr", "factor", "want"),
    [
        ("rate(x[5m])", 60, "rate(x[5s])"),
        ("rate(x[1m])", 60, "rate(x[4s])"),  # kept at the minimum window
        ("max_over_time(rate(x[5m])[1h:1m])", 60, "max_over_time(rate(x[5s])[1m:1s])"),
        ("rate(x[30m:])", 60, "rate(x[30s:])"),
        ("x offset 1h", 60, "x offset 1m"),
        ("rate(x[1h30m])", 90, "rate(x[1m])"),
        ('x{path="/a[5m]"} > 1 # per [5m]', 60, 'x{path="/a[5m]"} > 1 # per [5m]'),
        ("rate(x{a='[1h]'}[1h])", 3600, "rate(x{a='[1h]'}[4s])"),
    ],
)
def test_scale_expr(expr: str, factor: float, want: str) -> None:
    assert cfg.scale_expr(expr, factor, min_window_ms=4000) == want


@given(
    seconds=st.integers(min_value=1, max_value=30 * 86400),
    factor=st.floats(min_value=1.0, max_value=1000.0),
)
def test_scaled_window_is_the_quotient_or_the_minimum(seconds: int, factor: float) -> None:
    window = format_ms(seconds * 1000)
    out = cfg.scale_expr(f"sum(rate(m_total[{window}]))", factor, min_window_ms=4000)
    inner = out.split("[", 1)[1].split("]", 1)[0]
    assert parse_ms(inner) == max(round(seconds * 1000 / factor), 4000)


def test_rewrite_rules_scales_for_and_drops_group_interval() -> None:
    doc = {
        "groups": [
            {
                "name": "g",
                "interval": "1m",
                "rules": [
                    {"alert": "A", "expr": "increase(x[1h]) > 5", "for": "15m", "keep_firing_for": "5m"},
                    {"record": "r", "expr": "rate(x[5m])"},
                ],
            }
        ]
    }
    out = cfg.rewrite_rules(doc, cfg.Timing(factor=60))
    group = out["groups"][0]
    assert "interval" not in group
    assert group["rules"][0] == {"alert": "A", "expr": "increase(x[1m]) > 5", "for": "15s", "keep_firing_for": "5s"}
    assert group["rules"][1]["expr"] == "rate(x[5s])"
    assert doc["groups"][0]["interval"] == "1m"  # the input is not modified
    assert cfg.rule_records(out) == {"r"}


def _rewritten_prometheus(rule_files: list[str]) -> dict[str, object]:
    doc = load_yaml((BUILD / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    jobs = cfg.scrape_jobs(doc)
    targets = {job: f"127.0.0.1:{20000 + i}" for i, job in enumerate(jobs)}
    return cfg.rewrite_prometheus(
        doc, targets=targets, alertmanager="127.0.0.1:19093", rule_files=rule_files, timing=cfg.Timing()
    )


def test_rewrite_prometheus_points_every_job_at_loopback_and_keeps_labels() -> None:
    built = load_yaml((BUILD / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    out = _rewritten_prometheus(["/tmp/rules/a.yaml"])
    assert out["global"]["scrape_interval"] == "1s"  # type: ignore[index]
    assert out["global"]["external_labels"] == built["global"]["external_labels"]  # type: ignore[index]
    assert out["alerting"] == {"alertmanagers": [{"static_configs": [{"targets": ["127.0.0.1:19093"]}]}]}
    assert out["rule_files"] == ["/tmp/rules/a.yaml"]
    jobs = out["scrape_configs"]
    assert [j["job_name"] for j in jobs] == cfg.scrape_jobs(built)  # type: ignore[attr-defined]
    for job, orig in zip(jobs, built["scrape_configs"], strict=True):  # type: ignore[call-overload]
        assert "scrape_interval" not in job
        assert job.get("metric_relabel_configs") == orig.get("metric_relabel_configs")
        for static, orig_static in zip(job["static_configs"], orig["static_configs"], strict=True):
            assert static["targets"][0].startswith("127.0.0.1:")
            assert static.get("labels") == orig_static.get("labels")


@pytest.mark.integration
def test_rewritten_configs_pass_promtool(tmp_path: Path) -> None:
    promtool = require_tool("promtool")
    rules = []
    for path in sorted((BUILD / "prometheus" / "rules").glob("*.yaml")):
        out = tmp_path / path.name
        out.write_text(dump_yaml(cfg.rewrite_rules(load_yaml(path.read_text(encoding="utf-8")), cfg.Timing())), encoding="utf-8")
        rules.append(str(out))
    (tmp_path / "prometheus.yml").write_text(dump_yaml(_rewritten_prometheus(rules)), encoding="utf-8")
    proc = subprocess.run([promtool, "check", "config", str(tmp_path / "prometheus.yml")], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _rewritten_alertmanager(strip: bool) -> dict[str, object]:
    doc = load_yaml((FIXTURES / "alertmanager.yml").read_text(encoding="utf-8"))
    return cfg.rewrite_alertmanager(doc, webhook_base="http://127.0.0.1:18080", strip_mute_time_intervals=strip)


def test_rewrite_alertmanager_golden() -> None:
    assert_golden("e2e/alertmanager.rewritten.yml", dump_yaml(_rewritten_alertmanager(strip=False)))
    assert_golden("e2e/alertmanager.rewritten-no-mutes.yml", dump_yaml(_rewritten_alertmanager(strip=True)))


def test_rewrite_alertmanager_keeps_receiver_names_and_routing() -> None:
    doc = load_yaml((FIXTURES / "alertmanager.yml").read_text(encoding="utf-8"))
    out = _rewritten_alertmanager(strip=False)
    assert cfg.receiver_names(out) == cfg.receiver_names(doc) == ["default", "pagerduty-critical", "slack-warnings", "email-info"]
    for receiver in out["receivers"]:  # type: ignore[attr-defined]
        assert receiver["webhook_configs"] == [
            {"url": f"http://127.0.0.1:18080/{receiver['name']}", "send_resolved": True}
        ]
    assert out["inhibit_rules"] == doc["inhibit_rules"]
    assert out["route"]["group_by"] == ["alertname", "service"]  # type: ignore[index]
    assert out["time_intervals"] == doc["time_intervals"]
    stripped = _rewritten_alertmanager(strip=True)
    assert "time_intervals" not in stripped
    assert all("mute_time_intervals" not in r for r in stripped["route"]["routes"])  # type: ignore[index]


@pytest.mark.integration
@pytest.mark.parametrize("strip", [False, True])
def test_rewritten_alertmanager_passes_amtool(tmp_path: Path, strip: bool) -> None:
    amtool = require_tool("amtool")
    path = tmp_path / "alertmanager.yml"
    path.write_text(dump_yaml(_rewritten_alertmanager(strip)), encoding="utf-8")
    proc = subprocess.run([amtool, "check-config", str(path)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_rewrite_alertmanager_drops_integration_globals_only() -> None:
    doc = {
        "global": {"resolve_timeout": "2m", "smtp_smarthost": "smtp:25", "slack_api_url_file": "/run/secrets/slack"},
        "route": {"receiver": "a", "routes": [{"receiver": "a", "group_wait": "10s", "continue": True}]},
        "receivers": [{"name": "a", "slack_configs": [{"channel": "#x"}]}],
    }
    out = cfg.rewrite_alertmanager(doc, webhook_base="http://127.0.0.1:1/")
    assert out["global"] == {"resolve_timeout": "2m"}
    assert out["route"]["routes"] == [{"receiver": "a", "group_wait": "1s", "continue": True}]
    assert out["receivers"] == [{"name": "a", "webhook_configs": [{"url": "http://127.0.0.1:1/a", "send_resolved": True}]}]
