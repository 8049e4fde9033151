"""What `oac build` now refuses before promtool and amtool see it, against the
binaries themselves: each input of a table is given to both, and both must
accept it or both refuse it (the table pins promtool's and amtool's verdict)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from obs_as_code.lint.engine import parse_promql, parse_tree
from obs_as_code.lint.rules.oac108_promql_syntax import duration_as_number, regex_problem
from obs_as_code.lint.rules.oac508_alertmanager_structure import (
    global_problems,
    integration_problems,
    smarthost_problem,
    time_zone_problem,
    webhook_problem,
)
from obs_as_code.model.alertmanager import (
    Email,
    Global,
    Integration,
    Opsgenie,
    PagerDuty,
    Receiver,
    Slack,
    TimeRange,
    Webhook,
)
from obs_as_code.model.prometheus import (
    ALERTMANAGER_CONFIG_KEYS,
    LATER_SCRAPE_CONFIG_KEYS,
    PROMETHEUS_CONFIG_KEYS,
    SCRAPE_CONFIG_KEYS,
    RelabelConfig,
    ScrapeJob,
    TLSConfig,
    relabel_problem,
)
from obs_as_code.model.rules import RecordingRule, RuleGroup
from obs_as_code.render.alertmanager import render_global, render_receiver
from obs_as_code.render.prometheus import render_job, render_relabel
from tests.oac_testing import need_binary

pytestmark = pytest.mark.integration

#: (RelabelConfig arguments, whether Prometheus 2.42 refuses it).
RELABEL: list[tuple[dict[str, Any], bool]] = [
    ({"source_labels": ["a"]}, True),  # replace, the default, needs target_label
    ({"source_labels": ["a"], "target_label": "t"}, False),
    ({"action": "hashmod", "target_label": "t"}, True),  # no modulus
    ({"action": "hashmod", "modulus": 0, "target_label": "t"}, True),
    ({"action": "hashmod", "modulus": 3}, True),
    ({"action": "hashmod", "modulus": 3, "target_label": "t-x"}, True),
    ({"action": "hashmod", "modulus": 3, "target_label": "${1}"}, True),
    ({"action": "hashmod", "modulus": 3, "target_label": "t"}, False),
    ({"action": "lowercase", "source_labels": ["a"]}, True),
    ({"action": "lowercase", "source_labels": ["a"], "target_label": "t"}, False),
    ({"action": "uppercase", "source_labels": ["a"], "target_label": "t", "replacement": "x"}, True),
    ({"action": "uppercase", "source_labels": ["a"], "target_label": "t", "replacement": "$1"}, False),
    ({"action": "keepequal", "source_labels": ["a"], "target_label": "t"}, False),
    ({"action": "keepequal", "source_labels": ["a"], "target_label": "t", "regex": "(.*)"}, True),
    ({"action": "dropequal", "source_labels": ["a"], "target_label": "t", "separator": ";"}, False),
    ({"action": "dropequal", "source_labels": ["a"], "target_label": "t", "separator": ","}, True),
    ({"action": "dropequal", "source_labels": ["a"]}, True),
    ({"action": "labelmap", "regex": "x_(.*)"}, False),
    ({"action": "labelmap", "regex": "x_(.*)", "replacement": "a-$1"}, True),
    ({"action": "labelmap", "replacement": "${1}_x"}, False),
    ({"action": "labeldrop", "regex": "x_.*"}, False),
    ({"action": "labeldrop", "regex": "x_.*", "source_labels": ["a"]}, True),
    ({"action": "labelkeep", "regex": "__.*|job", "target_label": "t"}, True),
    ({"action": "labelkeep", "regex": "__.*|job", "separator": ";", "replacement": "$1"}, False),
    ({"action": "keep", "source_labels": ["a"]}, False),
    ({"action": "drop"}, False),
    ({"action": "Replace", "target_label": "t"}, False),
    ({"action": "REPLACE"}, True),
    ({"target_label": "$1"}, False),
    ({"target_label": "${x}y"}, False),
    ({"target_label": "1x"}, True),
    ({"target_label": "a.b"}, True),
    ({"target_label": ""}, True),
    ({"target_label": "t", "replacement": ""}, False),
]


def _refused_by_promtool(tmp_path: Path, document: dict[str, Any], command: str) -> bool:
    promtool = need_binary("promtool")
    path = tmp_path / "in.yml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    args = ["check", "config", "--syntax-only"] if command == "config" else ["check", "rules"]
    return subprocess.run([promtool, *args, str(path)], capture_output=True, text=True, check=False).returncode != 0


@pytest.mark.parametrize(("args", "refused"), RELABEL, ids=[str(a) for a, _ in RELABEL])
def test_a_relabel_config_is_refused_by_the_model_when_promtool_refuses_it(tmp_path: Path, args: dict[str, Any], refused: bool) -> None:
    unchecked = RelabelConfig.__new__(RelabelConfig)  # as it would be written, without the model's check
    for key in ("source_labels", "separator", "target_label", "regex", "modulus", "replacement", "action"):
        setattr(unchecked, key, args.get(key))
    job = {"job_name": "j", "static_configs": [{"targets": ["a:1"]}], "relabel_configs": [render_relabel(unchecked)]}
    assert _refused_by_promtool(tmp_path, {"scrape_configs": [job]}, "config") is refused
    assert (relabel_problem(unchecked) is not None) is refused
    if refused:
        with pytest.raises(ValueError, match="RelabelConfig: "):
            RelabelConfig(**args)
    else:
        RelabelConfig(**args)


EXPRESSIONS = [
    ("-5m", True), ("5m", True), ("up > 5m", True), ("time() - 1h", True), ("(5m)", True), ("1ms", True),
    ("5m30s", True), ("up offset 5m > 5m", True), ("up @ 5m", True),
    ("up", False), ("rate(x[5m])", False), ("x offset 5m", False), ("x offset -5m", False), ("x OFFSET 1h30m", False),
    ("max_over_time(up[1h:5m])", False), ('up{job="5m"}', False), ("up # 5m\n", False), ("foo_5m > 1", False),
    ("1e3", False), ("0x1F", False), (".5", False), ("-1", False), ("x[5m] offset 5m", False),
]  # fmt: skip


def test_a_duration_as_a_number_is_oac108_where_promtool_refuses_it(tmp_path: Path) -> None:
    for expr, refused in EXPRESSIONS:
        assert parse_promql(expr)[1] is None, expr  # promql-parser takes them all
        rules = {"groups": [{"name": "g", "rules": [{"record": "r", "expr": expr}]}]}
        assert _refused_by_promtool(tmp_path, rules, "rules") is refused, expr
        assert (duration_as_number(expr) is not None) is refused, expr


#: Regex matchers (the PromQL text of the value) and whether promtool 2.42 refuses
#: the rule: Prometheus compiles ^(?:value)$ and parses value with Go's regexp, promql-parser with
#: Rust's regex crate, which takes some of what Go refuses.
REGEX_MATCHERS = [
    (r"(?<x>a)", True), (r"a{1001}", True), (r"a**", True), (r"(?=a)", True), (r"\\Z", True), (r"(a)\\1", True),
    (r"a{2,1}", True), (r"[z-a]", True),
    # Compiled anchored, ^(?:a)|(b)$, these pass; Prometheus also parses the value
    # alone (FastRegexMatcher), which refuses them.
    (r"a)|(b", True), (r"a)(b", True),
    (r"(?P<x>a)", False), (r"a{1000}", False), (r"\\pL+", False), (r"(?U)a+", False),
    (r"[[:alpha:]]", False), (r"5..", False), (r"", False), (r".*", False),
]  # fmt: skip


def test_a_regex_matcher_is_oac108_where_promtool_refuses_it(tmp_path: Path) -> None:
    for value, refused in REGEX_MATCHERS:
        for op in ("=~", "!~"):
            expr = f'up{{job{op}"{value}"}}'
            rules = {"groups": [{"name": "g", "rules": [{"record": "r", "expr": expr}]}]}
            assert _refused_by_promtool(tmp_path, rules, "rules") is refused, expr
            tree, problem = parse_tree(expr)
            found = problem if tree is None else regex_problem(tree)
            assert (found is not None) is refused, (expr, found)
    # promql-parser refuses \Q...\E, which Go's regexp (and so promtool) takes:
    # parse_promql writes it as escaped characters and parses again (promql242).
    expr = r'up{job=~"\\Qa.b\\E"}'
    assert not _refused_by_promtool(tmp_path, {"groups": [{"name": "g", "rules": [{"record": "r", "expr": expr}]}]}, "rules")
    tree, problem = parse_tree(expr)
    assert problem is None and tree is not None and regex_problem(tree) is None


#: (TimeRange time_zone or Webhook url, whether amtool 0.25 refuses it).
ZONES = [("UTC", False), ("Local", False), ("", False), ("Europe/Paris", False), ("EST5EDT", False),
         ("Etc/GMT+5", False), ("europe/paris", True), ("Mars/Olympus", True), ("../etc", True)]  # fmt: skip
URLS = [("", True), (" ", True), ("hooks.example/x", True), ("ftp://h/x", True), ("http://", True),
        ("http://h", False), ("https://hooks.example/x?a=1", False),
        # ${ENV} placeholders are resolved after amtool checked the file: in the
        # path or query they pass, as the scheme or in the host they do not.
        ("https://hooks.example/${HOOK_PATH}", False), ("https://hooks.example/in?token=${T}", False),
        ("${HOOK_URL}", True), ("https://${HOOK_HOST}/in", True), ("${SCHEME}://hooks.example/in", True)]  # fmt: skip


def _refused_by_amtool(tmp_path: Path, config: dict[str, Any]) -> bool:
    amtool = need_binary("amtool")
    path = tmp_path / "am.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return subprocess.run([amtool, "check-config", str(path)], capture_output=True, text=True, check=False).returncode != 0


def test_time_zones_and_webhook_urls_are_oac508_where_amtool_refuses_them(tmp_path: Path) -> None:
    base: dict[str, Any] = {"route": {"receiver": "d"}, "receivers": [{"name": "d"}]}
    for zone, refused in ZONES:
        config = {**base, "time_intervals": [{"name": "m", "time_intervals": [{"weekdays": ["sunday"], "location": zone}]}]}
        assert _refused_by_amtool(tmp_path, config) is refused, zone
        assert (time_zone_problem(TimeRange(weekdays=["sunday"], time_zone=zone)) is not None) is refused, zone
    for url, refused in URLS:
        config = {**base, "receivers": [{"name": "d", "webhook_configs": [{"url": url}]}]}
        assert _refused_by_amtool(tmp_path, config) is refused, url
        assert (webhook_problem(Webhook(url=url)) is not None) is refused, url


#: (integration, global settings or None, whether amtool 0.25 refuses the
#: receiver): settings an integration needs, from itself or the global block.
INTEGRATIONS: list[tuple[Integration, Global | None, bool]] = [
    (Email(to="a@x", smarthost="m:25", from_="am@x"), None, False),
    (Email(to="a@x", from_="am@x"), None, True),  # no smarthost anywhere
    (Email(to="a@x", smarthost="m:25"), None, True),  # no from anywhere
    (Email(to="a@x", smarthost="", from_="am@x"), None, True),
    (Email(to="a@x"), Global(smtp_smarthost="m:25", smtp_from="am@x"), False),
    (Email(to="a@x", from_="am@x"), Global(smtp_from="am@x"), True),
    (Email(to="a@x", smarthost="m:25"), Global(smtp_smarthost="m:25"), True),
    (Email(to="", smarthost="m:25", from_="am@x"), None, True),
    (Slack(channel="#a"), None, True),
    (Slack(channel="#a", api_url_file="/s"), None, False),
    (Slack(channel="#a", api_url="https://hooks.slack.com/services/${P}"), None, False),
    (Slack(channel="#a"), Global(slack_api_url_file="/s"), False),
    (Slack(channel="#a"), Global(extra={"slack_api_url": "https://hooks.slack.com/x"}), False),
    (Slack(channel="#a", api_url_file="/s", api_url="https://hooks.slack.com/x"), None, True),
    (Slack(channel="#a"), Global(slack_api_url_file="/s", extra={"slack_api_url": "https://hooks.slack.com/x"}), True),
    (PagerDuty(), None, True),
    (PagerDuty(), Global(pagerduty_url="https://events.pagerduty.com/v2/enqueue"), True),
    (PagerDuty(routing_key_file="/k"), None, False),
    (PagerDuty(service_key_file="/k"), None, False),
    (PagerDuty(routing_key="${K}"), None, False),
    (PagerDuty(service_key="${K}"), None, False),
    (PagerDuty(routing_key="${K}", routing_key_file="/k"), None, True),
    (PagerDuty(service_key="${K}", service_key_file="/k"), None, True),
    (PagerDuty(routing_key="${K}", service_key_file="/k"), None, False),
    (Opsgenie(), None, True),
    (Opsgenie(api_key_file="/k"), None, False),
    (Opsgenie(api_key="${K}"), None, False),
    (Opsgenie(), Global(opsgenie_api_key_file="/k"), False),
    (Opsgenie(), Global(extra={"opsgenie_api_key": "${K}"}), False),
    (Opsgenie(api_key="${K}", api_key_file="/k"), None, True),
    (Webhook(url="http://h/x"), Global(extra={"victorops_api_key": "k", "victorops_api_key_file": "/k"}), True),
    (Webhook(url="http://h/x"), Global(smtp_auth_password_file="/p", extra={"smtp_auth_password": "p"}), True),
    (Webhook(url="http://h/x"), Global(smtp_auth_password_file="/p"), False),
]


@pytest.mark.parametrize(("integration", "glob", "refused"), INTEGRATIONS, ids=[f"{i}-{g}" for i, g, _ in INTEGRATIONS])
def test_an_integration_without_a_setting_it_needs_is_oac508_where_amtool_refuses_it(
    tmp_path: Path, integration: Integration, glob: Global | None, refused: bool
) -> None:
    receiver = Receiver(name="d", integrations=[integration])
    config: dict[str, Any] = {"route": {"receiver": "d"}, "receivers": [render_receiver(receiver)]}
    if glob is not None:
        config["global"] = render_global(glob)
    assert _refused_by_amtool(tmp_path, config) is refused
    found = [*integration_problems(integration, glob), *(global_problems(glob) if glob is not None else ())]
    assert bool(found) is refused, found


#: Keys of Prometheus 2.42 that the Debian build of promtool installed here was
#: built without (its discoveries of Consul, Kubernetes, Kuma, Linode, Nomad):
#: the upstream binaries read them, and so does the model.
_NOT_IN_THIS_PROMTOOL = {"consul_sd_configs", "kubernetes_sd_configs", "kuma_sd_configs", "linode_sd_configs", "nomad_sd_configs"}

#: (ScrapeJob extra=, whether promtool 2.42 refuses the job).
SCRAPE_EXTRA: list[tuple[dict[str, Any], bool]] = [
    ({"proxy_ur": "http://p:3128"}, True),
    ({"proxy_url": "http://p:3128"}, False),
    ({"no_proxy": "x"}, True),  # prometheus/common 0.39 has no no_proxy (a later one has)
    ({"proxy_from_environment": True}, True),
    ({"scrape_classic_histograms": True}, True),  # 2.45
    ({"keep_dropped_targets": 1}, True),  # 2.47
    ({"labels": {"a": "b"}}, True),  # a static config's, not a job's
    ({"target_limit": 10}, False),
    ({"target_limit": "10"}, True),
    ({"target_limit": -1}, True),
    ({"target_limit": True}, True),
    ({"target_limit": 1.5}, False),  # go-yaml truncates it
    ({"label_limit": 2**64 - 1}, False),
    ({"label_limit": 10**30}, True),
    ({"label_name_length_limit": [1]}, True),
    ({"label_value_length_limit": None}, False),
    ({"follow_redirects": "yes"}, True),
    ({"enable_http2": False}, False),
    ({"file_sd_configs": {"files": ["a.json"]}}, True),
    ({"file_sd_configs": [{"files": ["a.json"]}]}, False),
    ({"dns_sd_configs": [{"names": ["a.example"], "type": "A", "port": 9100}]}, False),
    ({"proxy_connect_header": "x"}, True),
    ({"oauth2": {"client_id": "c", "client_secret_file": "/s", "token_url": "https://t/x"}}, False),
    ({"bearer_token_file": "/t"}, False),
    ({"body_size_limit": "10MB"}, False),
    ({"proxy_url": []}, True),
    ({"proxy_url": {"k": None}}, True),
    ({"bearer_token_file": 5}, False),  # go-yaml reads it as "5"
    ({"bearer_token_file": ["/t"]}, True),
]


def _scrape_document(extra: dict[str, Any]) -> dict[str, Any]:
    return {"scrape_configs": [{"job_name": "j", "static_configs": [{"targets": ["a:1"]}], **extra}]}


@pytest.mark.parametrize(("extra", "refused"), SCRAPE_EXTRA, ids=[str(e) for e, _ in SCRAPE_EXTRA])
def test_a_scrape_jobs_extra_is_refused_by_the_model_when_promtool_refuses_it(tmp_path: Path, extra: dict[str, Any], refused: bool) -> None:
    assert _refused_by_promtool(tmp_path, _scrape_document(extra), "config") is refused
    if refused and set(extra) <= LATER_SCRAPE_CONFIG_KEYS:
        # A key of a later release: promtool 2.42 refuses it, the model lets it
        # through (extra= is how a project on a newer Prometheus sets it; the
        # installed promtool judges it in oac validate).
        ScrapeJob(name="j", targets=["a:1"], extra=extra)
    elif refused:
        with pytest.raises(ValueError, match="ScrapeJob extra: "):
            ScrapeJob(name="j", targets=["a:1"], extra=extra)
    else:
        ScrapeJob(name="j", targets=["a:1"], extra=extra)


def test_tls_config_has_every_key_promtool_reads_but_the_inline_secrets(tmp_path: Path) -> None:
    """extra= may not hold tls_config (TLSConfig(...) writes it): so TLSConfig
    has each key prometheus/common 0.39 reads there, ca/cert/key aside (read
    from files only), and what it writes is read by promtool."""
    tls = TLSConfig(ca_file="/ca", cert_file="/c", key_file="/k", server_name="s", insecure_skip_verify=False,
                    min_version="TLS12", max_version="TLS13")
    written = render_job(ScrapeJob(name="j", targets=["a:1"], tls_config=tls))
    assert set(written["tls_config"]) == {"ca_file", "cert_file", "key_file", "server_name", "insecure_skip_verify", "min_version", "max_version"}
    assert not _refused_by_promtool(tmp_path, {"scrape_configs": [written]}, "config")


def test_every_key_the_model_knows_is_read_by_promtool(tmp_path: Path) -> None:
    """Each known key of a scrape config, an Alertmanager entry and the top
    level, given null, is read by promtool (but the five discoveries this
    Debian build lacks); so an unknown-key verdict is never a false positive."""
    for key in sorted(SCRAPE_CONFIG_KEYS - {"job_name"}):
        refused = _refused_by_promtool(tmp_path, {"scrape_configs": [{"job_name": "j", key: None}]}, "config")
        assert refused is (key in _NOT_IN_THIS_PROMTOOL), key
    for key in sorted(ALERTMANAGER_CONFIG_KEYS):
        refused = _refused_by_promtool(tmp_path, {"alerting": {"alertmanagers": [{key: None}]}}, "config")
        assert refused is (key in _NOT_IN_THIS_PROMTOOL), key
    for key in sorted(PROMETHEUS_CONFIG_KEYS):
        assert not _refused_by_promtool(tmp_path, {key: None}, "config"), key
    for key in ("scrape_config", "rules_files", "alertmanagers"):
        assert _refused_by_promtool(tmp_path, {key: None}, "config"), key


#: Integer fields Prometheus and Alertmanager read as a Go int (int64) or uint
#: (uint64): the largest each takes, and one more (go-yaml reads a number above
#: uint64 as a float64, and takes it while that is not above 2**64).
INTEGERS: list[tuple[str, int, bool]] = [
    ("limit", 2**63 - 1, False), ("limit", 2**63, True), ("limit", 10**30, True),
    ("sample_limit", 2**64 - 1, False), ("sample_limit", 2**64 + 2047, False), ("sample_limit", 2**64 + 4097, True),
    ("sample_limit", 10**30, True), ("sample_limit", 10**400, True),
    ("modulus", 2**64 - 1, False), ("modulus", 10**30, True),
    ("max_alerts", 2**64, False), ("max_alerts", 10**30, True),
]  # fmt: skip


@pytest.mark.parametrize(("name", "value", "refused"), INTEGERS, ids=[f"{n}={str(v)[:24]}" for n, v, _ in INTEGERS])
def test_an_integer_too_large_for_go_is_refused_by_the_model_when_the_binaries_refuse_it(
    tmp_path: Path, name: str, value: int, refused: bool
) -> None:
    if name == "limit":
        make: Any = lambda: RuleGroup(name="g", limit=value, rules=[RecordingRule(name="r", expr="up")])  # noqa: E731
        document = {"groups": [{"name": "g", "limit": value, "rules": [{"record": "r", "expr": "up"}]}]}
        verdict = _refused_by_promtool(tmp_path, document, "rules")
    elif name == "max_alerts":
        make = lambda: Webhook(url="http://h/x", max_alerts=value)  # noqa: E731
        config = {"route": {"receiver": "d"}, "receivers": [{"name": "d", "webhook_configs": [{"url": "http://h/x", "max_alerts": value}]}]}
        verdict = _refused_by_amtool(tmp_path, config)
    else:
        relabel = {"action": "hashmod", "source_labels": ["a"], "target_label": "t", "modulus": value}
        job = {"sample_limit": value} if name == "sample_limit" else {"relabel_configs": [relabel]}
        make = (lambda: ScrapeJob(name="j", targets=["a:1"], sample_limit=value)) if name == "sample_limit" else (
            lambda: RelabelConfig(action="hashmod", source_labels=["a"], target_label="t", modulus=value))
        verdict = _refused_by_promtool(tmp_path, _scrape_document(job), "config")
    assert verdict is refused
    if refused:
        with pytest.raises(ValueError, match=f"{name} is too large: at most "):
            make()
    else:
        make()


def test_every_alertmanager_key_the_model_knows_is_read_by_amtool(tmp_path: Path) -> None:
    """Each key an integration's or the global block's extra= may hold, given
    null, is read by amtool 0.25, and a misspelt one is refused: the model
    refuses a key only when amtool does."""
    integrations: list[type[Integration]] = [Email, PagerDuty, Slack, Webhook, Opsgenie]
    for cls in integrations:
        entry: dict[str, Any] = {"url": "http://h/x"} if cls is Webhook else {"to": "a@x", "smarthost": "m:25", "from": "am@x"} \
            if cls is Email else {"routing_key": "k"} if cls is PagerDuty else {"api_url": "http://h/x"} if cls is Slack \
            else {"api_key": "k"}
        for key in [*sorted(cls.yaml_keys - entry.keys()), "colour"]:
            config = {"route": {"receiver": "d"}, "receivers": [{"name": "d", cls.config_key: [{**entry, key: None}]}]}
            assert _refused_by_amtool(tmp_path, config) is (key == "colour"), (cls.__name__, key)
        with pytest.raises(ValueError, match=rf"{cls.__name__} extra: 'colour' is not a key of an entry of {cls.config_key} in Alertmanager 0.25"):
            cls(extra={"colour": "red"})
    for key in [*sorted(Global.yaml_keys), "smtp_smarthorst"]:
        config = {"global": {key: None}, "route": {"receiver": "d"}, "receivers": [{"name": "d"}]}
        assert _refused_by_amtool(tmp_path, config) is (key == "smtp_smarthorst"), key
    with pytest.raises(ValueError, match="did you mean 'smtp_smarthost'"):
        Global(extra={"smtp_smarthorst": "m:25"})
    with pytest.raises(ValueError, match=r"'smtp_from' has an argument of its own: write Global\(smtp_from=...\)"):
        Global(extra={"smtp_from": "am@x"})
    with pytest.raises(ValueError, match=r"'from' has an argument of its own: write Email\(from_=...\)"):
        Email(to="a@x", extra={"from": "am@x"})


SMARTHOSTS = [("m:25", False), ("m", True), ("m:", True), (":25", False), ("a:b:25", True), ("[::1]:25", False),
              ("[::1]", True), ("[::1]:", True), ("[::1", True), ("[::1]x:25", True), ("m]:25", True), ("{{", True),
              ("mail.example.com:smtp", False), ("x" * 300, True), ("", False)]  # fmt: skip


def test_a_smarthost_is_oac508_where_amtool_refuses_it(tmp_path: Path) -> None:
    for host, refused in SMARTHOSTS:
        entry = {"to": "a@x", "from": "am@x", "smarthost": host}
        config = {"route": {"receiver": "d"}, "receivers": [{"name": "d", "email_configs": [entry]}],
                  "global": {"smtp_smarthost": "g:25"}}
        assert _refused_by_amtool(tmp_path, config) is refused, host
        assert (smarthost_problem(host) is not None) is refused, host


#: (Route group_by, whether amtool 0.25 refuses it) for what group_by_problem judges.
GROUP_BY: list[tuple[list[str], bool]] = [
    (["alertname", "alertname"], True), (["alertname", "job"], False), (["..."], False),
    (["...", "job"], True), ([], False), (["job", "...", "job"], True), (["...", "..."], False),
]


@pytest.mark.parametrize(("labels", "refused"), GROUP_BY, ids=[str(g) for g, _ in GROUP_BY])
def test_a_route_group_by_is_refused_by_the_model_where_amtool_refuses_it(tmp_path: Path, labels: list[str], refused: bool) -> None:
    from obs_as_code.model.alertmanager import group_by_problem

    config: dict[str, Any] = {"route": {"receiver": "d", "group_by": labels}, "receivers": [{"name": "d"}]}
    assert _refused_by_amtool(tmp_path, config) is refused
    assert (group_by_problem(labels) is not None) is refused
