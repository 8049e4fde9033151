"""OAC115: what promtool 2.42 refuses in the Prometheus config, at the user's line.

Each refusal at the keyword argument that holds it; one module with several
mistakes gives them all in one build, which leaves build/ alone; and over a set of
generated configs, OAC115 reports exactly when ``promtool check config`` refuses
the rendered file."""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path
from typing import Any

import pytest

from obs_as_code.lint.rules.oac115_prometheus_config import _needs_port, _split_host_port, problems
from obs_as_code.model.prometheus import (
    AlertmanagerTarget,
    Authorization,
    BasicAuth,
    PrometheusConfig,
    RelabelConfig,
    ScrapeJob,
    StaticConfig,
    TLSConfig,
)
from obs_as_code.render.prometheus import config_artifact
from obs_as_code.serialize import dump_yaml
from tests.oac_testing import GOOD_ALERT, REPO, ProjectFactory, build_fails, need_binary, run_oac

HEAD = "from obs_as_code import *\n\n"

#: (module body, [(the text the finding points at, a part of its message)]).
CASES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "a job without a name": (
        'j = ScrapeJob(targets=["c:1"],\n    name="")\n',
        [('""', "a scrape job without a name (promtool: job_name is empty)")],
    ),
    "job timeout over its interval": (
        'j = ScrapeJob(name="c", targets=["c:1"], scrape_timeout="1m", scrape_interval="10s")\n',
        [('"1m"', 'scrape job \'c\': scrape_timeout 1m is greater than its scrape_interval 10s (promtool: scrape timeout '
                  'greater than scrape interval for scrape config with job name "c")')],
    ),
    "job timeout over the global interval": (
        'c = PrometheusConfig(scrape_interval="15s")\nj = ScrapeJob(name="d", targets=["d:1"],\n    scrape_timeout="30s")\n',
        [('"30s"', "scrape_timeout 30s is greater than the global scrape_interval 15s")],
    ),
    "job timeout over the default global interval (no PrometheusConfig)": (
        'j = ScrapeJob(name="d", targets=["d:1"], scrape_timeout=timedelta(seconds=16))\n',
        [("timedelta(", "scrape_timeout 16s is greater than the global scrape_interval 15s")],
    ),
    "global timeout over the global interval": (
        'c = PrometheusConfig(scrape_interval="1m", scrape_timeout="1m30s")\n',
        [('"1m30s"', "the global scrape_timeout 1m30s is greater than the global scrape_interval 1m "
                     "(promtool: global scrape timeout greater than scrape interval)")],
    ),
    "global timeout over the global interval of extra": (
        'c = PrometheusConfig(extra={"global": {"scrape_timeout": "2m"}})\n',
        [("{", "the global scrape_timeout 2m is greater than the global scrape_interval 1m")],
    ),
    "rule file glob in a directory": (
        'c = PrometheusConfig(rule_files=["ok/*.yml", "rules*/x.yml"])\n',
        [('["ok', "rule file path 'rules*/x.yml' has a * before its last / (promtool: invalid rule file path \"rules*/x.yml\")")],
    ),
    "scheme without a port": (
        'j = ScrapeJob(name="a", targets=["a:1", "b"], scheme="ftp")\n',
        [('"ftp"', "scrape job 'a': scheme 'ftp' with target 'b', which has no port (promtool: invalid scheme: \"ftp\")")],
    ),
    "scheme in capitals without a port, in a static config": (
        'j = ScrapeJob(name="a", scheme="HTTPS",\n    static_configs=[StaticConfig(targets=["[::1]"])])\n',
        [('"HTTPS"', "scheme 'HTTPS' with target '[::1]'")],
    ),
    "a URL as target": (
        'j = ScrapeJob(name="a", targets=["http://a:1/metrics"])\n',
        [('["http', "target 'http://a:1/metrics' holds a /, where Prometheus takes host:port "
                    "(promtool: \"http://a:1/metrics\" is not a valid hostname)")],
    ),
    "a URL in a static config": (
        'j = ScrapeJob(name="a", static_configs=[\n    StaticConfig(targets=["a/b:1"])])\n',
        [('["a/b', "target 'a/b:1' holds a /")],
    ),
    "an empty target": (
        'j = ScrapeJob(name="a", targets=[""])\n',
        [('[""]', "scrape job 'a': an empty target (promtool: no address)")],
    ),
    "basic_auth and authorization": (
        'j = ScrapeJob(name="a", targets=["a:1"], basic_auth=BasicAuth(username="u", password_file="/p"),\n'
        '    authorization=Authorization(credentials_file="/c"))\n',
        [("Authorization(", "authorization and basic_auth are both set (promtool: at most one of basic_auth, oauth2 & "
                            "authorization must be configured)")],
    ),
    "authorization of type basic": (
        'j = ScrapeJob(name="a", targets=["a:1"], authorization=Authorization(credentials_file="/c", type=" basic"))\n',
        [('" basic"', "Authorization type ' basic' (promtool: authorization type cannot be set to \"basic\", use "
                      "\"basic_auth\" instead)")],
    ),
    "bearer_token_file and authorization": (
        'j = ScrapeJob(name="a", targets=["a:1"], authorization=Authorization(credentials_file="/c"),\n'
        '    extra={"bearer_token_file": "/t"})\n',
        [("{", "authorization and bearer_token_file are both set (promtool: authorization is not compatible with "
               "bearer_token & bearer_token_file)")],
    ),
    "bearer_token_file and basic_auth": (
        'j = ScrapeJob(name="a", targets=["a:1"], basic_auth=BasicAuth(username="u", password_file="/p"),\n'
        '    extra={"bearer_token_file": "/t"})\n',
        [("{", "basic_auth and bearer_token_file are both set")],
    ),
    "both bearer tokens": (
        'j = ScrapeJob(name="a", targets=["a:1"], extra={"bearer_token_file": "/t", "bearer_token": "x"})\n',
        [("{", "both bearer_token and bearer_token_file are set")],
    ),
    "oauth2 without client_id": (
        'j = ScrapeJob(name="a", targets=["a:1"],\n'
        '    extra={"oauth2": {"client_secret_file": "/s", "token_url": "https://t"}})\n',
        [("{", "oauth2 has no client_id (promtool: oauth2 client_id must be configured)")],
    ),
    "proxy_connect_header without proxy_url": (
        'j = ScrapeJob(name="a", targets=["a:1"], extra={"proxy_connect_header": {"X": ["y"]}})\n',
        [("{", "proxy_connect_header without proxy_url")],
    ),
    "unknown TLS version": (
        'j = ScrapeJob(name="a", targets=["a:1"], tls_config=TLSConfig(max_version="TLS1.3"))\n',
        [('"TLS1.3"', "TLS max_version 'TLS1.3' (promtool: unknown TLS version: TLS1.3)")],
    ),
    "client cert without key": (
        'j = ScrapeJob(name="a", targets=["a:1"], tls_config=TLSConfig(cert_file="/c.pem"))\n',
        [('"/c.pem"', "TLS cert_file without key_file (promtool: client cert file \"/c.pem\" specified without client key file)")],
    ),
    "client key without cert": (
        'j = ScrapeJob(name="a", targets=["a:1"], tls_config=TLSConfig(key_file="/k.pem"))\n',
        [('"/k.pem"', "TLS key_file without cert_file")],
    ),
    "body_size_limit without a unit Prometheus knows": (
        'j = ScrapeJob(name="a", targets=["a:1"], extra={"body_size_limit": "10mb"})\n',
        [("{", "scrape job 'a': body_size_limit '10mb' (promtool: units: unknown unit mb in 10mb)")],
    ),
    "a relabel source label that is no label name": (
        'j = ScrapeJob(name="a", targets=["a:1"],\n    metric_relabel_configs=[RelabelConfig(source_labels=["__name__", "a-b"], action="drop")])\n',
        [('["__name__"', "relabel config: source label 'a-b' is not a label name (promtool: \"a-b\" is not a valid label name)")],
    ),
    "file_sd_configs with a file name Prometheus does not read": (
        'j = ScrapeJob(name="a",\n    extra={"file_sd_configs": [{"files": ["targets/*.txt"]}]})\n',
        [("{", "scrape job 'a': file_sd_configs (promtool: path name \"targets/*.txt\" is not valid for file discovery)")],
    ),
    "dns_sd_configs of type A without a port": (
        'c = PrometheusConfig(alertmanagers=[AlertmanagerTarget(targets=[], extra={"dns_sd_configs": [{"names": ["am"], "type": "A"}]})])\n',
        [("{", "alertmanager target: dns_sd_configs (promtool: a port is required in DNS-SD configs for all record types except SRV)")],
    ),
    "scheme without a port, relabel configs writing a label of their own": (
        'j = ScrapeJob(name="a", targets=["b"], scheme="ftp",\n'
        '    relabel_configs=[RelabelConfig(source_labels=["__address__"], target_label="env", replacement="prod")])\n',
        [('"ftp"', "scheme 'ftp' with target 'b', which has no port")],
    ),
    "alertmanager api_version": (
        'c = PrometheusConfig(alertmanagers=[AlertmanagerTarget(targets=["am:9093"], api_version="v3")])\n',
        [('"v3"', "alertmanager target: api_version 'v3' (promtool: expected Alertmanager api version to be one of "
                  "[v1 v2] but got v3)")],
    ),
    "alertmanager URL target and basic authorization": (
        'c = PrometheusConfig(alertmanagers=[AlertmanagerTarget(\n'
        '    targets=["https://am:9093"],\n'
        '    authorization=Authorization(credentials_file="/c", type="Basic"))])\n',
        [('["https', "alertmanager target: target 'https://am:9093' holds a /"),
         ('"Basic"', "authorization type cannot be set to \"basic\"")],
    ),
}

