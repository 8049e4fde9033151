"""A small mutation runner for the lint checks (a tool, not run by the suite).

    OAC_PURE_PYTHON=1 PYTHONPATH=$PWD .venv/bin/python tools/mutate.py \\
        obs_as_code/lint/rules/oac203_raw_counter.py [--code OAC203] [--only N,M] [-- TEST ARGS...]

Parses the module with ``ast`` and writes one mutant at a time over the file
(flipped comparisons, ``and``/``or``, a dropped ``not``, ``in``/``not in``, an
``if``/``elif``/comprehension/ternary condition forced, a ``return X`` of a
bool-returning function made ``not X``/True/False, an integer constant +-1),
runs the tests against it with a timeout and prints killed/survived/timeout.
The original file is always written back (try/finally, also on Ctrl-C or SIGTERM).
Without test arguments it runs, with ``-x``, the .py tests under tests/ that
mention the code (and tests/lint/test_seeded.py when the seeded goldens do),
for an OAC2xx code after ``tests/lint/test_checks.py -k CODE`` and before the
rest of test_checks.py. Before the mutants a baseline (the unparsed, unmutated
module) must pass and a sanity mutant (every function raises) must be killed,
so that it is the ``.py`` that runs (``OAC_PURE_PYTHON=1``, no stale .pyc).
"""

from __future__ import annotations

import argparse
import ast
import copy
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_FLIP: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}


@dataclass
class Site:
    line: int
    what: str


