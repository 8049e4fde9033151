"""A differential test of the Alertmanager model against amtool 0.25.

Seeded random ``alerts/routing.py`` modules, each declaring one
:class:`AlertmanagerConfig` through the Python model with good and bad values
(matchers, group_by, durations, time intervals, every integration, globals,
inhibit rules, duplicates, ``extra=``). Each is built by ``oac`` (in process)
and the same module, constructed without the model's checks and rendered by the
real renderer, is given to ``amtool check-config``. The promise: the build
reports an error (any code: a check's finding, or a constructor's exception as
OAC101) exactly when amtool refuses the rendered file.

Used by ``tests/validate/test_am_parity.py`` (a few hundred seeds) and run as a
script for many: ``python -m tests.am_parity -n 5000 [-j 2] [--out found.json]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

#: The model's classes a generated module uses (``from obs_as_code import ...``).
CLASSES = ("AlertmanagerConfig", "Email", "Global", "InhibitRule", "MSTeams", "Matcher", "Opsgenie", "PagerDuty",
           "Receiver", "Route", "Slack", "Template", "TimeInterval", "TimeRange", "Webhook")

LABELS_GOOD = ["severity", "team", "alertname", "service", "_x", "a1"]
LABELS_BAD = ["1x", "a-b", "a.b", "a:b", "", "é", "a b"]
VALUES = ["critical", "", "a b", 'x"y', "x\\y", "x\\ny", "é", "a,b", "x\n", "{{ x }}", "a}"]
REGEX_GOOD = [".*", "[a-z]+", "(a|b)", "(?i)x", "\\d+", "x{2,3}", "\\pL", "[[:alpha:]]", "(?P<n>x)", "\\Qa.b\\E",
              "a{,3}", "\\z", "(?s).", "x*?", "[^a]", "\\.", "\\/", "\\_", "(?U)a+"]
REGEX_BAD = ["(", "[", "x{2,1}", "a**", "(?=x)", "(?<n>x)", "\\1", "x{1001}", "\\Z", "(?P<n>a)(?P<n>b)", "\\8", "[z-a]",
             "\\C", "(?i:x", "x)", "\\x{110000}", "(?P=n)", "\\e", "a{2}{3}", "\\b+", "(?#c)", "[[:word:]]", "\\G"]
#: Pools as (mostly good, mostly bad): a seed draws from the second with its own probability.
Pool = tuple[Sequence[Any], Sequence[Any]]
DURATIONS: Pool = (["30s", "5m", "1h", "1d", "1h30m", "2w", "10ms", "1y", "1m0s"], ["0s", "0", "0m", "0h0m", "5", "-1m", "1.5h", "1h 30m"])
TIMES: Pool = (["00:00", "02:00", "04:00", "12:30", "23:59", "24:00"], ["25:00", "2:00", "09:60", "", "12:00:00", "24:01", "ab:cd", " 02:00", "00:00"])
WEEKDAYS: Pool = (["monday", "Monday", "SUNDAY", "monday:friday", "sunday:saturday", "saturday", "tuesday:tuesday"],
                  ["mon", "friday:monday", "monday:tuesday:wednesday", "funday", "", " monday", "monday: friday", "saturday:sunday", "1"])
DAYS: Pool = (["1", "-1", "1:7", "-7:-1", "31", "-31", "1:-1", "01", "+1", "5:-1"],
              ["0", "32", "-1:5", "7:1", "-32", "-3:28", "x", "1:2:3", "-1:-7", "28:-1", "31:-4"])
MONTHS: Pool = (["january", "1:3", "may:august", "1:12", "June", "march:3", "DECEMBER"],
                ["13", "0", "december:january", "Jan", "-1", "12:1", "0:5", "13:14", "may:"])
YEARS: Pool = (["2024", "2020:2030", "2024:2024"], ["2024:2023", "abc", "-1", "0", "99999", "2024:", ":2024", "2024.5"])
ZONES: Pool = (["UTC", "Europe/Paris", "America/New_York", "Local"], ["Nope/Zone", "", "utc", "Europe/paris", "EST5EDT", "GMT+1"])
URLS_WEBHOOK: Pool = (["http://h/x", "https://h:8080/x?a=1", "http://h/${P}", "http://[::1]:9/x"],
                      ["", "h/x", "ftp://h/x", "http://", "https://${H}/x", " http://h/x", "http://h x/y", "mailto:a@b", "HTTP://h/x", "http://h:port/"])
URLS: Pool = (["https://e.example/v2", "https://h/${P}", "http://h:8080/"],
              ["e.example", "ftp://x/y", "http://", "http:///x", "https://${H}/x", "http://h:99999/", "", "HTTPS://h/x", "http://h:port/"])
SMARTHOSTS: Pool = (["m:25", "[::1]:25", "m:smtp", ":25"], ["m", "m:", "", "a:b:25", "[::1]", "m:25 "])
HEADERS: Pool = ([{}, {"Subject": "s"}, {"To": "b@x"}, {"X-A": "1"}],
                 [{"Subject": "s", "subject": "t"}, {"X-A": "1", "x-a": "2"}, {"bad header": "x"}, {"": "x"}])
TEMPLATES_TEXT: Pool = (['{{ define "a" }}x{{ end }}', "plain", "{{ .Foo }}", '{{ template "nope" }}', "{{ .Status | toUpper | title }}",
                         '{{ join "," (stringSlice "a" "b") }}', '{{ reReplaceAll "a" "b" .X }}{{ safeHtml "x" }}'],
                        ["{{ .Foo", "{{ end }}", "{{ nosuchfn }}", "{{ humanize 1 }}", "{{ $x }}", '{{ define "a" }}'])
HTTP_CONFIGS: Pool = (
    [{"basic_auth": {"username": "u", "password_file": "/p"}}, {"authorization": {"credentials_file": "/t"}}, {"bearer_token_file": "/t"},
     {"tls_config": {"ca_file": "/c", "min_version": "TLS12"}}, {"follow_redirects": False, "proxy_url": "http://p:3128"},
     {"oauth2": {"client_id": "c", "client_secret_file": "/s", "token_url": "https://t/x"}}],
    [{"basic_auth": {"username": "u", "password_file": "/p"}, "bearer_token_file": "/t"}, {"basic_auth": {"user": "u"}},
     {"authorization": {"type": "basic", "credentials_file": "/t"}}, {"tls_config": {"min_version": "TLS99"}}, {"colour": 1},
     {"oauth2": {"client_id": "c"}}, {"basic_auth": {"username": "u"}, "authorization": {"credentials_file": "/t"}},
     {"authorization": {"credentials": "${T}", "credentials_file": "/t"}}])
TEMPLATE_PATHS: Pool = (["extra/*.tmpl", "x.tmpl", "[a-z]*.tmpl", "a\\*"], ["bad[", "[]", "[-a]", "a\\", "[a-]"])
DEFINED_INTERVALS = ["maint", "off"]


def _q(value: Any) -> str:
    return repr(value)


class Gen:
    """One module's generator: :meth:`module` is the source of ``alerts/routing.py``."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        #: How often a value is drawn from the bad ones.
        self.p = self.pick([0.0, 0.02, 0.05, 0.1, 0.3])
        self.intervals: list[str] = []

    def pick(self, items: Sequence[Any]) -> Any:
        return self.rng.choice(items)

    def draw(self, pool: Pool) -> Any:
        """An item of the pool: a bad one with this seed's probability."""
        return self.pick(pool[1]) if self.chance(self.p) else self.pick(pool[0])

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def label(self) -> str:
        return str(self.draw((LABELS_GOOD, LABELS_BAD)))

    def regex(self) -> str:
        return str(self.draw((REGEX_GOOD, REGEX_BAD)))

    def matcher(self) -> str:
        """A matcher expression: a string in one of many spellings, or Matcher(...)."""
        op = self.pick(["=", "!=", "=~", "!~"])
        value = self.regex() if "~" in op else str(self.pick(VALUES))
        name = self.label()
        if self.chance(0.25):
            return f"Matcher({_q(name)}, {_q(value)}, {_q(op)})"
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        form = self.rng.randrange(12) if self.chance(self.p * 2) else self.pick([0, 0, 0, 1, 2, 3, 4, 9])
        text = {
            0: f'{name}{op}"{escaped}"',
            1: f"{name}{op}{value}",
            2: f'{name} {op} "{escaped}"',
            3: f'{{{name}{op}"{escaped}"}}',
            4: f'{name}{op}"{escaped}",{self.label()}="v"',
            5: f'{name}{op}"{escaped}',
            6: f'{name}{op}{escaped}"',
            7: f'{name}{op}"a"b"',
            8: str(self.pick(["", "nonsense", "=x", "a==b", "a=~", 'a="x" ', ' a="x"', "a=\"x\"\n"])),
            9: f'{name}{op}"{value}"',
            10: f"{name}{op}'{value}'",
            11: f'{name}{op}"{escaped}",',
        }[form]
        return _q(text)

    def matchers(self, most: int = 3) -> str:
        return "[" + ", ".join(self.matcher() for _ in range(self.rng.randrange(most + 1))) + "]"

    def labels(self) -> list[str]:
        out = [self.label() for _ in range(self.rng.randrange(4))]
        if not self.chance(self.p):
            out = list(dict.fromkeys(out))
        if self.chance(self.p):
            out.append("...")
        if self.chance(0.1):
            out = ["..."] * self.rng.randrange(1, 3)
        return out

    def duration(self) -> str:
        if self.chance(0.1):
            return self.draw((["timedelta(minutes=5)", "timedelta(hours=1, seconds=30)"], ["timedelta(0)", "timedelta(milliseconds=1)"]))
        return _q(self.draw(DURATIONS))

    def route(self, receivers: list[str], depth: int, root: bool = False) -> str:
        args: list[str] = []
        if root or self.chance(0.5):
            args.append(f"receiver={self.receiver_ref(receivers, root)}")
        if (not root and self.chance(0.7)) or self.chance(self.p / 3):
            args.append(f"matchers={self.matchers()}")
        if self.chance(0.4):
            args.append(f"group_by={_q(self.labels())}")
        for key in ("group_wait", "group_interval", "repeat_interval"):
            if self.chance(0.25):
                args.append(f"{key}={self.duration()}")
        if (not root and self.chance(0.3)) or self.chance(self.p / 3):
            args.append("continue_=True")
        for key in ("mute_time_intervals", "active_time_intervals"):
            if (not root and self.chance(0.2)) or self.chance(self.p / 3):
                names = [self.draw((self.intervals or DEFINED_INTERVALS, ["nope", ""])) for _ in range(self.rng.randrange(1, 3))]
                args.append(f"{key}={_q(names)}")
        if depth < 3 and self.chance(0.6 if root else 0.3):
            children = [self.route(receivers, depth + 1) for _ in range(self.rng.randrange(1, 4))]
            args.append("routes=[" + ", ".join(children) + "]")
        return "Route(" + ", ".join(args) + ")"

    def receiver_ref(self, receivers: list[str], root: bool) -> str:
        if self.chance(self.p / 2):
            return _q(self.pick(["undefined", ""]))
        if root and self.chance(self.p / 2):
            return "None"
        if self.chance(0.1):
            return f"receivers[{self.rng.randrange(len(receivers))}]"
        return _q(self.pick(receivers))

    def integration(self) -> str:
        kind = self.draw((["Email", "Slack", "PagerDuty", "Opsgenie", "Webhook"], ["MSTeams"]))
        args: list[str] = []
        if kind == "Email":
            args.append(f"to={_q(self.draw((['a@x'], [''])))}")
            if self.chance(0.9):
                args.append(f"from_={_q(self.draw((['am@x'], [''])))}")
            if self.chance(0.9):
                args.append(f"smarthost={_q(self.draw(SMARTHOSTS))}")
            if self.chance(0.3):
                args.append(f"headers={_q(self.draw(HEADERS))}")
            if self.chance(0.2):
                args.append(f"auth_password_file={_q('/p')}")
            if self.chance(0.1):
                args.append(f"auth_password={_q('${P}')}")
            if self.chance(0.1):
                args.append(f"extra={_q(self.pick([{'hello': 'h'}, {'tls_config': {'insecure_skip_verify': True}}, {'auth_identity': 'i'}]))}")
        elif kind == "Slack":
            if self.chance(0.8):
                args.append(f"channel={_q(self.pick(['#a', '', '#{{ .x }}']))}")
            both = self.chance(self.p)
            if both or self.chance(0.5):
                args.append(f"api_url_file={_q('/s')}")
            else:
                both = True
            if both:
                args.append("api_url=" + _q(self.draw((["https://hooks.slack.com/services/${P}"], ["hooks.slack.com/${P}",
                                                       "ftp://h/${P}", "https://${HOST}/x", "http:///${P}"]))))
            if self.chance(0.2):
                args.append(f"title_link={_q(self.draw((['https://x/y'], ['not a url', ''])))}")
            if self.chance(0.15):
                args.append("extra=" + _q(self.draw(([
                    {"fields": [{"title": "t", "value": "v"}]}, {"actions": [{"type": "button", "text": "t", "url": "https://x/y"}]},
                    {"link_names": True}, {"icon_url": "https://x/i.png"}], [{"fields": [{"title": "t"}]},
                    {"actions": [{"type": "button", "text": "t"}]}, {"actions": [{"text": "t", "url": "u"}]},
                    {"icon_url": "not a url"}, {"image_url": "ftp://x"}, {"fields": [{"value": "v"}]},
                    {"actions": [{"type": "button", "text": "t", "name": "n", "confirm": {"title": "x"}}]},
                    {"actions": [{"type": "button", "text": "", "url": "u"}]}, {"mrkdwn_in": "text"}, {"link_names": "yes"}]))))
        elif kind == "PagerDuty":
            keys = (("routing_key_file", "/k"), ("service_key_file", "/k"), ("routing_key", "${K}"), ("service_key", "${K}"))
            if self.chance(self.p):
                chosen = [kv for kv in keys if self.chance(0.3)]
            else:
                chosen = [self.pick(keys)]
            for key, value in chosen:
                args.append(f"{key}={_q(value)}")
            if self.chance(0.3):
                args.append(f"url={_q(self.draw(URLS))}")
            if self.chance(0.2):
                args.append(f"client_url={_q(self.draw((['https://x/y'], ['not a url', ''])))}")
            if self.chance(0.2):
                args.append(f"severity={_q(self.draw((['critical', '{{ .x }}'], ['bogus'])))}")
            if self.chance(0.1):
                args.append("extra=" + _q(self.draw(([
                    {"images": [{"src": "https://x/i.png"}]}, {"links": [{"href": "https://x/"}]}, {"class": "c"}],
                    [{"images": [{"alt": "a"}]}, {"links": [{"text": "t"}]}, {"images": "x"}, {"http_config": "x"}]))))
        elif kind == "Opsgenie":
            both = self.chance(self.p)
            file = self.chance(0.6)
            if both or file:
                args.append(f"api_key_file={_q('/k')}")
            if both or (not file and self.chance(0.7)):
                args.append(f"api_key={_q('${K}')}")
            if self.chance(0.3):
                args.append(f"api_url={_q(self.draw(URLS))}")
            if self.chance(0.2):
                args.append(f"priority={_q(self.draw((['P1', '{{ .x }}'], ['P9', ''])))}")
            if self.chance(0.2):
                args.append("extra=" + _q(self.draw(([
                    {"responders": [{"name": "n", "type": "team"}]}, {"responders": [{"id": "i", "type": "{{ .x }}"}]},
                    {"responders": [{"name": "n", "type": "Team"}]}, {"update_alerts": True}, {"entity": "e"}],
                    [{"responders": [{"type": "team"}]}, {"responders": [{"name": "n", "type": "group"}]},
                    {"responders": [{"id": "i", "type": "{{ .x "}]}, {"responders": [{"username": "u", "type": "{{ nofn }}"}]},
                    {"responders": [{"username": "", "type": "user"}]}]))))
        elif kind == "Webhook":
            args.append(f"url={_q(self.draw(URLS_WEBHOOK))}")
            if self.chance(0.2):
                args.append(f"max_alerts={self.pick([0, 5])}")
            if self.chance(0.2):
                args.append(f"credentials_file={_q('/t')}")
            if self.chance(0.2):
                args.append("extra=" + _q({"http_config": self.draw(HTTP_CONFIGS)}))
        else:
            args.append(f"webhook_url={_q('https://x.webhook.office.com/${P}')}")
        if self.chance(0.2):
            args.append(f"send_resolved={self.pick([True, False])}")
        return f"{kind}(" + ", ".join(args) + ")"

    def receiver(self, name: str) -> str:
        integrations = [self.integration() for _ in range(self.rng.randrange(3))]
        return f"Receiver(name={_q(name)}, integrations=[" + ", ".join(integrations) + "])"

    def time_range(self) -> str:
        args: list[str] = []
        if self.chance(0.5):
            times = []
            for _ in range(self.rng.randrange(1, 3)):
                pair = sorted((self.draw(TIMES), self.draw(TIMES)))
                times.append(tuple(pair) if not self.chance(self.p) else tuple(reversed(pair)))
            args.append(f"times={_q(times)}")
        for key, pool in (("weekdays", WEEKDAYS), ("days_of_month", DAYS), ("months", MONTHS), ("years", YEARS)):
            if self.chance(0.35):
                args.append(f"{key}={_q([self.draw(pool) for _ in range(self.rng.randrange(1, 3))])}")
        if self.chance(0.3):
            args.append(f"time_zone={_q(self.draw(ZONES))}")
        return "TimeRange(" + ", ".join(args) + ")"

    def time_interval(self, name: str) -> str:
        ranges = [self.time_range() for _ in range(self.rng.randrange(3))]
        return f"TimeInterval(name={_q(name)}, ranges=[" + ", ".join(ranges) + "])"

    def glob(self) -> str:
        args: list[str] = []
        if self.chance(0.3):
            args.append(f"resolve_timeout={self.duration()}")
        if self.chance(0.4):
            args.append(f"smtp_from={_q(self.draw((['am@x'], [''])))}")
        if self.chance(0.4):
            args.append(f"smtp_smarthost={_q(self.draw(SMARTHOSTS))}")
        if self.chance(0.3):
            args.append(f"slack_api_url_file={_q('/s')}")
        if self.chance(0.2):
            args.append(f"pagerduty_url={_q(self.draw(URLS))}")
        if self.chance(0.2):
            args.append(f"opsgenie_api_url={_q(self.draw(URLS))}")
        if self.chance(0.3):
            args.append(f"opsgenie_api_key_file={_q('/k')}")
        if self.chance(0.2):
            args.append("extra=" + _q(self.draw(([
                {"opsgenie_api_key": "${K}"}, {"smtp_auth_identity": "i"}, {"victorops_api_url": "https://v/x"},
                {"slack_api_url": "https://hooks.slack.com/services/${P}"}, {"http_config": {"follow_redirects": True}}],
                [{"webex_api_url": "x"}, {"telegram_api_url": "ftp://x"}, {"wechat_api_url": "w"}, {"victorops_api_key_file": "/k", "victorops_api_key": "${K}"}]))))
        return "Global(" + ", ".join(args) + ")"

    def inhibit(self) -> str:
        args = [f"source_matchers={self.matchers(2)}", f"target_matchers={self.matchers(2)}"]
        if self.chance(0.5):
            args.append(f"equal={_q([self.label() for _ in range(self.rng.randrange(1, 3))])}")
        return "InhibitRule(" + ", ".join(args) + ")"

    def module(self) -> str:
        receivers = ["default", "team-a", "team-b"][: self.rng.randrange(1, 4)]
        declared = list(receivers)
        if self.chance(self.p / 2):
            declared.append(self.pick(receivers))  # a duplicate
        if self.chance(self.p / 2):
            declared.append("")
        lines = [f"from obs_as_code import {', '.join(CLASSES)}", "from datetime import timedelta"]
        lines.append("receivers = [" + ", ".join(self.receiver(n) for n in declared) + "]")
        intervals = [n for n in DEFINED_INTERVALS if self.chance(0.6)]
        self.intervals = list(intervals)
        if self.chance(self.p / 2) and intervals:
            intervals.append(intervals[0])
        if self.chance(self.p / 2):
            intervals.append("")
        lines.append("intervals = [" + ", ".join(self.time_interval(n) for n in intervals) + "]")
        lines.append("inhibits = [" + ", ".join(self.inhibit() for _ in range(self.rng.randrange(3))) + "]")
        lines.append("root = " + self.route(receivers, 0, root=True))
        args = ["route=root", "receivers=receivers", "time_intervals=intervals", "inhibit_rules=inhibits"]
        if self.chance(0.5):
            lines.append("glob = " + self.glob())
            args.append("global_=glob")
        if self.chance(0.15):
            lines.append(f"tmpl = Template(name='t', text={_q(self.draw(TEMPLATES_TEXT))})")
            paths = [_q(self.draw(TEMPLATE_PATHS)) for _ in range(self.rng.randrange(2))]
            args.append("templates=[" + ", ".join(["tmpl", *paths]) + "]")
        lines.append("config = AlertmanagerConfig(" + ", ".join(args) + ")")
        return "\n".join(lines) + "\n"