CASES.update({
    "a relabel regex Go's regexp refuses": (
        'r = RelabelConfig(source_labels=["__name__"], action="drop",\n    regex="go_(?<x>.*)")\n'
        'j = ScrapeJob(name="a", targets=["a:1"], metric_relabel_configs=[r, RelabelConfig(source_labels=["a"], regex="x{1001}", action="keep")])\n'
        'k = ScrapeJob(name="b", targets=["b:1"], relabel_configs=[r])\n',
        [('"go_(?<x>.*)"', "regex 'go_(?<x>.*)' is not one Go's regexp compiles (promtool: error parsing regexp: invalid or unsupported Perl syntax: `(?<`)"),
         ('"x{1001}"', "invalid repeat count: `{1001}`")],
    ),
})

#: Accepted by promtool 2.42: no finding (each checked against promtool below).
ACCEPTED: dict[str, str] = {
    # Only a target without a port needs a scheme Prometheus knows (to add its port).
    "ftp with ports": 'j = ScrapeJob(name="a", targets=["a:1", "[::1]:2", "::1"], scheme="ftp")\n',
    # A job without scrape_timeout gets the smaller of the global one and its interval.
    "global timeout over a job's interval": (
        'c = PrometheusConfig(scrape_interval="1m", scrape_timeout="30s")\n'
        'j = ScrapeJob(name="a", targets=["a:1"], scrape_interval="10s")\n'
    ),
    "equal timeout and interval": 'j = ScrapeJob(name="a", targets=["a:1"], scrape_interval="20s", scrape_timeout="20s")\n',
    # 0s is no interval: the global one (60s, Prometheus' default for 0s) applies.
    "zero intervals": (
        'c = PrometheusConfig(scrape_interval="0s", scrape_timeout="30s")\n'
        'j = ScrapeJob(name="a", targets=["a:1"], scrape_interval="0s", scrape_timeout="50s")\n'
    ),
    # A relabel config writing __address__ may rewrite addresses and schemes: left to oac validate.
    "relabelled URL": (
        'j = ScrapeJob(name="a", targets=["a:1"], relabel_configs=[RelabelConfig(target_label="__address__", '
        'replacement="x:1")],\n    static_configs=[StaticConfig(targets=["b"])], scheme="ftp")\n'
    ),
    "rule file globs in the file name": 'c = PrometheusConfig(rule_files=["a/*.yml", "b/x*y*z"])\n',
    # Go's RE2 syntax that Python's re refuses or reads otherwise.
    "relabel regexes Go compiles": (
        'j = ScrapeJob(name="a", targets=["a:1"], metric_relabel_configs=[\n'
        '    RelabelConfig(source_labels=["__name__"], regex=r"\\pL+\\z", action="keep"),\n'
        '    RelabelConfig(source_labels=["__name__"], regex=r"(?U)\\Qa.b\\E(?P<n>x)", action="keep")])\n'
    ),
    "alertmanager TLS cert alone (promtool checks scrape jobs' only)": (
        'c = PrometheusConfig(alertmanagers=[AlertmanagerTarget(targets=["am"], scheme="ftp", '
        'tls_config=TLSConfig(cert_file="/c", min_version="TLS12"))])\n'
    ),
    "authorization of another type": (
        'j = ScrapeJob(name="a", targets=["a:1"], authorization=Authorization(credentials_file="/c", type="Token"))\n'
    ),
}


