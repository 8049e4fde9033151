"""The click commands: exit codes, formats, progress, import, and no secret in output."""

from __future__ import annotations

import json
import logging
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from obs_as_code import Datasource, DeletedDatasource
from obs_as_code.cli.grafana_cmds import diff, import_grafana, publish
from obs_as_code.grafana import client as client_module
from obs_as_code.grafana.client import Auth, GrafanaClient
from obs_as_code.names import folder_uid

from .fake_grafana import VIEWER_TOKEN, FakeGrafana
from .helpers import HANG_TIMEOUT, dashboard, sample_build, write_build, write_datasources


def run(command: object, args: list[str], env: dict[str, str]) -> Result:
    runner = CliRunner()
    base = {"GRAFANA_TOKEN": "", "GRAFANA_USER": "", "GRAFANA_PASSWORD": "", "GRAFANA_URL": "",
            "CI": "1", "OAC_GIT_SHA": "cafe1234"}
    return runner.invoke(command, args, env={**base, **env})  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The CLI builds its own client: make its backoff instant (and recorded)."""
    sleeps: list[float] = []
    monkeypatch.setattr(client_module, "_sleep", sleeps.append)
    return sleeps


@pytest.fixture
def build_dir(tmp_path: Path) -> Path:
    return write_build(tmp_path / "build", sample_build("c", 4))


def test_publish_then_diff_exit_codes(fake: FakeGrafana, build_dir: Path) -> None:
    env = {"GRAFANA_TOKEN": fake.admin_token}
    args = ["--grafana-url", fake.url, "--build-dir", str(build_dir)]
    changed = run(diff, [*args, "--exit-code"], env)
    assert changed.exit_code == 1, changed.output
    assert "+ create" in changed.output
    assert run(diff, args, env).exit_code == 0  # changes, but no --exit-code

    first = run(publish, args, env)
    assert first.exit_code == 0, first.output
    assert "6 applied" in first.output
    assert fake.dashboards["c-dash-0"].versions[-1]["message"] == "oac publish cafe1234"

    second = run(publish, [*args, "--format", "json"], env)
    assert second.exit_code == 0
    report = json.loads(second.stdout)
    assert report["ok"] is True and report["writes"] == 0 and report["outcomes"] == []
    same = run(diff, [*args, "--exit-code", "--format", "json"], env)
    assert same.exit_code == 0 and json.loads(same.stdout)["has_changes"] is False


def test_diff_markdown_shows_expr_change(fake: FakeGrafana, tmp_path: Path) -> None:
    env = {"GRAFANA_TOKEN": fake.admin_token}
    build = tmp_path / "build"
    write_build(build, {"team/a": dashboard("a", "A")})
    args = ["--grafana-url", fake.url, "--build-dir", str(build)]
    assert run(publish, args, env).exit_code == 0
    write_build(build, {"team/a": dashboard("a", "A", expr="errors")})
    result = run(diff, [*args, "--format", "markdown", "--exit-code"], env)
    assert result.exit_code == 1
    assert "#### Folder `team`" in result.stdout
    assert '`up{panel="1"}` -> `errors{panel="1"}`' in result.stdout


def test_usage_errors_exit_2(fake: FakeGrafana, build_dir: Path, tmp_path: Path) -> None:
    no_url = run(publish, ["--build-dir", str(build_dir)], {"GRAFANA_TOKEN": "x"})
    assert no_url.exit_code == 2 and "--grafana-url" in no_url.output
    no_auth = run(diff, ["--grafana-url", fake.url, "--build-dir", str(build_dir)], {})
    assert no_auth.exit_code == 2 and "no Grafana credentials" in no_auth.output
    no_build = run(publish, ["--grafana-url", fake.url, "--build-dir", str(tmp_path / "nope")],
                   {"GRAFANA_TOKEN": "x"})
    assert no_build.exit_code == 2 and "oac build" in no_build.output
    bad_format = run(diff, ["--format", "yaml"], {})
    assert bad_format.exit_code == 2


def test_failed_apply_exits_1(fake: FakeGrafana, build_dir: Path) -> None:
    fake.fail("POST", "/api/dashboards/db", "500", times=100)
    result = run(publish, ["--grafana-url", fake.url, "--build-dir", str(build_dir),
                           "--timeout", "0.3"], {"GRAFANA_TOKEN": fake.admin_token})
    assert result.exit_code == 1
    assert "failed" in result.stdout


def test_dry_run_prints_plan_and_writes_nothing(fake: FakeGrafana, build_dir: Path) -> None:
    result = run(publish, ["--grafana-url", fake.url, "--build-dir", str(build_dir),
                           "--dry-run"], {"GRAFANA_TOKEN": fake.admin_token})
    assert result.exit_code == 0, result.output
    assert "+ folder" in result.stdout and "dry run:" in result.stdout
    assert fake.writes() == []


def test_token_never_appears_in_output_or_logs(fake: FakeGrafana, build_dir: Path,
                                               tmp_path: Path,
                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fake.users["ops"] = ("hunter2", "Admin")
    good = fake.admin_token
    wrong = "glsa_thisTokenIsWrong_0000"
    token_file = tmp_path / "token"
    token_file.write_text(good)
    args = ["--grafana-url", fake.url, "--build-dir", str(build_dir), "--timeout", "0.3"]
    fake.fail("POST", "/api/dashboards/db", "500", times=2)  # retries get logged
    outputs = [
        run(publish, [*args, "--token-file", str(token_file)], {}),
        run(publish, args, {"GRAFANA_TOKEN": wrong}),  # 401 while planning
        run(diff, args, {"GRAFANA_TOKEN": wrong}),
        run(publish, ["--grafana-url", fake.url.replace("http://", "http://ops:hunter2@"),
                      "--build-dir", str(build_dir)], {}),
    ]
    fake.fail("POST", "/api/dashboards/db", "401")
    write_build(build_dir, sample_build("d", 2))
    outputs.append(run(publish, [*args, "--token-file", str(token_file), "--format", "json"],
                       {}))  # 401 mid-run
    assert [o.exit_code for o in outputs] == [0, 1, 1, 0, 1]
    assert "Grafana rejected the credentials (HTTP 401)" in outputs[1].output
    assert "ABORTED" not in outputs[4].output and json.loads(outputs[4].stdout)["aborted"]
    for secret in (good, wrong, "hunter2"):
        for out in outputs:
            assert secret not in out.output
            assert out.exception is None or isinstance(out.exception, SystemExit)
        assert secret not in caplog.text
    assert "retrying POST /api/dashboards/db" in caplog.text  # logs were captured at all


def _project(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


_DATASOURCES = (
    "from obs_as_code import Datasource\n"
    "PROM = Datasource('Prometheus', 'prometheus', 'http://prometheus:9090', uid='prometheus', is_default=True)\n"
)


def test_import_writes_modules_the_build_turns_back_into_the_same_dashboards(
        fake: FakeGrafana, build_dir: Path, tmp_path: Path) -> None:
    from obs_as_code.importers.dashboard import normalize, semantic_view
    from obs_as_code.pipeline import compile_project

    env = {"GRAFANA_TOKEN": fake.admin_token}
    assert run(publish, ["--grafana-url", fake.url, "--build-dir", str(build_dir)], env).exit_code == 0
    project = _project(tmp_path / "proj", {"datasources/main.py": _DATASOURCES})
    args = ["-C", str(project), "--grafana-url", fake.url]
    for folder, uids in (("cteam", ["c-dash-1"]), ("cteam/llm", ["c-dash-2"]), ("General", ["c-dash-0", "c-dash-3"])):
        result = run(import_grafana, [*args, "--folder", folder], env)
        assert result.exit_code == 0, result.output
        assert f"imported {len(uids)} dashboards from {folder!r}" in result.output
    # Where the build reads them and publish puts them back: the same folders.
    modules = sorted(p.relative_to(project).as_posix() for p in (project / "dashboards").rglob("*.py"))
    assert modules == ["dashboards/c_dash_0.py", "dashboards/c_dash_3.py", "dashboards/cteam/c_dash_1.py",
                       "dashboards/cteam/llm/c_dash_2.py"]
    assert "imported with `oac import grafana` from Grafana folder 'cteam'" in (
        project / "dashboards/cteam/c_dash_1.py").read_text()
    compiled = compile_project(project)
    assert compiled.ok, compiled.diagnostics
    built = {a.path: a.data for a in compiled.artifacts if a.path.startswith("grafana/dashboards/")}
    expected = sample_build("c", 4)
    assert sorted(built) == sorted(f"grafana/dashboards/{key}.json" for key in expected)
    for key, original in expected.items():
        assert semantic_view(built[f"grafana/dashboards/{key}.json"]) == semantic_view(normalize(original)), key


def test_import_overwrites_nothing_without_force_and_refuses_a_taken_uid(
        fake: FakeGrafana, build_dir: Path, tmp_path: Path) -> None:
    env = {"GRAFANA_TOKEN": fake.admin_token}
    assert run(publish, ["--grafana-url", fake.url, "--build-dir", str(build_dir)], env).exit_code == 0
    project = _project(tmp_path / "proj", {"datasources/main.py": _DATASOURCES})
    args = ["-C", str(project), "--grafana-url", fake.url, "--folder", "General"]
    assert run(import_grafana, args, env).exit_code == 0
    kept = project / "dashboards" / "c_dash_0.py"
    kept.write_text(kept.read_text() + "# reviewed\n")
    again = run(import_grafana, args, env)
    assert again.exit_code == 2, again.output
    assert f"{kept} exists; not overwritten (pass --force to replace it)" in again.output
    assert "nothing written" in again.output and kept.read_text().endswith("# reviewed\n")
    forced = run(import_grafana, [*args, "--force"], env)
    assert forced.exit_code == 0, forced.output
    assert not kept.read_text().endswith("# reviewed\n")
    # Another module of the project has the UID of a dashboard in the folder:
    # the build would refuse both (OAC308), so nothing is written.
    taken = project / "dashboards" / "team" / "mine.py"
    taken.parent.mkdir()
    taken.write_text((project / "dashboards" / "c_dash_0.py").read_text().replace("'c-dash-0'", "'c-dash-1'"))
    clash = run(import_grafana, ["-C", str(project), "--grafana-url", fake.url, "--folder", "cteam"], env)
    assert clash.exit_code == 1, clash.output
    assert "dashboard UID 'c-dash-1' is already used by dashboards/team/mine.py" in clash.output
    assert not (project / "dashboards" / "cteam").exists()
    # Outside the project's dashboards/ nothing joins the build: no clash.
    elsewhere = run(import_grafana, ["-C", str(project), "--grafana-url", fake.url, "--folder", "cteam",
                                     "-o", str(tmp_path / "out")], env)
    assert elsewhere.exit_code == 0, elsewhere.output
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["c_dash_1.py"]


def test_import_refuses_a_dashboard_needing_an_undeclared_datasource(
        fake: FakeGrafana, tmp_path: Path) -> None:
    env = {"GRAFANA_TOKEN": fake.admin_token}
    board = dashboard("needs-ds", "Needs a datasource")
    board["__inputs"] = [{"name": "DS_LOKI", "type": "datasource", "pluginId": "loki", "label": "Loki"}]
    board["panels"][0]["datasource"] = "${DS_LOKI}"
    write_build(tmp_path / "build", {"needs-ds": board})
    assert run(publish, ["--grafana-url", fake.url, "--build-dir", str(tmp_path / "build")], env).exit_code == 0
    project = _project(tmp_path / "proj", {"datasources/main.py": _DATASOURCES})
    result = run(import_grafana, ["-C", str(project), "--grafana-url", fake.url, "--folder", "General"], env)
    assert result.exit_code == 1, result.output
    assert "dashboards/needs_ds.py: dashboard 'needs-ds':" in result.output and "nothing written" in result.output
    assert not (project / "dashboards").exists()


def test_import_keeps_every_module_under_its_folder_whatever_the_uid(tmp_path: Path) -> None:
    # A dashboard saved by an older Grafana may hold a UID Grafana 11 refuses
    # ("../x", "a/b", dots): the module's file name is made of it, and must not
    # climb out of the folder or make one.
    from obs_as_code.grafana.importer import import_folder, module_name, write_modules

    assert [module_name(u) for u in ("c-dash-1", "../../evil", "a/b.c", "", "ü")] == [
        "c_dash_1", "______evil", "a_b_c", "dashboard", "_"]
    project = _project(tmp_path / "proj", {"datasources/main.py": _DATASOURCES})
    out = tmp_path / "proj" / "dashboards" / "team"
    plan = import_folder([dashboard("../../evil", "Evil"), dashboard("a/b", "Slash")], project, out)
    assert plan.writable, plan.refused
    assert sorted(p.relative_to(tmp_path).as_posix() for p in write_modules(plan)) == [
        "proj/dashboards/team/______evil.py", "proj/dashboards/team/a_b.py"]
    assert sorted(p.name for p in tmp_path.rglob("*.py")) == ["______evil.py", "a_b.py", "main.py"]
    # Two UIDs that make one name are refused, not one written over the other.
    clash = import_folder([dashboard("a.b", "One"), dashboard("a-b", "Two")], project, out)
    assert clash.refused == [f"dashboards 'a.b' and 'a-b' would both be written to {out / 'a_b.py'}"]


@pytest.mark.parametrize("folder", ["..", "team/../..", "a//b", "./x"])
def test_import_refuses_a_folder_title_that_is_no_path_under_dashboards(folder: str, tmp_path: Path) -> None:
    # Refused before Grafana is asked (no URL is reachable here: the usage error comes first).
    result = run(import_grafana, ["-C", str(tmp_path), "--grafana-url", "http://127.0.0.1:9", "--folder", folder],
                 {"GRAFANA_TOKEN": "t"})
    assert result.exit_code == 2, result.output
    assert f"folder {folder!r} is no folder path under dashboards/: pass -o DIR" in result.output
    assert not (tmp_path / "dashboards").exists()


def test_oac_import_exposes_the_grafana_subcommand() -> None:
    from obs_as_code.cli import cli

    result = CliRunner().invoke(cli, ["import", "grafana", "--help"])
    assert result.exit_code == 0 and "--folder" in result.output


def test_import_writes_python_with_the_real_importer(fake: FakeGrafana, build_dir: Path,
                                                     tmp_path: Path) -> None:
    env = {"GRAFANA_TOKEN": fake.admin_token}
    assert run(publish, ["--grafana-url", fake.url, "--build-dir", str(build_dir)],
               env).exit_code == 0
    out = tmp_path / "imported"
    result = run(import_grafana, ["--grafana-url", fake.url, "--folder", "cteam", "-o",
                                  str(out)], env)
    assert result.exit_code == 0, result.output
    (module,) = sorted(out.glob("*.py"))
    source = module.read_text()
    compile(source, str(module), "exec")
    assert "c-dash-1" in source


# -- datasources deleted or renamed in code (deleteDatasources) over the API -----------

LOKI = Datasource("Loki", "loki", "http://loki:3100", uid="loki")
TEMPO = Datasource("Tempo", "tempo", "http://tempo:3200", uid="tempo",
                   secure_json_data={"httpHeaderValue1": "${TEMPO_TOKEN}"})
TEMPO_SECRET = "tempo-s3cr3t-QWERTY"


def _ds_run(command: object, build_dir: Path, fake: FakeGrafana, *extra: str) -> Result:
    args = ["--grafana-url", fake.url, "--build-dir", str(build_dir), "--datasources", *extra]
    return run(command, args, {"GRAFANA_TOKEN": fake.admin_token, "TEMPO_TOKEN": TEMPO_SECRET})


def test_publish_datasources_deletes_a_deleted_datasource_once(fake: FakeGrafana,
                                                               build_dir: Path) -> None:
    write_datasources(build_dir, LOKI, TEMPO)
    first = _ds_run(publish, build_dir, fake)
    assert first.exit_code == 0, first.output
    assert fake.secure_json_data["tempo"] == {"httpHeaderValue1": TEMPO_SECRET}
    write_datasources(build_dir, LOKI, DeletedDatasource("Tempo"))
    outputs = [first]

    fake.reset_requests()
    dry = _ds_run(publish, build_dir, fake, "--dry-run")
    outputs.append(dry)
    assert dry.exit_code == 0, dry.output
    assert "- datasource tempo 'Tempo' - in deleteDatasources" in dry.stdout
    assert "planned  delete  datasource tempo (Tempo)" in dry.stdout
    assert fake.writes() == [] and "tempo" in fake.datasources
    shown = _ds_run(diff, build_dir, fake, "--exit-code")
    outputs.append(shown)
    assert shown.exit_code == 1 and "- datasource tempo 'Tempo'" in shown.stdout

    applied = _ds_run(publish, build_dir, fake)
    outputs.append(applied)
    assert applied.exit_code == 0, applied.output
    assert "applied  delete  datasource tempo (Tempo)" in applied.stdout
    assert fake.writes() == [("DELETE", "/api/datasources/uid/tempo")]
    assert list(fake.datasources) == ["loki"]
    assert "tempo" not in fake.secure_json_data  # its secrets went with it

    fake.reset_requests()
    again = _ds_run(publish, build_dir, fake, "--format", "json")
    outputs.append(again)
    report = json.loads(again.stdout)
    assert again.exit_code == 0 and report["outcomes"] == [] and report["writes"] == 0
    assert fake.writes() == []
    same = _ds_run(diff, build_dir, fake, "--exit-code")
    outputs.append(same)
    assert same.exit_code == 0, same.output
    for out in outputs:
        assert TEMPO_SECRET not in out.output and fake.admin_token not in out.output


def test_publish_datasources_renames_in_place_and_deletes_an_old_name_held_elsewhere(
        fake: FakeGrafana, build_dir: Path) -> None:
    write_datasources(build_dir, LOKI)
    assert _ds_run(publish, build_dir, fake).exit_code == 0
    loki_id = fake.datasources["loki"]["id"]
    # "Metrics" was made by hand (a generated uid); the project now declares it.
    with GrafanaClient(fake.url, Auth(token=fake.admin_token)) as client:
        assert client.post("/api/datasources", {"name": "Metrics", "type": "prometheus",
                                                "uid": "P1809F7CD0C75ACF3", "url": "http://p:9090"}).ok
    write_datasources(
        build_dir,
        Datasource("Logs", "loki", "http://loki:3100", uid="loki", previous_names=["Loki"]),
        Datasource("Prometheus", "prometheus", "http://p:9090", uid="prometheus",
                   previous_names=["Metrics"]))
    fake.reset_requests()
    result = _ds_run(publish, build_dir, fake)
    assert result.exit_code == 0, result.output
    assert {uid: d["name"] for uid, d in fake.datasources.items()} == {
        "loki": "Logs", "prometheus": "Prometheus"}
    assert fake.datasources["loki"]["id"] == loki_id  # renamed by its PUT, not deleted
    writes = fake.writes()
    assert writes[0] == ("DELETE", "/api/datasources/uid/P1809F7CD0C75ACF3")  # before any write
    assert sorted(writes[1:]) == [("POST", "/api/datasources"), ("PUT", "/api/datasources/uid/loki")]
    shown = _ds_run(diff, build_dir, fake, "--exit-code")
    assert shown.exit_code == 0, shown.output
    fake.reset_requests()
    assert _ds_run(publish, build_dir, fake).exit_code == 0 and fake.writes() == []


def test_publish_datasources_rename_plan_says_so(fake: FakeGrafana, build_dir: Path) -> None:
    write_datasources(build_dir, LOKI)
    assert _ds_run(publish, build_dir, fake).exit_code == 0
    write_datasources(build_dir, Datasource("Logs", "loki", "http://loki:3100", uid="loki",
                                            previous_names=["Loki"]))
    dry = _ds_run(publish, build_dir, fake, "--dry-run")
    assert "~ datasource loki 'Logs' (name) - renamed from 'Loki'" in dry.stdout, dry.output
    assert fake.datasources["loki"]["name"] == "Loki"


def test_publish_datasources_deletion_with_a_viewer_token_stops_and_deletes_nothing(
        fake: FakeGrafana, build_dir: Path) -> None:
    write_datasources(build_dir, LOKI, TEMPO)
    assert _ds_run(publish, build_dir, fake).exit_code == 0
    write_datasources(build_dir, LOKI, DeletedDatasource("Tempo"))
    args = ["--grafana-url", fake.url, "--build-dir", str(build_dir), "--datasources"]
    result = run(publish, args, {"GRAFANA_TOKEN": VIEWER_TOKEN})
    assert result.exit_code == 1
    assert "ABORTED: Grafana denied permission (HTTP 403) for DELETE /api/datasources/uid/tempo" \
        in result.stdout
    assert "tempo" in fake.datasources and VIEWER_TOKEN not in result.output


def test_diff_and_publish_run_in_the_project_given_by_dash_c(fake: FakeGrafana,
                                                              tmp_path: Path) -> None:
    """`oac diff -C DIR` / `oac publish -C DIR`, as `oac build -C DIR` wrote it: the
    build read is DIR/build and the sha in the version message is DIR's commit,
    not the current directory's (the run's cwd is this repository)."""
    from obs_as_code.cli import cli

    project = tmp_path / "infra" / "obs"
    write_build(project / "build", sample_build("p", 3))
    (project / ".git").mkdir()
    (project / ".git" / "HEAD").write_text("0123456789abcdef0123456789abcdef01234567\n")
    env = {"GRAFANA_TOKEN": fake.admin_token, "OAC_GIT_SHA": "", "GITHUB_SHA": ""}
    args = ["-C", str(project), "--grafana-url", fake.url]
    changed = run(cli, ["diff", *args, "--exit-code"], env)
    assert changed.exit_code == 1, changed.output
    assert "+ create" in changed.output and "p Dashboard 2" in changed.output
    published = run(cli, ["publish", *args], env)
    assert published.exit_code == 0, published.output
    assert "5 applied" in published.output
    assert fake.dashboards["p-dash-0"].versions[-1]["message"] == "oac publish 0123456789ab"
    assert run(cli, ["diff", *args, "--exit-code"], env).exit_code == 0
    # --build-dir, when given, wins (relative to the current directory, as `build --out`).
    elsewhere = write_build(tmp_path / "other", sample_build("q", 1))
    other = run(cli, ["diff", *args, "--build-dir", str(elsewhere), "--exit-code"], env)
    assert other.exit_code == 1 and "q Dashboard 0" in other.output


@pytest.mark.parametrize("command", ["diff", "publish"])
def test_dash_c_without_a_build_says_which_build_to_run(command: str, tmp_path: Path) -> None:
    from obs_as_code.cli import cli

    project = tmp_path / "proj"
    project.mkdir()
    result = run(cli, [command, "-C", str(project), "--grafana-url", "http://127.0.0.1:9"],
                 {"GRAFANA_TOKEN": "x"})
    assert result.exit_code == 2
    assert f"{project / 'build' / 'grafana' / 'dashboards'} does not exist" in result.output
    assert f"run `oac build -C {project}`" in result.output
    missing = run(cli, [command, "-C", str(tmp_path / "nope")], {})
    assert missing.exit_code == 2 and "does not exist" in missing.output


@pytest.mark.parametrize("url", ["grafana.example.com", "ops:hunter2@grafana.example.com",
                                 "ftp://grafana.example.com", "http://"])
@pytest.mark.parametrize("command", [diff, publish])
def test_a_grafana_url_that_is_no_http_url_is_a_usage_error(command: object, url: str,
                                                            build_dir: Path) -> None:
    """`--grafana-url grafana.example.com` (no scheme) exited 1 with 'GET
    /api/folders/... could not be sent (MissingSchema)': a Grafana failure by the exit
    code, and no word of what to fix."""
    result = run(command, ["--grafana-url", url, "--build-dir", str(build_dir)],
                 {"GRAFANA_TOKEN": "glsa_x"})
    assert result.exit_code == 2, result.output
    assert "--grafana-url (or GRAFANA_URL) must be an http:// or https:// URL" in result.output
    assert "hunter2" not in result.output and "Traceback" not in result.output


def test_an_unreachable_grafana_says_what_to_check(build_dir: Path) -> None:
    """A Grafana URL nothing listens at printed only 'GET /api/folders/... failed after
    5 attempts: connection error': no URL, no word of what to check."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    for command in (diff, publish):
        result = run(command, ["--grafana-url", f"http://ops:hunter2@127.0.0.1:{port}",
                               "--build-dir", str(build_dir)], {})
        assert result.exit_code == 1, result.output
        assert "connection error" in result.stderr
        assert (f"hint: nothing answered at http://127.0.0.1:{port}: check --grafana-url "
                "(or GRAFANA_URL)") in result.stderr
        assert "hunter2" not in result.output