# --- the rendered file, without the model's checks ----------------------------


def _unchecked(cls: type) -> Callable[..., Any]:
    """``cls(...)`` without ``__post_init__``: its fields set as given."""
    def make(*args: Any, **kwargs: Any) -> Any:
        obj = cls.__new__(cls)
        positional = [f for f in dataclasses.fields(cls) if f.init and not f.kw_only]
        given = dict(zip((f.name for f in positional), args, strict=False))
        given.update(kwargs)
        for f in dataclasses.fields(cls):
            if f.name in given:
                value = given[f.name]
            elif f.default is not dataclasses.MISSING:
                value = f.default
            elif f.default_factory is not dataclasses.MISSING:
                value = f.default_factory()
            else:
                raise TypeError(f"{cls.__name__}: missing {f.name}")
            object.__setattr__(obj, f.name, value)
        return obj
    return make


def rendered_unchecked(source: str) -> dict[str, str]:
    """The files ``config_artifacts`` writes for the module's config, built
    without the model's checks (path below build/alertmanager/ -> text)."""
    import obs_as_code.model as model
    from obs_as_code.render.alertmanager import config_artifacts

    namespace: dict[str, Any] = {name: _unchecked(getattr(model, name)) for name in CLASSES}
    namespace["timedelta"] = timedelta
    body = source.split("\n", 1)[1]
    exec(compile(body, "<unchecked>", "exec"), namespace)  # our own generated source
    out: dict[str, str] = {}
    for artifact in config_artifacts(namespace["config"]):
        out[artifact.path.removeprefix("alertmanager/")] = artifact.content.decode()
    return out