def _position(source: str, anchor: str) -> tuple[int, int]:
    assert source.count(anchor) >= 1, anchor
    before = source[: source.index(anchor)]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def _lint(make_project: ProjectFactory, body: str, severity: str = "error") -> tuple[str, list[tuple[int, int, str]]]:
    """The OAC115 findings of ``severity`` in a module of ``body``."""
    source = HEAD + "from datetime import timedelta\n\n" + body
    root = make_project({"scrape/p.py": source})
    result = run_oac("lint", "-C", str(root), "--select", "OAC115", "--format", "json")
    every = [d for d in json.loads(result.stdout) if d["code"] == "OAC115"]
    found = [(d["line"], d["column"], d["message"]) for d in every if d["severity"] == severity]
    assert (result.exit_code == 1) == any(d["severity"] == "error" for d in every), result.output
    return source, sorted(found)


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_refusal_is_reported_at_its_argument(make_project: ProjectFactory, case: str) -> None:
    body, expected = CASES[case]
    source, found = _lint(make_project, body)
    assert len(found) == len(expected), found
    wanted = sorted((*_position(source, anchor), part) for anchor, part in expected)
    for (line, col, message), (want_line, want_col, part) in zip(found, wanted, strict=True):
        assert (line, col) == (want_line, want_col), (message, source)
        assert part in message


