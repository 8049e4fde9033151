"""discover() lists what ``sorted(rglob("*.py"))`` over each project folder listed
before it was rewritten without Path objects: same modules, same order, same names."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from obs_as_code.discover import PROJECT_DIRS, ModuleRef, discover


def _reference(root: Path, dirs: tuple[str, ...] = PROJECT_DIRS) -> list[ModuleRef]:
    # The earlier implementation, kept as the specification.
    found: list[ModuleRef] = []
    for top in dirs:
        base = root / top
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*.py")):
            rel = path.relative_to(root)
            if any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
                continue
            parts = list(rel.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found.append(ModuleRef(rel.as_posix(), ".".join(parts)))
    return found


# Names that sort differently as strings and as path parts ("a-b" < "a/..." as
# strings, not as parts), hidden ones, __init__, __pycache__, a folder named *.py.
NAMES = st.sampled_from(["a", "a-b", "a.b", "b", "B", "_lib", "__init__", ".hidden", "__pycache__", "x.py", "z"])
TREES = st.recursive(
    st.dictionaries(NAMES, st.just(None), max_size=4),
    lambda kids: st.dictionaries(NAMES, kids | st.just(None), max_size=4),
    max_leaves=12,
)


def _make(where: Path, tree: dict[str, object]) -> None:
    for name, sub in tree.items():
        if isinstance(sub, dict):
            (where / name).mkdir(exist_ok=True)
            _make(where / name, sub)
        else:
            target = where / (name if name.endswith(".py") else f"{name}.py")
            if not target.exists():
                target.write_text("")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tops=st.dictionaries(st.sampled_from(["dashboards", "alerts", "slos", ".git"]), TREES, max_size=3))
def test_discover_lists_what_rglob_listed(tmp_path_factory: pytest.TempPathFactory, tops: dict[str, dict[str, object]]) -> None:
    root = tmp_path_factory.mktemp("project")
    for top, tree in tops.items():
        (root / top).mkdir()
        _make(root / top, tree)
    assert discover(root) == _reference(root)
    assert discover(root, (".git", "alerts")) == _reference(root, (".git", "alerts"))


def test_links_to_folders_are_listed_but_not_entered(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "inner.py").write_text("")
    (tmp_path / "dashboards").mkdir()
    (tmp_path / "dashboards" / "a.py").write_text("")
    os.symlink(tmp_path / "elsewhere", tmp_path / "dashboards" / "linked")
    os.symlink(tmp_path / "elsewhere" / "inner.py", tmp_path / "dashboards" / "b.py")
    found = discover(tmp_path)
    assert found == _reference(tmp_path)
    assert [m.path for m in found] == ["dashboards/a.py", "dashboards/b.py"]


def test_module_names_and_order(tmp_path: Path) -> None:
    for rel in ("dashboards/a-b/z.py", "dashboards/a/__init__.py", "dashboards/a/y.py", "dashboards/a.py", "alerts/x.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    assert discover(tmp_path) == _reference(tmp_path)
    assert [(m.path, m.name) for m in discover(tmp_path)] == [
        ("alerts/x.py", "alerts.x"),
        ("dashboards/a/__init__.py", "dashboards.a"),
        ("dashboards/a/y.py", "dashboards.a.y"),
        ("dashboards/a-b/z.py", "dashboards.a-b.z"),
        ("dashboards/a.py", "dashboards.a"),
    ]
