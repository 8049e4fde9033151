"""The mutation fuzzer (tests/fuzz_mutations.py) as tests: a sample of its mutants
of every kind of module, and one regression test per defect it found.

The whole table (about 6,000 mutants, minutes) runs with
``python -m tests.fuzz_mutations -j N``; ``OAC_FUZZ_ALL=1`` runs it here."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from obs_as_code.cli import cli
from tests import fuzz_mutations as fuzz
from tests.oac_testing import ProjectFactory, run_oac, tree_snapshot

#: Every this-many-th mutant of each base runs in the default suite.
_STRIDE = 1 if os.environ.get("OAC_FUZZ_ALL") else 40


@pytest.mark.parametrize("base", sorted(fuzz.BASES))
def test_mutants_keep_the_promise(base: str, tmp_path: Path) -> None:
    """Each mutant builds, or fails with findings at the user's file, exit 1,
    no traceback and build/ as it was."""
    count, found = fuzz.run_all([base], ("build",), every=_STRIDE, offset=len(base) % _STRIDE)
    assert count > 0
    assert not found, "\n\n".join(f"{m.what}:\n{p}" for m, p in found[:5])


@pytest.mark.parametrize("kind", ["import", "lint-json", "lint-yaml"])
def test_mutated_files_given_to_import_and_lint_keep_the_promise(kind: str) -> None:
    """Dashboard JSON given to `oac import dashboard` and `oac lint`, rule YAML
    given to `oac lint`, one value changed: exit 0, 1 or 2, never a traceback."""
    # `oac lint` of a rule file takes about a second (the YAML mutants are fewer).
    stride = 1 if os.environ.get("OAC_FUZZ_ALL") else 50 if kind == "lint-yaml" else 20
    count, found = fuzz.run_files(kind, every=stride, offset=3 % stride)
    assert count >= 5
    assert not found, "\n\n".join(f"{where}:\n{problem}" for where, problem in found[:5])


def test_the_mutants_cover_every_kind_of_mistake() -> None:
    """The table holds wrong types, None, empty, negative, huge and unicode values,
    misspelt keywords and duplicates for every base."""
    kinds: dict[str, set[str]] = {base: set() for base in fuzz.BASES}
    for mutant in fuzz.mutants():
        for tag, needle in (("None", "None"), ("misspelt", "misspelt"), ("twice", "twice"), ("huge", "10**30"),
                            ("unicode", "ünï"), ("empty", "[]"), ("negative", "-1")):
            if needle in mutant.what:
                kinds[mutant.base].add(tag)
    assert all(len(tags) == 7 for tags in kinds.values()), kinds


def _build_fails(root: Path, rel: str, text: str) -> str:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_text(text)
    before = tree_snapshot(root / "build") if (root / "build").exists() else {}
    result = CliRunner().invoke(cli, ["build", "-C", str(root)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert (tree_snapshot(root / "build") if (root / "build").exists() else {}) == before
    return result.stderr


def test_a_runbook_url_too_long_for_a_file_name_is_no_crash(make_project: ProjectFactory) -> None:
    """OAC507 looked the runbook up as a file: a 10,000-character runbook_url (or
    one with a NUL) raised OSError/ValueError out of the build."""
    for url in ("'x' * 10000", "'docs/run\\x00book.md'"):
        root = make_project({"alerts/a.py": "from obs_as_code import AlertRule, RuleGroup\n"
                             f'g = RuleGroup(name="g", rules=[AlertRule(name="A", expr="up == 0", annotations={{"runbook_url": {url}}})])\n'})
        result = CliRunner().invoke(cli, ["build", "-C", str(root)])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        assert result.exit_code == 0, result.output[-2000:]
        assert "alerts/a.py:2:80: OAC507 [warning] alert A: runbook_url points to" in result.stderr, result.stderr[-2000:]
        assert len(result.stderr) < 1000  # the 10,000 characters are not echoed


#: Fields that held a value of the wrong type: each crashed a later stage (the
#: serializer, a check, the renderer) with a traceback, or was written into
#: build/ for promtool, amtool or Grafana to refuse.
ILL_TYPED_FIELDS = {
    "group limit object": (
        "alerts/a.py",
        'from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name="g", limit="ten", rules=[AlertRule(name="A", expr="up")])\n',
        "alerts/a.py:2:31: OAC101 module alerts/a.py raised TypeError: RuleGroup limit must be an integer or None, not str ('ten')",
    ),
    "scrape extra object": (
        "scrape/p.py",
        'from obs_as_code import ScrapeJob\nj = ScrapeJob(name="j", targets=["a:1"], extra={"proxy_url": object})\n',
        "scrape/p.py:2:48: OAC101 module scrape/p.py raised TypeError: ScrapeJob extra must be a dict of plain data "
        "(strings, numbers, bools, lists, dicts), not dict",
    ),
    "honor_labels a string": (
        "scrape/p.py",
        'from obs_as_code import ScrapeJob\nj = ScrapeJob(name="j", targets=["a:1"], honor_labels="yes")\n',
        "scrape/p.py:2:55: OAC101 module scrape/p.py raised TypeError: ScrapeJob honor_labels must be a bool or None, not str ('yes')",
    ),
    "group_by a string": (
        "alerts/routing.py",
        'from obs_as_code import AlertmanagerConfig, Receiver, Route\n'
        'config = AlertmanagerConfig(route=Route(receiver="default", group_by="alertname"), receivers=[Receiver(name="default")])\n',
        "alerts/routing.py:2:70: OAC101 module alerts/routing.py raised TypeError: Route group_by must be a list of strings or None, "
        "not str ('alertname'): write group_by=[...]",
    ),
    "matcher value a number": (
        "alerts/routing.py",
        'from obs_as_code import AlertmanagerConfig, Matcher, Receiver, Route\n'
        'config = AlertmanagerConfig(route=Route(receiver="default", routes=[Route(receiver="default", matchers=[Matcher("severity", 1)])]),\n'
        '                            receivers=[Receiver(name="default")])\n',
        "alerts/routing.py:2:105: OAC101 module alerts/routing.py raised TypeError: Matcher value must be a string, not int (1)",
    ),
    "datasource json_data a list": (
        "datasources/ds.py",
        'from obs_as_code import Datasource\nprom = Datasource("P", "prometheus", "http://p:9090", uid="prom", json_data=[])\n',
        "datasources/ds.py:2:77: OAC101 module datasources/ds.py raised TypeError: Datasource json_data must be a dict of plain data",
    ),
}


@pytest.mark.parametrize("case", sorted(ILL_TYPED_FIELDS))
def test_a_field_of_the_wrong_type_is_reported_at_the_users_line(make_project: ProjectFactory, case: str) -> None:
    rel, text, expected = ILL_TYPED_FIELDS[case]
    root = make_project({"alerts/good.py": 'from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name="good", rules=[AlertRule(name="Up", expr="up == 0")])\n'})
    assert run_oac("build", "-C", str(root)).exit_code == 0
    err = _build_fails(root, rel, text)
    assert expected in err, err


@pytest.mark.parametrize("value", [1.5, -1, True, {"a": 1}])
def test_import_of_an_export_whose_inputs_are_not_a_list(tmp_path: Path, value: object) -> None:
    """`oac import dashboard` of an export with "__inputs": 1.5 crashed with
    "'float' object is not iterable"; so did a build of such a dict dashboard."""
    document = json.loads((Path(fuzz.__file__).parent / "dashboards/fixtures/exported_inputs.json").read_text())
    document["__inputs"] = value
    path = tmp_path / "in.json"
    path.write_text(json.dumps(document))
    result = CliRunner().invoke(cli, ["import", "dashboard", "-C", str(tmp_path), str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in (0, 1), result.output


def test_a_dict_dashboard_whose_inputs_are_not_a_list_builds(make_project: ProjectFactory) -> None:
    root = make_project({"dashboards/d.py": 'board = {"title": "D", "schemaVersion": 41, "panels": [], "__inputs": 1.5}\n'})
    result = CliRunner().invoke(cli, ["build", "-C", str(root)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("field", "value"), [("panels", 1.5), ("targets", 7), ("targets", True)])
def test_diff_of_a_dashboard_whose_panels_are_not_a_list(tmp_path: Path, field: str, value: object) -> None:
    """`oac diff` of a build/ dashboard with "panels": 1.5 (or a panel's targets
    a number) ended in "'float' object is not iterable"."""
    from obs_as_code.cli.grafana_cmds import diff
    from tests.grafana.fake_grafana import FakeGrafana
    from tests.grafana.helpers import dashboard, write_build

    board = dashboard("u1", "Dash one")
    if field == "panels":
        board["panels"] = value
    else:
        board["panels"][0]["targets"] = value
    with FakeGrafana(hang=5) as fake:
        build = write_build(tmp_path / "build", {"team/u1": board})
        env = {"GRAFANA_TOKEN": fake.admin_token, "GRAFANA_URL": "", "GRAFANA_USER": "", "GRAFANA_PASSWORD": ""}
        result = CliRunner().invoke(diff, ["--grafana-url", fake.url, "--build-dir", str(build)], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 0, result.output
    assert "+ create" in result.output


@pytest.mark.parametrize(
    ("panels", "expected"),
    [
        ("float('nan')", "panels of dashboard must be a list, not float (nan)"),
        ("1.5", "panels of dashboard must be a list, not float (1.5)"),
        ("[{'title': 'P', 'type': 'timeseries', 'targets': True}]", "targets of panel 'P' must be a list, not bool (True)"),
        ("[{'type': 'row', 'title': 'R', 'panels': 'x'}]", "panels of panel 'R' must be a list, not str ('x')"),
    ],
)
def test_a_dict_dashboard_whose_panels_are_not_a_list(make_project: ProjectFactory, panels: str, expected: str) -> None:
    """"panels": float('nan') (or a panel's targets True) crashed OAC303 with
    "'float' object is not iterable"; Grafana's schema refuses it."""
    root = make_project({"alerts/good.py": 'from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name="good", rules=[AlertRule(name="Up", expr="up == 0")])\n'})
    assert run_oac("build", "-C", str(root)).exit_code == 0
    err = _build_fails(root, "dashboards/d.py", f'board = {{"title": "D", "schemaVersion": 41, "panels": {panels}}}\n')
    assert f"dashboards/d.py:1:1: OAC309 dashboard board cannot be rendered: ValueError: {expected}" in err, err


def test_a_template_name_too_long_for_a_file_name_is_shortened(make_project: ProjectFactory) -> None:
    """Template(name='x' * 10000) made build/alertmanager/templates/xxx...tmpl, a
    file name the system refuses: an OSError traceback out of `oac build` and
    `oac test`."""
    root = make_project({"alerts/routing.py": "from obs_as_code import AlertmanagerConfig, Receiver, Route, Template\n"
                         "config = AlertmanagerConfig(route=Route(receiver='d'), receivers=[Receiver(name='d')],\n"
                         "                            templates=[Template(name='x' * 10000, text='x')])\n"})
    routing = root / "alerts/routing.py"
    # Three builds: the third patches the incremental cache's spare tree, whose
    # writer adds .oac-<pid> to the name while it writes.
    for text in ("x", "y", "z"):
        routing.write_text(routing.read_text().replace("text='x'", f"text={text!r}").replace("text='y'", f"text={text!r}"))
        result = CliRunner().invoke(cli, ["build", "-C", str(root)])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output[-2000:]
        assert result.exit_code == 0, result.output[-2000:]
    (written,) = (root / "build/alertmanager/templates").iterdir()
    assert len(written.name) == 240 and written.name.endswith(".tmpl")
    assert written.read_text() == "z"
    assert f"templates/{written.name}" in (root / "build/alertmanager/alertmanager.yml").read_text()


def test_a_dashboard_folder_too_long_for_a_file_name_is_oac310(make_project: ProjectFactory) -> None:
    root = make_project({"dashboards/d.py": "from obs_as_code import DashboardDef\n"
                         "b = DashboardDef(source={'title': 'T', 'schemaVersion': 41, 'panels': []}, folder='x' * 300)\n"})
    err = _build_fails(root, "dashboards/d.py", (root / "dashboards/d.py").read_text())
    assert "dashboards/d.py:2:5: OAC310 dashboard folder 'xxx" in err, err[-2000:]
    assert "a part between slashes is longer than 240 bytes (file systems take 255 for a name)" in err


#: Values of the right type that Prometheus or Alertmanager refuse: each built, and
#: only `oac validate` (promtool, amtool) refused the output.
REFUSED_VALUES = {
    "relabel action": (
        "scrape/p.py",
        'from obs_as_code import RelabelConfig, ScrapeJob\n'
        'j = ScrapeJob(name="j", targets=["a:1"], relabel_configs=[RelabelConfig(source_labels=["a"], action="dorp")])\n',
        "scrape/p.py:2:101: OAC101 module scrape/p.py raised ValueError: RelabelConfig action 'dorp' is not one of drop, dropequal,",
    ),
    "negative max_alerts": (
        "alerts/routing.py",
        'from obs_as_code import AlertmanagerConfig, Receiver, Route, Webhook\n'
        'config = AlertmanagerConfig(route=Route(receiver="d"), receivers=[Receiver(name="d", integrations=[Webhook(url="https://h/x", max_alerts=-1)])])\n',
        "alerts/routing.py:2:138: OAC101 module alerts/routing.py raised ValueError: Webhook max_alerts must not be negative, not -1",
    ),
    "negative group limit": (
        "alerts/a.py",
        'from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name="g", limit=-1, rules=[AlertRule(name="A", expr="up")])\n',
        "alerts/a.py:2:31: OAC101 module alerts/a.py raised ValueError: RuleGroup limit must not be negative, not -1",
    ),
    "matcher without a name": (
        "alerts/routing.py",
        'from obs_as_code import AlertmanagerConfig, Matcher, Receiver, Route\n'
        'config = AlertmanagerConfig(route=Route(receiver="d", routes=[Route(receiver="d", matchers=[Matcher("", "x")])]), receivers=[Receiver(name="d")])\n',
        "alerts/routing.py:2:92: OAC508 invalid matcher Matcher(name='', value='x', op='='): invalid label name ''",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED_VALUES))
def test_a_value_prometheus_or_alertmanager_refuse_fails_the_build(make_project: ProjectFactory, case: str) -> None:
    rel, text, expected = REFUSED_VALUES[case]
    root = make_project({"alerts/good.py": 'from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name="good", rules=[AlertRule(name="Up", expr="up == 0")])\n'})
    assert run_oac("build", "-C", str(root)).exit_code == 0
    err = _build_fails(root, rel, text)
    assert expected in err, err


def test_validate_puts_promtool_unmarshal_errors_at_the_users_line(make_project: ProjectFactory) -> None:
    """promtool's "yaml: unmarshal errors:" heads lines naming no file ("line 9:
    cannot unmarshal !!map into string"): each was reported at <unknown>, the
    heading at build/prometheus/prometheus.yml."""
    from tests.oac_testing import need_binary

    need_binary("promtool")
    root = make_project({"scrape/p.py": 'from obs_as_code import ScrapeJob\nj = ScrapeJob(name="j", targets=["a:1"],\n'
                         '              extra={"oauth2": {"client_id": {}}})\nk = ScrapeJob(name="k", targets=["a:1"], extra={"oauth2": {"client_id": ["x"]}})\n'})
    assert run_oac("build", "-C", str(root)).exit_code == 0
    result = run_oac("validate", "-C", str(root))
    assert result.exit_code == 1
    found = [line for line in result.stderr.splitlines() if "OAC901" in line]
    assert found == [
        "scrape/p.py:2:5: OAC901 promtool check config: FAILED: parsing YAML file build/prometheus/prometheus.yml: "
        "yaml: unmarshal errors: line 10: cannot unmarshal !!map into string",
        "scrape/p.py:4:5: OAC901 promtool check config: FAILED: parsing YAML file build/prometheus/prometheus.yml: "
        "yaml: unmarshal errors: line 17: cannot unmarshal !!seq into string",
    ], result.stderr


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ('k.dashboard("D", [k.timeseries(None, k.prom("up"))])', "2:23: OAC101 module dashboards/d.py raised TypeError: k.timeseries: title must be a string, not NoneType (None)"),
        ('k.dashboard("D", [k.stat("S", k.prom("up"), unit=1.5)])', "2:54: OAC101 module dashboards/d.py raised TypeError: k.stat: unit must be a string, not float (1.5)"),
        ('k.dashboard("D", [k.timeseries("T", k.prom("up"), min="0")])', "2:59: OAC101 module dashboards/d.py raised TypeError: k.timeseries: min must be a number, not str ('0')"),
        ('k.dashboard("D", [], refresh=0)', "2:34: OAC101 module dashboards/d.py raised TypeError: k.dashboard: refresh must be a string such as '1m', not int (0)"),
        ('k.dashboard("D", [], tags="team")', "2:31: OAC101 module dashboards/d.py raised TypeError: k.dashboard: tags must be a list of strings, not str ('team')"),
        ('k.dashboard("D", [], variables=[k.query_var("job", "label_values(up, job)", include_all=-1)])',
         "2:93: OAC101 module dashboards/d.py raised TypeError: k.query_var: include_all must be True or False, not int (-1)"),
        ('k.dashboard("D", [], variables=[k.custom_var("env", "prod,dev")])',
         "2:37: OAC101 module dashboards/d.py raised TypeError: k.custom_var: values must be a list of strings, not str ('prod,dev')"),
        ('k.dashboard("D", [], links=[k.link_url(0, "x")])', "2:33: OAC101 module dashboards/d.py raised TypeError: k.link_url: title must be a string, not int (0)"),
        ('k.dashboard("D", [k.row(1.5, [])])', "2:23: OAC101 module dashboards/d.py raised TypeError: k.row: title must be a string, not float (1.5)"),
        ('k.dashboard("D", [k.text("N", 5)])', "2:23: OAC101 module dashboards/d.py raised TypeError: k.text: content must be a string (Markdown), not int (5)"),
        ('k.dashboard("D", [k.stat("S", k.prom("up"), thresholds=k.thresholds((None, "red"), percentage="yes"))])',
         "2:99: OAC101 module dashboards/d.py raised TypeError: k.thresholds: percentage must be True or False, not str ('yes')"),
        ('k.dashboard("D", [k.stat("S", k.prom("up"), thresholds=k.thresholds(["a", 5]))])',
         "2:60: OAC101 module dashboards/d.py raised TypeError: k.thresholds: step 0 value must be a number or None (the base step), not str ('a')"),
    ],
)
def test_a_kit_argument_of_the_wrong_type_is_reported_at_the_users_line(make_project: ProjectFactory, call: str, expected: str) -> None:
    """Each built, and only the dashboard schema in `oac validate` refused the
    output ("title: None is not of type 'string'"). Reported at the argument's
    value when it was written as a keyword (``unit=1.5``), else at the call
    (``k.link_url(0, "x")``, the positional steps of ``k.thresholds``)."""
    root = make_project({"alerts/good.py": 'from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name="good", rules=[AlertRule(name="Up", expr="up == 0")])\n'})
    assert run_oac("build", "-C", str(root)).exit_code == 0
    err = _build_fails(root, "dashboards/d.py", f"from obs_as_code.dashboards import kit as k\nb = {call}\n")
    assert f"dashboards/d.py:{expected}" in err, err