# --- our verdict --------------------------------------------------------------


@dataclass
class Verdict:
    seed: int
    source: str
    ours: list[str]  # error lines of the build
    files: dict[str, str] | None  # what amtool is given (None: could not render)
    amtool: str | None = None  # None: accepted; else its message

    @property
    def we_refuse(self) -> bool:
        return bool(self.ours)


def build_errors(source: str, root: Path) -> list[str]:
    """The error lines ``oac build`` reports for the module (in process)."""
    from obs_as_code.diagnostics import Severity
    from obs_as_code.pipeline import compile_project

    (root / "alerts").mkdir(parents=True)
    (root / "alerts" / "routing.py").write_text(source, encoding="utf-8")
    compiled = compile_project(root)
    return [f"{d.location}: {d.code} {d.message}" for d in compiled.diagnostics if d.severity == Severity.ERROR]


def judge_ours(seed: int, workdir: str) -> Verdict:
    source = Gen(seed).module()
    root = Path(workdir) / f"p{seed}"
    ours = build_errors(source, root)
    try:
        files: dict[str, str] | None = rendered_unchecked(source)
    except Exception as exc:  # reported as a harness problem
        files = None
        ours.append(f"(unrenderable: {type(exc).__name__}: {exc})")
    return Verdict(seed, source, ours, files)


