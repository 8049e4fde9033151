"""The checks that keep secrets out of build/ cannot be silenced by a comment.

An ``# oac: ignore`` comment silencing OAC109, OAC111 or OAC501 would let the
build write the secret into ``build/``; their findings stand whatever the
comments say, while the same comments still silence any other check.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from obs_as_code.lint.api import lint
from obs_as_code.lint.engine import all_checks, unsuppressible_codes

REPO = Path(__file__).resolve().parents[2]
SECRET = "hunter2-Qx7Zp0"

# One module per check, the secret on the line below the comment.
MODULES = {
    "OAC109": (
        "scrape/jobs.py",
        """\
        from obs_as_code import ScrapeJob
        {comment}
        job = ScrapeJob(name="api", targets=["api:3000"], extra={{"bearer_token": "{secret}"}})
        """,
    ),
    "OAC111": (
        "datasources/mimir.py",
        """\
        from obs_as_code import Datasource
        {comment}
        mimir = Datasource("Mimir", "prometheus", "http://mimir", uid="mimir", secure_json_data={{"basicAuthPassword": "{secret}"}})
        """,
    ),
    "OAC501": (
        "alerts/routing.py",
        """\
        from obs_as_code import AlertmanagerConfig, PagerDuty, Receiver, Route
        {comment}
        pager = Receiver(name="pager", integrations=[PagerDuty(routing_key="{secret}")])
        config = AlertmanagerConfig(route=Route(receiver=pager))
        """,
    ),
}
COMMENTS = ["# oac: ignore", "# oac: ignore[{code}]", "# oac: ignore[OAC1, OAC5]"]


def _write(root: Path, code: str, comment: str) -> Path:
    rel, text = MODULES[code]
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).format(comment=comment.format(code=code), secret=SECRET), encoding="utf-8")
    return root


def test_exactly_the_secret_checks_are_unsuppressible() -> None:
    assert unsuppressible_codes() == {"OAC109", "OAC111", "OAC501"}
    assert {c.code for c in all_checks() if c.suppressible} == {c.code for c in all_checks()} - {"OAC109", "OAC111", "OAC501"}


@pytest.mark.parametrize("comment", COMMENTS)
@pytest.mark.parametrize("code", sorted(MODULES))
def test_a_comment_does_not_silence_a_secret(tmp_path: Path, code: str, comment: str) -> None:
    root = _write(tmp_path, code, comment)
    found = [d for d in lint(root) if d.code == code]
    assert [d.location.line for d in found] == [3], found


def test_the_same_comment_still_silences_another_check(tmp_path: Path) -> None:
    # The control: the comment is read, and silences a check that may be silenced.
    rule = """\
    from obs_as_code import AlertRule, RuleGroup
    g = RuleGroup("g", [
        # oac: ignore[OAC108]
        AlertRule("A", expr="rate(x[5m]", labels={"severity": "page"}),
    ])
    """
    path = tmp_path / "alerts" / "a.py"
    path.parent.mkdir(parents=True)
    path.write_text(textwrap.dedent(rule), encoding="utf-8")
    assert "OAC108" not in {d.code for d in lint(tmp_path)}
    path.write_text(textwrap.dedent(rule).replace("ignore[OAC108]", "nothing to see"), encoding="utf-8")
    assert "OAC108" in {d.code for d in lint(tmp_path)}


@pytest.mark.parametrize("code", sorted(MODULES))
def test_the_build_fails_and_writes_the_secret_nowhere(tmp_path: Path, code: str) -> None:
    root = _write(tmp_path / "project", code, "# oac: ignore[{code}]")
    for args in ((), ("--no-cache",)):
        proc = subprocess.run(
            [sys.executable, "-c", "import sys; from obs_as_code.cli import main; sys.exit(main())", "build", "-C", str(root), *args],
            env={**os.environ, "PYTHONPATH": str(REPO)},
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert f": {code} " in proc.stderr
        assert SECRET not in proc.stdout + proc.stderr
    assert not (root / "build").exists()
    held = [p for p in root.rglob("*") if p.is_file() and p.suffix != ".py" and SECRET.encode() in p.read_bytes()]
    assert held == []
