"""Every `oac` command that reads the project or its build/ takes the one
``--project/-C DIR`` option (obs_as_code.cli._common.project_option), so a CI
script runs `oac COMMAND -C infra/obs` instead of `cd`-ing first."""

from __future__ import annotations

import click

from obs_as_code.cli import cli

#: Commands that read neither a project nor its build/: they read the spec file
#: they are given and write where -o says.
NO_PROJECT = {"import sloth", "import openslo"}


def _commands() -> dict[str, click.Command]:
    ctx = click.Context(cli)
    out: dict[str, click.Command] = {}
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        assert command is not None
        if isinstance(command, click.Group):
            for sub in command.list_commands(ctx):
                subcommand = command.get_command(ctx, sub)
                assert subcommand is not None
                out[f"{name} {sub}"] = subcommand
        else:
            out[name] = command
    return out


def _project_params(command: click.Command) -> list[click.Parameter]:
    return [p for p in command.params if "-C" in p.opts]


def test_every_command_reading_the_project_takes_dash_c() -> None:
    commands = _commands()
    assert {"build", "lint", "validate", "diff", "publish", "import dashboard", "import grafana"} <= set(commands)
    lacking = sorted(name for name, command in commands.items()
                     if name not in NO_PROJECT and not _project_params(command))
    assert lacking == []
    for name in sorted(set(commands) - NO_PROJECT):
        (param,) = _project_params(commands[name])
        # One option everywhere, not a look-alike: same name, spellings and checks.
        assert param.name == "project" and param.opts == ["--project", "-C"], name
        assert isinstance(param.type, click.Path) and param.type.exists, name
    # The exemptions are real: none of them takes -C (else it belongs above).
    assert [name for name in sorted(NO_PROJECT) if _project_params(commands[name])] == []