# --- amtool -------------------------------------------------------------------

_CHECKING = re.compile(r"^Checking '(?P<path>[^']+)'(?P<said>.*?)(?=^Checking '|\Z)", re.M | re.S)
#: A failure in a file's block: of the file itself, or of its templates (after "Found:").
_FAILED = re.compile(r"FAILED: (?P<message>.*?)(?=\nFound:|\n\n|\n  FAILED|\Z)", re.S)


def _said(block: str) -> str | None:
    failed = _FAILED.search(block)
    return failed["message"] if failed is not None else None


def amtool_verdicts(amtool: str, configs: Sequence[dict[str, str]], workdir: Path, batch: int = 200) -> list[str | None]:
    """amtool's message for each config (None when it accepts it), many files
    per ``amtool check-config`` call."""
    paths: list[Path] = []
    for i, files in enumerate(configs):
        for rel, text in files.items():
            path = workdir / f"c{i}" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        paths.append(workdir / f"c{i}" / "alertmanager.yml")
    found: dict[str, str | None] = {}
    for start in range(0, len(paths), batch):
        chunk = [str(p) for p in paths[start:start + batch]]
        result = subprocess.run([amtool, "check-config", *chunk], capture_output=True, text=True, check=False)
        for match in _CHECKING.finditer(result.stdout):
            found[match["path"]] = _said(match["said"])
        missing = [p for p in chunk if p not in found]
        if missing:
            raise RuntimeError(f"amtool said nothing of {missing[:3]}: {result.stdout[-500:]} {result.stderr[-500:]}")
    return [found[str(p)] for p in paths]


