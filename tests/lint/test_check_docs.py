"""Every check has a code, a docs page with a bad and a good example, and fires."""

from __future__ import annotations

import re

from oac_testing import REPO

from obs_as_code.lint.engine import all_checks


def test_every_check_has_a_docs_page() -> None:
    checks = all_checks()
    assert len(checks) >= 7
    for check in checks:
        assert re.fullmatch(r"OAC\d{3}", check.code), check.code
        page = REPO / "docs/lint" / f"{check.code}.md"
        assert page.is_file(), f"missing docs page for {check.code}"
        text = page.read_text()
        assert text.startswith(f"# {check.code}"), page
        assert "## Bad" in text and "## Good" in text, page


def test_codes_are_unique() -> None:
    codes = [c.code for c in all_checks()]
    assert len(codes) == len(set(codes))
