"""``oac build`` refuses an Alertmanager config exactly when amtool 0.25 does:
a small deterministic sample of the differential test (tests/am_parity.py;
``python -m tests.am_parity -n 20000`` runs a large one)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from obs_as_code.goregex import anchored_regex_problem
from obs_as_code.lint.rules._alertmanager_values import (
    glob_problem,
    http_config_problems,
    time_range_problems,
    url_problem,
)
from obs_as_code.lint.rules.oac508_alertmanager_structure import matcher_problem
from obs_as_code.model.alertmanager import (
    Email,
    Global,
    Integration,
    Opsgenie,
    PagerDuty,
    Slack,
    Webhook,
)
from obs_as_code.model.prometheus import HTTP_CLIENT_KEYS, LATER_HTTP_CLIENT_KEYS
from tests.am_parity import Gen, amtool_verdicts, compare, disagreements, rendered_unchecked
from tests.oac_testing import need_binary

#: Seeds of the suite's sample: a few seconds.
SAMPLE = range(400)


def test_the_build_refuses_a_generated_config_exactly_when_amtool_does() -> None:
    amtool = need_binary("amtool")
    verdicts = compare(SAMPLE, amtool)
    refused = [v for v in verdicts if v.amtool is not None]
    # The sample holds both kinds, so the comparison can fail either way.
    assert 0.2 * len(verdicts) < len(refused) < 0.9 * len(verdicts)
    bad = disagreements(verdicts)
    assert bad == [], "\n\n".join(f"seed {v.seed}: amtool {v.amtool!r}, ours {v.ours}\n{v.source}" for v in bad[:3])


def test_the_generator_is_deterministic_and_renders_what_the_build_writes() -> None:
    assert Gen(7).module() == Gen(7).module()
    assert Gen(7).module() != Gen(8).module()
    # Rendered without the model's checks, a config the model accepts is the build's own output.
    source = (
        "from obs_as_code import AlertmanagerConfig, Receiver, Route, Webhook\n"
        "config = AlertmanagerConfig(route=Route(receiver='d', matchers=[], routes=[Route(matchers=['{a=\"1\"}'])]),\n"
        "                            receivers=[Receiver(name='d', integrations=[Webhook(url='http://h/x')])])\n"
    )
    files = rendered_unchecked(source)
    assert files["alertmanager.yml"].count('a="1"') == 1
    assert "http://h/x" in files["alertmanager.yml"]


def _amtool_refuses(configs: list[str], tmp_path: Path) -> list[bool]:
    """amtool 0.25's verdict on each alertmanager.yml text (one amtool call)."""
    said = amtool_verdicts(need_binary("amtool"), [{"alertmanager.yml": c} for c in configs], tmp_path)
    return [s is not None for s in said]


def _route_matcher(matcher: str) -> str:
    return yaml.safe_dump({"route": {"receiver": "d", "routes": [{"matchers": [matcher]}]}, "receivers": [{"name": "d"}]},
                          allow_unicode=True)


#: Regular expressions of =~ where Go's syntax and Python's part ways, and the usual ones.
REGEXES = [
    "(", "[", "x{2,1}", "a**", "(?=x)", "(?<n>x)", "\\1", "x{1001}", "\\Z", "(?P<n>a)(?P<n>b)", "\\8", "[z-a]", "\\C",
    "(?i:x", "x)", "\\x{110000}", "(?P=n)", "\\e", "a{2}{3}", "\\b+", "(?#c)", "[[:word:]]", "\\G", ".*", "[a-z]+",
    "(?i)x", "\\pL", "[[:alpha:]]", "(?P<n>x)", "\\Qa.b\\E", "a{,3}", "\\z", "(?s).", "x*?", "\\/", "\\_", "(?U)a+",
    "(?x)a", "\\<", "*", "a|*", "()", "a{1000}", "a{1,2}{3}", "a*??", "\\12", "\\08", "\\x4", "\\x{41}", "\\x{}",
    "\\p{Greek}", "\\p{Foo}", "\\p{greek}", "\\pX", "\\p{^Greek}", "[\\d-z]", "[]a]", "[[:foo:]]", "[\\b]", "[\\z]",
    "a\\", "(?i-s:x)", "(?-)", "(?i-)", "(?)", "(?P<>x)", "(?P<a-b>x)", "^*", "\\b*", "a{2}?", "é*", "[é-a]",
    "(a{1000}){1000}", "(a{10}){100}", "(a{10}){101}", "(a{10}|b{20}){51}", "((a{2}){2}){251}", "(a{0}){1000}",
    "(a{2,}){501}", "\\p{SignWriting}", "\\p{Nko}", "\\p{Latn}", "\\p{Any}",
]  # fmt: skip


