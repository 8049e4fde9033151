"""Regressions found reviewing OAC314-OAC318 against real dashboards (Ceph's,
dotdc's and rfmoz's, imported) and hand-written variants of their mistakes: each
test pins the code and the place of a finding, or its absence, and failed before
its fix."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from obs_as_code.pipeline import Compiled

HEAD = "from obs_as_code.dashboards import kit as k\n\n"


def _at(compiled: Compiled, code: str) -> list[tuple[int, int, str]]:
    """``(line, col, panel title)`` of each ``code`` finding."""
    out = []
    for d in compiled.diagnostics:
        if d.code == code:
            title = d.message.split("panel '", 1)[1].split("'", 1)[0] if "panel '" in d.message else ""
            out.append((d.location.line, d.location.col, title))
    return out


# --- OAC318 -----------------------------------------------------------------

LOKI_VARS = """variables=[k.datasource_var(), k.query_var("svc", "label_values(up, job)", include_all=True)]"""


def test_oac318_a_not_empty_negative_matcher_keeps_the_selector(project: Callable[..., Compiled]) -> None:
    # Loki keeps a matcher that does not match "" (labels.Matcher.Matches("")):
    # namespace!="" and namespace!~".*" do not; namespace!="x" and !~".+" do.
    compiled = project({"dashboards/case.py": HEAD + f"""board = k.dashboard("Logs", [
    k.logs("Set", k.loki('{{job=~"$svc", namespace!=""}}')),
    k.logs("None", k.loki('{{job=~"$svc", namespace!~".*"}}')),
    k.logs("Other", k.loki('{{job=~"$svc", namespace!="x"}}')),
    k.logs("Some", k.loki('{{job=~"$svc", namespace!~".+"}}')),
], {LOKI_VARS})
"""})
    assert _at(compiled, "OAC318") == [(6, 21, "Other"), (7, 20, "Some")]  # at the target (k.loki)


def test_oac318_reads_a_double_quoted_string_as_loki_does(project: Callable[..., Compiled]) -> None:
    # "\\d*" is the regex \d*, which matches "": Loki refuses the selector at All.
    compiled = project({"dashboards/case.py": HEAD + f"""board = k.dashboard("Logs", [
    k.logs("Digits", k.loki('{{job=~"$svc", code=~"\\\\\\\\d*"}}')),
    k.logs("Some digits", k.loki('{{job=~"$svc", code=~"\\\\\\\\d+"}}')),
    k.logs("Raw", k.loki('{{job=~"$svc", code=~`\\\\d*`}}')),
], {LOKI_VARS})
"""})
    assert _at(compiled, "OAC318") == [(4, 22, "Digits"), (6, 19, "Raw")]


def test_oac318_the_text_format_of_all_is_its_text(project: Callable[..., Compiled]) -> None:
    # Grafana writes a custom All value as it is, but in the text format it
    # writes "All" (template_srv): not empty.
    compiled = project({"dashboards/case.py": HEAD + f"""board = k.dashboard("Logs", [
    k.logs("Text", k.loki('{{job=~"${{svc:text}}"}}')),
    k.logs("Regex", k.loki('{{job=~"${{svc:regex}}"}}')),
], {LOKI_VARS})
"""})
    assert _at(compiled, "OAC318") == [(5, 21, "Regex")]


@pytest.mark.parametrize(
    ("expr", "empty"),
    [
        ('{job=~"$s", ns!=""}', False),
        ('{job=~"$s", ns!~".*"}', False),
        ('{job=~"$s", ns!~""}', False),
        ('{job=~"$s", ns!~"a|"}', False),  # "a|" matches "": !~ rejects it
        ('{job=~"$s", ns!="a"}', True),
        ('{job=~"$s", ns=""}', True),
        ('{job=~"$s", ns=~"\\\\d*"}', True),
        ('{job=~"$s", ns=~"\\\\d+"}', False),
        ('{job=~"$s", ns=~"\\d*"}', False),  # Go refuses the escape \d: Loki reports it
        ('{job=~"${s:percentencode}"}', True),  # .* stays .*
        ('{job=~"${s.value}"}', True),
    ],
)
def test_oac318_matchers_that_match_the_empty_string(expr: str, empty: bool) -> None:
    from obs_as_code.lint.rules.oac318_loki_empty_selector import empty_at_all

    assert bool(empty_at_all(expr, {"s": ".*"})) is empty
