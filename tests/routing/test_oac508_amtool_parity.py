"""OAC508 reports, at the user's keyword and all in one build, what amtool 0.25
refuses one at a time: found by the differential test (tests/am_parity.py)."""

from __future__ import annotations

from pathlib import Path

from routing_support import write_project

from obs_as_code.model.alertmanager import Matcher, matchers_of
from obs_as_code.pipeline import compile_project
from obs_as_code.render.alertmanager import render_matcher

ROUTING = """
from obs_as_code import (AlertmanagerConfig, Email, Global, InhibitRule, Matcher, Opsgenie, PagerDuty, Receiver,
                         Route, Slack, TimeInterval, TimeRange, Webhook)

config = AlertmanagerConfig(
    route=Route(receiver="default", continue_=True, mute_time_intervals=["maint"], routes=[
        Route(matchers=['a=~"(?=x)"'], group_by=["a-b"], group_interval="0s"),
        Route(matchers=[Matcher("a", "x{1001}", "=~")], repeat_interval="0m", receiver=""),
        Route(matchers=['{a:b="x",c=~"\\\\pL+"}', Matcher("a:b", "x"), 'a="x"y"'], receiver="default"),
    ]),
    receivers=[
        Receiver(name="default", integrations=[
            Email(to="a@x", from_="am@x", smarthost="m:25", headers={"Subject": "s", "subject": "t"}),
            Slack(api_url="https://hooks.slack.com:x/${P}"),
            PagerDuty(routing_key_file="/k", url="http://h:port/"),
            Opsgenie(api_key_file="/k", api_url="https://${H}/x"),
            Webhook(url=" http://h/x"),
        ]),
        Receiver(name=""),
    ],
    inhibit_rules=[InhibitRule(source_matchers=['a="1"'], target_matchers=['b="2"'], equal=["a-b"])],
    time_intervals=[TimeInterval(name="maint", ranges=[
        TimeRange(times=[("04:00", "02:00")], weekdays=["mon"], days_of_month=["-1:5"], months=["december:january"],
                  years=["2024:2023"]),
    ])],
    global_=Global(pagerduty_url="ftp://x/y", extra={"webex_api_url": "x"}),
)
"""

#: ("keyword=..." the finding is at, on its line, and what its message says): one per mistake.
EXPECTED = [
    ("continue_=", "the root route cannot have continue_"),
    ("mute_time_intervals=", "the root route must not have mute_time_intervals"),
    ("matchers=['a=~", "invalid matcher 'a=~\"(?=x)\"': error parsing regexp: invalid or unsupported Perl syntax: `(?=`"),
    ("group_by=", "invalid label name 'a-b' in group_by"),
    ("group_interval=", "group_interval cannot be zero"),
    ("matchers=[Matcher", "error parsing regexp: invalid repeat count: `{1001}`"),
    ("repeat_interval=", "repeat_interval cannot be zero"),
    ("matchers=['{a:b", "matcher value contains unescaped double quote: \"x\"y\""),
    ("headers=", "duplicate header 'Subject'"),
    ("api_url=\"https://hooks", "Slack integration api_url 'https://hooks.slack.com:x/${P}': invalid port ':x' after host"),
    ("url=\"http://h:port/\"", "invalid port ':port' after host"),
    ("api_url=\"https://${H}", "invalid character '{' in host name"),
    ("url=\" http", "first path segment in URL cannot contain colon"),
    ("name=\"\"", "a receiver needs a name"),
    ("equal=", "'a-b' is not a valid label name in equal"),
    ("times=", "start time cannot be equal or greater than end time"),
    ("weekdays=", "mon is not a valid weekday"),
    ("days_of_month=", "end day must be negative if start day is negative"),
    ("months=", "end month is before start month"),
    ("years=", "end year 2023 is before start year 2024"),
    ("pagerduty_url=", "unsupported scheme 'ftp'"),
    ("extra=", "webex_api_url 'x': unsupported scheme ''"),
]


