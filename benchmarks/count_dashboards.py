"""Instruction counts of issue 4's dashboard benchmark, under valgrind (``make bench-count``).

CPU seconds on a shared machine move by up to 1.5x between runs; the number of
user-space instructions a run executes does not (within 0.5%). This script runs
:mod:`bench_dashboards`'s variants on ``n`` dashboards (200 by default: valgrind
runs Python ~50x slower) each in its own ``valgrind --tool=callgrind`` child,
and subtracts a child that does the same set-up and stops there:

- ``setup``: imports, the in-process warm-ups and a warm-up build of a
  one-dashboard project (as :func:`bench_dashboards.run` does before timing);
- ``sdk``: the baseline (plain foundation-sdk, its encoder, our serializer);
- ``build``: ``build()`` of a project of ``n`` kit modules, collector off, then
  one collection of what it made (``oac_build`` of the CPU benchmark);
- ``render``: the kit, ``render_dashboard`` and our serializer, in process;
- ``unchecked``: the build without lint checks (``oac_build_unchecked``);
- ``cold``: ``oac build`` as it runs by default, incremental, with no cache yet
  (``oac_build_cold_cache``), collector off as for ``build``;
- ``project``: the plain-SDK project (``sdk_project`` of the CPU benchmark): the
  baseline's dashboards declared in ``n`` modules, imported, encoded as the
  baseline encodes them and written by our atomic writer, collector off then
  one collection, as for ``build``. What any build from modules to files costs
  before obs-as-code adds anything (checks, layout, source positions).

System time (creating files) is not an instruction of this process and is not
counted: ``create_files_s`` in the CPU benchmark shows that part. Children run
with a fixed hash seed and end without the interpreter's teardown, so that two
runs give the same counts and a variant is not charged for freeing what it made
(the CPU benchmark does not time that either). Prints JSON
(millions of instructions, and ratios to the baseline); exit status 2 when
valgrind is missing.
"""

from __future__ import annotations

import argparse
import compileall
import gc
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VARIANTS = ("setup", "sdk", "render", "build", "unchecked", "cold", "project")
_COLLECTED = re.compile(r"Collected : (\d+)")


def child(variant: str, n: int, panels: int, project: Path) -> None:
    """What one valgrind child runs (``--child``): the set-up, then ``variant``;
    the process then ends without the interpreter's teardown (see :func:`main`)."""
    sys.path[:0] = [str(ROOT), str(HERE)]
    import bench_dashboards as bench

    from obs_as_code.pipeline import build

    bench.warm_up(panels, n)
    if variant == "sdk":
        bench._sdk(n, panels)
    elif variant == "render":
        bench._oac_render(n, panels)
    elif variant in ("build", "unchecked", "cold", "project"):
        gc.disable()
        if variant == "project":
            ok = bench._sdk_project(plain_project(project), range(n)) == n
        elif variant == "build":
            ok = build(project).ok
        elif variant == "cold":
            ok = build(project, incremental=True).ok
        else:
            ok = bench.build_unchecked(project)
        if not ok:
            raise SystemExit("the benchmark project failed to build")
        gc.collect(1)
        gc.enable()


def _count(variant: str, n: int, panels: int, project: Path) -> int:
    shutil.rmtree(project / "build", ignore_errors=True)
    shutil.rmtree(plain_project(project) / "build", ignore_errors=True)
    shutil.rmtree(project / ".oac-cache", ignore_errors=True)  # every variant starts with none
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    # String hashes decide dict and set layouts, and so how many instructions a
    # run takes: a fixed seed makes two runs count the same (a random one moved
    # a count by 15-20 M).
    env["PYTHONHASHSEED"] = "0"
    cmd = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
        sys.executable, __file__, "--child", variant, "-n", str(n), "--panels", str(panels), "--project", str(project),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"valgrind run of {variant!r} failed:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def plain_project(project: Path) -> Path:
    """Where the plain-SDK project of the ``project`` variant lives, beside the kit
    project (its ``dashboards/`` is a regular package, the kit project's is not)."""
    return project.with_name(project.name + "-plain")


def run(n: int = 200, panels: int = 20, small: bool = False, only: tuple[str, ...] = ()) -> dict[str, Any]:
    """Millions of user-space instructions per variant (set-up subtracted) and
    their ratios to the baseline; skipped (saying why) without valgrind, and in
    the benchmark suite's small mode (valgrind alone takes a minute there).
    ``only``: those variants (and the set-up) alone, for a quick look at one
    (the ratios of variants not run are left out)."""
    if small:
        return {"skipped": "small run"}
    if shutil.which("valgrind") is None:
        return {"skipped": "valgrind is not installed"}
    sys.path[:0] = [str(HERE)]
    import bench_dashboards as bench

    from obs_as_code import _native

    # Bytecode of obs-as-code (and of these scripts) current before the first
    # child: after an edit, the set-up child compiled the edited modules, and that
    # compilation, subtracted from every variant, made them look cheaper (by
    # hundreds of millions on a checkout with no bytecode at all).
    for where in (ROOT / "obs_as_code", HERE):
        compileall.compile_dir(where, quiet=1)
    with tempfile.TemporaryDirectory(prefix="oac-count-") as tmp:
        project = Path(tmp) / "kit"
        bench._write_project(project, range(n), panels)  # byte-compiled, as in the CPU benchmark
        bench._write_sdk_project(plain_project(project), range(n), panels)
        counts = {v: _count(v, n, panels, project) for v in VARIANTS if not only or v == "setup" or v in only}
    setup = counts.pop("setup")
    spent = {v: (c - setup) / 1e6 for v, c in counts.items()}
    ratios = {
        "ratio_oac_build": ("build", "sdk"),
        "ratio_oac_render": ("render", "sdk"),
        "ratio_oac_build_unchecked": ("unchecked", "sdk"),
        "ratio_cold_cache_to_oac_build": ("cold", "build"),
        "ratio_sdk_project": ("project", "sdk"),
        "ratio_oac_build_to_sdk_project": ("build", "project"),
    }
    return {
        "dashboards": n,
        "panels": panels,
        "compiled": _native.state(),  # the children import the same files
        **{f"{v}_minstr": round(m, 1) for v, m in spent.items()},
        **{name: round(spent[a] / spent[b], 2) for name, (a, b) in ratios.items() if a in spent and b in spent},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=200, help="dashboards (default 200)")
    parser.add_argument("--panels", type=int, default=20)
    parser.add_argument("--only", default="", help="comma-separated variants to count (default: all)")
    parser.add_argument("--child", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--project", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.n, args.panels, args.project)
        # Not the interpreter's teardown, which frees what each variant left
        # alive (a build's whole result): the CPU benchmark does not time it
        # either, and `oac build` freezes what it made (obs_as_code.cli.main).
        sys.stdout.flush()
        os._exit(0)
    only = tuple(v for v in args.only.split(",") if v)
    unknown = sorted(set(only) - set(VARIANTS))
    if unknown:
        parser.error(f"unknown variant(s) {', '.join(unknown)}; choose from {', '.join(VARIANTS)}")
    result = run(args.n, args.panels, only=only)
    if "skipped" in result:
        print(f"count_dashboards: {result['skipped']} (apt-get install valgrind)", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
