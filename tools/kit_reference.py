"""Write docs/kit.md: every public helper of ``obs_as_code.dashboards.kit`` with
its signature as written and its docstring, in the module's order (a test checks
the page is current: ``python tools/kit_reference.py`` rewrites it).
"""

from __future__ import annotations

import ast
import inspect
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KIT = ROOT / "obs_as_code" / "dashboards" / "kit.py"
PAGE = ROOT / "docs" / "kit.md"

HEAD = """\
# The dashboard kit: reference

`from obs_as_code.dashboards import kit as k`. Every helper returns the
grafana-foundation-sdk builder it makes (keep chaining its methods); the
[dashboards guide](dashboards.md) shows them at work. This page is generated from
`obs_as_code/dashboards/kit.py` by `python tools/kit_reference.py` (a test checks
it is current).
"""


_ROLE = re.compile(r":(?:func|data|class|meth):`~?([\w.]+)`")


def _markdown(text: str) -> str:
    """A docstring's reST as Markdown: ``x`` -> `x`, :func:`f` -> `k.f`."""
    text = _ROLE.sub(lambda m: f"`k.{m.group(1)}`" if "." not in m.group(1) else f"`{m.group(1)}`", text)
    return text.replace("``", "`")


def _signature(node: ast.FunctionDef) -> str:
    returns = f" -> {ast.unparse(node.returns)}" if node.returns is not None else ""
    return f"k.{node.name}({ast.unparse(node.args)}){returns}"


def reference(source: str) -> str:
    """The page for the kit module's ``source``."""
    tree = ast.parse(source)
    out = [HEAD]
    constants: list[tuple[str, str, str]] = []
    comment: dict[int, str] = {}
    lines = source.splitlines()
    for i, line in enumerate(lines, 1):
        if line.startswith("#: "):
            comment[i + 1] = (comment.pop(i, "") + " " + line[3:]).strip()
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            value = ast.unparse(node.value)
            if name.isupper() and not name.startswith("_") and not value.startswith("TypeVar("):
                constants.append((name, value, _markdown(comment.get(node.lineno, ""))))
    out += ["## Constants", "", "| name | value | |", "|---|---|---|"]
    out += [f"| `k.{n}` | `{v}` | {c} |" for n, v, c in constants]
    out.append("")
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            doc = _markdown(inspect.cleandoc(ast.get_docstring(node, clean=False) or ""))
            out += [f"## `k.{node.name}`", "", "```python", _signature(node), "```", ""]
            if doc:
                out += [doc, ""]
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            doc = _markdown(inspect.cleandoc(ast.get_docstring(node, clean=False) or ""))
            out += [f"## `k.{node.name}`", "", doc, ""] if doc else [f"## `k.{node.name}`", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def main() -> int:
    PAGE.write_text(reference(KIT.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {PAGE.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
