"""OAC108's duration-as-number reader: the search that skips most expressions
(``duration_as_number``) never hides what the token scan finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from obs_as_code.lint.rules.oac108_promql_syntax import duration_as_number, scan_duration_as_number

#: Pieces rule expressions are made of, durations in and out of brackets among them.
_PIECES = st.sampled_from([
    "up", "rate(", "x_total", "{", "}", 'job="a[5m]"', "'5m'", "`1h`", "[", "]", "5m", "1h30m", ":", "offset",
    " ", "-", "+", ">", "0.05", ".5", "1e3", "0x1F", "(", ")", "# 5m\n", "time()", "k8s_pods", "٣", "_", "by", "5",
    "m", "e", ".", "\n", "$__rate_interval", "[1h:5m]", "x:y", "2d",
])


@settings(max_examples=3000, deadline=None)
@given(st.lists(_PIECES, max_size=14).map("".join))
def test_the_search_hides_nothing_the_scan_finds(expr: str) -> None:
    assert duration_as_number(expr) == scan_duration_as_number(expr)


#: The candidate search as first written: a lookbehind at every position.
_PLAIN_CANDIDATE = r"(?<![a-zA-Z0-9_:\[])\.?[0-9][a-zA-Z0-9_.+-]*?[a-zA-Z_]"


@settings(max_examples=3000, deadline=None)
@given(st.one_of(st.lists(_PIECES, max_size=14).map("".join), st.text(st.sampled_from("x_:[]. 05me+-\n"), max_size=12)))
def test_the_candidate_search_finds_where_its_plain_spelling_finds(expr: str) -> None:
    import re

    from obs_as_code.lint.rules.oac108_promql_syntax import _CANDIDATE

    assert (_CANDIDATE.search(expr) is None) == (re.search(_PLAIN_CANDIDATE, expr) is None)


def test_the_usual_expressions_are_decided_by_the_search_alone() -> None:
    from obs_as_code.lint.rules.oac108_promql_syntax import _CANDIDATE

    for expr in ['sum by (job) (rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(x[5m])) > 0.05',
                 "histogram_quantile(0.95, sum by (le) (rate(x_bucket[$__rate_interval])))",
                 "max_over_time(up[1h:5m]) == 0"]:
        assert _CANDIDATE.search(expr) is None, expr
    assert _CANDIDATE.search("up offset 5m") is not None  # read token by token


def test_a_digit_of_another_script_ends_the_scan() -> None:
    # str.isdigit() takes "٣"; the scan once made an empty token of it and never
    # moved on (promql-parser refuses such text first, so a build never got here).
    assert scan_duration_as_number("up > ٣ + 5m") == "5m"