def compare(seeds: Iterable[int], amtool: str, jobs: int = 1) -> list[Verdict]:
    """Every seed's verdicts, ours and amtool's."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        seeds = list(seeds)
        if jobs > 1:
            with ProcessPoolExecutor(jobs) as pool:
                verdicts = list(pool.map(judge_ours, seeds, [tmp] * len(seeds), chunksize=20))
        else:
            verdicts = [judge_ours(seed, tmp) for seed in seeds]
        renderable = [v for v in verdicts if v.files is not None]
        for verdict, said in zip(renderable, amtool_verdicts(amtool, [v.files or {} for v in renderable], work / "am"), strict=True):
            verdict.amtool = said
    return verdicts


#: Findings amtool cannot agree with, by design: the renderer writes one
#: receiver (time interval) per name, so amtool never sees the second one the
#: module declared, whose integrations (ranges) would be dropped without a word;
#: a webhook's credentials_file replaces an authorization in extra's http_config.
DELIBERATE = re.compile(r"OAC508 two (receivers|time intervals) are named |and so has credentials_file")


def disagreements(verdicts: Iterable[Verdict]) -> list[Verdict]:
    """The verdicts where the build and amtool disagree (deliberate refusals aside)."""
    out: list[Verdict] = []
    for v in verdicts:
        if v.amtool is None and any(DELIBERATE.search(line) for line in v.ours):
            continue  # what the build refuses is not in the file amtool reads
        if v.files is None or v.we_refuse != (v.amtool is not None):
            out.append(v)
    return out


def main(argv: list[str] | None = None) -> int:
    import shutil

    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("-j", type=int, default=2)
    parser.add_argument("--out", default="")
    args = parser.parse_args(argv)
    amtool = shutil.which("amtool")
    if amtool is None:
        print("amtool not installed", file=sys.stderr)
        return 2
    began = time.monotonic()
    verdicts = compare(range(args.start, args.start + args.n), amtool, args.j)
    bad = disagreements(verdicts)
    refused = sum(v.amtool is not None for v in verdicts)
    print(f"{len(verdicts)} configs, amtool refused {refused}, disagreements {len(bad)}, {time.monotonic() - began:.1f} s")
    kinds: dict[str, int] = {}
    for v in bad:
        key = ("we refuse: " + v.ours[0].split(": ", 1)[1][:90]) if v.we_refuse else ("amtool refuses: " + str(v.amtool)[:90])
        key = re.sub(r'"[^"]*"|\'[^\']*\'', "Q", key)
        kinds[key] = kinds.get(key, 0) + 1
    for key, count in sorted(kinds.items(), key=lambda kv: -kv[1]):
        print(f"{count:5d}  {key}")
    if args.out:
        Path(args.out).write_text(json.dumps([{"seed": v.seed, "ours": v.ours, "amtool": v.amtool, "source": v.source} for v in bad], indent=1))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
