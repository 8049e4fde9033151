"""The loader: isolation, ownership of shared definitions, errors at the user's line."""

import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from obs_as_code.model import AlertRule, RuleGroup
from obs_as_code.pipeline import load
from tests.oac_testing import ProjectFactory


def test_definition_built_by_helper_points_at_the_call(make_project: ProjectFactory) -> None:
    root = make_project(
        {
            "alerts/_lib.py": """
                from obs_as_code import AlertRule

                def page(name, expr):
                    return AlertRule(name=name, expr=expr, labels={"severity": "critical"})
            """,
            "alerts/api.py": """
                from obs_as_code import RuleGroup
                from alerts._lib import page

                api = RuleGroup(
                    name="api",
                    rules=[
                        page("A", "up == 0"),
                    ],
                )
            """,
        }
    )
    project, diagnostics = load(root)
    assert diagnostics == []
    (group,) = project.all(RuleGroup)
    assert str(group.location) == "alerts/api.py:4:7"
    assert group.module == "alerts/api.py"
    rule = group.rules[0]
    assert isinstance(rule, AlertRule)
    assert (rule.location.file, rule.location.line) == ("alerts/api.py", 7)


def test_shared_group_belongs_to_its_declaring_module(make_project: ProjectFactory) -> None:
    root = make_project(
        {
            "alerts/base.py": """
                from obs_as_code import AlertRule, RuleGroup
                shared = RuleGroup(name="shared", rules=[AlertRule(name="A", expr="up == 0")])
            """,
            "alerts/other.py": """
                from obs_as_code import AlertRule, RuleGroup
                from alerts.base import shared
                mine = RuleGroup(name="mine", rules=[AlertRule(name="B", expr="up == 0")])
                both = [shared, mine]
            """,
        }
    )
    project, diagnostics = load(root)
    assert diagnostics == []
    owners = {g.name: g.module for g in project.all(RuleGroup)}
    assert owners == {"shared": "alerts/base.py", "mine": "alerts/other.py"}


def test_project_modules_do_not_leak(make_project: ProjectFactory) -> None:
    root = make_project(
        {"alerts/a.py": "from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name='g', rules=[AlertRule(name='A', expr='up')])\n"}
    )
    before = set(sys.modules)
    load(root)
    assert not [m for m in set(sys.modules) - before if m.split(".")[0] == "alerts"]
    assert str(root.resolve()) not in sys.path


def test_module_raising_reports_innermost_user_frame(make_project: ProjectFactory) -> None:
    root = make_project(
        {
            "alerts/_h.py": """
                def threshold():
                    raise ValueError("no threshold configured")
            """,
            "alerts/api.py": """
                from alerts._h import threshold
                LIMIT = threshold()
            """,
        }
    )
    _project, diagnostics = load(root)
    (d,) = diagnostics
    assert d.code == "OAC101"
    assert str(d.location) == "alerts/_h.py:2:5"
    assert "ValueError: no threshold configured" in d.message
    assert d.hint is not None and "alerts/api.py:2" in d.hint
    assert "obs_as_code" not in (d.hint or "") and "importlib" not in (d.hint or "")


def test_syntax_error_position(make_project: ProjectFactory) -> None:
    root = make_project({"alerts/api.py": "x = (1,\n"})
    _project, diagnostics = load(root)
    (d,) = diagnostics
    assert d.code == "OAC101" and d.location.file == "alerts/api.py" and d.location.line == 1


def test_empty_module_and_helper(make_project: ProjectFactory) -> None:
    root = make_project({"alerts/empty.py": "X = 1\n", "alerts/_helpers.py": "Y = 2\n"})
    _project, diagnostics = load(root)
    assert [(d.code, str(d.location)) for d in diagnostics] == [("OAC102", "alerts/empty.py:1:1")]


def test_discovers_nested_modules_in_order(make_project: ProjectFactory) -> None:
    root = make_project(
        {
            "alerts/b.py": "from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name='b', rules=[AlertRule(name='A', expr='up')])\n",
            "alerts/team/a.py": "from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name='ta', rules=[AlertRule(name='A', expr='up')])\n",
        }
    )
    project, _ = load(root)
    assert [m.path for m in project.modules] == ["alerts/b.py", "alerts/team/a.py"]
    assert isinstance(project.root, Path)


# --- where module-level names are assigned (text scan vs syntax tree) ---------------------

_NAMES = ["board", "dashboard_1", "x", "rules"]
_LINES = st.sampled_from(
    [
        "board = {'a': 1}",
        "board: dict[str, int] = {}",
        "x = board = [1]",
        "dashboard_1 = dict(\n    title='t',\n)",
        "rules = [\n  1,\n]",
        "board == 1",
        "board += [2]",
        "if True:\n    board = 3",
        '"""doc\nboard = 4\n"""',
        "def f(board=1):\n    return board",
        "x, board = 1, 2",
        "import os",
        "# board = 5",
        "print(board) if False else None",
        "rules: list[int] = [\n]",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINES, max_size=8))
def test_scanned_assignment_lines_agree_with_the_syntax_tree(lines: list[str]) -> None:
    import ast

    from obs_as_code.load import _scanned_location

    text = "\n".join(lines) + "\n"
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return
    expected: dict[str, tuple[int, int]] = {}
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        for t in targets:
            if isinstance(t, ast.Name):
                expected.setdefault(t.id, (t.lineno, t.col_offset + 1))
    for name in _NAMES:
        found = _scanned_location(text, name)
        if found is not None:  # None: the caller asks the syntax tree
            assert (found.line, found.col) == expected.get(name), (name, text)


def test_scanned_assignment_lines_of_every_shipped_module() -> None:
    # Every module-level assignment of the shipped project is found by the scan
    # at exactly the place the syntax tree gives (not left to the fallback).
    import ast

    from obs_as_code.load import _scanned_location

    root = Path(__file__).resolve().parents[1]
    checked = 0
    for path in sorted(root.glob("[a-z]*/**/*.py")):
        if ".venv" in path.parts or "obs_as_code" in path.parts or "tests" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for node in ast.parse(text).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                t = node.targets[0]
                found = _scanned_location(text, t.id)
                assert found is not None and (found.line, found.col) == (t.lineno, t.col_offset + 1), (path, t.id)
                checked += 1
    assert checked > 50


def test_project_all_sees_definitions_added_or_replaced_after_a_query(tmp_path: Path) -> None:
    from obs_as_code.load import Project

    a = RuleGroup(name="a", rules=[AlertRule(name="A", expr="up == 0")])
    b = RuleGroup(name="b", rules=[AlertRule(name="B", expr="up == 0")])
    project = Project(root=tmp_path, definitions=[a])
    assert project.all(RuleGroup) == [a]
    project.definitions.append(b)  # what generators do
    assert project.all(RuleGroup) == [a, b]
    project.all(RuleGroup).clear()  # callers get their own list
    assert project.all(RuleGroup) == [a, b]
    project.definitions = [b]
    assert project.all(RuleGroup) == [b]
    assert project.all(AlertRule) == []