@pytest.mark.parametrize(
    ("rel", "text", "expected"),
    [
        ("scrape/p.py", 'from obs_as_code import ScrapeJob\nj = ScrapeJob(name="", targets=["a:1"])\n',
         "scrape/p.py:2:20: OAC115 a scrape job without a name (promtool: job_name is empty)"),
        ("scrape/p.py", 'from obs_as_code import ScrapeJob\nj = ScrapeJob(name="  ", targets=["a:1"])\n',
         "scrape/p.py:2:20: OAC107 scrape job name '  ' is blank"),
    ],
    ids=["empty", "blank"],
)
def test_an_empty_job_name_fails_the_build(make_project: ProjectFactory, rel: str, text: str, expected: str) -> None:
    """It built; promtool refused it in `oac validate`, at
    build/prometheus/prometheus.yml instead of the user's line. Then the
    constructor raised (OAC101), which hid the module's later mistakes; now a
    check reports it with them (OAC115 the empty name promtool refuses, OAC107
    a blank one)."""
    root = make_project({"alerts/good.py": 'from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name="good", rules=[AlertRule(name="Up", expr="up == 0")])\n'})
    assert run_oac("build", "-C", str(root)).exit_code == 0
    err = _build_fails(root, rel, text)
    assert expected in err, err


