"""A differential test of OAC508's judgement of notification templates against amtool 0.25.

Seeded Go templates from text/template's grammar with Alertmanager 0.25's
functions (tests/lint/template_variants.py, half of them broken by a mutation)
are put, each alone, in an :class:`AlertmanagerConfig` in one of three places:

- ``file``: a :class:`Template`'s text, written to its own file; amtool's
  ``template.FromGlobs`` parses it with Alertmanager's function map;
- ``fields``: the templated fields of Slack, e-mail, Opsgenie and PagerDuty
  receivers, which amtool 0.25 does not parse (only a notification does);
- ``responder``: an Opsgenie responder's ``type``, which Alertmanager parses
  with text/template and no function of its own when it holds ``{{``.

The config is rendered by the renderer (without the model's checks) and given to
``amtool check-config``; ours is the model's constructors plus OAC508's
``check_config``. The promise: ours refuses exactly when amtool does.

Used by ``tests/validate/test_am_templates.py`` (a few hundred) and run as a
script for many: ``python -m tests.am_templates -n 20000``.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import obs_as_code.model as model
from obs_as_code.lint.engine import LintContext
from obs_as_code.lint.rules.oac508_alertmanager_structure import check_config
from obs_as_code.load import Project
from obs_as_code.render.alertmanager import config_artifacts
from tests.am_parity import _unchecked, amtool_verdicts
from tests.lint.template_variants import ALERTMANAGER, generate

PLACES = ("file", "fields", "responder", "path")


@dataclass
class Verdict:
    text: str
    place: str
    ours: list[str]
    amtool: str | None = None

    @property
    def agree(self) -> bool:
        return bool(self.ours) == (self.amtool is not None)

    @property
    def same_message(self) -> bool:
        """For a refused file, whether ours says what amtool says (without its
        "template: t.tmpl:LINE: " head and "started at" tail)."""
        if self.place != "file" or self.amtool is None or len(self.ours) != 1:
            return True
        theirs = re.sub(r" ?(in action )?started at t\.tmpl:\d+$", "", re.sub(r"^template: t\.tmpl:\d+: ", "", self.amtool))
        return self.ours[0] == f"notification template 't': {theirs}"


def build_config(make: Callable[[str], Callable[..., Any]], text: str, place: str) -> Any:
    """The config holding ``text`` at ``place``, with the classes ``make`` gives."""
    receiver, route, config = make("Receiver"), make("Route"), make("AlertmanagerConfig")
    integrations: list[Any] = []
    templates: list[Any] = []
    if place == "file":
        templates = [make("Template")(name="t", text=text)]
    elif place == "fields":
        integrations = [
            make("Slack")(api_url="https://h/x", title=text, text=text, title_link=text, extra={"pretext": text}),
            make("Email")(to="a@x", from_="a@x", smarthost="h:25", html=text, text=text, headers={"Subject": text}),
            make("Opsgenie")(api_key_file="/k", message=text, priority=text, tags=text, extra={"description": text}),
            make("PagerDuty")(routing_key_file="/k", description=text, details={"a": text}),
        ]
    else:
        integrations = [make("Opsgenie")(api_key_file="/k", extra={"responders": [{"name": "n", "type": text}]})]
    return config(route=route(receiver="d"), receivers=[receiver(name="d", integrations=integrations)], templates=templates)


def ours(text: str, place: str) -> list[str]:
    """What the model's constructors and OAC508 say of the config."""
    try:
        config = build_config(lambda name: getattr(model, name), text, place)
    except Exception as exc:  # a constructor's refusal: the build's OAC101
        return [f"{type(exc).__name__}: {exc}"]
    ctx = LintContext(Project(Path(".")))
    return [d.message for d in check_config(ctx, config)]


def rendered(text: str, place: str) -> dict[str, str]:
    """The files the renderer writes for the config, without the model's checks."""
    config = build_config(lambda name: _unchecked(getattr(model, name)), text, place)
    return {a.path.removeprefix("alertmanager/"): a.content.decode() for a in config_artifacts(config)}


