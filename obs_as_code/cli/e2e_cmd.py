"""``oac e2e``, ``oac backtest`` and ``oac preview``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from obs_as_code.cli._common import emit, project_option

if TYPE_CHECKING:
    from obs_as_code.e2e.runner import RunConfig
    from obs_as_code.e2e.scenario import Scenario


def _fail_usage(command: str, message: str) -> None:
    click.echo(f"oac {command}: {message}", err=True)
    sys.exit(2)


@click.command()
@project_option
@click.option("--scenario", "names", multiple=True, help="Run only this scenario (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Report format.")
@click.option("--build-dir", type=click.Path(file_okay=False, path_type=Path), default=None, help="Built configs (default: PROJECT/build).")
@click.option(
    "--alertmanager-config",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Routing to test (default: BUILD/alertmanager/alertmanager.yml).",
)
@click.option("--parallel", "-j", type=click.IntRange(1, 16), default=4, show_default=True, help="Scenarios run at once (they mostly wait on timers).")
@click.option(
    "--dashboards", is_flag=True,
    help="Check that every Prometheus panel of the built dashboards shows data under each scenario's "
         "traffic (default: the steady states) instead of checking the alerts.",
)
@click.option("--each-value", is_flag=True, help="With --dashboards: also run each target once per option of each variable it uses.")
@click.option(
    "--allow-empty", multiple=True, metavar="FILE:PANEL",
    help="With --dashboards: panels allowed to show no data (pattern on 'dashboard file:panel title'; repeatable).",
)
def e2e(
    project: Path, names: tuple[str, ...], fmt: str, build_dir: Path | None, alertmanager_config: Path | None,
    parallel: int, dashboards: bool, each_value: bool, allow_empty: tuple[str, ...],
) -> None:
    """Run the project's scenarios on a real Prometheus and Alertmanager.

    Servers listen on 127.0.0.1 only; scrape targets and receivers are rewritten
    to a synthetic exporter and a webhook recorder. Exit 1 when a scenario fails.

    With --dashboards, the stack serves each scenario's traffic (its incident,
    waiting for an alert to fire, when it expects alerts) and every Prometheus
    panel target of build/'s dashboards runs as Grafana runs it on first load;
    exit 1 on a refused query, an empty panel not allowed, or a variable
    without options.
    """
    from obs_as_code.diagnostics import has_errors
    from obs_as_code.e2e.project import SCENARIO_DIR, load_scenarios
    from obs_as_code.e2e.report import render_json, render_text
    from obs_as_code.e2e.runner import RunConfig, find_binaries, run_scenarios
    from obs_as_code.validate import ToolMissing

    if not dashboards:
        # Ignored while the alert scenarios ran: say so before anything runs.
        for flag, given in (("--each-value", each_value), ("--allow-empty", allow_empty)):
            if given:
                _fail_usage("e2e", f"{flag} needs --dashboards")
    for pattern in allow_empty:
        if ":" not in pattern:
            _fail_usage("e2e", f"--allow-empty {pattern!r}: expected FILE:PANEL (a pattern on 'dashboard file:panel title')")
    build = (build_dir or project / "build").resolve()
    am_config = (alertmanager_config or build / "alertmanager" / "alertmanager.yml").resolve()
    if not (build / "prometheus" / "prometheus.yml").is_file():
        _fail_usage("e2e", f"{build}/prometheus/prometheus.yml not found: run `oac build` first")
    if not am_config.is_file():
        _fail_usage("e2e", f"{am_config} not found: build the routing or pass --alertmanager-config")
    scenarios, catalog, diagnostics = load_scenarios(project.resolve())
    if diagnostics:
        emit(diagnostics, "text", project)
        if has_errors(diagnostics):
            sys.exit(1)
    if catalog is None:
        _fail_usage("e2e", "no MetricsCatalog in catalog/: the exporter serves the catalog's metrics")
    if names:
        unknown = sorted(set(names) - {s.name for s in scenarios})
        if unknown:
            _fail_usage("e2e", f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(sorted(s.name for s in scenarios))}")
        scenarios = [s for s in scenarios if s.name in names]
    elif dashboards:
        steady = [s for s in scenarios if not s.expect]
        if scenarios and not steady:
            _fail_usage("e2e", "--dashboards: no steady-state Scenario (one expecting no alert); name scenarios with --scenario")
        scenarios = steady
    if not scenarios:
        _fail_usage("e2e", f"no Scenario declared under {SCENARIO_DIR}/")
    try:
        binaries = find_binaries()
    except ToolMissing as exc:
        _fail_usage("e2e", str(exc))
        return
    assert catalog is not None
    if dashboards:
        _check_dashboards(scenarios, RunConfig(build, am_config, catalog, binaries), fmt, each_value, allow_empty)
        return
    results = run_scenarios(scenarios, RunConfig(build, am_config, catalog, binaries), parallel=parallel)
    click.echo(render_json(results) if fmt == "json" else render_text(results), nl=False)
    if any(r.status == "failed" for r in results):
        sys.exit(1)


def _check_dashboards(
    scenarios: list[Scenario], rc: RunConfig, fmt: str, each_value: bool, allow_empty: tuple[str, ...]
) -> None:
    """``oac e2e --dashboards``: one stack per scenario, the panel check over build/."""
    import json

    from obs_as_code.e2e.panel_data import live_dashboards

    problems: list[str] = []
    out: dict[str, Any] = {}
    for scenario in scenarios:
        with live_dashboards(rc, scenario.incident_traffic, factor=scenario.factor) as live:
            live.live.exporter.set_down(set(scenario.down))
            if scenario.expect:
                live.wait_for_series('ALERTS{alertstate="firing"}', timeout=scenario.timeout)
            report = live.check(each_value=each_value)
        found = report.problems(allow_empty)
        problems += found
        if fmt == "json":
            out[scenario.name] = {**report.to_json(), "problems": found}
        else:
            click.echo(f"== {scenario.name}\n{report.render_text()}")
    if fmt == "json":
        click.echo(json.dumps(out, indent=2, sort_keys=True))
    if problems:
        sys.exit(1)


@click.command()
@project_option
@click.argument("series", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--build-dir", type=click.Path(file_okay=False, path_type=Path), default=None, help="Built rules (default: PROJECT/build).")
def backtest(project: Path, series: Path, fmt: str, build_dir: Path | None) -> None:
    """Replay the built alert rules over SERIES (OpenMetrics with timestamps).

    Prints when each alert would have fired and resolved, and how many pages
    (critical firings) that makes.
    """
    from obs_as_code.e2e.backtest import BacktestError, render_json, render_text
    from obs_as_code.e2e.backtest import backtest as run_backtest
    from obs_as_code.validate import ToolMissing, find_tool

    build = (build_dir or project / "build").resolve()
    if not (build / "prometheus" / "prometheus.yml").is_file():
        _fail_usage("backtest", f"{build}/prometheus/prometheus.yml not found: run `oac build` first")
    try:
        prometheus = find_tool("prometheus", "prometheus")
        promtool = find_tool("promtool", "prometheus")
    except ToolMissing as exc:
        _fail_usage("backtest", str(exc))
        return
    try:
        result = run_backtest(series, build, prometheus=prometheus, promtool=promtool)
    except BacktestError as exc:
        click.echo(f"oac backtest: {exc}", err=True)
        sys.exit(1)
    click.echo(render_json(result) if fmt == "json" else render_text(result), nl=False)


@click.command()
@project_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write docker-compose.yml (default: PROJECT/build/preview, which `oac build` also writes).",
)
def preview(project: Path, out_dir: Path | None) -> None:
    """Write a docker-compose stack that runs the built configs.

    Prometheus, Alertmanager, Grafana (provisioned from build/grafana), Loki,
    Promtail, Tempo, node-exporter and cAdvisor, with health checks.
    """
    from obs_as_code.render.preview import COMPOSE_PATH, TEMPO_PATH, compose_text, tempo_text
    from obs_as_code.target import read_target, targeting

    build = (project / "build").resolve()
    target = (out_dir.resolve() if out_dir is not None else build / "preview") / Path(COMPOSE_PATH).name
    # Mounts are relative to the compose file; from another folder they point at build/.
    # The Prometheus image follows the project's target, as in `oac build`'s.
    with targeting(read_target(project)):
        text = compose_text(build, target.parent)
    target.parent.mkdir(parents=True, exist_ok=True)
    wrote = False
    for path, content in ((target, text), (target.parent / Path(TEMPO_PATH).name, tempo_text())):
        # Unchanged files are left alone so build/ stays identical to `oac build`.
        if not path.is_file() or path.read_text(encoding="utf-8") != content:
            path.write_text(content, encoding="utf-8")
            wrote = True
    click.echo(f"oac preview: {'wrote' if wrote else 'up to date:'} {target}", err=True)
    click.echo(f"  docker compose -f {target} up -d   # Grafana http://127.0.0.1:3000, Prometheus :9090, Alertmanager :9093", err=True)
