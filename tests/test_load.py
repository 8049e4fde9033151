"""The loader: isolation, ownership of shared definitions, errors at the user's line."""

import sys
from pathlib import Path

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


_TRICKY_MODULE = '''"""Docs with an example:

board = {"title": "not this one"}
"""
import os as imported
from typing import Any

chained = other = {"title": "a", "panels": []}
annotated: Any = {"title": "b", "panels": []}
bare: Any
bare = {"title": "c", "panels": []}
board = {
    "title": "d",
    "panels": [],
}
plain = {"title": "e", "panels": []}
if imported:
    nested = {"title": "f", "panels": []}
first, second = {"title": "g", "panels": []}, {}
counter = 1
counter += 1
with_walrus = [(walrus := 2)]
def helper() -> None:
    pass
'''


def test_locations_from_bytecode_match_the_syntax_tree(tmp_path: Path) -> None:
    import py_compile

    from obs_as_code import load

    path = tmp_path / "mod.py"
    path.write_text(_TRICKY_MODULE)
    mtime = path.stat().st_mtime_ns
    # Without bytecode the syntax tree answers.
    assert load._stored_location(str(path), mtime, "plain") is None
    py_compile.compile(str(path), doraise=True)
    load._compiled_stores.cache_clear()
    tree = load._global_locations(str(path), mtime)
    names = ["board", "plain", "chained", "other", "annotated", "bare", "nested", "first", "second",
             "counter", "with_walrus", "walrus", "helper", "imported", "Any", "missing"]
    fast = {n: load._stored_location(str(path), mtime, n) for n in names}
    for name, found in fast.items():
        assert found is None or found == tree.get(name), name
    # The common case is answered without parsing; the doubtful ones fall back.
    assert fast["plain"] == tree["plain"] and fast["plain"].line == 16
    assert fast["chained"] == tree["chained"] and fast["annotated"] == tree["annotated"]
    assert fast["board"] is None  # first mentioned in the docstring
    assert fast["bare"] is None and fast["other"] is None and fast["walrus"] is None


def test_stores_read_from_bytecode_are_dis_store_names(tmp_path: Path) -> None:
    """The bytes search for STORE_NAME finds what dis finds: every store at
    column 0, with names past the 256th (an EXTENDED_ARG before the opcode) and
    argument bytes equal to the opcode's value (90) not taken for opcodes."""
    import dis
    import py_compile

    from obs_as_code import load

    path = tmp_path / "many.py"
    lines = [f"name_{i} = {{'v': {i}, 'z': 'Z' * 90}}" for i in range(700)]
    lines += ["if name_1:", "    inner = 1", "name_5 = 2", "x = y = 90"]
    path.write_text("\n".join(lines) + "\n")
    py_compile.compile(str(path), doraise=True)
    load._compiled_stores.cache_clear()
    found = load._compiled_stores(str(path), path.stat().st_mtime_ns)
    assert found is not None
    code = compile(path.read_text(), str(path), "exec")
    expected: dict[str, list[int]] = {}
    for ins in dis.get_instructions(code):
        if ins.opname == "STORE_NAME" and ins.positions is not None and ins.positions.col_offset == 0:
            assert ins.positions.lineno is not None
            expected.setdefault(str(ins.argval), []).append(ins.positions.lineno)
    assert found[1] == expected
    assert found[1]["name_699"] == [700] and found[1]["name_5"] == [6, 703]
    assert "inner" not in found[1]  # indented: not at column 0


def test_stale_bytecode_is_not_trusted(tmp_path: Path) -> None:
    import os
    import py_compile

    from obs_as_code import load

    path = tmp_path / "mod.py"
    path.write_text('plain = {"title": "e", "panels": []}\n')
    py_compile.compile(str(path), doraise=True)
    path.write_text('\n\nplain = {"title": "e", "panels": []}\n')  # edited, same second maybe
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))
    load._compiled_stores.cache_clear()
    found = load._stored_location(str(path), path.stat().st_mtime_ns, "plain")
    assert found is None or found.line == 3


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


