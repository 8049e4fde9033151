"""The ``oac`` command line: a thin layer of click commands over the Python API.

Commands are imported only when invoked, so ``oac --help`` stays fast: the table
below maps each command name to ``module:attribute``.
"""

from __future__ import annotations

import gc
import importlib
import sys
from typing import Any

import click

#: command name -> "module:attribute" of its click command (imported lazily).
COMMANDS: dict[str, str] = {
    "build": "obs_as_code.cli.build_cmd:build",
    "validate": "obs_as_code.cli.build_cmd:validate",
    "diff": "obs_as_code.cli.grafana_cmds:diff",
    "publish": "obs_as_code.cli.grafana_cmds:publish",
    "test": "obs_as_code.cli.test_cmd:test",
    "import": "obs_as_code.cli.import_cmd:import_group",
    "e2e": "obs_as_code.cli.e2e_cmd:e2e",
    "backtest": "obs_as_code.cli.e2e_cmd:backtest",
    "preview": "obs_as_code.cli.e2e_cmd:preview",
    "lint": "obs_as_code.cli.lint_cmd:lint",
    "watch": "obs_as_code.cli.watch_cmd:watch",
}

#: One-line help per command, shown by ``oac --help`` without importing the command.
SHORT_HELP: dict[str, str] = {
    "build": "Compile the project's definitions into build/.",
    "validate": "Run promtool, amtool and the dashboard schema over build/.",
    "diff": "Show what `oac publish` would change in Grafana (per folder, dashboard, panel).",
    "publish": "Publish build/ to Grafana: folders, dashboards, datasources; idempotent.",
    "test": "Run alert unit tests (promtool) and routing tests (amtool).",
    "e2e": "Run scenarios on a real Prometheus and Alertmanager; assert what fires and who is notified.",
    "backtest": "Replay the alert rules over a recorded OpenMetrics history; list firings and pages.",
    "preview": "Write a docker-compose stack (Prometheus, Alertmanager, Grafana, Loki, Tempo ...) for build/.",
    "import": "Turn existing dashboard JSON and SLO specs (Sloth, OpenSLO) into Python modules.",
    "lint": "Check the meaning of PromQL in rules and dashboards (offline, with a catalog).",
    "watch": "Rebuild on every save; print only the diagnostics that changed.",
}


class LazyGroup(click.Group):
    """A click group that imports a command's module only when it runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attr)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # `oac --help` lists commands from SHORT_HELP: importing them all would be slow.
        rows = [(name, SHORT_HELP.get(name, "")) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="obs-as-code", prog_name="oac")
def cli() -> None:
    """obs-as-code: monitoring declared in Python, compiled into Grafana and Prometheus files."""


#: Commands that build or lint once and exit: :func:`main` runs them with the
#: cyclic garbage collector off (``watch`` and the servers keep it).
ONE_SHOT_NO_GC = frozenset({"build", "lint"})


def main(argv: list[str] | None = None) -> Any:
    """Entry point of the ``oac`` console script. A crash (a bug of ours: the
    user's mistakes are diagnostics) prints its traceback with secrets masked
    and exits 1, as Python's own handler would."""
    try:
        return _main(argv)
    except Exception as exc:
        from obs_as_code.redact import masked_traceback

        sys.stderr.write(masked_traceback(exc))
        sys.stderr.flush()
        raise SystemExit(1) from None


def _main(argv: list[str] | None) -> Any:
    args = sys.argv[1:] if argv is None else argv
    command = next((a for a in args if not a.startswith("-")), None)
    if command not in ONE_SHOT_NO_GC:
        return cli.main(args=argv, prog_name="oac")
    # The collector re-walks everything a build keeps alive, during the build and
    # once more at interpreter exit (seconds on a large project) while finding
    # next to no cycles; see obs_as_code.gcpause. This process ends after the
    # command, so: off from the start, and what is alive at the end is frozen so
    # the final collection at exit skips it.
    gc.disable()
    try:
        return cli.main(args=argv, prog_name="oac")
    finally:
        gc.freeze()