def test_a_matchers_regex_is_refused_exactly_when_go_refuses_it(tmp_path: Path) -> None:
    refused = _amtool_refuses([_route_matcher(f"a=~{json.dumps(r, ensure_ascii=False)}") for r in REGEXES], tmp_path)
    assert refused.count(True) > 30 and refused.count(False) > 30
    for regex, verdict in zip(REGEXES, refused, strict=True):
        assert (anchored_regex_problem(regex) is not None) is verdict, regex


#: Matcher strings pkg/labels of Alertmanager 0.25 reads, or refuses.
MATCHERS = [
    'a="x"', "a=x", "{a=\"x\"}", 'a="1",b="2"', 'a="x",', "", "{}", "a:b=x", "_a=x", "1a=x", "a-b=x", "a = \"x\"",
    'a="x', 'a=x"', 'a="x"y"', 'a="x\\"y"', 'a="x\\\\"', "a=\"x\ny\"", "a==b", "=x", "nonsense", 'a="x",,b="y"',
    'a="x" ', "a=~\"(\"", 'a=~"x",b="(', "a!~\\\\d", 'a="é"', "a=\u00a0x", "a=\tx", "\u00a0a=x",
]  # fmt: skip


def test_a_matcher_string_is_refused_exactly_when_alertmanager_refuses_it(tmp_path: Path) -> None:
    refused = _amtool_refuses([_route_matcher(m) for m in MATCHERS], tmp_path)
    assert refused.count(True) > 5 and refused.count(False) > 5
    for matcher, verdict in zip(MATCHERS, refused, strict=True):
        assert (matcher_problem(matcher) is not None) is verdict, matcher


URLS = [
    "http://h/x", "HTTP://h/x", "https://h:8080/x?a=1", "http://h/${P}", "http://[::1]:9/x", "h/x", "ftp://h/x",
    "http://", "http:///x", "https://${H}/x", " http://h/x", "http://h x/y", "mailto:a@b", "http://h:port/",
    "http://h:99999/", "http://u:p@h/x", "http://u p@h/x", "http://h/%zz", "http://h/x#%zz", "http://h/x?%zz",
    "http://h%41/x", "http://h%2f/x", "http://[::1/x", "http://[::1]x/", "http://h|x/", "http://é.example/x",
    "http:x", "//h/x", ":x", "1http://h/x", "http://h/x y", "http://h:/x", "http://h\x7f/x", "http://h/\x01",
]  # fmt: skip


def test_a_url_is_refused_exactly_when_alertmanager_refuses_it(tmp_path: Path) -> None:
    configs = [yaml.safe_dump({"route": {"receiver": "d"}, "receivers": [{"name": "d", "webhook_configs": [{"url": u}]}]},
                              allow_unicode=True) for u in URLS]
    refused = _amtool_refuses(configs, tmp_path)
    assert refused.count(True) > 5 and refused.count(False) > 5
    for url, verdict in zip(URLS, refused, strict=True):
        assert (url_problem(url) is not None) is verdict, url