def test_a_grafana_that_never_answers_in_time_points_at_timeout(fake: FakeGrafana,
                                                                build_dir: Path) -> None:
    fake.fail("GET", "/api/folders", "timeout", times=100)
    result = run(diff, ["--grafana-url", fake.url, "--build-dir", str(build_dir),
                        "--timeout", str(HANG_TIMEOUT)], {"GRAFANA_TOKEN": fake.admin_token})
    assert result.exit_code == 1, result.output
    assert f"timed out after {HANG_TIMEOUT:g}s" in result.stderr
    assert (f"hint: Grafana at {fake.url} did not answer within --timeout {HANG_TIMEOUT:g}s: "
            "check that it is up, or raise --timeout") in result.stderr

def test_refused_credentials_name_where_they_came_from(fake: FakeGrafana, build_dir: Path,
                                                      tmp_path: Path) -> None:
    """A wrong token printed 'Grafana rejected the credentials (HTTP 401)' alone: the
    operator was not told which of --token-file, GRAFANA_TOKEN and
    GRAFANA_USER/GRAFANA_PASSWORD was used; a 403 not which role is needed."""
    wrong = "glsa_thisTokenIsWrong_0000"
    token_file = tmp_path / "token"
    token_file.write_text(wrong)
    args = ["--grafana-url", fake.url, "--build-dir", str(build_dir)]
    from_file = run(diff, [*args, "--token-file", str(token_file)], {"GRAFANA_TOKEN": wrong})
    from_env = run(publish, args, {"GRAFANA_TOKEN": wrong})
    from_user = run(publish, args, {"GRAFANA_USER": "admin", "GRAFANA_PASSWORD": "hunter2"})
    from_url = run(diff, ["--grafana-url", fake.url.replace("http://", "http://admin:hunter2@"),
                          "--build-dir", str(build_dir)], {})
    for result, source in ((from_file, f"the token in {token_file}"), (from_env, "GRAFANA_TOKEN"),
                           (from_user, "GRAFANA_USER and GRAFANA_PASSWORD"),
                           (from_url, "the user:password in the Grafana URL")):
        assert result.exit_code == 1, result.output
        assert "Grafana rejected the credentials (HTTP 401)" in result.stderr
        assert (f"hint: Grafana at {fake.url} did not accept the credentials from {source}: "
                "check them") in result.stderr
    viewer = run(publish, args, {"GRAFANA_TOKEN": VIEWER_TOKEN})  # 403 at the first write
    assert viewer.exit_code == 1 and "ABORTED: Grafana denied permission (HTTP 403)" in viewer.stdout
    assert ("hint: the credentials from GRAFANA_TOKEN lack a role: dashboards and folders need "
            "Editor, --datasources needs Admin") in viewer.stderr
    for result in (from_file, from_env, from_user, from_url, viewer):
        for secret in (wrong, "hunter2", VIEWER_TOKEN):
            assert secret not in result.output


