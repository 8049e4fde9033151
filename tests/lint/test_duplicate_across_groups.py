"""OAC116: the same rule (name, labels, expression) in two rule groups."""

from __future__ import annotations

from pathlib import Path

from tests.oac_testing import ProjectFactory, run_oac

API = """
    from obs_as_code import AlertRule, RecordingRule, RuleGroup

    api = RuleGroup(name="api", rules=[
        RecordingRule("job:http_requests:rate5m", "sum by (job) (rate(http_requests_total[5m]))"),
        RecordingRule("job:http_errors:rate5m", "sum by (job) (rate(http_requests_total{code=~'5..'}[5m]))"),
        AlertRule("ApiDown", "up{job='api'} == 0", for_="5m", labels={"severity": "page"},
                  annotations={"summary": "api down", "runbook_url": "https://runbooks/api"}),
    ])
"""

SLO = """
    from obs_as_code import AlertRule, RecordingRule, RuleGroup

    slo = RuleGroup(name="slo", rules=[
        # the same: reported
        RecordingRule("job:http_requests:rate5m", "sum by (job) (rate(http_requests_total[5m]))"),
        # another label: another series
        RecordingRule("job:http_errors:rate5m", "sum by (job) (rate(http_requests_total{code=~'5..'}[5m]))",
                      labels={"window": "5m"}),
        # another expression: another series (one per status class, say)
        RecordingRule("job:http_requests:rate5m", "sum by (job) (rate(http_requests_total[5m] offset 1m))"),
        # the same alert: reported
        AlertRule("ApiDown", "up{job='api'} == 0", for_="5m", labels={"severity": "page"},
                  annotations={"summary": "api down", "runbook_url": "https://runbooks/api"}),
    ])
    # The group's labels count as the rule's: the same as slo's second rule.
    windowed = RuleGroup(name="windowed", labels={"window": "5m"}, rules=[
        RecordingRule("job:http_errors:rate5m", "sum by (job) (rate(http_requests_total{code=~'5..'}[5m]))"),
    ])
"""


def _found(root: Path, *args: str) -> list[str]:
    result = run_oac("lint", "-C", str(root), "--select", "OAC116", *args)
    return [line for line in result.stdout.splitlines() + result.stderr.splitlines() if ": OAC116 " in line]


def test_the_same_rule_in_two_groups_is_reported_at_the_second(make_project: ProjectFactory) -> None:
    root = make_project({"alerts/api.py": API, "alerts/slo.py": SLO})
    assert _found(root) == [
        "alerts/slo.py:5:5: OAC116 record 'job:http_requests:rate5m' in group 'slo' is also in group 'api' "
        "(at alerts/api.py:4:5), with the same labels and expression: both groups evaluate it, and each "
        "writes the same series on its own schedule",
        "alerts/slo.py:12:5: OAC116 alert 'ApiDown' in group 'slo' is also in group 'api' (at alerts/api.py:6:5), "
        "with the same labels and expression: both groups evaluate it, and each fires the same alert on its "
        "own schedule",
        "alerts/slo.py:17:5: OAC116 record 'job:http_errors:rate5m' in group 'windowed' is also in group 'slo' "
        "(at alerts/slo.py:7:5), with the same labels and expression: both groups evaluate it, and each writes "
        "the same series on its own schedule",
    ]


def test_one_group_holding_a_rule_twice_is_oac105s(make_project: ProjectFactory) -> None:
    twice = API.replace('    ])\n', '        RecordingRule("job:http_requests:rate5m", '
                        '"sum by (job) (rate(http_requests_total[5m]))"),\n    ])\n')
    root = make_project({"alerts/api.py": twice})
    assert _found(root) == []
    result = run_oac("lint", "-C", str(root), "--select", "OAC105")
    assert "OAC105 duplicate record 'job:http_requests:rate5m' in group 'api'" in result.stdout + result.stderr


def test_the_build_stops_and_an_incremental_build_agrees(make_project: ProjectFactory) -> None:
    root = make_project({"alerts/api.py": API, "alerts/slo.py": SLO.replace("# the same: reported\n", "")})
    first = run_oac("build", "-C", str(root))
    assert first.exit_code == 1 and not (root / "build").exists()
    # Fixed in the second module only: the cached verdict about the first is not reused.
    (root / "alerts/slo.py").write_text("from obs_as_code import RuleGroup\n\nslo = RuleGroup(name='slo', rules=[])\n")
    again = run_oac("build", "-C", str(root))
    assert again.exit_code == 0, again.stderr
    assert "OAC116" not in again.stderr


def test_groups_that_are_oac106s_errors_are_left_to_it(make_project: ProjectFactory) -> None:
    # A group copied under its own name, and a group without a name, are OAC106's
    # errors: their rules are not reported again.
    twin = API.replace("api = ", "api_again = ")
    unnamed = API.replace('name="api"', 'name=""')
    root = make_project({"alerts/api.py": API, "alerts/copy.py": twin, "alerts/unnamed.py": unnamed})
    assert _found(root) == []
    result = run_oac("lint", "-C", str(root), "--select", "OAC106")
    assert (result.stdout + result.stderr).count(": OAC106 ") == 2