#: (field of a time range, value): each alone in a time interval.
TIME_VALUES: list[tuple[str, Any]] = [
    ("times", ["00:00", "24:00"]), ("times", ["02:00", "02:00"]), ("times", ["04:00", "02:00"]), ("times", ["2:00", "04:00"]),
    ("times", ["24:01", "24:00"]), ("times", ["", "04:00"]), ("times", ["09:60", "10:00"]), ("times", ["23:59", "24:00"]),
    ("weekdays", "monday"), ("weekdays", "Monday:FRIDAY"), ("weekdays", "mon"), ("weekdays", "friday:monday"),
    ("weekdays", "monday:tuesday:wednesday"), ("weekdays", ""), ("weekdays", "saturday:sunday"), ("weekdays", "1"),
    ("days_of_month", "1"), ("days_of_month", "0"), ("days_of_month", "32"), ("days_of_month", "-31"),
    ("days_of_month", "-32"), ("days_of_month", "1:-1"), ("days_of_month", "-1:5"), ("days_of_month", "7:1"),
    ("days_of_month", "5:-1"), ("days_of_month", "28:-1"), ("days_of_month", "31:-4"), ("days_of_month", "+1"),
    ("days_of_month", "x"), ("days_of_month", " 1"), ("months", "january"), ("months", "13"), ("months", "0"),
    ("months", "december:january"), ("months", "Jan"), ("months", "march:3"), ("months", "may:"), ("months", "-1:12"),
    ("years", "2024"), ("years", "2024:2023"), ("years", "abc"), ("years", "-1"), ("years", "99999999999999999999"),
    ("years", ":2024"),
]  # fmt: skip


def test_a_time_range_is_refused_exactly_when_alertmanager_refuses_it(tmp_path: Path) -> None:
    configs = []
    for key, value in TIME_VALUES:
        entry = {"times": [{"start_time": value[0], "end_time": value[1]}]} if key == "times" else {key: [value]}
        configs.append(yaml.safe_dump({"route": {"receiver": "d"}, "receivers": [{"name": "d"}],
                                       "time_intervals": [{"name": "t", "time_intervals": [entry]}]}))
    refused = _amtool_refuses(configs, tmp_path)
    assert refused.count(True) > 10 and refused.count(False) > 10
    for (key, value), verdict in zip(TIME_VALUES, refused, strict=True):
        found = list(time_range_problems([tuple(value)] if key == "times" else [], {key: [value]}))
        assert bool(found) is verdict, (key, value, found)


TEMPLATE_PATHS = ["x/*.tmpl", "bad[", "[]", "[]a]", "[a]", "[^a]", "[a-]", "[a-b]", "[-a]", "a\\", "a\\*", "[\\]]",
                  "[a-\\", "*[", "[^]", "[ab", "x]", "**", "[\\a-b]", "[a-b-c]"]  # fmt: skip


def test_a_template_path_is_refused_exactly_when_go_glob_refuses_it(tmp_path: Path) -> None:
    configs = [yaml.safe_dump({"templates": [p], "route": {"receiver": "d"}, "receivers": [{"name": "d"}]}) for p in TEMPLATE_PATHS]
    refused = _amtool_refuses(configs, tmp_path)
    assert refused.count(True) > 5 and refused.count(False) > 5
    for path, verdict in zip(TEMPLATE_PATHS, refused, strict=True):
        assert (glob_problem(path) is not None) is verdict, path


