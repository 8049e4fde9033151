"""A project targets Loki 3 (``[tool.oac] loki-version = "3.7"``): its dashboards'
Loki queries are read as Loki 3 reads them (OAC321), and ``oac preview`` runs
that Loki; Loki 2.9.8 by default. The grammar facts are pinned in
tests/lint/test_logql.py (VALID_3, INVALID_3) and compared there with Loki
v3.7.6's own tests and parse tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from obs_as_code import incremental
from obs_as_code.render.preview import compose, loki_image
from obs_as_code.target import DEFAULT, PrometheusTarget, TargetError, parse_target, read_target
from tests.oac_testing import (
    GOOD_ALERT,
    ProjectFactory,
    incremental_and_clean,
    run_oac,
    setting_refused,
)

LOKI3 = '[tool.oac]\nloki-version = "3.7"\n'
BOARD = """from obs_as_code.dashboards import kit as k

board = k.dashboard("Logs", [
    k.logs("Either", k.loki('{job="api"} |= "timeout" or "refused"')),
    k.logs("Pattern", k.loki('{job="api"} |> "<_> error <_>"')),
])
"""


# --- the setting ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", DEFAULT),
        ('[tool.oac]\nloki-version = "2.9"\n', DEFAULT),
        (LOKI3, PrometheusTarget(loki_major=3, loki_minor=7)),
        ('[tool.oac]\nprometheus-version = "3.5"\nloki-version = "3.0"\n', PrometheusTarget(3, 5, loki_major=3, loki_minor=0)),
    ],
)
def test_read_target(tmp_path: Path, text: str, expected: PrometheusTarget) -> None:
    (tmp_path / "pyproject.toml").write_text(text)
    assert read_target(tmp_path) == expected


@pytest.mark.parametrize(
    ("loki", "message"),
    [("3", "is not a version"), (3.7, "is not a version"), ("v3.7", "is not a version"), ("2.8", "is not supported"),
     ("4.0", "is not supported"), ("1.6", "is not supported")],
)  # fmt: skip
def test_bad_settings_are_refused(loki: object, message: str) -> None:
    with pytest.raises(TargetError, match=f"loki-version = .* {message}"):
        parse_target("2.42", (), loki=loki)


def test_the_loki_version_is_in_the_cache_key() -> None:
    keys = {PrometheusTarget(loki_major=m, loki_minor=n).key for m, n in [(2, 9), (3, 0), (3, 7)]}
    assert len(keys) == 3 and DEFAULT.key.endswith(";loki=2.9")


@pytest.mark.parametrize("command", ["build", "lint"])
@pytest.mark.parametrize(("value", "message"), [('"3"', 'loki-version = "3" is not a version'),
                                                ('"2.8"', 'loki-version = "2.8" is not supported')])  # fmt: skip
def test_a_bad_setting_is_a_usage_error(make_project: ProjectFactory, command: str, value: str, message: str) -> None:
    root = make_project({"pyproject.toml": f"[tool.oac]\nloki-version = {value}\n"})
    setting_refused(root, command, message)


# --- projects --------------------------------------------------------------------------


def test_loki_3_syntax_builds_for_a_loki_3_project(make_project: ProjectFactory) -> None:
    root = make_project({"dashboards/logs.py": BOARD, "pyproject.toml": LOKI3})
    result = run_oac("build", "-C", str(root))
    assert result.exit_code == 0, result.output + result.stderr
    assert "OAC321" not in result.output + result.stderr


def test_at_the_default_it_is_oac321_with_a_hint_naming_the_setting(make_project: ProjectFactory) -> None:
    root = make_project({"dashboards/logs.py": BOARD})
    result = run_oac("build", "-C", str(root))
    assert result.exit_code == 1
    out = result.stderr
    lines = [line for line in out.splitlines() if "OAC321" in line]
    assert [line.split(" OAC321")[0].split(":")[:2] for line in lines] == [["dashboards/logs.py", "4"], ["dashboards/logs.py", "5"]], out
    assert 'unexpected string "refused"' in lines[0] and "unexpected '>'" in lines[1]
    hint = 'Loki 3 takes this query, Loki 2.9 (the default target, what oac preview runs) does not: if your Loki is 3.x, set loki-version = "3.N" under [tool.oac] in pyproject.toml'
    assert hint in out, out
    # A query no Loki takes keeps the Loki 2.9 hint.
    (root / "dashboards/logs.py").write_text(BOARD.replace('or "refused"', "or").replace('|> "<_> error <_>"', '|= "error"'))
    out = run_oac("build", "-C", str(root)).stderr
    assert "Loki 3 takes this query" not in out and "LogQL as Loki 2.9 reads it" in out and "dashboards/logs.py:4:" in out


def test_a_loki_3_target_still_refuses_what_loki_3_refuses(make_project: ProjectFactory) -> None:
    board = BOARD.replace('|= "timeout" or "refused"', '|= "timeout" or')
    root = make_project({"dashboards/logs.py": board, "pyproject.toml": LOKI3})
    result = run_oac("build", "-C", str(root))
    assert result.exit_code == 1
    out = result.output + result.stderr
    assert "dashboards/logs.py:4:" in out and "expecting a string or ip(...)" in out
    assert 'LogQL as Loki 3 reads it: https://grafana.com/docs/loki/latest/query/ ([tool.oac] loki-version = "3.7"' in out
    assert "dashboards/logs.py:5:" not in out  # |> is Loki 3's


def test_changing_the_loki_version_reuses_no_finding_of_the_other(make_project: ProjectFactory) -> None:
    root = make_project({"dashboards/logs.py": BOARD, "pyproject.toml": LOKI3})

    cached, clean = incremental_and_clean(root)
    assert cached == clean and clean[1] == []
    (root / "pyproject.toml").write_text('[tool.oac]\nloki-version = "2.9"\n')
    cached, clean = incremental_and_clean(root)
    assert cached == clean and [d.count("OAC321") for d in clean[1]] == [1, 1]
    (root / "pyproject.toml").write_text(LOKI3)
    cached, clean = incremental_and_clean(root)
    assert cached == clean and clean[1] == []
    assert incremental.last_run.loaded == ["dashboards/logs.py"]  # the target is a key of the cache
    cached, clean = incremental_and_clean(root)
    assert cached == clean and clean[1] == []
    assert incremental.last_run.loaded == []


def test_the_preview_runs_the_targeted_loki(make_project: ProjectFactory) -> None:
    root = make_project({"alerts/good.py": GOOD_ALERT, "dashboards/logs.py": BOARD, "pyproject.toml": LOKI3})
    assert run_oac("build", "-C", str(root)).exit_code == 0
    text = (root / "build/preview/docker-compose.yml").read_text()
    assert "image: grafana/loki:3.7.6" in text and "/usr/bin/loki" in text
    assert run_oac("build", "--check", "-C", str(root)).exit_code == 0
    (root / "pyproject.toml").write_text("")
    (root / "dashboards/logs.py").write_text(BOARD.replace('or "refused"', "").replace('|> "<_> error <_>"', '|= "error"'))
    assert run_oac("build", "-C", str(root)).exit_code == 0
    text = (root / "build/preview/docker-compose.yml").read_text()
    assert "image: grafana/loki:2.9.8" in text and "/usr/bin/loki" not in text


@pytest.mark.parametrize(
    ("minor", "image", "self_check"),
    [(0, "grafana/loki:3.0.1", False), (5, "grafana/loki:3.5.12", False), (6, "grafana/loki:3.6.15", True),
     (7, "grafana/loki:3.7.6", True), (9, "grafana/loki:3.9.0", True)],
)  # fmt: skip
def test_the_loki_image_and_its_health_check(minor: int, image: str, self_check: bool) -> None:
    target = PrometheusTarget(loki_major=3, loki_minor=minor)
    assert loki_image(target) == image
    loki = compose(target=target)["services"]["loki"]
    assert loki["image"] == image
    # From 3.6 the image is distroless without wget: the binary checks its own health.
    assert loki["healthcheck"]["test"] == (["CMD", "/usr/bin/loki", "-health"] if self_check
                                           else ["CMD", "wget", "-q", "-O", "/dev/null", "http://localhost:3100/ready"])
    assert compose(target=DEFAULT)["services"]["loki"]["image"] == "grafana/loki:2.9.8"