#: Mistakes each of which built, and only `oac validate` (promtool, amtool, the
#: dashboard schema) refused, at build/prometheus/prometheus.yml, at the
#: AlertmanagerConfig call or at the rule's line: now each is reported by
#: `oac build` at the line holding the bad value, as exactly this line.
AT_THE_USERS_LINE = {
    "relabel replace without target_label": (
        "scrape/p.py",
        'from obs_as_code import RelabelConfig, ScrapeJob\n'
        'j = ScrapeJob(name="j", targets=["a:1"],\n'
        '              relabel_configs=[RelabelConfig(source_labels=["a"], regex="(.*)")])\n',
        "scrape/p.py:3:32: OAC101 module scrape/p.py raised ValueError: RelabelConfig: relabel configuration for "
        "replace action (the default) requires 'target_label' value",
    ),
    "relabel hashmod without modulus": (
        "scrape/p.py",
        'from obs_as_code import RelabelConfig, ScrapeJob\n'
        'j = ScrapeJob(name="j", targets=["a:1"], metric_relabel_configs=[\n'
        '    RelabelConfig(source_labels=["a"], target_label="shard", action="hashmod")])\n',
        "scrape/p.py:3:5: OAC101 module scrape/p.py raised ValueError: RelabelConfig: relabel configuration for hashmod "
        "requires non-zero modulus",
    ),
    "webhook without url": (
        "alerts/routing.py",
        'from obs_as_code import AlertmanagerConfig, Receiver, Route, Webhook\n'
        'config = AlertmanagerConfig(\n'
        '    route=Route(receiver="d"),\n'
        '    receivers=[Receiver(name="d", integrations=[Webhook(url="")])],\n'
        ')\n',
        "alerts/routing.py:4:61: OAC508 receiver 'd': webhook without a url (amtool: missing URL in webhook config)",
    ),
    "unknown time zone": (
        "alerts/routing.py",
        'from obs_as_code import AlertmanagerConfig, Receiver, Route, TimeInterval, TimeRange\n'
        'maint = TimeInterval(name="maint", ranges=[TimeRange(weekdays=["sunday"],\n'
        '                                                     time_zone="Europe/Pariss")])\n'
        'config = AlertmanagerConfig(route=Route(receiver="d", routes=[Route(receiver="d", mute_time_intervals=[maint])]),\n'
        '                            receivers=[Receiver(name="d")])\n',
        "alerts/routing.py:3:64: OAC508 time interval 'maint': unknown time zone 'Europe/Pariss'",
    ),
    "empty group name": (
        "alerts/a.py",
        'from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name="", rules=[AlertRule(name="A", expr="up == 0")])\n',
        "alerts/a.py:2:5: OAC106 rule group without a name: Prometheus refuses an empty group name",
    ),
    "duration as the expression": (
        "alerts/a.py",
        'from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name="g", rules=[\n    AlertRule(name="A", expr="-5m"),\n])\n',
        "alerts/a.py:3:30: OAC108 invalid PromQL in alert 'A' (group 'g'): unexpected duration '5m': Prometheus "
        "before 2.54 reads a duration only in [...] and after offset",
    ),
    "unclosed action": (
        "alerts/a.py",
        'from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name="g", rules=[AlertRule(name="A", expr="up == 0",\n'
        '    annotations={"summary": "down: {{ $labels.job "})])\n',
        "alerts/a.py:3:36: OAC210 template error in annotation 'summary' of alert 'A': unclosed action",
    ),
    "lone braces in a label": (
        "alerts/a.py",
        'from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name="g", rules=[AlertRule(name="A", expr="up == 0",\n'
        '    labels={"team": "{{"})])\n',
        "alerts/a.py:3:12: OAC210 template error in label team of alert 'A': unclosed action",
    ),
    "lone braces in a group label": (
        "alerts/a.py",
        'from obs_as_code import AlertRule, RuleGroup\n'
        'g = RuleGroup(name="g", labels={"team": "{{"}, rules=[AlertRule(name="A", expr="up == 0"), AlertRule(name="B", expr="up")])\n',
        "alerts/a.py:2:32: OAC210 template error in label team of group 'g' (its alerts get it): unclosed action",
    ),
    "unclosed string in an action": (
        "alerts/a.py",
        'from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name="g", rules=[AlertRule(name="A", expr="up == 0",\n'
        '    annotations={"summary": \'{{ printf "%.2f $value }}\'})])\n',
        "alerts/a.py:3:40: OAC210 template error in annotation 'summary' of alert 'A': unterminated quoted string",
    ),
    "unknown template function": (
        "alerts/a.py",
        'from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name="g", rules=[AlertRule(name="A", expr="up == 0",\n'
        '    annotations={"summary": "{{ $value | humanise }}"})])\n',
        "alerts/a.py:3:42: OAC210 template error in annotation 'summary' of alert 'A': function \"humanise\" not defined",
    ),
    "kit threshold value": (
        "dashboards/d.py",
        'from obs_as_code.dashboards import kit as k\n'
        'b = k.dashboard("D", [k.stat("S", k.prom("up"),\n'
        '                              thresholds=k.thresholds((None, "green"), ("0.9", "red")))])\n',
        "dashboards/d.py:3:42: OAC101 module dashboards/d.py raised TypeError: k.thresholds: step 1 value must be a "
        "number or None (the base step), not str ('0.9')",
    ),
    "kit text content": (
        "dashboards/d.py",
        'from obs_as_code.dashboards import kit as k\nb = k.dashboard("D", [k.text("Notes", None)])\n',
        "dashboards/d.py:2:23: OAC101 module dashboards/d.py raised TypeError: k.text: content must be a string "
        "(Markdown), not NoneType (None)",
    ),
}


