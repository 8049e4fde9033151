"""What a reviewer reads in a pull request's ``build/`` diff: a one-line edit to one
shipped module changes only the built files that list that module among their
sources (``manifest.json``), plus those files' entries in the manifest, and each
changed file changes line for line (nothing reordered, added or dropped).

Hypothesis picks the module and the edit (a threshold-like number, an alert's
``for``, a panel title, an SLO objective) among those the shipped project holds.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from obs_as_code.discover import PROJECT_DIRS
from obs_as_code.pipeline import build
from tests.oac_testing import REPO, tree_snapshot


@dataclass(frozen=True)
class Edit:
    """A kind of one-line edit: where it applies (``pattern``'s first group is the
    value replaced) and the values it may write."""

    name: str
    dirs: tuple[str, ...]
    pattern: re.Pattern[str]
    values: st.SearchStrategy[str]


_TITLE = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ABCXYZ0123456789-", min_size=1, max_size=24).map(str.strip).filter(bool)

EDITS: tuple[Edit, ...] = (
    Edit("alert for", ("alerts",), re.compile(r'for_="(\d+m)"'), st.integers(1, 120).map(lambda m: f"{m}m")),
    Edit("threshold", ("alerts",), re.compile(r'_\w+\("(?:warning|critical)", (\d+\.\d+),'),
         # Below 1: the error-ratio alerts' thresholds are ratios (OAC215 refuses > 1).
         st.integers(1, 99).map(lambda n: f"{n / 100:.2f}")),
    Edit("panel title", ("dashboards",), re.compile(r'k\.(?:stat|timeseries|table|bargauge|gauge)\(\s*"([^"{}$]+)"'), _TITLE),
    Edit("slo objective", ("slos",), re.compile(r"objective=(\d+(?:\.\d+)?),"),
         st.sampled_from(["90", "95", "97.5", "98", "99", "99.5", "99.9", "99.95"])),
)


def _sites(root: Path) -> list[tuple[Edit, str, int]]:
    """Every (edit, module, match index) the shipped project offers."""
    out: list[tuple[Edit, str, int]] = []
    for edit in EDITS:
        for folder in edit.dirs:
            for path in sorted((root / folder).rglob("*.py")):
                rel = path.relative_to(root).as_posix()
                count = len(edit.pattern.findall(path.read_text(encoding="utf-8")))
                out.extend((edit, rel, i) for i in range(count))
    return out


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    """A copy of the shipped project, built (its build/ as committed)."""
    root = tmp_path_factory.mktemp("shipped")
    for folder in (*PROJECT_DIRS, "docs"):  # docs: the runbooks alerts link to
        if (REPO / folder).is_dir():
            shutil.copytree(REPO / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    result = build(root)
    assert result.ok, [str(d) for d in result.diagnostics]
    return root, tree_snapshot(root / "build")


def test_the_edits_have_sites_in_every_kind(shipped: tuple[Path, dict[str, bytes]]) -> None:
    kinds = {edit.name for edit, _rel, _i in _sites(shipped[0])}
    assert kinds == {e.name for e in EDITS}


def _edit(text: str, pattern: re.Pattern[str], index: int, value: str) -> str:
    match = list(pattern.finditer(text))[index]
    return text[: match.start(1)] + value + text[match.end(1):]


_KEY = re.compile(r'^(\s*(?:- )?)("?[A-Za-z_$][\w.$-]*"?:)?')


def _line_for_line(old: bytes, new: bytes) -> bool:
    """True when ``new`` has ``old``'s lines in ``old``'s order, values aside: as
    many lines, and each line that differs keeps its indentation and its key
    (a key moved elsewhere, or a line added or dropped, fails)."""
    a, b = old.decode().splitlines(), new.decode().splitlines()
    if len(a) != len(b):
        return False
    return all(_KEY.match(x).group(0) == _KEY.match(y).group(0)  # type: ignore[union-attr]
               for x, y in zip(a, b, strict=True) if x != y)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_one_module_edit_changes_only_its_files(shipped: tuple[Path, dict[str, bytes]], tmp_path: Path,
                                                data: st.DataObject) -> None:
    root, before = shipped
    # The kind first: panel titles outnumber the rest ten to one.
    kind = data.draw(st.sampled_from(EDITS), label="kind")
    edit, rel, index = data.draw(st.sampled_from([s for s in _sites(root) if s[0] == kind]), label="site")
    value = data.draw(edit.values, label="value")
    path = root / rel
    original = path.read_text(encoding="utf-8")
    edited = _edit(original, edit.pattern, index, value)
    out = tmp_path / f"out-{abs(hash((rel, index, value)))}"
    try:
        path.write_text(edited, encoding="utf-8")
        result = build(root, out)
    finally:
        path.write_text(original, encoding="utf-8")
    assert result.ok, [str(d) for d in result.diagnostics]
    after = tree_snapshot(out)
    assert set(after) == set(before), f"{edit.name} in {rel} added or removed build files"
    changed = {p for p in after if after[p] != before[p]}
    manifest: dict[str, dict[str, object]] = json.loads(before["manifest.json"])["files"]
    owned = {p for p, entry in manifest.items() if rel in entry["sources"]}  # type: ignore[operator]
    assert changed - {"manifest.json"} <= owned, (
        f"{edit.name} in {rel} changed {sorted(changed - owned - {'manifest.json'})}, whose sources do not list it")
    new_manifest: dict[str, dict[str, object]] = json.loads(after["manifest.json"])["files"]
    churned = {p for p in manifest if manifest[p] != new_manifest[p]}
    assert churned == changed - {"manifest.json"}, "manifest entries changed for files that did not"
    # Nothing reordered, added or dropped: the reviewer reads the edited values only.
    for p in sorted(changed):
        assert _line_for_line(before[p], after[p]), f"{p}: lines moved, appeared or vanished"
