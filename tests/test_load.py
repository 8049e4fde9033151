"""The loader: isolation, ownership of shared definitions, errors at the user's line."""

import sys
from pathlib import Path

from oac_testing import ProjectFactory

from obs_as_code.model import AlertRule, RuleGroup
from obs_as_code.pipeline import load


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