def test_first_whole_word() -> None:
    from obs_as_code.load import _first_word

    assert _first_word("boards = 1\nboard = 2\n", "board") == 11
    assert _first_word("x_board = 1\nboard2 = 2\n(board)", "board") == 24
    assert _first_word("board", "board") == 0
    assert _first_word("éboard = 1\nboard", "board") == 11
    assert _first_word("dashboard = 1", "board") == -1


def test_oac101_points_at_the_user_line_when_the_package_sits_inside_the_project() -> None:
    # In this repository obs_as_code/ lives beside the shipped definitions, under the
    # same root: a frame in our kit is still not the user's.
    import tempfile

    import obs_as_code
    from obs_as_code.discover import ModuleRef
    from obs_as_code.load import exception_diagnostic

    root = Path(obs_as_code.__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory(dir=root, prefix=".test-user-") as tmp:
        user = Path(tmp) / "board.py"
        user.write_text('from obs_as_code.dashboards import kit as k\n\nboard = k.dashboard("X", 5)\n')
        try:
            exec(compile(user.read_text(), str(user), "exec"), {})
        except TypeError as exc:
            found = exception_diagnostic(exc, ModuleRef(user.relative_to(root).as_posix(), "board"), root)
        else:
            raise AssertionError("the kit accepted a number of panels")
    assert (found.location.file, found.location.line) == (user.relative_to(root).as_posix(), 3)
    assert "obs_as_code/" not in (found.hint or "")


_PROBE = """
import sys
from obs_as_code import AlertRule, RuleGroup
from . import _lib
seen = (__name__, __package__, __spec__.name, __spec__.parent, __spec__.origin, __spec__.cached, __file__)
group = RuleGroup(name=__name__.rpartition(".")[2], rules=[AlertRule(name=_lib.NAME, expr="up == 0")])
"""


def test_loader_imports_a_module_as_import_module_does(make_project: ProjectFactory) -> None:
    """import_project_module loads the discovered file directly, skipping the path
    search: the module must come out as ``importlib.import_module`` makes it."""
    import importlib

    from obs_as_code.discover import discover
    from obs_as_code.load import _forget_project_modules, import_project_module

    root = make_project(
        {
            "alerts/team/_lib.py": "NAME = 'A'\n",
            "alerts/team/probe.py": _PROBE,
            # A package that imports one of its own modules itself.
            "alerts/pkg/__init__.py": "from alerts.pkg import inner\n",
            "alerts/pkg/inner.py": "VALUE = 1\n",
            # A module that replaces itself in sys.modules, as some libraries do.
            "alerts/swap.py": "import sys, types\nsys.modules[__name__] = types.SimpleNamespace(REPLACED=True)\n",
            "alerts/broken.py": "raise RuntimeError('boom')\n",
        }
    ).resolve()
    refs = {r.path: r for r in discover(root)}
    sys.path.insert(0, str(root))
    try:
        results = {}
        for how in ("ours", "importlib"):
            _forget_project_modules()

            def load(path: str, how: str = how) -> object:
                ref = refs[path]
                return import_project_module(root, ref) if how == "ours" else importlib.import_module(ref.name)

            probe = load("alerts/team/probe.py")
            inner = load("alerts/pkg/inner.py")
            swap = load("alerts/swap.py")
            try:
                load("alerts/broken.py")
            except RuntimeError as exc:
                broke = str(exc)
            results[how] = (
                probe.seen,  # type: ignore[attr-defined]
                probe.group.rules[0].name,  # type: ignore[attr-defined]
                sys.modules["alerts.team"].probe is probe,  # bound on its package
                inner is sys.modules["alerts.pkg"].inner,
                getattr(swap, "REPLACED", False),
                "alerts.broken" in sys.modules,
                broke,
            )
    finally:
        _forget_project_modules()
        sys.path.remove(str(root))
    assert results["ours"] == results["importlib"]
    assert results["ours"][2:] == (True, True, True, False, "boom")
    assert results["ours"][0][0] == "alerts.team.probe" and results["ours"][0][6] == str(root / "alerts/team/probe.py")