@pytest.mark.parametrize("case", sorted(ACCEPTED))
def test_what_promtool_accepts_is_left_alone(make_project: ProjectFactory, case: str) -> None:
    assert _lint(make_project, ACCEPTED[case])[1] == []


#: Schemes promtool accepts but Prometheus cannot speak: (module body, [(anchor, part of the warning)]).
UNUSABLE_SCHEMES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "a scrape job over ftp, every target with a port": (
        ACCEPTED["ftp with ports"],
        [('"ftp"', "scrape job 'a': scheme 'ftp' is neither http nor https: promtool accepts it, but every scrape")],
    ),
    "a misspelt https, and an empty scheme": (
        'j = ScrapeJob(name="a", targets=["a:1"], scheme="htps")\nk = ScrapeJob(name="b", targets=["b:1"], scheme="")\n',
        [('"htps"', "scheme 'htps' is neither"), ('""', "scrape job 'b': scheme '' is neither")],
    ),
    "an Alertmanager over ftp": (
        'c = PrometheusConfig(alertmanagers=[AlertmanagerTarget(targets=["am:9093"], scheme="ftp")])\n',
        [('"ftp"', "alertmanager target: scheme 'ftp' is neither http nor https: promtool accepts it, but every alert")],
    ),
}


@pytest.mark.parametrize("case", sorted(UNUSABLE_SCHEMES))
def test_a_scheme_prometheus_cannot_speak_is_a_warning_at_it(make_project: ProjectFactory, case: str) -> None:
    body, expected = UNUSABLE_SCHEMES[case]
    source, found = _lint(make_project, body, "warning")
    wanted = sorted((*_position(source, anchor), part) for anchor, part in expected)
    assert [(line, col) for line, col, _ in found] == [(line, col) for line, col, _ in wanted], found
    for (_line, _col, message), (_l, _c, part) in zip(found, wanted, strict=True):
        assert part in message