def cases(seed: int, count: int) -> list[tuple[str, str]]:
    """``count`` (text, place): every text as a file, every third also in the
    fields and, when it holds ``{{``, as a responder's type."""
    out: list[tuple[str, str]] = []
    for i, text in enumerate(generate(seed, count, ALERTMANAGER)):
        out.append((text, "file"))
        if i % 3 == 0:
            out.append((text, "fields"))
            out.append((text, "responder"))
    return out


def compare(seed: int, count: int, amtool: str) -> list[Verdict]:
    verdicts = [Verdict(text, place, ours(text, place)) for text, place in cases(seed, count)]
    with tempfile.TemporaryDirectory() as tmp:
        said = amtool_verdicts(amtool, [rendered(v.text, v.place) for v in verdicts], Path(tmp))
    for verdict, message in zip(verdicts, said, strict=True):
        verdict.amtool = message
    return verdicts


#: Pieces of template paths: what the build writes in build/alertmanager/ and glob syntax
#: (no syntax error: Go 1.19's Glob finds one only where matching reaches it, left to glob_problem).
PATH_PIECES = ["templates", "alertmanager.yml", "t.tmpl", "t", "*", "?", "[a-z]", "[^t]", "\\t", ".", "..", "/",
               "/", "a", "yml", "*.yml", "**", "./", "te*", "[!a]"]  # fmt: skip


def path_configs(seed: int, count: int) -> list[tuple[str, bool, bool]]:
    """``count`` (template path, with a Template file, with a Slack title
    that is no template) to compare: relative paths built of PATH_PIECES."""
    rng = random.Random(seed)
    return [("".join(rng.choice(PATH_PIECES) for _ in range(rng.randint(1, 4))).lstrip("/"), rng.random() < 0.5,
             rng.random() < 0.5) for _ in range(count)]


def path_config(make: Callable[[str], Callable[..., Any]], path: str, with_file: bool, bad_title: bool) -> Any:
    slack = make("Slack")(api_url="https://h/x", title="{{ x }}" if bad_title else "{{ .Status }}")
    templates: list[Any] = [path, *([make("Template")(name="t", text="x")] if with_file else [])]
    return make("AlertmanagerConfig")(route=make("Route")(receiver="d"), templates=templates,
                                      receivers=[make("Receiver")(name="d", integrations=[slack])])


def compare_paths(seed: int, count: int, amtool: str) -> list[Verdict]:
    """Template paths that may find the build's own files, ours against amtool's."""
    verdicts: list[Verdict] = []
    files: list[dict[str, str]] = []
    ctx = LintContext(Project(Path(".")))
    for path, with_file, bad_title in path_configs(seed, count):
        try:
            said = [d.message for d in check_config(ctx, path_config(lambda name: getattr(model, name), path, with_file, bad_title))]
        except Exception as exc:
            said = [f"{type(exc).__name__}: {exc}"]
        verdicts.append(Verdict(f"{path} (file: {with_file}, bad title: {bad_title})", "path", said))
        config = path_config(lambda name: _unchecked(getattr(model, name)), path, with_file, bad_title)
        files.append({a.path.removeprefix("alertmanager/"): a.content.decode() for a in config_artifacts(config)})
    with tempfile.TemporaryDirectory() as tmp:
        for verdict, message in zip(verdicts, amtool_verdicts(amtool, files, Path(tmp)), strict=True):
            verdict.amtool = message
    return verdicts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=2000, help="templates (each as a file; every third in fields too)")
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--amtool", default="amtool")
    parser.add_argument("--show", type=int, default=10)
    args = parser.parse_args(argv)
    start = time.monotonic()
    verdicts = compare(args.seed, args.n, args.amtool) + compare_paths(args.seed, args.n // 10, args.amtool)
    bad = [v for v in verdicts if not v.agree]
    other = [v for v in verdicts if v.agree and not v.same_message]
    refused = sum(v.amtool is not None for v in verdicts)
    by_place = {p: sum(1 for v in bad if v.place == p) for p in PLACES}
    print(f"{len(verdicts)} configs ({refused} refused by amtool), {len(bad)} disagreements {by_place}, "
          f"{len(other)} other messages, {time.monotonic() - start:.1f} s")
    for v in [*bad, *other][: args.show]:
        print(f"--- {v.place} {v.text!r}\n  amtool: {v.amtool!r}\n  ours:   {v.ours}")
    return 1 if bad or other else 0


if __name__ == "__main__":
    sys.exit(main())
