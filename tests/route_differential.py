"""A differential test of the offline router (:func:`route_receivers`) against amtool 0.25.

Seeded random route trees are built with the model's classes (nested routes,
matchers of the four operators given as :class:`Matcher` objects and as
strings: one matcher, several in braces, unquoted, none), ``continue_`` at any
depth, routes without matchers or receiver. Each config is rendered by the real
renderer (:func:`config_artifacts`, the bytes ``oac build`` writes), and random
label sets (most values drawn from the config's own matchers, labels left out or
set to ``""``) are routed by ``route_receivers`` and by
``amtool config routes test`` (:func:`obs_as_code.validate.amtool.route`).
The promise: both name the same receivers in the same order.

Used by ``tests/routing/test_route_differential.py`` (a few hundred label sets)
and run as a script for many: ``python -m tests.route_differential N SEED [-j J]``
(N configs, 8 label sets each).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from obs_as_code.goregex import anchored_regex_problem
from obs_as_code.model.alertmanager import (
    AlertmanagerConfig,
    Matcher,
    MatcherLike,
    Receiver,
    Route,
    matchers_of,
    route_receivers,
    walk_routes,
)
from obs_as_code.render.alertmanager import config_artifacts
from obs_as_code.validate.amtool import route as amtool_route

NAMES = ["a", "b", "sev", "a:b", "_x"]
VALUES = ["", "x", "y", "X", "xy", "x y", 'q"t', "b\\s", "b\\\\", "\\n", "é", "É", "日本", "٣", "1", "12", "\n", "x\n",
          " ", "\xa0", "k", "\u212a", "ſ", "a,b", "{x}", "a=b", "'", "x.y", "xxy", "İ", "ı", "ß", "ẞ"]
#: Regular expressions Go's regexp takes: anchors, alternation, empty matches,
#: classes and escapes where Python's ``re`` reads another dialect.
REGEXES = [".*", ".+", "^$", "", "x|y", "^x$", "(x|y)+", "x.*", "(?i)x", "\\d+", "\\w+", "\\s", "\\S+", "[[:alpha:]]+",
           "[[:^digit:]]", "\\pL+", "\\p{Lu}|\\PN", "\\Qx.y\\E", "x{,3}", "x$", "^", "$", "x\\z", "\\Ax", "(?s).+",
           "x*?", "[^x]", "é|日本", "\\x{65}", "(?U)x+", "[\\d]", "\\bx\\b", "x\\B", ".", "(?:)", "\\n", "x\\n?",
           "(?m)^x$", "x$\\n", "(?m)x$\\n?", "a,b", "q\"t", "b\\\\s", "[a-z]+", "(?i)k|s", "(?i)é", "\\x00|x",
           "[\\pL\\d]+", "\\D", "\\W", ".?", "(x)(y)", "x{2}", "x{1,}y", "(?i:X)y", "x(?i)Y", "\\.", "[.]y", "\\123",
           "\\v", "\\f|\\t", "\\a", "[\\s\\S]", "(?P<n>x)", "^x|y$", "x^", "$x", "\\p{Lo}+", "[^\\n]", "(?i)[a-z]+", "(?i)ß", "(?i)i", "(?i:[[:upper:]])+"]


@dataclass(frozen=True)
class Case:
    """One config and the label sets it is routed with."""

    seed: int
    config: AlertmanagerConfig
    label_sets: list[dict[str, str]]


class Gen:
    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)
        self.seed = seed
        self.values: list[tuple[str, str]] = []

    def matcher(self) -> Matcher:
        name = self.rnd.choice(NAMES)
        op = self.rnd.choice(["=", "!=", "=~", "!~"])
        value = self.rnd.choice(REGEXES if "~" in op and self.rnd.random() < 0.8 else VALUES)
        self.values.append((name, value))
        return Matcher(name, value, op)  # type: ignore[arg-type]

    def matchers(self) -> list[MatcherLike]:
        out: list[MatcherLike] = []
        for _ in range(self.rnd.choice([0, 0, 1, 1, 1, 2, 3])):
            form = self.rnd.random()
            m = self.matcher()
            if form < 0.4:
                out.append(m)
            elif form < 0.7:
                out.append(str(m))
            elif form < 0.8 and '"' not in m.value and "\\" not in m.value and "," not in m.value and m.value.strip() == m.value and m.value:
                out.append(f"{m.name}{m.op}{m.value}")  # unquoted
            else:
                more = [m, *(self.matcher() for _ in range(self.rnd.choice([0, 1, 2])))]
                out.append("{" + ",".join(str(x) for x in more) + "}")
        if self.rnd.random() < 0.03:
            out.append("")  # no matcher at all
        return out

    def route(self, receivers: Sequence[str], depth: int) -> Route:
        children = [] if depth >= 4 else [self.route(receivers, depth + 1) for _ in range(self.rnd.choice([0, 0, 1, 2, 3]))]
        return Route(
            receiver=self.rnd.choice(receivers) if self.rnd.random() < 0.5 else None,
            matchers=self.matchers(),
            continue_=self.rnd.random() < 0.35,
            routes=children,
        )

    def labels(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for name in NAMES:
            roll = self.rnd.random()
            if roll < 0.3:
                continue  # missing
            seen = [v for n, v in self.values if n == name]
            if roll < 0.4:
                out[name] = ""
            elif seen and roll < 0.8:
                out[name] = self.rnd.choice(seen)
            else:
                out[name] = self.rnd.choice(VALUES)
        return out

    def case(self, per_config: int) -> Case:
        receivers = [f"r{i}" for i in range(4)]
        root = Route(receiver="r0", group_by=["alertname"],
                     routes=[self.route(receivers, 1) for _ in range(self.rnd.choice([1, 2, 3, 4]))])
        config = AlertmanagerConfig(route=root, receivers=[Receiver(name=r) for r in receivers])
        return Case(self.seed, config, [self.labels() for _ in range(per_config)])


def valid(config: AlertmanagerConfig) -> bool:
    """Whether every regex of the config is one Go compiles (amtool refuses the others)."""
    return all(anchored_regex_problem(m.value) is None for r in walk_routes(config.route)
               for m in matchers_of(r.matchers) if "~" in m.op)


@dataclass(frozen=True)
class Disagreement:
    seed: int
    labels: dict[str, str]
    ours: str
    amtool: str
    yaml: str


def ours(config: AlertmanagerConfig, labels: dict[str, str]) -> str:
    try:
        return ",".join(route_receivers(config.route, labels))
    except Exception as exc:  # a crash is a disagreement too
        return f"{type(exc).__name__}: {exc}"


def run(seeds: Sequence[int], per_config: int = 8, jobs: int = 4, amtool: str | None = None) -> tuple[int, list[Disagreement]]:
    """Route every label set of the seeds' configs both ways; the count of
    label sets compared and the disagreements."""
    amtool = amtool or shutil.which("amtool") or "amtool"
    cases = [c for c in (Gen(s).case(per_config) for s in seeds) if valid(c.config)]
    with tempfile.TemporaryDirectory() as tmp:
        work: list[tuple[Case, Path, str, dict[str, str]]] = []
        for case in cases:
            text = config_artifacts(case.config)[0].content.decode()
            path = Path(tmp) / f"{case.seed}.yml"
            path.write_text(text, encoding="utf-8")
            work.extend((case, path, text, labels) for labels in case.label_sets)

        def one(item: tuple[Case, Path, str, dict[str, str]]) -> Disagreement | None:
            case, path, text, labels = item
            result = amtool_route(path, labels, amtool)
            theirs = result.error or ",".join(result.receivers)
            mine = ours(case.config, labels)
            return None if mine == theirs else Disagreement(case.seed, labels, mine, theirs, text)

        with ThreadPoolExecutor(jobs) as pool:
            found = [d for d in pool.map(one, work) if d is not None]
    return len(work), found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of configs")
    parser.add_argument("seed", type=int, nargs="?", default=0)
    parser.add_argument("-j", "--jobs", type=int, default=4)
    parser.add_argument("-k", "--per-config", type=int, default=8)
    parser.add_argument("-v", "--verbose", type=int, default=3, help="disagreements printed in full")
    args = parser.parse_args(argv)
    start = time.monotonic()
    count, found = run(range(args.seed, args.seed + args.n), args.per_config, args.jobs)
    for d in found[: args.verbose]:
        print(f"--- seed {d.seed} labels {d.labels!r}\nours:   {d.ours}\namtool: {d.amtool}\n{d.yaml}")
    seeds = sorted({d.seed for d in found})
    print(f"{count} label sets over {args.n} configs: {len(found)} disagreements ({len(seeds)} configs) "
          f"in {time.monotonic() - start:.1f}s; seeds {seeds[:20]}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
