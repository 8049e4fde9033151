"""`oac build`: every error case reported at the user's line, build/ untouched, --check."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.oac_testing import GOOD_ALERT, REPO, ProjectFactory, run_oac, tree_snapshot

CASES = {
    "invalid PromQL": (
        {"alerts/bad.py": 'from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(\n    name="g",\n    rules=[\n        AlertRule(\n            name="A",\n            expr="sum(rate(x[5m])",\n        )\n    ],\n)\n'},
        # Just after the expression, where Prometheus says the parenthesis is missing.
        ["alerts/bad.py:7:34: OAC108 invalid PromQL in alert 'A' (group 'g'): 1:16: parse error: unclosed left parenthesis"],
    ),
    "bad duration": (
        {"alerts/bad.py": 'from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name="g", rules=[AlertRule(name="A", expr="up", for_="5 min")])\n'},
        ["alerts/bad.py:2:68: OAC103 for: invalid duration '5 min'"],
    ),
    "duplicate rule": (
        {"alerts/bad.py": 'from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name="g", rules=[\n    AlertRule(name="A", expr="up"),\n    AlertRule(name="A", expr="up"),\n])\n'},
        ["alerts/bad.py:4:5: OAC105 duplicate alert 'A' in group 'g' (first declared at alerts/bad.py:3:5)"],
    ),
    "duplicate group across modules": (
        {
            "alerts/a.py": 'from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name="g", rules=[AlertRule(name="A", expr="up")])\n',
            "alerts/b.py": 'from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name="g", rules=[AlertRule(name="B", expr="up")])\n',
        },
        ["alerts/b.py:2:5: OAC106 duplicate rule group name 'g' (also declared in alerts/a.py"],
    ),
    "duplicate job": (
        {"scrape/s.py": 'from obs_as_code import ScrapeJob\na = ScrapeJob(name="api", targets=["a:1"])\nb = ScrapeJob(name="api", targets=["b:1"])\n'},
        ["scrape/s.py:3:5: OAC107 duplicate scrape job name 'api' (first at scrape/s.py:2:5)"],
    ),
    "invalid label name": (
        {"alerts/bad.py": 'from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name="g", rules=[AlertRule(name="A", expr="up", labels={"team-name": "x"})])\n'},
        ["alerts/bad.py:2:70: OAC104 invalid label name 'team-name' in labels"],
    ),
    "module raises": (
        {"alerts/bad.py": 'import os\nTHRESHOLD = float(os.environ["OAC_TEST_SURELY_UNSET"])\n'},
        ["alerts/bad.py:2:19: OAC101 module alerts/bad.py raised KeyError: 'OAC_TEST_SURELY_UNSET'"],
    ),
    "declares nothing": (
        {"alerts/bad.py": "THRESHOLD = 0.5\n"},
        ["alerts/bad.py:1:1: OAC102 module alerts/bad.py declares nothing"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_error_cases(case: str, built_project: Path) -> None:
    files, expected = CASES[case]
    for rel, text in files.items():
        (built_project / rel).parent.mkdir(parents=True, exist_ok=True)
        (built_project / rel).write_text(text)
    before = tree_snapshot(built_project / "build")
    result = run_oac("build", "-C", str(built_project))
    assert result.exit_code == 1
    for line in expected:
        assert line in result.stderr, result.stderr
    assert "build/ left unchanged" in result.stderr
    assert tree_snapshot(built_project / "build") == before
    assert not list(built_project.glob("build.tmp-*"))


def test_all_errors_in_one_run(make_project: ProjectFactory) -> None:
    files: dict[str, str] = {}
    for case, (case_files, _) in CASES.items():
        for rel, text in case_files.items():
            files[rel.replace("bad.py", f"{case.replace(' ', '_')}.py")] = text
    root = make_project(files)
    result = run_oac("build", "-C", str(root), "--format", "json")
    assert result.exit_code == 1
    codes = {d["code"] for d in json.loads(result.stdout)}
    assert codes == {"OAC101", "OAC102", "OAC103", "OAC104", "OAC105", "OAC106", "OAC107", "OAC108"}
    assert not (root / "build").exists()


def test_literal_secret_is_rejected_and_never_printed(make_project: ProjectFactory) -> None:
    secret = "s3cr3t-value-do-not-print"
    root = make_project({"scrape/s.py": f'from obs_as_code import ScrapeJob\nj = ScrapeJob(name="j", targets=["a:1"], extra={{"bearer_token": "{secret}"}})\n'})
    for fmt in ("text", "json", "github", "sarif"):
        result = run_oac("build", "-C", str(root), "--format", fmt)
        assert result.exit_code == 1
        assert "OAC109" in result.output
        assert secret not in result.output


#: Secret fields of Prometheus' service discovery and HTTP configs (config.Secret in
#: its Go source) other than the common password/credentials/token ones.
SD_SECRETS = {
    "ec2": '{"ec2_sd_configs": [{"region": "eu-west-1", "access_key": "AKIA1", "secret_key": "%s"}]}',
    "lightsail": '{"lightsail_sd_configs": [{"region": "eu-west-1", "access_key": "AKIA1", "secret_key": "%s"}]}',
    "marathon": '{"marathon_sd_configs": [{"servers": ["http://marathon:8080"], "auth_token": "%s"}]}',
    "openstack": '{"openstack_sd_configs": [{"role": "instance", "region": "r", "application_credential_secret": "%s"}]}',
    "ovhcloud": '{"ovhcloud_sd_configs": [{"application_key": "k", "application_secret": "%s", "consumer_key": "c", "service": "vps"}]}',
    "http_headers": '{"http_headers": {"X-Api-Key": {"secrets": ["%s"]}}}',
    "proxy_connect_header": '{"proxy_url": "http://proxy:3128", "proxy_connect_header": {"Proxy-Authorization": ["Basic %s"]}}',
    "proxy_url": '{"proxy_url": "http://user:%s@proxy:3128"}',
    # A host urlsplit refuses ("Invalid IPv6 URL"): the check crashed on it.
    "proxy_url_unparsable": '{"proxy_url": "http://user:%s@[::1/x"}',
}


@pytest.mark.parametrize("where", sorted(SD_SECRETS))
def test_literal_service_discovery_secret_is_rejected(make_project: ProjectFactory, where: str) -> None:
    secret = "s3cr3t-value-do-not-print"
    extra = SD_SECRETS[where] % secret
    root = make_project({"scrape/s.py": f'from obs_as_code import ScrapeJob\nj = ScrapeJob(name="j", targets=["a:1"], extra={extra})\n'})
    result = run_oac("build", "-C", str(root))
    # http_headers (Prometheus 2.55) is a key of a later release: accepted in extra=, its literal secret refused.
    assert result.exit_code == 1 and "OAC109" in result.output, result.output
    assert secret not in result.output
    written = [f.read_text(encoding="utf-8") for f in (root / "build").rglob("*") if f.is_file()] if (root / "build").exists() else []
    assert not any(secret in text for text in written)


def _line_of(path: Path, text: str) -> int:
    return path.read_text(encoding="utf-8").splitlines().index(text) + 1


def test_check_reports_stale_files_and_writes_nothing(built_project: Path) -> None:
    assert run_oac("build", "-C", str(built_project), "--check").exit_code == 0
    line = _line_of(built_project / "build/prometheus/rules/good.yaml", "    for: 5m")
    (built_project / "alerts/good.py").write_text(GOOD_ALERT.replace('"5m"', '"10m"'))
    (built_project / "build/stray.txt").write_text("x")
    before = tree_snapshot(built_project / "build")
    result = run_oac("build", "-C", str(built_project), "--check")
    assert result.exit_code == 1
    # Which files, why (the module that makes each, the first differing line), and
    # the command that fixes it: what a contributor whose CI gate failed needs.
    assert result.stdout.splitlines() == [
        "stale: build/manifest.json: the hashes of the files listed",
        f"stale: build/prometheus/rules/good.yaml (from alerts/good.py): line {line} is `for: 5m`, the sources make `for: 10m`",
        "extra: build/stray.txt: no source makes it any more",
    ]
    assert result.stderr.splitlines()[-1] == (
        f"oac build --check: build/ is stale (3 file(s)); run `oac build -C {built_project}` and commit build/")
    assert tree_snapshot(built_project / "build") == before


def _stale_project(root: Path) -> int:
    """Edit the built project: one changed rule file (its differing line is returned)
    and one new module whose rule file is not built yet."""
    line = _line_of(root / "build/prometheus/rules/good.yaml", "    for: 5m")
    (root / "alerts/good.py").write_text(GOOD_ALERT.replace('"5m"', '"10m"'))
    (root / "alerts/more.py").write_text(GOOD_ALERT.replace('"good"', '"more"').replace('"Up"', '"UpMore"'))
    return line


def test_check_github_annotations_are_on_the_differing_lines(built_project: Path) -> None:
    line = _stale_project(built_project)
    result = run_oac("build", "-C", str(built_project), "--check", "--format", "github")
    assert result.exit_code == 1
    out = result.stdout.splitlines()
    # Every line of stdout is a workflow command: a plain line would be lost in the log.
    assert all(s.startswith("::error file=") for s in out), out
    where = {s.split("::")[1].split(",title=")[0].removeprefix("error "): s for s in out}
    assert f"file=build/prometheus/rules/good.yaml,line={line},col=1" in where
    assert "from alerts/good.py" in where[f"file=build/prometheus/rules/good.yaml,line={line},col=1"]
    # A file not built yet has no line to carry it: its module (in the diff) does.
    assert "file=alerts/more.py,line=1,col=1" in where
    assert "new: build/prometheus/rules/more.yaml" in where["file=alerts/more.py,line=1,col=1"]
    assert any(k.startswith("file=build/manifest.json,") for k in where)
    assert all(f"run `oac build -C {built_project}` and commit the result" in s for s in out)


def test_check_github_says_how_many_when_annotations_run_out(built_project: Path) -> None:
    for i in range(12):
        (built_project / f"alerts/m{i}.py").write_text(GOOD_ALERT.replace('"good"', f'"m{i}"').replace('"Up"', f'"Up{i}"'))
    out = run_oac("build", "-C", str(built_project), "--check", "--format", "github").stdout.splitlines()
    assert len(out) == 15  # 12 rule files, prometheus.yml, the manifest, and:
    # GitHub shows a step's first 10 error annotations; the count and the command come first.
    assert out[0] == f"::error title=OAC112::build/ is stale (14 file(s)); run `oac build -C {built_project}` and commit build/"


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_check_machine_formats_stay_one_document(built_project: Path, fmt: str) -> None:
    line = _stale_project(built_project)
    result = run_oac("build", "-C", str(built_project), "--check", "--format", fmt)
    assert result.exit_code == 1
    doc = json.loads(result.stdout)  # the stale list once followed the document
    if fmt == "json":
        found = {(d["file"], d["line"], d["code"]) for d in doc}
    else:
        found = {(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                  r["locations"][0]["physicalLocation"]["region"]["startLine"], r["ruleId"])
                 for r in doc["runs"][0]["results"]}
    assert ("build/prometheus/rules/good.yaml", line, "OAC112") in found
    assert ("alerts/more.py", 1, "OAC112") in found
    assert len(found) == 4  # and build/prometheus/prometheus.yml, manifest.json
    if fmt == "sarif":  # code scanning shows the rule's summary, not its code again
        (rule,) = doc["runs"][0]["tool"]["driver"]["rules"]
        assert rule == {"id": "OAC112", "shortDescription": {
            "text": "oac build --check: a file of build/ is not what the sources make now"}}


@pytest.mark.parametrize("fmt", ["github", "sarif"])
def test_annotations_name_files_from_the_checkout_root(make_project: ProjectFactory, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    # A project in a folder of the repository: GitHub places an annotation by its
    # path from the checkout's root; alerts/bad.py alone names no file there.
    bad = 'from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name="g", rules=[AlertRule(name="A", expr="up", for_="5 min")])\n'
    root = make_project({"alerts/bad.py": bad})
    checkout = root.parent
    monkeypatch.setenv("GITHUB_WORKSPACE", str(checkout))
    out = run_oac("build", "-C", str(root), "--format", fmt).stdout
    where = f"{root.relative_to(checkout).as_posix()}/alerts/bad.py"
    if fmt == "github":
        assert out.startswith(f"::error file={where},line=2,col=68,title=OAC103::")
    else:
        (result,) = json.loads(out)["runs"][0]["results"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == where
    # JSON and text keep paths from the project (what -C names), as before.
    assert json.loads(run_oac("build", "-C", str(root), "--format", "json").stdout)[0]["file"] == "alerts/bad.py"
    # A project outside the checkout keeps its own paths too.
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path / "elsewhere"))
    assert "file=alerts/bad.py," in run_oac("build", "-C", str(root), "--format", "github").stdout


def test_check_exit_codes(built_project: Path) -> None:
    assert run_oac("build", "-C", str(built_project), "--check").exit_code == 0
    assert run_oac("build", "-C", str(built_project), "--check", "--format", "nope").exit_code == 2
    assert run_oac("build", "-C", str(built_project / "missing"), "--check").exit_code == 2
    (built_project / "alerts/good.py").write_text(GOOD_ALERT.replace('"5m"', '"5 min"'))
    broken = run_oac("build", "-C", str(built_project), "--check")
    # A compile error is reported as such, not as a stale build/.
    assert broken.exit_code == 1 and "OAC103" in broken.stderr and "stale" not in broken.output


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    copies = []
    for name in ("one", "two"):
        dest = tmp_path / name
        shutil.copytree(REPO / "tests/fixtures/projects/full", dest)
        assert run_oac("build", "-C", str(dest)).exit_code == 0
        copies.append(tree_snapshot(dest / "build"))
    assert copies[0] == copies[1]


def test_manifest_lists_every_output_with_hash_and_source(built_project: Path) -> None:
    import hashlib

    manifest = json.loads((built_project / "build/manifest.json").read_text())
    files = manifest["files"]
    assert sorted(p for p in files if p.startswith("prometheus/")) == [
        "prometheus/prometheus.yml",
        "prometheus/rules/good.yaml",
    ]
    assert sorted(files) == sorted(str(p.relative_to(built_project / "build")) for p in (built_project / "build").rglob("*") if p.is_file() and p.name != "manifest.json")
    for rel, entry in files.items():
        assert entry["sha256"] == hashlib.sha256((built_project / "build" / rel).read_bytes()).hexdigest()
    assert files["prometheus/rules/good.yaml"]["sources"] == ["alerts/good.py"]


def test_shipped_build_is_fresh() -> None:
    """build/ is committed: it must be exactly what `oac build` writes."""
    result = run_oac("build", "-C", str(REPO), "--check")
    assert result.exit_code == 0, result.stdout + result.stderr