def test_a_shaped_extra_key_of_the_wrong_shape_is_refused_by_the_model_as_by_amtool(tmp_path: Path) -> None:
    """Each key of Integration.yaml_shapes (and the global http_config): the
    wrong shape is refused by amtool and by the model (OAC101), the right one by neither."""
    entries: dict[type[Integration], dict[str, Any]] = {
        Webhook: {"url": "http://h/x"}, Slack: {"api_url_file": "/s"}, PagerDuty: {"routing_key_file": "/k"},
        Opsgenie: {"api_key_file": "/k"}, Email: {"to": "a@x", "from": "am@x", "smarthost": "m:25"},
    }
    right = {"list": [], "map": {}, "bool": True}
    cases: list[tuple[Any, str, Any, bool]] = []
    for cls in entries:
        for key, shape in cls.yaml_shapes.items():
            cases += [(cls, key, "x", True), (cls, key, right[shape], False)]
    cases += [(Global, "http_config", "x", True), (Global, "http_config", {}, False)]
    configs = []
    for cls, key, value, _ in cases:
        config: dict[str, Any] = {"route": {"receiver": "d"}, "receivers": [{"name": "d"}]}
        if cls is Global:
            config["global"] = {key: value}
        else:
            config["receivers"][0][cls.config_key] = [{**entries[cls], key: value}]
        configs.append(yaml.safe_dump(config))
    refused = _amtool_refuses(configs, tmp_path)
    for (cls, key, value, expected), verdict in zip(cases, refused, strict=True):
        assert verdict is expected, (cls.__name__, key, value)
        args = {} if cls is Global else {k.replace("from", "from_"): v for k, v in entries[cls].items()}
        if expected:
            with pytest.raises(ValueError, match=f"{cls.__name__} extra: {key} must be"):
                cls(**args, extra={key: value})
        else:
            cls(**args, extra={key: value})


HTTP_CONFIGS: list[dict[str, Any]] = [
    {"basic_auth": {"username": "u", "password_file": "/p"}}, {"basic_auth": {"username": "u", "password_file": "/p"}, "bearer_token_file": "/t"},
    {"basic_auth": {"username": "u", "password": "${P}", "password_file": "/p"}}, {"authorization": {"credentials_file": "/t"}, "bearer_token_file": "/t"},
    {"authorization": {"credentials": "${T}", "credentials_file": "/t"}}, {"authorization": {"type": "Basic", "credentials_file": "/t"}},
    {"authorization": {"credentials_file": "/t"}}, {"basic_auth": {"user": "u"}}, {"tls_config": {"ca": "x"}},
    {"tls_config": {"min_version": "TLS13"}}, {"tls_config": {"min_version": "TLS99"}}, {"tls_config": {"max_version": "tls13"}},
    {"bearer_token_file": "/t"}, {"bearer_token": "${T}", "bearer_token_file": "/t"}, {"bearer_token": "", "bearer_token_file": "/t"},
    {"oauth2": {"client_id": "c", "client_secret_file": "/s", "token_url": "https://t/x"}, "basic_auth": {"username": "u"}},
    {"oauth2": {"client_id": "c", "client_secret_file": "/s", "token_url": "https://t/x"}}, {"oauth2": {"client_id": "c"}},
    {"oauth2": {"token_url": "https://t/x", "client_secret_file": "/s"}}, {"oauth2": {"client_id": "c", "client_secret_file": "/s"}},
    {"oauth2": {"client_id": "c", "client_secret": "${S}", "client_secret_file": "/s", "token_url": "https://t/x"}},
    {"basic_auth": {"username": "u"}, "authorization": {"credentials_file": "/x"}}, {"authorization": {}}, {"basic_auth": {}},
    {"colour": 1}, {"follow_redirects": True, "enable_http2": False, "proxy_url": "http://p:3128"}, {"authorization": {"colour": 1}},
    {"tls_config": {"ca_file": "/c", "insecure_skip_verify": True, "server_name": "s"}},
]  # fmt: skip


def test_an_http_config_in_extra_is_refused_exactly_when_amtool_refuses_it(tmp_path: Path) -> None:
    configs = [yaml.safe_dump({"route": {"receiver": "d"}, "receivers": [
        {"name": "d", "webhook_configs": [{"url": "http://h/x", "http_config": c}]}]}) for c in HTTP_CONFIGS]
    refused = _amtool_refuses(configs, tmp_path)
    assert refused.count(True) > 5 and refused.count(False) > 5
    for http_config, verdict in zip(HTTP_CONFIGS, refused, strict=True):
        found = list(http_config_problems(http_config, HTTP_CLIENT_KEYS, LATER_HTTP_CLIENT_KEYS))
        assert bool(found) is verdict, (http_config, found)