class _Mutator(ast.NodeTransformer):
    """Counts the mutation sites in traversal order; applies the one numbered ``target``."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.count = 0
        self.sites: list[Site] = []
        self._bool_fn: list[bool] = [False]

    def _hit(self, node: ast.AST, what: str) -> bool:
        self.sites.append(Site(getattr(node, "lineno", 0), what))
        self.count += 1
        return self.count - 1 == self.target

    def _fn(self, node: ast.FunctionDef) -> ast.AST:
        ann = node.returns
        self._bool_fn.append(isinstance(ann, ast.Name) and ann.id == "bool")
        self.generic_visit(node)
        self._bool_fn.pop()
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        return self._fn(node)

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        for i, op in enumerate(node.ops):
            flip = _FLIP.get(type(op))
            if flip is not None and self._hit(node, f"{type(op).__name__} -> {flip.__name__}"):
                node.ops[i] = flip()
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        other: ast.boolop = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        if self._hit(node, f"{type(node.op).__name__} -> {type(other).__name__}"):
            node.op = other
        return node

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Not) and self._hit(node, "drop not"):
            return node.operand
        return node

    def _test(self, node: ast.If | ast.IfExp | ast.While, kind: str) -> None:
        for value in (False, True):
            if self._hit(node, f"{kind} condition -> {value}"):
                node.test = ast.Constant(value)

    def visit_If(self, node: ast.If) -> ast.AST:
        self.generic_visit(node)
        self._test(node, "if")
        return node

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        self.generic_visit(node)
        self._test(node, "ternary")
        return node

    def visit_comprehension(self, node: ast.comprehension) -> ast.AST:
        self.generic_visit(node)
        for i in range(len(node.ifs)):
            if self._hit(node.ifs[i], "comprehension filter -> True"):
                node.ifs[i] = ast.Constant(True)
        return node

    def visit_Return(self, node: ast.Return) -> ast.AST:
        self.generic_visit(node)
        if not self._bool_fn[-1] or node.value is None:
            return node
        for what in ("not", "True", "False"):
            if self._hit(node, f"return -> {what}"):
                value = node.value
                node.value = ast.UnaryOp(ast.Not(), value) if what == "not" else ast.Constant(what == "True")
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if type(node.value) is int:
            for delta in (1, -1):
                if self._hit(node, f"{node.value} -> {node.value + delta}"):
                    return ast.Constant(node.value + delta)
        return node


def _sanity(tree: ast.Module) -> ast.Module:
    """Every function raises: the tests must notice."""
    out = copy.deepcopy(tree)
    for node in ast.walk(out):
        if isinstance(node, ast.FunctionDef):
            node.body.insert(0, ast.parse("raise AssertionError('mutate.py sanity mutant')").body[0])
    return ast.fix_missing_locations(out)


def mutant(tree: ast.Module, target: int) -> tuple[str, list[Site]]:
    m = _Mutator(target)
    out = ast.fix_missing_locations(m.visit(copy.deepcopy(tree)))
    return ast.unparse(out), m.sites


def _pyc_clear(path: Path) -> None:
    cache = path.parent / "__pycache__"
    for pyc in cache.glob(f"{path.stem}.*.pyc") if cache.is_dir() else []:
        pyc.unlink()


def _run(path: Path, text: str, commands: list[list[str]], timeout: float) -> str:
    path.write_text(text, encoding="utf-8")
    _pyc_clear(path)
    env = {**os.environ, "OAC_PURE_PYTHON": "1", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(ROOT)}
    for cmd in commands:
        try:
            done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return "timeout"
        if done.returncode not in (0, 5):  # 5: no test selected
            return "killed"
    return "survived"


def _default_commands(code: str) -> list[list[str]]:
    hits = subprocess.run(["grep", "-rl", "--include=*.py", code, "tests"], cwd=ROOT, capture_output=True, text=True, check=False)
    found = set(hits.stdout.split())
    if any(code in p.read_text(encoding="utf-8") for p in (ROOT / "tests/golden/lint").glob("*.txt")):
        found.add("tests/lint/test_seeded.py")  # the seeded goldens
    files = sorted(found - {"tests/lint/test_checks.py"})
    pytest = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"]
    if not (ROOT / "tests/lint/cases" / code).is_dir():  # test_checks.py has the OAC2xx cases only
        return [[*pytest, *files]]
    first = [*pytest, "tests/lint/test_checks.py", "-k", code]
    rest = [*pytest, "tests/lint/test_checks.py", "-k", f"not {code}"]
    return [first, *([[*pytest, *files]] if files else []), rest]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("module", type=Path)
    ap.add_argument("--code", help="the check's code (default: read from the file name)")
    ap.add_argument("--only", help="comma-separated mutant numbers")
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--list", action="store_true", help="list the mutants and stop")
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    args = ap.parse_args(argv[:cut])
    tests = argv[cut + 1 :]
    path: Path = (ROOT / args.module).resolve() if not args.module.is_absolute() else args.module
    code = args.code or "OAC" + path.stem[3:6]
    original = path.read_text(encoding="utf-8")
    tree = ast.parse(original)
    baseline, sites = mutant(tree, -1)
    commands = [tests] if tests else _default_commands(code)
    if args.list:
        for i, s in enumerate(sites):
            print(f"{i:3d} line {s.line:4d}: {s.what}")
        return 0
    chosen = [int(n) for n in args.only.split(",")] if args.only else list(range(len(sites)))
    counts: dict[str, int] = {}

    def stop(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    # A background job of a non-interactive shell ignores SIGINT: both signals
    # raise here, so that the finally below writes the original back.
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        if _run(path, baseline, commands, args.timeout) != "survived":
            print("baseline (unmutated, unparsed) fails: fix that first", file=sys.stderr)
            return 2
        if _run(path, ast.unparse(_sanity(tree)), commands, args.timeout) != "killed":
            print("the sanity mutant survived: the tests do not run this file", file=sys.stderr)
            return 2
        print(f"{path.relative_to(ROOT)}: {len(sites)} mutants, {len(chosen)} to run", flush=True)
        for i in chosen:
            text, _ = mutant(tree, i)
            start = time.monotonic()
            status = _run(path, text, commands, args.timeout)
            counts[status] = counts.get(status, 0) + 1
            s = sites[i]
            print(f"{i:3d} line {s.line:4d} {status:8s} {time.monotonic() - start:5.1f}s  {s.what}", flush=True)
    finally:
        path.write_text(original, encoding="utf-8")
        _pyc_clear(path)
    print(f"{path.relative_to(ROOT)}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