def test_a_json_report_says_what_failed_when_the_plan_cannot_be_made(fake: FakeGrafana, build_dir: Path) -> None:
    """diff/publish --format json printed nothing on stdout when the plan failed (a
    refused token, say): a CI step parsing the report got an empty document."""
    wrong = "glsa_thisTokenIsWrong_0000"
    args = ["--grafana-url", fake.url, "--build-dir", str(build_dir), "--format", "json"]
    for command in (diff, publish):
        result = run(command, args, {"GRAFANA_TOKEN": wrong})
        assert result.exit_code == 1, result.output
        report = json.loads(result.stdout)
        assert report["ok"] is False and "Grafana rejected the credentials (HTTP 401)" in report["error"]
        assert wrong not in result.output
    text = run(diff, args[:-2], {"GRAFANA_TOKEN": wrong})
    assert text.exit_code == 1 and text.stdout == ""  # the text report stays on stderr


def test_a_dashboard_whose_build_file_is_broken_is_not_called_missing(fake: FakeGrafana,
                                                                     build_dir: Path) -> None:
    """A merge conflict left in a committed build/grafana/dashboards/<uid>.json: the
    diff reported the published dashboard as 'not in the build; kept (use --prune to
    delete)', telling the operator to delete a dashboard the project still declares."""
    env = {"GRAFANA_TOKEN": fake.admin_token}
    args = ["--grafana-url", fake.url, "--build-dir", str(build_dir)]
    assert run(publish, args, env).exit_code == 0
    writes = len(fake.writes())
    broken = build_dir / "grafana" / "dashboards" / "c-dash-0.json"
    broken.write_text("<<<<<<< HEAD\n" + broken.read_text() + "=======\n>>>>>>> main\n")
    for flags in ([], ["--prune"]):
        result = run(diff, [*args, *flags], env)
        assert result.exit_code == 1, result.output
        assert f"{broken}: cannot read dashboard JSON" in result.output
        line = next(x for x in result.stdout.splitlines() if "? orphan    c-dash-0" in x)
        assert line.endswith(f"left out: its build file {broken} has an error (above); "
                             "Grafana's copy kept"), line
    published = run(publish, [*args, "--prune"], env)
    assert published.exit_code == 1 and "not in the build" not in published.output
    assert "c-dash-0" in fake.dashboards and len(fake.writes()) == writes