@pytest.mark.parametrize("body", [
    # Go's URL parser lowers the scheme: HTTPS is https.
    'j = ScrapeJob(name="a", targets=["a:1"], scheme="HTTPS")\n',
    # A relabel config writing __scheme__ decides the scheme per target.
    'j = ScrapeJob(name="a", targets=["a:1"], scheme="x", relabel_configs=[RelabelConfig(target_label="__scheme__", replacement="https")])\n',
    # promtool's error at the scheme (a target without a port) is the one finding there.
    'j = ScrapeJob(name="a", targets=["a"], scheme="ftp")\n',
])
def test_no_scheme_warning_where_the_scheme_works_or_promtool_refuses_it(make_project: ProjectFactory, body: str) -> None:
    assert _lint(make_project, body, "warning")[1] == []


def test_one_module_gives_every_mistake_in_one_build(built_project: Path) -> None:
    # An empty job name raised in the constructor (OAC101), which hid the rest.
    module = (
        "from obs_as_code import PrometheusConfig, ScrapeJob, TLSConfig\n"
        'config = PrometheusConfig(scrape_interval="15s", scrape_timeout="20s")\n'
        "jobs = [\n"
        '    ScrapeJob(name="", targets=["a"], scheme="ftp"),\n'
        '    ScrapeJob(name="c", targets=["c:1"], scrape_timeout="1m", scrape_interval="10s"),\n'
        '    ScrapeJob(name="u", targets=["http://u:1"], tls_config=TLSConfig(min_version="TLS1")),\n'
        "]\n"
    )
    stderr = build_fails(built_project, {"scrape/prometheus.py": module})
    found = sorted(line.split(": OAC115 ")[0] for line in stderr.splitlines() if " OAC115 " in line)
    assert found == [
        "scrape/prometheus.py:2:65",
        "scrape/prometheus.py:4:20",
        "scrape/prometheus.py:4:46",
        "scrape/prometheus.py:5:57",
        "scrape/prometheus.py:6:33",
        "scrape/prometheus.py:6:82",
    ], stderr
    assert "6 error(s)" in stderr


