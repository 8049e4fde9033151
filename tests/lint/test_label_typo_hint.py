"""OAC207 names the label a typo meant, as OAC206 names the metric."""

from __future__ import annotations

from pathlib import Path

from obs_as_code.lint.api import lint
from obs_as_code.lint.catalog import load_catalog

CASES = Path(__file__).parent / "cases"
CATALOG = load_catalog(CASES / "catalog.prom")


def _hints(tmp_path: Path, expr: str) -> list[str]:
    rules = tmp_path / "rules.yaml"
    rules.write_text(f"groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: '{expr}'\n        for: 5m\n")
    found = lint(tmp_path, [rules], catalog=CATALOG, select=["OAC207"], scrape_interval=15.0)
    assert [d.code for d in found] == ["OAC207"], found
    return [d.hint or "" for d in found]


def test_a_misspelt_matcher_label_gets_the_label_meant(tmp_path: Path) -> None:
    (hint,) = _hints(tmp_path, 'sum(rate(opencode_http_requests_total{stauts="500"}[5m])) > 1')
    assert hint == "did you mean 'status'? a matcher on a missing label matches nothing"


def test_a_misspelt_by_label_gets_the_label_meant(tmp_path: Path) -> None:
    (hint,) = _hints(tmp_path, "sum by (metod) (rate(opencode_http_requests_total[5m])) > 1")
    assert hint.startswith("did you mean 'method'? "), hint


def test_a_label_like_no_other_gets_no_guess(tmp_path: Path) -> None:
    # "code" is within difflib's default cutoff of "model": the cutoff is higher, no guess.
    (hint,) = _hints(tmp_path, 'sum(rate(opencode_http_requests_total{code="500"}[5m])) > 1')
    assert hint == "a matcher on a missing label matches nothing"
