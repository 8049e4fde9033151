"""The benchmark suite (``make bench``): ratios against baselines measured in the same run.

Generates the synthetic project (:mod:`benchmarks.synth`), then measures, on this
machine and in this run:

- ``oac build`` of the synthetic project (clean, in a child process) against the
  floor: serializing the same data with PyYAML's C dumper and ``json`` only;
- the same for the spine alone (issue 3's benchmark): a second synthetic project of
  only the rule modules and scrape jobs, its build against its floor;
- ``promtool check rules`` on the rule files it wrote;
- incremental rebuilds (no change, one rule module edited, the shared helper
  ``alerts/_lib.py`` edited) against the clean build, checking each output is
  byte-identical to a clean build;
- serializing in two processes against one (does parallelism pay here?);
- ``oac --help`` against ``python -c pass``; ``oac build`` on the shipped repo;
- the peak RSS of the clean synthetic build (``getrusage`` of the child).

Then it runs the other areas' benchmarks (``benchmarks/bench_<area>.py`` exposing
``run(...) -> dict``, and ``count_dashboards.py``, issue 4's benchmark as valgrind
instruction counts when valgrind is installed) when they exist, prints one table and writes
``benchmarks/results.json``. ``--small`` runs a tiny version (what CI runs, only to
prove the suite works; its numbers mean nothing).

Each timed child runs ``--repeat`` times and the best is kept (on a shared machine
the slower runs measure the neighbours); CPU time (user + sys from ``wait4``) is
reported beside wall time for the same reason. Child processes run with bytecode writing enabled (as users run ``oac``), after a
warm-up run, so ``PYTHONDONTWRITEBYTECODE`` in the caller's environment does not
turn every run into a compile.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import inspect
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for _p in (str(ROOT), str(ROOT / "benchmarks")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from benchmarks import synth  # noqa: E402

#: Other areas' benchmark modules, run when present.
AREA_BENCHES: tuple[str, ...] = ("bench_dashboards", "bench_slo", "bench_lint", "bench_publish", "count_dashboards")


def area_arguments(name: str, sizes: synth.Sizes, small: bool, times: int) -> dict[str, Any]:
    """The sizes each area's ``run()`` takes, by its parameter names."""
    return {
        "bench_dashboards": {"n": sizes.dashboards, "panels": sizes.panels, "repeat": times},
        "bench_slo": {"n": sizes.slos, "evaluate": not small},  # evaluation starts a real Prometheus
        "bench_lint": {"rules": sizes.rules},
        "bench_publish": {"n": sizes.dashboards},
        # Instruction counts scale with the dashboards: 200 keep valgrind to ~2 minutes.
        "count_dashboards": {"n": 200, "panels": sizes.panels},
    }.get(name, {})

GIB = 1024**3


@dataclass
class Run:
    """One child process: wall time, CPU time, peak RSS, exit code, output."""

    wall: float
    cpu: float
    max_rss: int
    returncode: int
    stderr: str = ""


def child_env() -> dict[str, str]:
    """Environment for ``oac`` children: this checkout first on the path, bytecode on."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


#: The child reports its own peak RSS (``VmHWM``) on exit: ``ru_maxrss`` from
#: ``wait4`` also counts what this (large) harness process held when it forked the
#: child, since Linux carries the high-water mark across ``exec``.
_CHILD = """
import atexit, sys

def _peak():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    sys.stderr.write("OAC_BENCH_VMHWM_KB " + line.split()[1] + "\\n")
    except OSError:
        pass

atexit.register(_peak)
from obs_as_code.cli import main
sys.exit(main())
"""
OAC = [sys.executable, "-c", _CHILD]
_HWM = "OAC_BENCH_VMHWM_KB "


def run_child(cmd: Sequence[str], *, cwd: Path | None = None) -> Run:
    """Run ``cmd``; its own wall time, CPU time and peak RSS (from ``wait4``)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(cmd), cwd=cwd, env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert proc.stderr is not None
    stderr = proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    peak = usage.ru_maxrss * 1024
    for line in stderr.splitlines():
        if line.startswith(_HWM):
            peak = int(line[len(_HWM) :]) * 1024
    return Run(wall, usage.ru_utime + usage.ru_stime, peak, proc.returncode, stderr)


