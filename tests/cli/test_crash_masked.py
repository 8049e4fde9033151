"""A crash of ``oac`` (a bug of ours) prints the traceback a bug report needs,
with the secrets it could quote masked, and exits 1 as Python's handler does."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

import obs_as_code.cli as cli_module


def test_a_crash_prints_its_traceback_with_secrets_masked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    module = tmp_path / "crashing.py"
    module.write_text(
        'password = "hunter2hunter2"\n'
        "\n"
        "def crash(*args: object, **kwargs: object) -> None:\n"
        '    raise RuntimeError(f"login to https://admin:s3cr3t@grafana.example failed: {password}")\n'
    )
    spec = importlib.util.spec_from_file_location("crashing", module)
    assert spec is not None and spec.loader is not None
    crashing = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(crashing)
    monkeypatch.setattr(cli_module.cli, "main", crashing.crash)
    with pytest.raises(SystemExit) as exited:
        cli_module.main(["diff"])
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last):" in err
    assert 'crashing.py", line 4, in crash' in err  # the frames are there
    assert "RuntimeError: login to https://admin:" in err
    # The URL password (in the message and the source line shown) and the value
    # the module wrote elsewhere, which the message quotes.
    assert "s3cr3t" not in err and "hunter2hunter2" not in err


def test_a_usage_error_is_still_clicks(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli_module.main(["--bogus"])
    assert exited.value.code == 2
    assert "Traceback" not in capsys.readouterr().err