def test_oac508_reports_each_amtool_refusal_at_its_keyword(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"alerts/routing.py": ROUTING})
    lines = (root / "alerts/routing.py").read_text().splitlines()
    found = [d for d in compile_project(root).diagnostics if d.severity.name == "ERROR"]
    assert {d.code for d in found} == {"OAC508"}, [str(d) for d in found]
    assert len(found) == len(EXPECTED), "\n".join(f"{d.location} {d.message}" for d in found)
    for anchor, said in EXPECTED:
        [line] = [i for i, text in enumerate(lines, 1) if anchor in text]
        # At the keyword's value (the anchor starts with "keyword=").
        col = lines[line - 1].index(anchor) + anchor.index("=") + 2
        at = [d for d in found if said in d.message]
        assert len(at) == 1, (said, [d.message for d in found])
        assert (at[0].location.file, at[0].location.line, at[0].location.col) == ("alerts/routing.py", line, col), (said, str(at[0].location))


def test_strings_alertmanager_reads_are_accepted_and_written_as_it_reads_them(tmp_path: Path) -> None:
    # Braces, several matchers in one string, a label name with a colon, a
    # value over two lines, none at all: pkg/labels reads each.
    assert matchers_of(['{a="1", b=~"x|y"}', "", "c:d = e", 'v="x\ny"', "{}"]) == [
        Matcher("a", "1"), Matcher("b", "x|y", "=~"), Matcher("c:d", "e"), Matcher("v", "x\ny")]
    # Go's unescaping: \n is a newline, another escaped character keeps its backslash.
    assert Matcher.parse(r'a="x\ny\.z\"w"') == Matcher("a", 'x\ny\\.z"w')
    assert Matcher.parse(r"a=x\"y") == Matcher("a", 'x"y')
    assert render_matcher('{a="1"}') == 'a="1"'
    assert render_matcher('a="1",b="2"') == 'a="1",b="2"'
    routing = """
        from obs_as_code import AlertmanagerConfig, Matcher, Receiver, Route

        config = AlertmanagerConfig(
            route=Route(receiver="d", routes=[
                Route(matchers=['{a="1",b=~"\\\\pL+"}', Matcher("c:d", "x"), "", 'e=~"\\\\Qa.b\\\\E"', 'f=~"(?i)x{2,3}"']),
            ]),
            receivers=[Receiver(name="d")],
        )
    """
    root = write_project(tmp_path, {"alerts/routing.py": routing})
    assert [str(d) for d in compile_project(root).diagnostics if d.code == "OAC508"] == []


TEMPLATES_AND_EXTRA = """
from obs_as_code import AlertmanagerConfig, Opsgenie, Receiver, Route, Slack, Template

bad = Template(name="t", text="{{ .Status | humanize }}")
config = AlertmanagerConfig(
    route=Route(receiver="d", matchers=["", "{}"]),
    receivers=[Receiver(name="d", integrations=[
        Slack(api_url_file="/s", extra={"fields": [{"title": "t"}]}),
        Opsgenie(api_key_file="/k", extra={"responders": [{"name": "n", "type": "group"}]}),
    ])],
    templates=[bad, "x/*.tmpl", "bad["],
)
"""


def test_oac508_reports_templates_and_extra_lists_amtool_refuses(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"alerts/routing.py": TEMPLATES_AND_EXTRA})
    found = sorted((d.location.line, d.location.col, d.message) for d in compile_project(root).diagnostics if d.code == "OAC508")
    # The root's "" and "{}" are no matchers to Alertmanager: not reported.
    assert found == [
        (3, 31, "notification template 't': function \"humanize\" not defined"),
        (7, 40, "receiver 'd': extra fields: an entry without value (amtool: missing value in Slack field configuration)"),
        (8, 43, "receiver 'd': extra responders: type 'group' is none of team, teams, user, escalation, schedule"),
        (10, 15, "template path 'bad[': syntax error in pattern"),
    ]  # fmt: skip