_AM = ('from obs_as_code import AlertmanagerConfig, Email, Global, Opsgenie, PagerDuty, Receiver, Route, Slack\n'
       'config = AlertmanagerConfig(\n'
       '    route=Route(receiver="team"),\n'
       '    receivers=[Receiver(name="team", integrations=[\n'
       '        {integration},\n'
       '    ])],\n'
       '{glob})\n')

#: The fuzzer's last leftovers of this kind: an integration without a setting
#: amtool 0.25 requires of it or of the global block, an integer larger than the
#: Go integer Prometheus or Alertmanager read it as, an extra= key or value
#: promtool refuses. Each built, and only `oac validate` refused it.
AT_THE_USERS_LINE |= {
    "email without smarthost": (
        "alerts/routing.py", _AM.format(integration='Email(to="team@example.com", from_="am@example.com")', glob=""),
        "alerts/routing.py:5:9: OAC508 receiver 'team': email integration without a smarthost (amtool: no global SMTP smarthost set)",
    ),
    "email without from": (
        "alerts/routing.py",
        _AM.format(integration='Email(to="team@example.com")', glob='    global_=Global(smtp_smarthost="mail.example.com:587"),\n'),
        "alerts/routing.py:5:9: OAC508 receiver 'team': email integration without a from address (amtool: no global SMTP from set)",
    ),
    "slack without api url": (
        "alerts/routing.py", _AM.format(integration='Slack(channel="#team")', glob='    global_=Global(smtp_from="am@example.com"),\n'),
        "alerts/routing.py:5:9: OAC508 receiver 'team': Slack integration without an API URL (amtool: no global Slack API URL "
        "set either inline or in a file)",
    ),
    "pagerduty without key": (
        "alerts/routing.py", _AM.format(integration='PagerDuty(severity="critical")', glob=""),
        "alerts/routing.py:5:9: OAC508 receiver 'team': PagerDuty integration without a routing or service key (amtool: missing "
        "service or routing key in PagerDuty config)",
    ),
    "opsgenie without api key": (
        "alerts/routing.py", _AM.format(integration='Opsgenie(priority="P1")', glob=""),
        "alerts/routing.py:5:9: OAC508 receiver 'team': Opsgenie integration without an API key (amtool: no global OpsGenie API "
        "Key set either inline or in a file)",
    ),
    "smarthost without a port": (
        "alerts/routing.py",
        _AM.format(integration='Email(to="team@example.com", from_="am@example.com",\n              smarthost="mail.example.com")', glob=""),
        "alerts/routing.py:6:25: OAC508 receiver 'team': smarthost 'mail.example.com': missing port in address (host:port)",
    ),
    "group limit too large": (
        "alerts/a.py",
        'from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(\n    name="g",\n    limit=10**30,\n'
        '    rules=[AlertRule(name="A", expr="up == 0")],\n)\n',
        "alerts/a.py:4:11: OAC101 module alerts/a.py raised ValueError: RuleGroup limit is too large: at most 9223372036854775807 "
        "(Prometheus reads it as a 64-bit integer), not 1000000000000000000000000000000",
    ),
    "sample_limit too large": (
        "scrape/p.py", 'from obs_as_code import ScrapeJob\nj = ScrapeJob(name="j", targets=["a:1"],\n              sample_limit=2**70)\n',
        "scrape/p.py:3:28: OAC101 module scrape/p.py raised ValueError: ScrapeJob sample_limit is too large: at most "
        "18446744073709551615 (read as an unsigned 64-bit integer), not 1180591620717411303424",
    ),
    "max_alerts too large": (
        "alerts/routing.py",
        'from obs_as_code import AlertmanagerConfig, Receiver, Route, Webhook\n'
        'config = AlertmanagerConfig(route=Route(receiver="d"), receivers=[Receiver(name="d", integrations=[\n'
        '    Webhook(url="https://h/x", max_alerts=10**30)])])\n',
        "alerts/routing.py:3:43: OAC101 module alerts/routing.py raised ValueError: Webhook max_alerts is too large: at most "
        "18446744073709551615 (read as an unsigned 64-bit integer), not 1000000000000000000000000000000",
    ),
    "scrape extra unknown key": (
        "scrape/p.py",
        'from obs_as_code import ScrapeJob\nj = ScrapeJob(\n    name="j",\n    targets=["a:1"],\n    extra={"proxy_ur": "http://proxy:3128"},\n)\n',
        "scrape/p.py:5:11: OAC101 module scrape/p.py raised ValueError: ScrapeJob extra: 'proxy_ur' is not a key of a "
        "scrape_config in Prometheus 2.42 nor in a later release (did you mean 'proxy_url'?)",
    ),
    "scrape extra key with an argument": (
        "scrape/p.py", 'from obs_as_code import ScrapeJob\nj = ScrapeJob(name="j", targets=["a:1"],\n              extra={"sample_limit": 1000})\n',
        "scrape/p.py:3:21: OAC101 module scrape/p.py raised ValueError: ScrapeJob extra: 'sample_limit' has an argument of its "
        "own: write sample_limit=...",
    ),
    "scrape extra proxy_url a list": (
        "scrape/p.py", 'from obs_as_code import ScrapeJob\nj = ScrapeJob(name="j", targets=["a:1"],\n              extra={"proxy_url": []})\n',
        "scrape/p.py:3:21: OAC101 module scrape/p.py raised ValueError: ScrapeJob extra: proxy_url must be a string, not list ([])",
    ),
    "scrape extra limit of the wrong type": (
        "scrape/p.py", 'from obs_as_code import ScrapeJob\nj = ScrapeJob(name="j", targets=["a:1"],\n              extra={"target_limit": "10"})\n',
        "scrape/p.py:3:21: OAC101 module scrape/p.py raised ValueError: ScrapeJob extra: target_limit must be an integer, not str ('10')",
    ),
    "prometheus extra unknown key": (
        "scrape/prom.py",
        'from obs_as_code import PrometheusConfig\nprom = PrometheusConfig(\n    scrape_interval="30s",\n'
        '    extra={"remote_writes": [{"url": "http://r/w"}]},\n)\n',
        "scrape/prom.py:4:11: OAC101 module scrape/prom.py raised ValueError: PrometheusConfig extra: 'remote_writes' is not a key "
        "of the top level of prometheus.yml in Prometheus 2.42 nor in a later release (did you mean 'remote_write'?)",
    ),
    "slack extra unknown key": (
        "alerts/routing.py",
        _AM.format(integration='Slack(channel="#team", api_url_file="/s",\n              extra={"colour": "good"})', glob=""),
        "alerts/routing.py:6:21: OAC101 module alerts/routing.py raised ValueError: Slack extra: 'colour' is not a key of an entry "
        "of slack_configs in Alertmanager 0.25 nor in a later release (did you mean 'color'?)",
    ),
    "global extra unknown key": (
        "alerts/routing.py",
        _AM.format(integration='Webhook(url="https://h/x")', glob='    global_=Global(extra={"smtp_smarthorst": "mail:25"}),\n')
        .replace("Slack\n", "Slack, Webhook\n"),
        "alerts/routing.py:7:26: OAC101 module alerts/routing.py raised ValueError: Global extra: 'smtp_smarthorst' is not a key of "
        "the global block in Alertmanager 0.25 nor in a later release (did you mean 'smtp_smarthost'?)",
    ),
    "alertmanager target extra unknown key": (
        "scrape/prom.py",
        'from obs_as_code import AlertmanagerTarget, PrometheusConfig\nprom = PrometheusConfig(alertmanagers=[\n'
        '    AlertmanagerTarget(targets=["am:9093"], extra={"path_prefx": "/am"})])\n',
        "scrape/prom.py:3:51: OAC101 module scrape/prom.py raised ValueError: AlertmanagerTarget extra: 'path_prefx' is not a key "
        "of an alerting.alertmanagers entry in Prometheus 2.42 nor in a later release (did you mean 'path_prefix'?)",
    ),
}

