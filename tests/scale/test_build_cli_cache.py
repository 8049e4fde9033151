"""`oac build` uses the cache by default; `--no-cache` neither reads nor writes it."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from obs_as_code.cache import cache_path
from obs_as_code.cli import cli
from tests.scale.project import Spec, Writer


def test_build_cli_cache_and_no_cache(tmp_path: Path) -> None:
    Writer(tmp_path).write(Spec(modules={"m0": (0, "ok"), "m1": (1, "ok")}))
    runner = CliRunner()
    first = runner.invoke(cli, ["build", "-C", str(tmp_path), "--no-cache"])
    assert first.exit_code == 0, first.output
    assert not cache_path(tmp_path).exists()
    second = runner.invoke(cli, ["build", "-C", str(tmp_path), "--jobs", "2"])
    assert second.exit_code == 0, second.output
    assert "unchanged" in second.output  # same bytes as the clean build
    assert cache_path(tmp_path).is_file()
    check = runner.invoke(cli, ["build", "-C", str(tmp_path), "--check"])
    assert check.exit_code == 0 and "up to date" in check.output