def test_a_webhook_credentials_file_is_written_beside_the_http_config_of_extra(tmp_path: Path) -> None:
    from obs_as_code.model.alertmanager import Webhook
    from obs_as_code.render.alertmanager import render_integration

    # extra's http_config replaced the authorization credentials_file wrote: the token was dropped.
    hook = Webhook(url="http://h/x", credentials_file="/t", extra={"http_config": {"tls_config": {"ca_file": "/ca"}}})
    assert render_integration(hook)["http_config"] == {"tls_config": {"ca_file": "/ca"}, "authorization": {"credentials_file": "/t"}}
    routing = """
        from obs_as_code import AlertmanagerConfig, Receiver, Route, Webhook

        hooks = [
            Webhook(url="http://h/x", credentials_file="/t", extra={"http_config": {"authorization": {"credentials_file": "/x"}}}),
            Webhook(url="http://h/x", credentials_file="/t", extra={"http_config": {"bearer_token_file": "/b"}}),
        ]
        config = AlertmanagerConfig(route=Route(receiver="d"), receivers=[Receiver(name="d", integrations=hooks)])
    """
    root = write_project(tmp_path, {"alerts/routing.py": routing})
    found = sorted((d.location.line, d.location.col, d.message) for d in compile_project(root).diagnostics if d.code == "OAC508")
    assert found == [
        (4, 60, "receiver 'd': extra http_config has an authorization and so has credentials_file: give one"),
        (5, 60, "receiver 'd': http_config: authorization is not compatible with bearer_token & bearer_token_file"),
    ]


def test_a_template_defined_with_its_file_s_name_clashes_with_the_file_s_top_level() -> None:
    from obs_as_code.lint.rules.oac508_alertmanager_structure import template_problem
    from obs_as_code.model.alertmanager import Template

    # Go's ParseFiles names a file's top level after its base name (t.tmpl):
    # amtool 0.25 said 'template: t.tmpl:1: template: multiple definition of template "t.tmpl"'.
    clash = 'notification template \'t\': template: multiple definition of template "t.tmpl"'
    assert template_problem(Template(name="t", text='{{ define "t.tmpl" }}x{{ end }}y')) == clash
    assert template_problem(Template(name="t", text='y{{ block "t.tmpl" . }}x{{ end }}')) == clash
    assert template_problem(Template(name="t", text='{{ define "t.tmpl" }}x{{ end }}{{ "" }}')) == clash
    # The file's name as the build writes it (a slug), not the Template's.
    assert template_problem(Template(name="T b", text='{{ define "t-b.tmpl" }}x{{ end }}y')) is not None
    # amtool accepts these: a top level of white space or comments, an empty define, another name.
    for text in ('{{ define "t.tmpl" }}x{{ end }} \n', '{{ define "t.tmpl" }}x{{ end }}{{/* c */}}',
                 '{{ define "t.tmpl" }}{{ end }}y', '{{ define "T.tmpl" }}x{{ end }}y', '{{ define "t" }}x{{ end }}y'):
        assert template_problem(Template(name="t", text=text)) is None, text


def test_a_template_path_finding_the_build_s_own_folder_or_config_is_refused_as_amtool_does() -> None:
    from obs_as_code.lint.rules.oac508_alertmanager_structure import built_matches, path_problem
    from obs_as_code.model.alertmanager import AlertmanagerConfig, Receiver, Route, Slack, Template

    def config(path: str, title: str = "{{ .Status }}") -> AlertmanagerConfig:
        slack = Slack(api_url="https://h/x", title=title)
        return AlertmanagerConfig(route=Route(receiver="d"), receivers=[Receiver(name="d", integrations=[slack])],
                                  templates=[path, Template(name="t", text="x")])

    # amtool 0.25 said "read .../templates: is a directory" for each.
    for path in ("templates", "templates/", ".", "./templates/..", "t*", "..", "../.."):
        assert path_problem(config(path), path) is not None, path
    # The config itself read as a template: amtool said 'template: alertmanager.yml:9: function "x" not defined'.
    assert path_problem(config("*.yml", title="{{ x }}"), "*.yml") == (
        "template path '*.yml' finds alertmanager.yml itself, which is no template: function \"x\" not defined")
    # And accepted these: the config parses as a template, files only, nothing found, "", another machine's.
    for path, title in (("*.yml", "{{ .Status }}"), ("templates/*", "{{ x }}"), ("x/*.tmpl", "{{ x }}"), ("", "{{ x }}"),
                        ("/tmp", "{{ x }}"), ("../x", "{{ x }}")):
        assert path_problem(config(path, title), path) is None, path
    assert built_matches("te[!a-s]plat?s/[^a]*", ["alertmanager.yml", "templates/t.tmpl"]) == ["templates/t.tmpl"]