#: The last two leftovers amtool reported at the AlertmanagerConfig call.
AT_THE_USERS_LINE |= {
    "route group_by label twice": (
        "alerts/routing.py",
        _AM.replace('route=Route(receiver="team")', 'route=Route(receiver="team", group_by=["alertname", "alertname"])')
        .format(integration='PagerDuty(routing_key_file="/k")', glob=""),
        "alerts/routing.py:3:43: OAC508 group_by: label 'alertname' is given twice",
    ),
    "time interval without a name": (
        "alerts/routing.py",
        'from obs_as_code import AlertmanagerConfig, Receiver, Route, TimeInterval, TimeRange\n'
        'quiet = TimeInterval(\n    name="",\n    ranges=[TimeRange(weekdays=["sunday"])],\n)\n'
        'config = AlertmanagerConfig(route=Route(receiver="team"), receivers=[Receiver(name="team")], time_intervals=[quiet])\n',
        "alerts/routing.py:3:10: OAC101 module alerts/routing.py raised ValueError: TimeInterval name must not be empty",
    ),
}


@pytest.mark.parametrize("case", sorted(AT_THE_USERS_LINE))
def test_a_value_only_validate_refused_is_reported_at_the_users_line(make_project: ProjectFactory, case: str) -> None:
    rel, text, expected = AT_THE_USERS_LINE[case]
    root = make_project({"alerts/good.py": 'from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name="good", rules=[AlertRule(name="Up", expr="up == 0")])\n'})
    assert run_oac("build", "-C", str(root)).exit_code == 0
    err = _build_fails(root, rel, text)
    errors = [line for line in err.splitlines() if not line.startswith(" ") and " OAC" in line and "[warning]" not in line]
    assert errors == [expected], err