def oac(*args: str | Path) -> list[str]:
    """The ``oac`` command line of this checkout."""
    return [*OAC, *(str(a) for a in args)]


def repeat(fn: Callable[[], Run], times: int) -> list[Run]:
    """``fn`` run ``times`` times, failing loudly when a run fails."""
    runs = []
    for _ in range(times):
        r = fn()
        if r.returncode != 0:
            raise RuntimeError(f"benchmark child failed ({r.returncode}):\n{r.stderr}")
        runs.append(r)
    return runs


def best_wall(runs: Sequence[Run]) -> float:
    """The fastest run: on a shared machine the others measure the neighbours."""
    return min(r.wall for r in runs)


def best_cpu(runs: Sequence[Run]) -> float:
    """CPU time (user + sys) of the run with the least, less sensitive to load than wall time."""
    return min(r.cpu for r in runs)


def best_of(fn: Callable[[], object], times: int) -> float:
    """Smallest wall time of ``times`` in-process calls of ``fn``."""
    best = float("inf")
    for _ in range(times):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def machine() -> dict[str, Any]:
    """What this machine is, for reading the numbers later."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    except OSError:
        pass
    import yaml

    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_bytes": mem,
        "load_average_at_start": list(os.getloadavg()),
        "libyaml": getattr(yaml, "__with_libyaml__", False),
        "pyyaml": yaml.__version__,
        "promtool": promtool_version(),
    }


def promtool_version() -> str | None:
    tool = shutil.which("promtool")
    if tool is None:
        return None
    out = subprocess.run([tool, "--version"], capture_output=True, text=True, check=False)
    return (out.stdout or out.stderr).splitlines()[0] if (out.stdout or out.stderr) else None


# --- the measurements -------------------------------------------------------------------


def floor_dump(repo: Path) -> tuple[Callable[[], None], int]:
    """A function serializing the synthetic build's data with the C dumper only (the
    floor), and how many artifacts it dumps. The data comes from a clean compile in
    this process; only the dump is timed."""
    import yaml

    from obs_as_code.pipeline import compile_project

    compiled = compile_project(repo)
    if not compiled.ok:
        raise RuntimeError("synthetic project does not build: " + "; ".join(map(str, compiled.diagnostics[:5])))
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    items = [(a.format, a.data) for a in compiled.artifacts]

    def dump_all() -> None:
        for fmt, data in items:
            if fmt == "yaml":
                yaml.dump(data, Dumper=dumper, default_flow_style=False, sort_keys=False, allow_unicode=True)
            elif fmt == "json":
                json.dumps(data, indent=2, sort_keys=True)

    return dump_all, len(items)


def ours_dump(repo: Path) -> Callable[[], None]:
    """Our own serializer over the same data as :func:`floor_dump` (it writes plain
    data directly and can be faster than the C dumper's Python representer)."""
    from obs_as_code import serialize
    from obs_as_code.pipeline import compile_project

    items = [(a.format, a.data) for a in compile_project(repo).artifacts]

    def dump_all() -> None:
        for fmt, data in items:
            if fmt == "yaml":
                serialize.dump_yaml(data)
            elif fmt == "json":
                serialize.dump_json(data)

    return dump_all


def parallel_serialize(repo: Path) -> dict[str, float]:
    """Serialize the artifacts in one process and in two (fork): does it pay?"""
    import multiprocessing

    from obs_as_code import serialize
    from obs_as_code.pipeline import compile_project

    compiled = compile_project(repo)
    datas = [(a.format, a.data) for a in compiled.artifacts if a.format in ("yaml", "json")]

    def one() -> list[str]:
        return [serialize.dump_yaml(d) if f == "yaml" else serialize.dump_json(d) for f, d in datas]

    serial = best_of(one, 2)
    _PARALLEL_DATA[:] = datas
    ctx = multiprocessing.get_context("fork")

    def two() -> list[str]:
        with ctx.Pool(2) as pool:
            return pool.map(_dump_index, range(len(datas)), chunksize=max(1, len(datas) // 8))

    parallel = best_of(two, 2)
    if two() != one():
        raise RuntimeError("parallel serialization changed the output")
    return {"serial_s": serial, "two_processes_s": parallel, "speedup": serial / parallel}


_PARALLEL_DATA: list[tuple[str, Any]] = []


def _dump_index(i: int) -> str:
    from obs_as_code import serialize

    fmt, data = _PARALLEL_DATA[i]
    return serialize.dump_yaml(data) if fmt == "yaml" else serialize.dump_json(data)


def build_vs_floor(repo: Path, times: int, *, jobs2: bool) -> dict[str, Any]:
    """Clean ``oac build`` of ``repo`` in a child against the serialize floor, interleaved
    so that a neighbour's burst of load hits both alike (best of ``times``)."""
    # Warm-up: bytecode for our package and the synthetic modules.
    repeat(lambda: run_child(oac("build", "-C", repo, "--no-cache")), 1)
    dump_all, artifacts = floor_dump(repo)
    dump_ours = ours_dump(repo)
    ours: list[float] = []
    full: list[Run] = []
    full_j2: list[Run] = []
    floors: list[float] = []
    floors_cpu: list[float] = []
    for _ in range(times):
        full += repeat(lambda: run_child(oac("build", "-C", repo, "--no-cache")), 1)
        if jobs2:
            full_j2 += repeat(lambda: run_child(oac("build", "-C", repo, "--no-cache", "--jobs", "2")), 1)
        cpu = time.process_time()
        floors.append(best_of(dump_all, 1))
        floors_cpu.append(time.process_time() - cpu)
        ours.append(best_of(dump_ours, 1))
    out: dict[str, Any] = {
        "serialize_ours_s": min(ours),
        "artifacts": artifacts,
        "full_build_s": best_wall(full),
        "full_build_cpu_s": best_cpu(full),
        "full_build_peak_rss_bytes": max(r.max_rss for r in full),
        "floor_s": min(floors),
        "floor_cpu_s": min(floors_cpu),
    }
    if jobs2:
        out["full_build_jobs2_s"] = best_wall(full_j2)
        out["full_build_jobs2_cpu_s"] = best_cpu(full_j2)
    return out


def promtool_rules(build: Path) -> float | None:
    """Wall time of ``promtool check rules`` on every rule file of ``build``."""
    tool = shutil.which("promtool")
    if tool is None:
        return None
    files = sorted(str(p) for p in (build / "prometheus" / "rules").glob("*.yaml"))
    if not files:
        return None
    start = time.perf_counter()
    out = subprocess.run([tool, "check", "rules", *files], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if out.returncode != 0:
        raise RuntimeError(f"promtool check rules failed:\n{out.stdout}{out.stderr}")
    return wall


def up_to_date(repo: Path, walls: list[float] | None = None) -> bool:
    """True when a clean build (no cache) would write exactly what ``build/`` holds.

    Its wall time goes to ``walls``: a clean compile run right next to the
    incremental one it checks, for a ratio that load changes cannot skew.
    """
    r = run_child(oac("build", "-C", repo, "--no-cache", "--check"))
    if walls is not None:
        walls.append(r.wall)
    return r.returncode == 0


def incremental(repo: Path, times: int, sizes: synth.Sizes) -> dict[str, Any]:
    """Cold-cache, no-op, one-module (rules, dashboards, SLOs) and shared-helper
    rebuilds, each checked against a clean build run right after it; CPU ratios
    are to those clean builds (same sitting, same load)."""
    clean_walls: list[float] = []
    clean_cpus: list[float] = []

    def same_as_clean() -> bool:
        r = run_child(oac("build", "-C", repo, "--no-cache", "--check"))
        clean_walls.append(r.wall)
        clean_cpus.append(r.cpu)
        return r.returncode == 0

    def build_once() -> Run:
        return repeat(lambda: run_child(oac("build", "-C", repo)), 1)[0]

    shutil.rmtree(repo / ".oac-cache", ignore_errors=True)
    cold = build_once()
    noop = repeat(lambda: run_child(oac("build", "-C", repo)), times)
    identical = same_as_clean()
    edits: list[Run] = []
    for i in range(times):
        synth.edit_rule_module(repo, (7 * i + 3) % sizes.rule_modules, i + 1)
        edits.append(build_once())
        identical = same_as_clean() and identical
    # `oac watch` keeps the cache and unchanged definitions in memory between builds.
    from obs_as_code.incremental import Memory, settle
    from obs_as_code.pipeline import build

    def between_cycles() -> None:
        # What `oac watch` does after each cycle, while the user reads (obs_as_code.watch).
        settle(memory)
        gc.collect()

    memory = Memory()
    build(repo, incremental=True, memory=memory)
    between_cycles()
    watch_times = []
    for i in range(times):
        synth.edit_rule_module(repo, (11 * i + 5) % sizes.rule_modules, i + 100)
        start = time.perf_counter()
        build(repo, incremental=True, memory=memory)
        watch_times.append(time.perf_counter() - start)
        between_cycles()
        identical = up_to_date(repo) and identical
    boards: list[Run] = []
    if (repo / "dashboards").is_dir():
        for i in range(times):
            synth.edit_dashboard_module(repo, (13 * i + 2) % max(1, sizes.dashboards // sizes.dashboards_per_module), i + 1)
            boards.append(build_once())
            identical = same_as_clean() and identical
    slos: list[Run] = []
    for i in range(times):
        synth.edit_slo_module(repo, (7 * i + 1) % max(1, sizes.slos // sizes.slos_per_module), i + 1)
        slos.append(build_once())
        identical = same_as_clean() and identical
    synth.edit_helper(repo)
    helper = build_once()
    identical = same_as_clean() and identical
    clean_cpu = min(clean_cpus)

    def share(runs: Sequence[Run]) -> float | None:
        return round(best_cpu(runs) / clean_cpu, 4) if runs and clean_cpu else None

    return {
        "cold_cache_s": cold.wall,
        "cold_cache_cpu_s": cold.cpu,
        "noop_s": best_wall(noop),
        "noop_cpu_s": best_cpu(noop),
        "one_module_s": best_wall(edits),
        "one_module_cpu_s": best_cpu(edits),
        "dashboard_module_cpu_s": best_cpu(boards) if boards else None,
        "slo_module_cpu_s": best_cpu(slos),
        "shared_helper_s": helper.wall,
        "shared_helper_cpu_s": helper.cpu,
        "clean_check_next_to_edits_s": min(clean_walls),
        "clean_check_cpu_s": clean_cpu,
        "cpu_share_of_clean": {
            "noop": share(noop),
            "one_rule_module": share(edits),
            "dashboard_module": share(boards),
            "slo_module": share(slos),
            "shared_helper": share([helper]),
        },
        "watch_one_module_s": min(watch_times),
        "identical_to_clean": identical,
    }


def help_times(times: int) -> dict[str, float]:
    """``oac --help`` and ``python -c pass``, best of ``times`` runs (and the median)."""
    py = repeat(lambda: run_child([sys.executable, "-c", "pass"]), times)
    helped = repeat(lambda: run_child(oac("--help")), times)
    return {
        "python_pass_s": best_wall(py),
        "oac_help_s": best_wall(helped),
        "oac_help_median_s": statistics.median(r.wall for r in helped),
    }


def area_benches(repo: Path, work: Path, small: bool, sizes: synth.Sizes, times: int) -> dict[str, Any]:
    """Run each ``benchmarks/bench_<area>.py`` present; note the absent ones.

    Each ``run()`` gets, among ``repo``, ``work``, ``small``, ``python``, ``env``,
    ``sizes`` and its own size parameters (:func:`area_arguments`), those its
    signature names.
    """
    out: dict[str, Any] = {}
    for name in AREA_BENCHES:
        offered: dict[str, Any] = {
            "repo": repo,
            "work": work,
            "small": small,
            "python": sys.executable,
            "env": child_env(),
            "sizes": sizes,
            **area_arguments(name, sizes, small, times),
        }
        if not (ROOT / "benchmarks" / f"{name}.py").is_file():
            out[name] = {"skipped": "not on this branch yet"}
            continue
        try:
            module = importlib.import_module(f"benchmarks.{name}")
            fn = module.run
            params = inspect.signature(fn).parameters
            takes_all = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
            kwargs = {k: v for k, v in offered.items() if takes_all or k in params}
            area_work = work / name
            area_work.mkdir(parents=True, exist_ok=True)
            if "work" in kwargs:
                kwargs["work"] = area_work
            start = time.perf_counter()
            result = fn(**kwargs)
            out[name] = {**(result if isinstance(result, dict) else {"result": result}), "bench_wall_s": time.perf_counter() - start}
        except Exception as exc:  # one area's failure must not hide the others' numbers
            out[name] = {"error": f"{type(exc).__name__}: {exc}"}
    return out


# --- the report ---------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the table: a measure, its baseline, their ratio and the goal."""

    name: str
    value: float | None
    unit: str
    baseline: str = ""
    ratio: float | None = None
    goal: str = ""
    ok: bool | None = None


@dataclass
class Report:
    """Everything ``results.json`` holds."""

    mode: str
    machine: dict[str, Any]
    sizes: dict[str, Any]
    synthetic: dict[str, int]
    synthetic_rules_only: dict[str, int] = field(default_factory=dict)
    measurements: dict[str, Any] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    areas: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "B":
        return f"{value / 2**20:.0f} MiB"
    if unit == "x":
        return f"{value:.2f}x"
    return f"{value:g}"


def table(rows: Sequence[Row]) -> str:
    head = ("measure", "value", "baseline", "ratio", "goal", "")
    body = [
        (
            r.name,
            fmt(r.value, r.unit),
            r.baseline,
            "-" if r.ratio is None else f"{r.ratio:.3f}",
            r.goal,
            "" if r.ok is None else ("ok" if r.ok else "MISSED"),
        )
        for r in rows
    ]
    widths = [max(len(str(x[i])) for x in [head, *body]) for i in range(len(head))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in [head, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else a / b


def area_rows(areas: dict[str, Any]) -> list[Row]:
    """Ratios the other areas report (keys containing ``ratio``) as table rows."""
    rows = []
    for name, result in areas.items():
        for key, value in sorted(result.items()):
            if "ratio" in key and isinstance(value, (int, float)):
                rows.append(Row(f"{name}.{key}", None, "", ratio=float(value)))
            elif key in ("skipped", "error"):
                rows.append(Row(f"{name}: {key} ({value})", None, ""))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="tiny sizes, one repetition (CI: proves the suite runs)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results.json")
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / ".work")
    parser.add_argument("--repeat", type=int, default=None, help="repetitions of each timed child (default 3, small 1)")
    args = parser.parse_args(argv)
    sizes = synth.SMALL if args.small else synth.FULL
    times = args.repeat or (1 if args.small else 3)

    work: Path = args.work.resolve()
    repo = work / "synthetic"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    made = synth.write_repo(repo, sizes)
    report = Report("small" if args.small else "full", machine(), asdict(sizes), made)
    if not made["dashboards"]:
        report.notes.append("dashboards: no adapter for plain dashboard dicts on this branch; none generated")
    m = report.measurements

    m.update(build_vs_floor(repo, times, jobs2=True))
    # Issue 3's benchmark: the spine alone, 10,000 rules in 100 modules and 200 jobs.
    spine_repo = work / "rules-only"
    spine_sizes = replace(sizes, dashboards=0, slos=0)
    report.synthetic_rules_only = synth.write_repo(spine_repo, spine_sizes, dashboards=False)
    m["rules_only"] = build_vs_floor(spine_repo, times, jobs2=False)
    m["rules_only"]["promtool_check_rules_s"] = promtool_rules(spine_repo / "build")
    m["promtool_check_rules_s"] = promtool_rules(repo / "build")
    m["parallel_serialize"] = parallel_serialize(repo)
    m["incremental"] = incremental(repo, times, sizes)
    m["help"] = help_times(max(times, 5))
    shipped_out = work / "shipped-build"
    shipped = repeat(lambda: run_child(oac("build", "-C", ROOT, "--no-cache", "--out", shipped_out)), max(times, 2))
    m["shipped_build_s"] = best_wall(shipped)
    report.areas = area_benches(repo, work, args.small, sizes, times)
    report.machine["load_average_at_end"] = list(os.getloadavg())
    report.machine["harness_peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    inc = m["incremental"]
    help_ = m["help"]
    ro = m["rules_only"]
    report.rows = [
        Row("rules+jobs build (issue 3)", ro["full_build_s"], "s", "serialize floor", ratio(ro["full_build_s"], ro["floor_s"]), "<= 2x", (ratio(ro["full_build_s"], ro["floor_s"]) or 9) <= 2),
        Row("rules+jobs serialize floor", ro["floor_s"], "s"),
        Row("rules+jobs: our serializer, same data", ro["serialize_ours_s"], "s", "serialize floor", ratio(ro["serialize_ours_s"], ro["floor_s"])),
        Row("rules+jobs build CPU", ro["full_build_cpu_s"], "s", "floor CPU", ratio(ro["full_build_cpu_s"], ro["floor_cpu_s"]), "<= 2x", (ratio(ro["full_build_cpu_s"], ro["floor_cpu_s"]) or 9) <= 2),
        Row("promtool check rules (rules+jobs)", ro["promtool_check_rules_s"], "s", "rules+jobs build", ratio(ro["promtool_check_rules_s"], ro["full_build_s"])),
        Row("full build (clean, child)", m["full_build_s"], "s", "serialize floor", ratio(m["full_build_s"], m["floor_s"]), "<= 2x", ratio(m["full_build_s"], m["floor_s"]) is not None and m["full_build_s"] <= 2 * m["floor_s"]),
        Row("serialize floor (C dumper)", m["floor_s"], "s"),
        Row("our serializer, same data", m["serialize_ours_s"], "s", "serialize floor", ratio(m["serialize_ours_s"], m["floor_s"])),
        Row("full build CPU (user+sys)", m["full_build_cpu_s"], "s", "floor CPU", ratio(m["full_build_cpu_s"], m["floor_cpu_s"]), "<= 2x", (ratio(m["full_build_cpu_s"], m["floor_cpu_s"]) or 9) <= 2),
        Row("promtool check rules", m["promtool_check_rules_s"], "s", "full build", ratio(m["promtool_check_rules_s"], m["full_build_s"])),
        Row("incremental: one module", inc["one_module_s"], "s", "full build", ratio(inc["one_module_s"], m["full_build_s"]), "< 0.10", (ratio(inc["one_module_s"], m["full_build_s"]) or 1) < 0.10),
        Row("incremental: one module", inc["one_module_s"], "s", "clean --check, interleaved", ratio(inc["one_module_s"], inc["clean_check_next_to_edits_s"]), "< 0.10", (ratio(inc["one_module_s"], inc["clean_check_next_to_edits_s"]) or 1) < 0.10),
        Row("incremental: one module, CPU", inc["one_module_cpu_s"], "s", "full build CPU", ratio(inc["one_module_cpu_s"], m["full_build_cpu_s"]), "< 0.10", (ratio(inc["one_module_cpu_s"], m["full_build_cpu_s"]) or 1) < 0.10),
        Row("watch rebuild: one module", inc["watch_one_module_s"], "s", "full build", ratio(inc["watch_one_module_s"], m["full_build_s"]), "< 0.10", (ratio(inc["watch_one_module_s"], m["full_build_s"]) or 1) < 0.10),
        Row("incremental: no change", inc["noop_s"], "s", "full build", ratio(inc["noop_s"], m["full_build_s"])),
        Row("incremental: shared helper", inc["shared_helper_s"], "s", "full build", ratio(inc["shared_helper_s"], m["full_build_s"])),
        Row("incremental: cold cache", inc["cold_cache_s"], "s", "full build", ratio(inc["cold_cache_s"], m["full_build_s"])),
        Row("incremental == clean build", float(inc["identical_to_clean"]), "", goal="1", ok=bool(inc["identical_to_clean"])),
        Row("serialize in 2 processes", m["parallel_serialize"]["two_processes_s"], "s", "1 process", 1 / m["parallel_serialize"]["speedup"]),
        Row("full build --jobs 2", m["full_build_jobs2_s"], "s", "full build", ratio(m["full_build_jobs2_s"], m["full_build_s"])),
        Row("oac --help", help_["oac_help_s"], "s", "python -c pass", ratio(help_["oac_help_s"], help_["python_pass_s"]), "< 150 ms", help_["oac_help_s"] < 0.150),
        Row("oac build (shipped repo)", m["shipped_build_s"], "s"),
        Row("peak RSS, full build", m["full_build_peak_rss_bytes"], "B", goal="< 1 GiB", ok=m["full_build_peak_rss_bytes"] < GIB),
        *area_rows(report.areas),
    ]
    print(f"obs-as-code benchmarks ({report.mode}): {made['rules']} rules in {made['rule_modules']} modules, "
          f"{made['scrape_jobs']} scrape jobs, {made['dashboards']} dashboards")
    print(table(report.rows))
    for note in report.notes:
        print(f"note: {note}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(asdict(report), indent=2, sort_keys=True, default=str) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
