"""The checks that ask whether a PromQL or LogQL matcher's regex matches the
empty string ask Go's regexp (goregex.go_fullmatch), not Python's re: the two
read POSIX classes, \\pL and \\d differently, and Python refuses some of Go's."""

from __future__ import annotations

import pytest

from obs_as_code.lint.rules.oac220_vector_matching import _never_empty
from obs_as_code.lint.rules.oac318_loki_empty_selector import _matches_empty


@pytest.mark.parametrize(
    ("value", "empty"),
    [
        # Python reads [[:alpha:]] as the set "[:alph" and a "]": one character needed.
        ("[[:alpha:]]*", True),
        ("[[:alpha:]]+", False),
        # Python's re refuses \pL and \z: the checks said nothing.
        (r"\pL*", True),
        (r"\pL+", False),
        (r"x?\z", True),
        (".*", True),
        (".+", False),
        ("", True),
    ],
)
def test_whether_a_regex_matches_the_empty_string_is_gos_answer(value: str, empty: bool) -> None:
    assert _matches_empty("=~", value) is empty
    assert _matches_empty("!~", value) is not empty
    assert _never_empty("=~", value) is not empty


def test_a_regex_go_refuses_says_nothing() -> None:
    # Prometheus and Loki report it themselves (OAC108, OAC302, OAC320 here).
    assert _matches_empty("=~", "(?=x)") is False
    assert _never_empty("=~", "(?=x)") is False