def test_a_new_dashboard_in_conflict_is_not_shown_moving_from_general(fake: FakeGrafana,
                                                                     tmp_path: Path) -> None:
    """A uid renamed in the build (same title, same folder) is a conflict until --prune;
    the diff showed the new dashboard, which Grafana does not hold, as 'folder: General
    -> oac-team', as if it sat in General and were being moved."""
    env = {"GRAFANA_TOKEN": fake.admin_token}
    build = tmp_path / "build"
    args = ["--grafana-url", fake.url, "--build-dir", str(build)]
    write_build(build, {"team/old-uid": dashboard("old-uid", "Same title")})
    assert run(publish, args, env).exit_code == 0
    write_build(build, {"team/new-uid": dashboard("new-uid", "Same title")})
    text = run(diff, args, env)
    assert "! conflict  new-uid 'Same title' - title already used by managed dashboard old-uid" \
        in text.stdout
    assert "folder:" not in text.stdout and "General" not in text.stdout, text.stdout
    (entry,) = [e for e in json.loads(run(diff, [*args, "--format", "json"], env).stdout)
                ["dashboards"] if e["uid"] == "new-uid"]
    assert entry["action"] == "conflict" and "move" not in entry
    # A dashboard Grafana holds still shows its move.
    write_build(build, {"other/old-uid": dashboard("old-uid", "Same title")})
    moved = run(diff, args, env)
    assert f"folder: {folder_uid('team')} -> {folder_uid('other')}" in moved.stdout, moved.stdout