def test_the_checked_mistakes_of_several_modules_are_all_reported_in_one_run(make_project: ProjectFactory) -> None:
    """The checks (not the OAC101s, which stop their module) report every such
    mistake of a project in one build, each at its line."""
    root = make_project({"alerts/good.py": 'from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name="good", rules=[AlertRule(name="Up", expr="up == 0")])\n'})
    assert run_oac("build", "-C", str(root)).exit_code == 0
    checked = ("webhook without url", "empty group name", "duration as the expression", "unknown template function")
    rel, text, _ = AT_THE_USERS_LINE["unknown time zone"]
    (root / rel).write_text(text.replace('receivers=[Receiver(name="d")]', 'receivers=[Receiver(name="d", integrations=[Webhook(url="")])]')
                            .replace("TimeRange\n", "TimeRange, Webhook\n"))
    for i, case in enumerate(checked[1:]):
        rel, text, _ = AT_THE_USERS_LINE[case]
        (root / f"alerts/m{i}.py").write_text(text.replace('"g"', f'"g{i}"').replace('name=""', 'name=""'))
    err = _build_fails(root, "alerts/m9.py", 'from obs_as_code import AlertRule, RuleGroup\n'
                       'g = RuleGroup(name="g9", rules=[AlertRule(name="B", expr="up", labels={"x": "{{ if 1 }}"})])\n')
    codes = sorted(line.split(" ")[1] for line in err.splitlines() if not line.startswith(" ") and " OAC" in line and "[warning]" not in line)
    assert codes == ["OAC106", "OAC108", "OAC210", "OAC210", "OAC508", "OAC508"], err
    assert "alerts/m9.py:2:71: OAC210 template error in label x of alert 'B': unexpected EOF ({{ if }} without {{ end }})" in err, err
