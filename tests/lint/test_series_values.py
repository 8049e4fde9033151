"""OAC108 on the values of a rule test's input series: what the build refuses,
promtool refuses too, and at the user's line rather than promtool's
"build/tests/x.yaml: 1:38: parse error: unexpected "x"" of the built file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from obs_as_code.lint.rules.oac108_promql_syntax import series_values_problem
from tests.oac_testing import need_binary, run_oac

ACCEPTED = ["1 1 0x10", "0+10x20", "_x3 1 stale", "1e3 -Inf NaN +1", "1-1x5", ".5 1.", "0 1 2 ", "inf nan",
            "1 +1x3", "1+1.5x3", "1e-3x2", "_ _ 1", "0x10", "-1x3", "+1-2x4"]
REFUSED = ["1 1 0 x10", "5 minutes", "1x", "x5", "1+x3", "1 , 2", "1 2 3x", "-1+-1x3", "1++1x3", "0xff",
           "stalex2", "Infx2", "1_000", "1;2", "0xff0"]


def _promtool_parses(tmp_path: Path, values: str) -> bool:
    (tmp_path / "rules.yml").write_text("groups: []\n")
    (tmp_path / "t.yml").write_text(
        f'rule_files: [rules.yml]\ntests:\n- interval: 1m\n  input_series:\n  - series: up{{job="a"}}\n    values: "{values}"\n'
    )
    proc = subprocess.run(["promtool", "test", "rules", "t.yml"], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert proc.returncode == 0 or "parse error" in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    return proc.returncode == 0


def test_the_notation_as_read_here() -> None:
    assert [v for v in ACCEPTED if series_values_problem(v) is not None] == []
    assert [v for v in REFUSED if series_values_problem(v) is None] == []
    assert series_values_problem("1 1 0 x10") == "'x10' is no value of promtool's series notation"
    assert series_values_problem("{{schema:0 sum:5 count:4 buckets:[1 2 1]}}x3") is None  # native histograms: promtool's


@pytest.mark.integration
@pytest.mark.parametrize("values", ACCEPTED + REFUSED)
def test_the_verdict_is_promtools(tmp_path: Path, values: str) -> None:
    need_binary("promtool")
    assert _promtool_parses(tmp_path, values) is (series_values_problem(values) is None)


def test_bad_values_fail_the_build_at_the_values_keyword(tmp_path: Path) -> None:
    module = (
        "from obs_as_code import AlertExpectation, AlertRule, RuleGroup, RuleTest, Series\n"
        'g = RuleGroup(name="g", rules=[AlertRule(name="Down", expr="up == 0", for_="2m")])\n'
        't = RuleTest(name="down", series=[Series(\'up{job="a"}\', "1 1 0 x10")],\n'
        '             alerts=[AlertExpectation(at="5m", alertname="Down")])\n'
    )
    (tmp_path / "alerts").mkdir()
    (tmp_path / "alerts/a.py").write_text(module)
    result = run_oac("build", "-C", str(tmp_path))
    assert result.exit_code == 1
    assert ("alerts/a.py:3:35: OAC108 invalid values '1 1 0 x10' of input series 'up{job=\"a\"}' in rule test 'down': "
            "'x10' is no value of promtool's series notation") in result.stderr
    assert not (tmp_path / "build").exists()