def test_publish_reports_a_dashboard_removed_from_the_build_as_kept(fake: FakeGrafana,
                                                                    tmp_path: Path) -> None:
    """A dashboard module deleted, then `oac publish`: the report said 'nothing to do;
    ... 0 writes' and never named the dashboard Grafana still shows (only `oac diff`
    did, with the --prune that removes it)."""
    env = {"GRAFANA_TOKEN": fake.admin_token}
    build = tmp_path / "build"
    args = ["--grafana-url", fake.url, "--build-dir", str(build)]
    write_build(build, {"team/a": dashboard("a", "A"), "team/b": dashboard("b", "B")})
    assert run(publish, args, env).exit_code == 0
    write_build(build, {"team/a": dashboard("a", "A")})
    kept = run(publish, args, env)
    assert kept.exit_code == 0, kept.output  # not a failure
    assert ("kept     orphan  dashboard  b (B) - not in the build; kept (use --prune to delete)"
            in kept.stdout)
    assert "1 kept; " in kept.stdout and "nothing to do" not in kept.stdout
    report = json.loads(run(publish, [*args, "--format", "json"], env).stdout)
    assert report["ok"] is True and report["writes"] == 0
    assert [(o["uid"], o["status"]) for o in report["outcomes"]] == [("b", "kept")]
    pruned = run(publish, [*args, "--prune"], env)
    assert pruned.exit_code == 0 and "applied  prune   dashboard  b (B)" in pruned.stdout
    assert set(fake.dashboards) == {"a"}


def test_a_url_that_is_not_grafanas_base_url_says_so(fake: FakeGrafana, build_dir: Path) -> None:
    """--grafana-url naming another server, or Grafana without the sub-path it is
    served under, printed 'GET /api/search failed: Not found' alone."""
    result = run(diff, ["--grafana-url", f"{fake.url}/grafana", "--build-dir", str(build_dir)],
                 {"GRAFANA_TOKEN": fake.admin_token})
    assert result.exit_code == 1, result.output
    assert "error: GET /api/search failed: Not found" in result.stderr
    assert (f"hint: no Grafana HTTP API at {fake.url}/grafana: --grafana-url (or GRAFANA_URL) "
            "is Grafana's base URL, with its sub-path when Grafana is served under one"
            ) in result.stderr