def test_the_shipped_project_has_no_finding() -> None:
    result = run_oac("lint", "-C", str(REPO), "--select", "OAC115", "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout) == [], result.output


def test_split_host_port_is_gos() -> None:
    # Go 1.19 net.SplitHostPort, by its documented cases.
    assert _split_host_port("a:1") == ("a", "1")
    assert _split_host_port("[::1]:9") == ("::1", "9")
    assert _split_host_port(":80") == ("", "80")
    for bad in ("a", "::1", "[::1]", "[::1]x:1", "a]:1", "[a:1", "[a]]:1", "a:b:c"):
        assert _split_host_port(bad) is None, bad
    assert _needs_port("a") and _needs_port("[::1]") and not _needs_port("::1") and not _needs_port("a:1")


# --- against the real promtool ----------------------------------------------------------


def _auth(rng: random.Random, scrape: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if rng.random() < 0.15:
        out["basic_auth"] = BasicAuth(username="u", password_file="/p")
    if rng.random() < 0.15:
        out["authorization"] = Authorization(credentials_file="/c", type=rng.choice(["Bearer", "basic", " Basic ", "Token", ""]))
    if rng.random() < 0.15:
        out["tls_config"] = TLSConfig(
            cert_file=rng.choice([None, None, "", "/c"]), key_file=rng.choice([None, None, "", "/k"]),
            min_version=rng.choice([None, None, "TLS12", "tls12", "TLS13"]), max_version=rng.choice([None, None, "TLS11", "SSL3"]),
        )
    extra: dict[str, Any] = {}
    for key, values in (
        ("bearer_token_file", ["/t", ""]),
        ("bearer_token", ["x"]),
        ("proxy_connect_header", [{"X": ["y"]}, {}]),
        ("proxy_url", ["http://p:1", ""]),
        ("oauth2", [{"client_id": "i", "client_secret_file": "/s", "token_url": "https://t"},
                    {"client_id": "i", "client_secret": "s", "client_secret_file": "/s", "token_url": "https://t"},
                    {"client_id": "", "client_secret_file": "/s", "token_url": "https://t"},
                    {"client_id": "i", "token_url": "https://t"},
                    {"client_id": "i", "client_secret_file": "/s"}]),
    ):
        if rng.random() < 0.06:
            extra[key] = rng.choice(values)
    if scrape and rng.random() < 0.06:
        extra["body_size_limit"] = rng.choice(_SIZES)
    if rng.random() < 0.05:
        extra["file_sd_configs"] = [rng.choice([{"files": []}, {}, {"files": None}, {"files": ["a.txt"]}, {"files": ["a*/b.json"]},
                                                {"files": ["a/*.YML", "b.json"]}, {"files": ["t.yaml"], "refresh_interval": "1m"}])]
    if rng.random() < 0.05:
        extra["dns_sd_configs"] = [rng.choice([{"names": ["a"]}, {"names": ["a"], "type": "a"}, {"names": ["a"], "type": "mx", "port": 1},
                                               {"names": ["a"], "type": "TXT"}, {"names": []}, {"names": ["a"], "type": ""},
                                               {"names": ["a"], "type": "AAAA", "port": 9}])]
    if extra:
        out["extra"] = extra
    return out


#: Relabel configs: the first three leave the targets alone (OAC115 judges them);
#: the others drop every target (a drop's regex matches the empty value of a label
#: not set: promtool judges none) or rewrite the address to a good one: OAC115
#: leaves the targets of such jobs to oac validate, which here finds nothing. (One
#: rewriting __scheme__ only, or with a target_label such as $1, is left to oac
#: validate too, which may refuse a target OAC115 did not report: not generated.)
_RELABELS = [
    [RelabelConfig(source_labels=["__address__"], target_label="env", replacement="prod")],
    [RelabelConfig(source_labels=["__address__"], target_label="host", regex="([^:]+):.*"), RelabelConfig(target_label="h", action="lowercase", source_labels=["host"])],
    [RelabelConfig(source_labels=["__address__"], target_label="shard", modulus=4, action="hashmod")],
    [RelabelConfig(source_labels=["team"], action="drop")],
    [RelabelConfig(target_label="__address__", replacement="x:1")],
]

_SIZES = ["10MB", "10MiB", "10mb", 10, 0, "1.5MB", "10 MB", "10KB", "10kB", "10K", "1B", "-1MB", "", "+0", ".5KB", ".KB",
          "1MB512KB", "1MiB1KB", "9999999999999999999B", "9EB", "8EB", True, 1.5, None, "1.5.5MB", "1MB.5"]

_TARGETS = ["a:1", "a", "[::1]", "::1", "[::1]:9", "a:b:c", "", "http://a:1", "a/b", "[a]b:1", "b:80", "[a:1", "x]:1"]


def _targets(rng: random.Random, n: int) -> list[str]:
    """``n`` targets, most of them host:port."""
    return [rng.choice(_TARGETS) if rng.random() < 0.25 else f"h{i}:9100" for i in range(n)]


#: Relabel regexes, some Go's regexp refuses (Python's re takes most of those) and
#: some Python's re refuses that Go takes.
_REGEXES = ["go_.*", "go_(?<x>.*)", "(?P<n>a)b", "a{1001}", "a{2,1}", "(?=x)y", r"(a)\1", r"\d+", r"\pL+", r"\Z",
            r"x\z", "[[:alpha:]]+", "(?i)x", "(?s).*", "a**", "a)(", "(?U)a+", r"\Qa.b\E", "[a-", ""]


def _config(rng: random.Random) -> tuple[PrometheusConfig, list[ScrapeJob]]:
    durations = [None, "0s", "1s", "5s", "10s", "15s", "20s", "1m", "90s"]
    glob: dict[str, Any] = {}
    if rng.random() < 0.1:
        glob["extra"] = {"global": {"scrape_interval": rng.choice(["10s", "1m", None]),
                                    "scrape_timeout": rng.choice(["5s", "30s", "2m", None])}}
    alertmanagers = []
    if rng.random() < 0.3:
        alertmanagers.append(AlertmanagerTarget(
            targets=rng.sample(["am:9093", "am", "am:1", "http://am:9093", ""], rng.randint(1, 2)),
            scheme=rng.choice([None, "https", "ftp"]), api_version=rng.choice([None, None, None, "v1", "v2", "v3", ""]),
            **_auth(rng, scrape=False),
        ))
    config = PrometheusConfig(
        scrape_interval=rng.choice(["15s", "1m", "0s", "10s"]),
        scrape_timeout=rng.choice([None, None, None, None, "5s", "10s", "15s", "20s", "2m"]),
        rule_files=rng.choice([[], [], [], [], ["a/*.yml"], ["a*/b.yml"], ["x/y*z*"], ["*"]]),
        alertmanagers=alertmanagers,
        **glob,
    )
    jobs = []
    for i in range(rng.randint(1, 3)):
        statics = []
        if rng.random() < 0.3:
            statics.append(StaticConfig(targets=_targets(rng, 1), labels=rng.choice([{}, {"team": "x"}])))
        relabel = rng.choice(_RELABELS) if rng.random() < 0.25 else []
        jobs.append(ScrapeJob(
            # An empty name promtool refuses; a blank one it takes. (Two alike are OAC107's.)
            name=rng.choice(["", " "]) if i == 0 and rng.random() < 0.05 else f"j{i}",
            targets=_targets(rng, rng.randint(0 if statics else 1, 2)),
            static_configs=statics,
            scheme=rng.choice([None, None, None, "http", "https", "ftp", "HTTP", ""]),
            scrape_interval=rng.choice(durations),
            scrape_timeout=rng.choice(durations) if rng.random() < 0.4 else None,
            relabel_configs=relabel,
            metric_relabel_configs=[RelabelConfig(source_labels=[rng.choice(["__name__", "a-b", "1x", "é", "job"])], action="drop",
                                                  regex=rng.choice(_REGEXES) if rng.random() < 0.7 else None)]
            if rng.random() < 0.2 else [],
            **_auth(rng),
        ))
    return config, jobs


def _promtool_accepts(tmp_path: Path, files: list[Path]) -> set[str]:
    """The files ``promtool check config --syntax-only`` (as oac validate runs it) accepts."""
    promtool = need_binary("promtool")
    proc = subprocess.run([promtool, "check", "config", "--syntax-only", *map(str, files)],
                          capture_output=True, text=True, check=False, cwd=tmp_path)
    accepted = {line.split("SUCCESS: ")[1].split(" is valid")[0] for line in proc.stdout.splitlines() if "SUCCESS: " in line}
    refused = [line for line in proc.stderr.splitlines() if "FAILED" in line]
    assert len(accepted) + len(refused) == len(files), proc.stdout + proc.stderr
    return accepted


@pytest.mark.integration
def test_oac115_reports_exactly_what_promtool_refuses(tmp_path: Path) -> None:
    rng = random.Random(115)
    configs = [_config(rng) for _ in range(500)]
    files = []
    for n, (config, jobs) in enumerate(configs):
        path = tmp_path / f"c{n}.yml"
        path.write_text(dump_yaml(config_artifact(config, jobs, ["prometheus/rules/x.yml"]).data), encoding="utf-8")
        files.append(path)
    accepted = _promtool_accepts(tmp_path, files)
    disagree = [
        (path.name, [m for _, m, _ in problems(config, jobs)], path.read_text())
        for path, (config, jobs) in zip(files, configs, strict=True)
        if (str(path) in accepted) == bool(list(problems(config, jobs)))
    ]
    assert disagree == []
    # The set holds both kinds, and each kind of refusal.
    assert len(accepted) >= 80 and len(files) - len(accepted) >= 80
    messages = " ".join(m for config, jobs in configs for _, m, _ in problems(config, jobs))
    for part in ("job_name is empty", "global scrape timeout", "for scrape config with job name", "invalid rule file path", "invalid scheme",
                 "not a valid hostname", "no address", "at most one of basic_auth, oauth2 & authorization",
                 "authorization type cannot", "not compatible with bearer_token", "unknown TLS version",
                 "without client key file", "without client cert file", "api version", "oauth2 client_id",
                 "proxy_url must also", "bearer_token & bearer_token_file must", "units: unknown unit",
                 "is not a valid label name", "not valid for file discovery", "invalid DNS-SD records type",
                 "a port is required in DNS-SD", "at least one path name", "error parsing regexp: invalid or unsupported Perl syntax",
                 "error parsing regexp: invalid repeat count"):
        assert part in messages, part


@pytest.mark.integration
@pytest.mark.parametrize("case", sorted(ACCEPTED))
def test_the_accepted_cases_are_accepted_by_promtool(make_project: ProjectFactory, case: str) -> None:
    need_binary("promtool")
    root = make_project({"scrape/p.py": HEAD + ACCEPTED[case], "alerts/good.py": GOOD_ALERT})
    assert run_oac("build", "-C", str(root)).exit_code == 0
    result = run_oac("validate", "-C", str(root))
    assert result.exit_code == 0, result.output


def test_an_incremental_build_judges_a_job_again_when_the_global_config_changes(make_project: ProjectFactory) -> None:
    """The job's module is unchanged: only the global scrape_interval it inherits
    (declared in another module) drops below its scrape_timeout."""
    root = make_project({
        "alerts/good.py": GOOD_ALERT,
        "scrape/global.py": 'from obs_as_code import PrometheusConfig\nconfig = PrometheusConfig(scrape_interval="1m")\n',
        "scrape/jobs.py": 'from obs_as_code import ScrapeJob\njob = ScrapeJob(name="slow", targets=["s:1"], scrape_timeout="30s")\n',
    })
    assert run_oac("build", "-C", str(root)).exit_code == 0
    stderr = build_fails(root, {"scrape/global.py": 'from obs_as_code import PrometheusConfig\n'
                                                    'config = PrometheusConfig(scrape_interval="15s")\n'})
    line, col = _position((root / "scrape/jobs.py").read_text(), '"30s"')
    assert f"scrape/jobs.py:{line}:{col}: OAC115 scrape job 'slow': scrape_timeout 30s is greater than the global scrape_interval 15s" in stderr
    build_fails(root, {})  # and again, from the cache
    (root / "scrape/global.py").write_text('from obs_as_code import PrometheusConfig\nconfig = PrometheusConfig(scrape_interval="30s")\n')
    assert run_oac("build", "-C", str(root)).exit_code == 0
