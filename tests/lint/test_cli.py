"""``oac lint`` on the command line: formats, exit codes, --explain, --catalog."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from obs_as_code.cli import cli

HERE = Path(__file__).parent
CASES = HERE / "cases"


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["lint", *args])
    return result.exit_code, result.stdout, result.stderr


def test_json_format_and_exit_code_1_on_errors() -> None:
    code, out, _err = _run("-C", str(CASES), str(CASES / "OAC201" / "bad.yaml"), "--format", "json", "--select", "OAC201")
    assert code == 1
    data = json.loads(out)
    assert {tuple(sorted(d)) for d in data} == {("code", "column", "file", "hint", "line", "message", "severity")}
    assert (data[0]["file"], data[0]["line"], data[0]["column"]) == ("OAC201/bad.yaml", 5, 15)


def test_exit_0_with_only_warnings_and_text_has_a_caret() -> None:
    code, _out, err = _run("-C", str(CASES), str(CASES / "OAC212" / "bad.yaml"), "--select", "OAC212")
    assert code == 0
    assert "OAC212 [warning]" in err and "^" in err
    assert "0 error(s), 2 warning(s)" in err


def test_github_and_sarif_formats() -> None:
    bad = str(CASES / "OAC210" / "bad.yaml")
    # Annotations name files from the checkout's root (here: the repository's).
    result = CliRunner().invoke(cli, ["lint", "-C", str(CASES), bad, "--format", "github", "--select", "OAC210"],
                                env={"GITHUB_WORKSPACE": str(HERE.parent.parent)})
    assert result.stdout.startswith("::error file=tests/lint/cases/OAC210/bad.yaml,line=7,")
    _code, out, _err = _run("-C", str(CASES), bad, "--format", "sarif", "--select", "OAC210")
    sarif = json.loads(out)
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == {"OAC210"}
    rules = {r["id"]: r["shortDescription"]["text"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["OAC210"] == "annotation templates are valid Go templates"


def test_explain_prints_the_docs_page() -> None:
    code, out, _err = _run("--explain", "oac209")
    assert code == 0
    assert out.startswith("# OAC209 value-format") and "## Bad" in out


def test_explain_takes_the_number_alone_and_lists_every_code_with_a_page() -> None:
    # "--explain 201" was "no check '201'", and the codes listed left out the
    # stages' (OAC101, OAC406, OAC901 ...), whose pages --explain shows.
    code, out, _err = _run("--explain", "201")
    assert code == 0 and out.startswith("# OAC201 ")
    code, _out, err = _run("--explain", "OAC999")
    assert code == 2
    listed = set(err.split("known: ", 1)[1].strip().split(", "))
    pages = {p.stem for p in (Path(__file__).resolve().parents[2] / "docs" / "lint").glob("OAC*.md")}
    assert listed == pages


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert _run("--explain", "OAC999")[0] == 2
    assert _run("--select", "XYZ")[0] == 2
    assert _run("--scrape-interval", "soon", str(CASES / "OAC212" / "good.yaml"))[0] == 2
    broken = tmp_path / "broken.prom"
    broken.write_text("# TYPE x thing\n")
    assert _run("--catalog", str(broken), str(CASES / "OAC212" / "good.yaml"))[0] == 2
    assert _run(str(tmp_path / "missing.yaml"))[0] == 2


def test_catalog_from_metadata_json_has_open_labels(tmp_path: Path) -> None:
    meta = tmp_path / "metadata.json"
    meta.write_text(json.dumps({"status": "success", "data": {
        "opencode_http_requests_total": [{"type": "counter", "help": "requests", "unit": ""}],
        "opencode_active_connections": [{"type": "gauge", "help": "conns", "unit": ""}],
    }}))
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "groups:\n- name: g\n  rules:\n"
        "  - alert: A\n    expr: rate(opencode_active_connections[5m]) > 1\n"
        "  - alert: B\n    expr: sum(rate(opencode_http_requests_total{anything=\"x\"}[5m])) > 1\n"
        "  - alert: C\n    expr: sum(rate(opencode_http_request_total[5m])) > 1\n"
    )
    code, out, _err = _run("-C", str(tmp_path), str(rules), "--catalog", str(meta), "--format", "json", "--select", "OAC202,OAC206,OAC207")
    assert code == 1
    # metadata has no labels: label checks stay quiet; type and name checks work.
    assert sorted((d["code"], d["line"]) for d in json.loads(out)) == [("OAC202", 5), ("OAC206", 9)]


def test_catalog_from_python_module(tmp_path: Path) -> None:
    cat = tmp_path / "cat.py"
    cat.write_text(
        "from obs_as_code import Metric, MetricsCatalog\n"
        "c = MetricsCatalog([Metric('jobs_total', 'counter', ['queue'])])\n"
    )
    rules = tmp_path / "rules.yaml"
    rules.write_text("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: sum by (queu) (rate(jobs_total[5m])) > 1\n")
    code, out, _err = _run("-C", str(tmp_path), str(rules), "--catalog", str(cat), "--format", "json")
    assert code == 1
    assert [(d["code"], d["line"], d["column"]) for d in json.loads(out) if d["severity"] == "error"] == [("OAC207", 5, 19)]


def test_a_python_module_or_a_folder_of_them_as_path_is_a_usage_error(tmp_path: Path) -> None:
    # A newcomer's `oac lint alerts/api.py` read the module as YAML ("OAC219
    # invalid YAML: mapping values are not allowed"), and `oac lint alerts/`
    # passed (exit 0) without reading the misspelt metric in it.
    alerts = tmp_path / "alerts"
    alerts.mkdir()
    module = alerts / "api.py"
    module.write_text('from obs_as_code import AlertRule, RuleGroup\napi = RuleGroup(name="api", rules=[AlertRule(name="A", expr="up == 0")])\n')
    code, _out, err = _run("-C", str(tmp_path), str(module))
    assert code == 2
    assert "is a Python module" in err and "`oac lint` without a PATH lints the project" in err
    assert "OAC219" not in err
    code, _out, err = _run("-C", str(tmp_path), str(alerts))
    assert code == 2
    assert "holds Python modules and no rule YAML or dashboard JSON" in err
    # A folder with both is linted for its files, and says its modules are not.
    (alerts / "rules.yaml").write_text("groups:\n- name: g\n  rules:\n  - record: a:b\n    expr: sum(up)\n")
    code, _out, err = _run("-C", str(tmp_path), str(alerts))
    assert code == 0
    assert "note: the Python modules under" in err and "0 error(s), 0 warning(s)" in err


def test_a_folder_skips_yaml_that_is_no_rule_file_and_hidden_folders(tmp_path: Path) -> None:
    # `oac lint build/` (or a project's root) reported every prometheus.yml,
    # alertmanager.yml and compose file under it, and the spare build trees
    # in .oac-cache/, as "OAC219 not a rule file"; JSON that is no dashboard
    # found in a folder was already skipped. Other YAML that is no rule file
    # is still refused, as promtool refuses it (test_rulefile_promtool.py).
    (tmp_path / "prometheus.yml").write_text("global:\n  scrape_interval: 15s\n")
    (tmp_path / "rules.yaml").write_text("groups:\n- name: g\n  rules:\n  - record: a:b\n    expr: sum(up) +\n")
    (tmp_path / "compose.yml").write_text("services:\n  prometheus:\n    image: prom/prometheus:v2.42.0\n")
    # No rule file and no other tool's file either: promtool would refuse it.
    (tmp_path / "typo.yaml").write_text("grups: []\n")
    hidden = tmp_path / ".oac-cache" / "spare"
    hidden.mkdir(parents=True)
    (hidden / "rules.yaml").write_text("groups:\n- name: g\n  rules:\n  - record: a:b\n    expr: sum(up) +\n")
    code, out, _err = _run("-C", str(tmp_path), str(tmp_path), "--format", "json")
    assert code == 1
    assert [(d["file"], d["code"]) for d in json.loads(out)] == [("rules.yaml", "OAC108"), ("typo.yaml", "OAC219")]
    # Named, a YAML file that is no rule file is still OAC219.
    code, out, _err = _run("-C", str(tmp_path), str(tmp_path / "prometheus.yml"), "--format", "json")
    assert code == 1
    assert [(d["code"], d["message"]) for d in json.loads(out)] == [("OAC219", "not a rule file: no top-level 'groups' list")]
