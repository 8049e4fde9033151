"""Project-wide stages cached by what they read: cross-module findings after an edit
are exactly the clean build's, and stages whose inputs did not change are reused."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from obs_as_code import incremental
from obs_as_code.model.rules import RuleGroup
from tests.scale.project import Spec, Writer
from tests.scale.test_incremental_build import cached, clean


def spec() -> Spec:
    return Spec(
        modules={"m0": (0, "ok"), "m1": (1, "ok"), "m3": (0, "uses_other")},
        dashboards={"d0": (0, "ok")},
        slo=3,
    )


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, Writer, Spec]:
    writer = Writer(tmp_path)
    s = spec()
    writer.write(s)
    assert cached(tmp_path) == clean(tmp_path)
    return tmp_path, writer, s


def codes(result: tuple[dict[str, bytes], list[str]], code: str) -> list[str]:
    return [d for d in result[1] if f"code='{code}'" in d]


def test_no_op_runs_no_stage(project: tuple[Path, Writer, Spec]) -> None:
    root, _writer, _s = project
    assert cached(root) == clean(root)
    assert incremental.last_run.ran == []
    assert incremental.last_run.loaded == []


def test_renamed_recording_rule_is_reported_where_it_is_used(project: tuple[Path, Writer, Spec]) -> None:
    root, writer, s = project
    assert not codes(clean(root), "OAC506")
    s.modules["m1"] = (5, "ok")  # job:x_1:rate5m, read by m3 and by dashboard d1, is gone
    s.dashboards["d1"] = (1, "ok")
    writer.write(s)
    result = cached(root)
    assert result == clean(root)
    found = codes(result, "OAC506")
    assert any("alerts/m3.py" in d and "job:x_1:rate5m" in d for d in found), found
    assert any("dashboards/d1.py" in d for d in found), found
    assert "alerts/m3.py" not in incremental.last_run.loaded
    # Defining it again clears both, without reloading the modules that use it.
    s.modules["m1"] = (1, "ok")
    writer.write(s)
    again = cached(root)
    assert again == clean(root) and not codes(again, "OAC506")
    assert incremental.last_run.loaded == ["alerts/m1.py"]


def test_rule_edit_does_not_rerun_dashboard_stages(project: tuple[Path, Writer, Spec]) -> None:
    root, writer, s = project
    s.modules["m0"] = (0, "two_groups")  # records the same names: other modules' OAC506 stands
    writer.write(s)
    assert cached(root) == clean(root)
    ran = incremental.last_run.ran
    assert "OAC106" in ran  # a new group name
    # The same rule file: prometheus.yml's summary of the module did not change.
    assert "obs_as_code.render.prometheus:render_config" not in ran, ran
    assert not [r for r in ran if r.startswith(("OAC30", "dashboards", "obs_as_code.render.grafana"))], ran
    assert "OAC506@alerts/m0.py" in ran and "OAC506@alerts/m1.py" not in ran, ran
    assert not [r for r in ran if r.startswith("obs_as_code.slo.generate")], ran


RULE_STAGES = ("OAC106", "OAC509", "obs_as_code.render.prometheus:render_config", "obs_as_code.render.preview:render")


def test_expression_edit_reruns_only_the_module_s_own_stages(project: tuple[Path, Writer, Spec]) -> None:
    root, writer, s = project
    s.modules["m0"] = (0, "new_expr")  # names, labels and lines stay: no summary changes
    writer.write(s)
    assert cached(root) == clean(root)
    ran = incremental.last_run.ran
    assert not [r for r in ran if r in RULE_STAGES], ran
    assert {"OAC502@alerts/m0.py", "OAC505@alerts/m0.py"} <= set(ran) and "OAC502@alerts/m1.py" not in ran, ran
    # d0's query reads job:x_0:rate5m, whose rule changed; m1 reads nothing of m0.
    assert incremental.last_run.rechecked == ["alerts/m0.py", "dashboards/d0.py"]


def test_renamed_alert_reruns_the_stages_reading_alerts(project: tuple[Path, Writer, Spec]) -> None:
    root, writer, s = project
    s.modules["m0"] = (7, "ok")  # Down7 instead of Down0, in group m0-7
    writer.write(s)
    assert cached(root) == clean(root)
    ran = set(incremental.last_run.ran)
    assert {"OAC106", "OAC504", "OAC509"} <= ran, ran
    assert "obs_as_code.render.prometheus:render_config" not in ran and "obs_as_code.render.preview:render" not in ran, ran


def test_dashboard_edit_does_not_rerun_rule_stages(project: tuple[Path, Writer, Spec]) -> None:
    root, writer, s = project
    s.dashboards["d0"] = (1, "ok")
    writer.write(s)
    result = cached(root)
    assert result == clean(root)
    # One module's dashboards are checked (OAC221, OAC506: per module, with the
    # project's catalog and recorded names) and rendered again; nothing else.
    assert sorted(incremental.last_run.ran) == ["OAC221@dashboards/d0.py", "OAC506@dashboards/d0.py", "dashboards@dashboards/d0.py"]
    assert incremental.last_run.loaded == ["dashboards/d0.py"]
    s.dashboards["d1"] = (1, "ok")  # a new dashboard module: the provider file lists it
    writer.write(s)
    assert cached(root) == clean(root)
    assert "obs_as_code.render.grafana:render_provisioning" in incremental.last_run.ran


def test_renderer_skipped_on_errors_runs_again_once_they_are_fixed(project: tuple[Path, Writer, Spec]) -> None:
    root, writer, s = project
    s.dashboards["d0"] = (0, "unaggregated")  # an error (OAC301): renderers are run tolerantly
    writer.write(s)
    broken = cached(root)
    assert broken == clean(root) and codes(broken, "OAC301")
    s.dashboards["d0"] = (0, "ok")
    writer.write(s)
    assert cached(root) == clean(root)


def test_datasource_edit_rechecks_every_dashboard_module(project: tuple[Path, Writer, Spec]) -> None:
    root, writer, s = project
    s.dashboards["d1"] = (1, "ok")
    s.datasources = 2  # the dashboards' datasource uid is no longer declared (OAC307)
    writer.write(s)
    undeclared = cached(root)
    assert undeclared == clean(root) and codes(undeclared, "OAC307")
    assert {"dashboards@dashboards/d0.py", "dashboards@dashboards/d1.py"} <= set(incremental.last_run.ran)
    s.datasources = 1
    writer.write(s)
    declared = cached(root)
    assert declared == clean(root) and not codes(declared, "OAC307")


def test_uid_collision_across_modules(project: tuple[Path, Writer, Spec]) -> None:
    root, writer, s = project
    s.dashboards["d1"] = (1, "shared_uid")
    writer.write(s)
    assert cached(root) == clean(root)
    s.dashboards["d2"] = (2, "shared_uid")
    writer.write(s)
    collided = cached(root)
    assert collided == clean(root)
    assert any("shared-uid" in d for d in collided[1]), collided[1]
    # Which module keeps a shared UID is decided project-wide: the dashboard stages ran whole.
    assert {"OAC301", "obs_as_code.render.grafana:render"} <= set(incremental.last_run.ran)
    s.dashboards.pop("d1")
    writer.write(s)
    assert cached(root) == clean(root)


def test_title_collision_across_modules(project: tuple[Path, Writer, Spec]) -> None:
    # Two modules of one folder with one title: each module alone is fine, so the
    # per-module stages missed it (Grafana's file provider stops saving on it).
    root, writer, s = project
    s.dashboards["d1"] = (1, "shared_title")
    writer.write(s)
    assert cached(root) == clean(root)
    s.dashboards["d2"] = (2, "shared_title")
    writer.write(s)
    collided = cached(root)
    assert collided == clean(root)
    assert any("'Shared title' is used twice" in d for d in collided[1]), collided[1]
    s.dashboards.pop("d1")
    writer.write(s)
    assert cached(root) == clean(root)


def test_slo_edit_regenerates_only_its_module(project: tuple[Path, Writer, Spec]) -> None:
    root, writer, s = project
    s.slo = 4
    writer.write(s)
    result = cached(root)
    assert result == clean(root)
    assert any("availability-4" in path for path in result[0]), sorted(result[0])
    assert "obs_as_code.slo.generate:generate@slos/s0.py" in incremental.last_run.ran
    assert incremental.last_run.loaded == ["slos/s0.py"]


def test_runbook_page_is_read_again_when_it_changes(project: tuple[Path, Writer, Spec]) -> None:
    root, writer, s = project
    s.modules["m4"] = (2, "repo_runbook")
    writer.write(s)
    missing = cached(root)
    assert missing == clean(root)
    assert any("does not exist" in d for d in codes(missing, "OAC507"))
    s.runbook_headings = (9,)  # the page exists, without the section
    writer.write(s)
    no_section = cached(root)
    assert no_section == clean(root)
    assert any("no such heading" in d for d in codes(no_section, "OAC507"))
    assert incremental.last_run.loaded == []  # no module changed, the page did
    s.runbook_headings = (2, 9)
    writer.write(s)
    fixed = cached(root)
    assert fixed == clean(root) and not codes(fixed, "OAC507")


def test_recording_expression_edit_rechecks_only_its_readers(project: tuple[Path, Writer, Spec]) -> None:
    root, writer, s = project
    s.modules["m1"] = (1, "bad_promql")  # job:x_1:rate5m keeps its name, its expression changes
    writer.write(s)
    result = cached(root)
    assert result == clean(root)
    # m3 reads job:x_1:rate5m (its types come from that expression); nothing else does.
    assert sorted(incremental.last_run.rechecked) == ["alerts/m1.py", "alerts/m3.py"]
    s.modules["m1"] = (1, "ok")
    writer.write(s)
    assert cached(root) == clean(root)
    assert sorted(incremental.last_run.rechecked) == ["alerts/m1.py", "alerts/m3.py"]


def test_tree_stamp_follows_repository_files_but_not_virtualenvs(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "runbook.md").write_text("# A\n")
    venv = tmp_path / "venv"
    (venv / "lib").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr\n")
    before = incremental._tree_stamp(tmp_path)
    (venv / "lib" / "module.py").write_text("x = 1\n")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "out.yaml").write_text("a: 1\n")
    assert incremental._tree_stamp(tmp_path) == before
    (tmp_path / "docs" / "other.md").write_text("# B\n")
    assert incremental._tree_stamp(tmp_path) != before


def test_cached_dashboard_source_map_stays_lazy_and_resolves_the_same(tmp_path: Path) -> None:
    import pickle

    from obs_as_code import pipeline
    from obs_as_code.incremental import _source_map_blob

    (tmp_path / "dashboards").mkdir()
    (tmp_path / "dashboards" / "d.py").write_text(
        'board = {\n    "title": "D",\n    "panels": [\n        {"type": "text", "title": "a"},\n        {"type": "text", "title": "b"},\n    ],\n}\n'
    )
    compiled = pipeline.compile_project(tmp_path)
    artifact = next(a for a in compiled.artifacts if a.path.endswith(".json") and a.path.startswith("grafana/"))
    assert getattr(artifact.source_map, "pending", False)
    restored = pickle.loads(_source_map_blob(artifact.source_map))
    assert getattr(restored, "pending", False)  # caching did not parse the module
    assert dict(restored) == dict(artifact.source_map)
    assert restored[("panels", 1)].line == 5


def _rules(root: Path, name: str, body: str) -> None:
    path = root / "alerts" / f"{name}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'"""{name}."""\n\nfrom obs_as_code import AlertRule, RecordingRule, RuleGroup\n\ngroup = RuleGroup(name="{name}", rules=[\n{body}])\n')
    stamp = path.stat().st_mtime_ns + 10**9 * (1 + len(list(root.rglob("*.py"))))  # later than any earlier write
    import os

    os.utime(path, ns=(stamp, stamp))


@pytest.mark.parametrize("cyclic", [False, True])
def test_a_change_far_down_a_chain_of_recording_rules_rechecks_the_user(tmp_path: Path, cyclic: bool) -> None:
    # c reads job:b, recorded by b from job:a, recorded by a (from job:b again when cyclic).
    a_expr = "sum(job:b:sum)" if cyclic else "sum(rate(x_total[5m]))"
    _rules(tmp_path, "a", f'    RecordingRule(name="job:a:sum", expr="{a_expr}"),\n')
    _rules(tmp_path, "b", '    RecordingRule(name="job:b:sum", expr="sum(job:a:sum)"),\n')
    _rules(tmp_path, "c", '    AlertRule(name="Low", expr="job:b:sum < 1", for_="5m", labels={"severity": "info"}, annotations={"summary": "s"}),\n')
    assert cached(tmp_path) == clean(tmp_path)
    assert cached(tmp_path) == clean(tmp_path) and incremental.last_run.rechecked == []
    # a's rule changes: c's checks read its type through b, so c is checked again.
    new_a = "sum(job:b:sum) * 2" if cyclic else "sum(rate(x_total[10m]))"
    _rules(tmp_path, "a", f'    RecordingRule(name="job:a:sum", expr="{new_a}"),\n')
    assert cached(tmp_path) == clean(tmp_path)
    assert "alerts/c.py" in incremental.last_run.rechecked, incremental.last_run.rechecked


def test_only_the_first_rule_recording_a_name_is_context(tmp_path: Path) -> None:
    # a and b both record job:a:sum (a first, in project order); c reads it.
    _rules(tmp_path, "a", '    RecordingRule(name="job:a:sum", expr="sum(rate(x_total[5m]))"),\n')
    _rules(tmp_path, "b", '    RecordingRule(name="job:a:sum", expr="sum(rate(y_total[5m]))"),\n')
    _rules(tmp_path, "c", '    AlertRule(name="Low", expr="job:a:sum < 1", for_="5m", labels={"severity": "info"}, annotations={"summary": "s"}),\n')
    assert cached(tmp_path) == clean(tmp_path)
    _rules(tmp_path, "b", '    RecordingRule(name="job:a:sum", expr="sum(rate(y_total[10m]))"),\n')
    assert cached(tmp_path) == clean(tmp_path)
    assert "alerts/c.py" not in incremental.last_run.rechecked, incremental.last_run.rechecked
    _rules(tmp_path, "a", '    RecordingRule(name="job:a:sum", expr="sum(x_bucket)"),\n')
    assert cached(tmp_path) == clean(tmp_path)
    assert "alerts/c.py" in incremental.last_run.rechecked, incremental.last_run.rechecked


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_slo_window_check_reads_the_jobs_the_catalog_lists(tmp_path: Path) -> None:
    # The SLO's queries name no job: OAC404 learns from the catalog that x_total
    # comes from job "slow", scraped every 10m: too slow for a 5m window.
    _write(
        tmp_path,
        "catalog/c.py",
        '"""Catalog."""\n\nfrom obs_as_code import Metric, MetricsCatalog\n\n'
        'catalog = MetricsCatalog(metrics=[Metric(name="x_total", type="counter", labels=["code"], jobs=["slow"])])\n',
    )
    _write(
        tmp_path,
        "scrape/s.py",
        '"""Jobs."""\n\nfrom obs_as_code import PrometheusConfig, ScrapeJob\n\n'
        'config = PrometheusConfig()\njobs = [ScrapeJob(name="slow", targets=["h:9100"], scrape_interval="10m")]\n',
    )
    _write(
        tmp_path,
        "slos/s.py",
        '"""SLOs."""\n\nfrom obs_as_code.slo import SLO, RatioSLI\n\n'
        "slo = SLO(service=\"svc\", name=\"availability\", objective=99.9, "
        "sli=RatioSLI(errors='x_total{code=~\"5..\"}', total=\"x_total\"))\n",
    )
    result = cached(tmp_path)
    assert result == clean(tmp_path)
    assert codes(result, "OAC404"), result[1]


def test_names_recorded_elsewhere_as_a_recorded_mapping() -> None:
    from obs_as_code.model.rules import RecordingRule, RuleGroup

    own_rule = RecordingRule(name="job:own:sum", expr="sum(x)")
    own_group = RuleGroup(name="g", rules=[own_rule])
    seen = incremental._RecordedElsewhere(frozenset({"job:a:sum", "job:own:sum"}), {"job:own:sum": [(own_group, own_rule)]})
    assert "job:a:sum" in seen and "job:own:sum" in seen and "job:nope" not in seen
    assert sorted(seen) == ["job:a:sum", "job:own:sum"] and len(seen) == 2
    assert seen["job:own:sum"] == [(own_group, own_rule)]
    ((group, rule),) = seen["job:a:sum"]
    assert rule.name == "job:a:sum" and rule.expr == "" and group.rules == [rule]
    with pytest.raises(KeyError):
        seen["job:nope"]


def test_shared_definitions_are_in_project_order_for_every_module() -> None:
    # with_shared finds the modules holding each set of classes once per build;
    # it must give what walking every module in project order gives.
    from obs_as_code.incremental import _Compile, _kinds_of_type
    from obs_as_code.source import project_root
    from tests.oac_testing import REPO

    token = project_root.set(str(REPO))
    try:
        build = _Compile(REPO, None, 1)
        build.load()
        build.generate()
    finally:
        project_root.reset(token)

    def walked(kinds: frozenset[str], module: str) -> list[object]:
        out: list[object] = []
        for made in (False, True):
            for ref in build.refs:
                found = build.generated_of(ref.path) if made else build.definitions_of(ref.path)
                if ref.path == module:
                    out.extend(found)
                else:
                    out.extend(d for d in found if kinds.intersection(_kinds_of_type(type(d))))
        return out

    kinds_sets = [frozenset({"Datasource"}), frozenset({"MetricsCatalog", "ScrapeJob"}), frozenset({"RuleGroup"}), frozenset({"SLO"})]
    modules = ["", *(ref.path for ref in build.refs)]
    for kinds in kinds_sets:
        for module in modules:
            assert [id(d) for d in build.with_shared(kinds, module)] == [id(d) for d in walked(kinds, module)], (kinds, module)


def _three_modules(folder: Path, source: Callable[[str], str]) -> None:
    """Modules ``a``, ``b`` and ``c`` in ``folder``, each of ``source(name)``."""
    folder.mkdir(exist_ok=True)
    for name in ("a", "b", "c"):
        (folder / f"{name}.py").write_text(source(name))


def test_module_scoped_contexts_judge_each_tree_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The contexts an incremental build scopes to each module share the trees of
    # one base context, and so what a check found in each: three modules with the
    # same query shape are judged once, with each module's own findings.
    from obs_as_code.lint.engine import LintContext, all_checks
    from obs_as_code.lint.rules import oac201_histogram_quantile as oac201
    from obs_as_code.pipeline import load
    from obs_as_code.source import project_root

    _three_modules(
        tmp_path / "alerts",
        lambda name: "from obs_as_code.model.rules import AlertRule, RuleGroup\n\n"
        f'group = RuleGroup(name="{name}", rules=[AlertRule(name="Slow{name}", '
        f'expr=\'histogram_quantile(0.9, x_seconds_bucket{{service="{name}"}}) > 1\', for_="5m")])\n',
    )
    calls: list[int] = []
    real = oac201.find

    def counting(ctx: Any, root: Any) -> Any:
        calls.append(id(root))
        return real(ctx, root)

    monkeypatch.setattr(oac201, "find", counting)
    check = next(c for c in all_checks() if c.code == "OAC201")
    token = project_root.set(str(tmp_path))
    try:
        project, _ = load(tmp_path)
        base = LintContext(project)
        scoped = []
        for name in ("a", "b", "c"):
            defs = [d for d in project.definitions if d.module == f"alerts/{name}.py"]
            found, _made, _rendered, _used = incremental._local_stage(tmp_path, f"alerts/{name}.py", defs, [], base, [check])
            scoped.append([(d.location.file, d.message) for d in found])
    finally:
        project_root.reset(token)
    assert len(calls) == 1
    assert [len(f) for f in scoped] == [1, 1, 1]
    assert [f[0][0] for f in scoped] == ["alerts/a.py", "alerts/b.py", "alerts/c.py"]


def test_dashboard_modules_share_their_trees_and_keep_their_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Modules holding only dashboards are checked in contexts sharing their parse
    # caches: the same query shape in three modules is judged once, each module
    # still gets its own finding, and a cold incremental build equals a clean one.
    from obs_as_code.lint.rules import oac301_panel_rate_unaggregated as oac301
    from obs_as_code.pipeline import build

    _three_modules(
        tmp_path / "dashboards",
        lambda name: "from obs_as_code.dashboards import kit as k\n\n"
        f'board = k.dashboard("Board {name}", [\n'
        f"    k.timeseries(\"Raw\", k.prom('rate(http_requests_total{{service=\"{name}\"}}[5m])'), unit=k.REQPS),\n"
        "], variables=[k.datasource_var()])\n",
    )
    clean_result = build(tmp_path, tmp_path / "clean")
    # Each tree OAC301 judges adds one entry to its context's findings memo, and
    # only a memo miss judges: one memo for the three modules holding one entry
    # means the tree was judged once. (Counted through the memo, not by wrapping
    # the judging function: the check may run compiled, where its own calls do
    # not go through the module's attributes.)
    memos: dict[int, int] = {}
    real = oac301.CHECK

    def run(ctx: Any) -> Any:
        yield from real.run(ctx)
        memo = ctx._tree_findings
        memos[id(memo)] = sum(1 for key in memo if getattr(key[0], "__name__", None) == "unaggregated")

    monkeypatch.setattr(oac301, "CHECK", dataclasses.replace(real, run=run))
    cold = build(tmp_path, incremental=True)
    assert list(memos.values()) == [1]  # one memo, one tree judged, for the three modules
    found = [(d.code, d.location.file) for d in cold.diagnostics if d.code == "OAC301"]
    assert found == [("OAC301", f"dashboards/{name}.py") for name in ("a", "b", "c")]
    assert [(d.code, d.location, d.message) for d in cold.diagnostics] == [
        (d.code, d.location, d.message) for d in clean_result.diagnostics
    ]


def test_a_first_build_makes_each_panel_query_tree_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The scoped contexts (the module checks) and the dashboards-only contexts
    # (the dashboard checks) of a project without scrape jobs share their parse
    # caches: each panel query is looked up afresh once in the whole cold build
    # (it was twice, once per family), and the findings are the clean build's.
    from obs_as_code.lint import engine
    from obs_as_code.pipeline import build

    _three_modules(
        tmp_path / "dashboards",
        lambda name: "from obs_as_code.dashboards import kit as k\n\n"
        f'board = k.dashboard("Board {name}", [\n'
        f"    k.timeseries(\"Raw\", k.prom('rate(http_requests_total{{service=\"{name}\"}}[5m])'), unit=k.REQPS),\n"
        f"    k.timeseries(\"Sum\", k.prom('sum(rate(http_requests_total{{service=\"{name}\"}}[5m]))'), unit=k.REQPS),\n"
        "], variables=[k.datasource_var()])\n",
    )
    clean_result = build(tmp_path, tmp_path / "clean")
    looked_up: list[str] = []
    real = engine.reversed_blind

    def counting(expr: str) -> str | None:
        looked_up.append(expr)
        return real(expr)

    monkeypatch.setattr(engine, "reversed_blind", counting)
    cold = build(tmp_path, incremental=True)
    assert sorted(looked_up) == sorted(set(looked_up)) and len(looked_up) == 6
    assert [(d.code, d.location, d.message) for d in cold.diagnostics] == [
        (d.code, d.location, d.message) for d in clean_result.diagnostics
    ]
    assert any(d.code == "OAC301" for d in cold.diagnostics)


def test_a_datasource_change_rechecks_the_queries_of_the_dashboards(tmp_path: Path) -> None:
    # The scoped PromQL checks read a module's dashboards rendered with the
    # project's datasources (which decide what a target's query language is):
    # a datasource edit must reach them, not only the dashboard checks.
    (tmp_path / "datasources").mkdir()
    (tmp_path / "dashboards").mkdir()
    source = (
        "from obs_as_code.model.datasource import Datasource\n\n"
        'prom = Datasource(name="Prometheus", type="prometheus", uid="prometheus", url="http://prometheus:9090", is_default=True)\n'
        'logs = Datasource(name="{name}", type="loki", uid="loki", url="http://loki:3100")\n'
    )
    (tmp_path / "datasources" / "main.py").write_text(source.format(name="Logs"))
    (tmp_path / "dashboards" / "d.py").write_text(
        "dashboard = {\n"
        '    "title": "D", "uid": "d", "schemaVersion": 39,\n'
        '    "panels": [{"type": "timeseries", "title": "Latency", "datasource": "Logs", "gridPos": {"h": 8, "w": 24, "x": 0, "y": 0},\n'
        '                "fieldConfig": {"defaults": {"unit": "s"}, "overrides": []},\n'
        '                "targets": [{"refId": "A", "expr": "histogram_quantile(0.9, x_seconds_bucket)"}]}],\n'
        "}\n"
    )
    first = cached(tmp_path)
    assert first == clean(tmp_path)
    # "Logs" now names no datasource: the panel's query is read as PromQL.
    (tmp_path / "datasources" / "main.py").write_text(source.format(name="Loki"))
    second = cached(tmp_path)
    assert "dashboards/d.py" in incremental.last_run.rechecked
    assert second == clean(tmp_path)
    assert not codes(first, "OAC201")
    assert codes(second, "OAC201")  # raw bucket counters in histogram_quantile, now checked


_GROUP = (
    "from obs_as_code.model.rules import AlertRule, RuleGroup\n\n"
    'group = RuleGroup("shared", [AlertRule("{name}", "up == 0", for_="5m", labels={{"severity": "page"}}, '
    'annotations={{"summary": "s", "runbook_url": "https://runbooks.example/{name}"}})]){comment}\n'
)


@pytest.mark.parametrize("comment", ["  # oac: ignore[OAC106]", "  # oac: ignore"])
def test_an_ignore_comment_that_moves_no_line_is_honoured_by_summary_keyed_stages(tmp_path: Path, comment: str) -> None:
    # OAC106 (duplicate group names) is keyed by the modules' rule summaries, which
    # hold positions, not the text: a comment at the end of the group's line moves
    # nothing, and the incremental build kept reporting what it silences.
    (tmp_path / "alerts").mkdir()
    (tmp_path / "alerts" / "a.py").write_text(_GROUP.format(name="A1", comment=""))
    b = tmp_path / "alerts" / "b.py"
    b.write_text(_GROUP.format(name="B1", comment=""))
    before = cached(tmp_path)
    assert before == clean(tmp_path) and codes(before, "OAC106")
    b.write_text(_GROUP.format(name="B1", comment=comment))
    silenced = cached(tmp_path)
    assert silenced == clean(tmp_path) and not codes(silenced, "OAC106")
    b.write_text(_GROUP.format(name="B1", comment=""))
    assert cached(tmp_path) == clean(tmp_path) == before


def test_ignore_marks_list_the_comments_and_their_codes(tmp_path: Path) -> None:
    f = tmp_path / "m.py"
    f.write_text("x = 1\ny = 2  # oac: ignore[OAC106, oac504]\n# oac: ignore\nz = 3  # oacs: ignore\n")
    assert incremental.ignore_marks(f) == ((2, "OAC106,OAC504"), (3, ""))
    f.write_text("x = 1\n")
    assert incremental.ignore_marks(f) == ()
    assert incremental.ignore_marks(tmp_path / "missing.py") == ()


def test_a_datasource_module_edit_that_changes_no_datasource_rechecks_no_dashboard(project: tuple[Path, Writer, Spec]) -> None:
    root, writer, s = project
    s.dashboards["d1"] = (1, "ok")
    s.datasources = 1
    writer.write(s)
    assert cached(root) == clean(root)
    ds = root / "datasources" / "ds.py"
    original = ds.read_text()
    # A comment at the end moves no datasource: nothing of the dashboards runs again.
    ds.write_text(original + "# the team's datasources\n")
    assert cached(root) == clean(root)
    assert incremental.last_run.loaded == ["datasources/ds.py"]
    assert not [r for r in incremental.last_run.ran if r.startswith("dashboards@")]
    assert incremental.last_run.rechecked == ["datasources/ds.py"]  # its own checks only
    # A line above them moves every datasource (their positions are in the summary,
    # so what points at them stays right): the dashboards are rendered again.
    ds.write_text("# the team's datasources\n" + original)
    assert cached(root) == clean(root)
    assert {"dashboards@dashboards/d0.py", "dashboards@dashboards/d1.py"} <= set(incremental.last_run.ran)


def test_oac116_runs_only_when_two_groups_share_a_rule_identity(tmp_path: Path) -> None:
    # OAC116 reads every rule group: after a rule edit it is cleared by the
    # modules' identities (alert or record, name, labels) unless two groups of
    # different names share one, and then it runs on the whole project.
    writer = Writer(tmp_path)
    s = Spec(modules={"m0": (0, "ok"), "m1": (1, "ok")}, dashboards={}, slo=2)
    writer.write(s)
    assert cached(tmp_path) == clean(tmp_path)
    s.modules["m0"] = (0, "new_expr")
    writer.write(s)
    result = cached(tmp_path)
    assert result == clean(tmp_path) and not codes(result, "OAC116")
    assert "OAC116" not in incremental.last_run.ran, incremental.last_run.ran
    # Taken once, then kept in the cache: the next build reads them from there.
    from obs_as_code import cache

    kept = cache.read(tmp_path, incremental._with_target(incremental.fingerprint()))
    assert dict(kept.modules["alerts/m1.py"].lazy)["identities"] == incremental.rule_identities(
        [d for d in pipeline_definitions(tmp_path) if d.module == "alerts/m1.py" and isinstance(d, RuleGroup)]
    )
    s.modules["m2"] = (1, "ok")  # m1's alert and recording rule again, in group m2-1
    writer.write(s)
    result = cached(tmp_path)
    assert result == clean(tmp_path)
    assert "OAC116" in incremental.last_run.ran
    found = codes(result, "OAC116")
    assert len(found) == 2 and all("alerts/m2.py" in d and "'m1-1'" in d for d in found), found
    del s.modules["m2"]
    writer.write(s)
    result = cached(tmp_path)
    assert result == clean(tmp_path) and not codes(result, "OAC116")
    assert "OAC116" not in incremental.last_run.ran


def pipeline_definitions(root: Path) -> list[Any]:
    from obs_as_code import pipeline

    return list(pipeline.compile_project(root).project.definitions)


def test_rule_identities_stand_for_what_oac116_compares() -> None:
    from obs_as_code.model.rules import AlertRule, RecordingRule

    def ids(*groups: RuleGroup) -> list[bytes]:
        found = incremental.rule_identities(groups)
        assert found is not None
        return [i for _name, idents in found for i in idents]

    a = RuleGroup(name="a", labels={"team": "x"}, rules=[RecordingRule(name="r", expr="1", labels={"k": "v"})])
    # The group's labels and the rule's count as one set; the expression does not count.
    b = RuleGroup(name="b", rules=[RecordingRule(name="r", expr="2", labels={"k": "v", "team": "x"})])
    assert ids(a) == ids(b)
    c = RuleGroup(name="c", rules=[AlertRule(name="r", expr="1", labels={"k": "v", "team": "x"})])
    d = RuleGroup(name="d", rules=[RecordingRule(name="r", expr="1", labels={"k": "w", "team": "x"})])
    assert len({*ids(a), *ids(c), *ids(d)}) == 3
    assert incremental.rule_identities([RuleGroup(name="", rules=[RecordingRule(name="r", expr="1")])]) == ()
    # Changed after it was made (the model checks its arguments): OAC116 then runs.
    broken = RecordingRule(name="r", expr="1")
    object.__setattr__(broken, "labels", [1])
    assert incremental.rule_identities([RuleGroup(name="e", rules=[broken])]) is None


KEYED = {"OAC504", "OAC510"}


def test_oac504_and_oac510_are_keyed_by_the_rules_but_their_schedule(tmp_path: Path) -> None:
    # OAC504 and OAC510 read the rules' names, labels and expressions: after their
    # first incremental run they are keyed by one summary of those, so an interval
    # edit reuses them and an expression or label edit does not.
    writer = Writer(tmp_path)
    s = Spec(modules={"m0": (0, "ok"), "m1": (1, "ok")}, dashboards={}, slo=1)
    writer.write(s)
    assert cached(tmp_path) == clean(tmp_path)
    assert cached(tmp_path) == clean(tmp_path) and not KEYED & set(incremental.last_run.ran)  # a no-op
    module = tmp_path / "alerts" / "m0.py"

    def edit(old: str, new: str) -> set[str]:
        text = module.read_text(encoding="utf-8")
        assert old in text
        module.write_text(text.replace(old, new), encoding="utf-8")
        assert cached(tmp_path) == clean(tmp_path)
        return KEYED & set(incremental.last_run.ran)

    assert edit('interval="1m"', 'interval="2m"') == KEYED  # their first run keyed by summaries
    assert edit('interval="2m"', 'interval="3m"') == set()
    assert edit("[5m]", "[10m]") == KEYED
    assert edit('interval="3m"', 'interval="4m"') == set()
    assert edit('RecordingRule(name="job:x_0:rate5m", ', 'RecordingRule(name="job:x_0:rate5m", labels={"tier": "1"}, ') == KEYED
    assert set(incremental.LAZY_KEYED) == KEYED


def test_settle_takes_the_rule_summaries_a_watch_session_needs_next(tmp_path: Path) -> None:
    # After a cold build no rule summary is taken; settle (what oac watch runs
    # between cycles) takes them all, and the next rule edit's build reads them
    # from the cache: incremental still equals clean.
    writer = Writer(tmp_path)
    s = Spec(modules={"m0": (0, "ok"), "m1": (1, "ok")}, dashboards={"d0": (0, "ok")}, slo=2)
    writer.write(s)
    memory = incremental.Memory()
    incremental.compile_incremental(tmp_path, memory)
    assert memory.cache is not None
    held = [e for e in (*memory.cache.modules.values(), *memory.cache.generated.values()) if "RuleGroup" in e.kinds]
    assert held and all(e.lazy == () for e in held)
    assert incremental.settle(memory) == len(held)
    held = [e for e in (*memory.cache.modules.values(), *memory.cache.generated.values()) if "RuleGroup" in e.kinds]
    assert all(sorted(dict(e.lazy)) == ["identities", "rules"] for e in held)
    assert dict(memory.cache.modules["alerts/m1.py"].lazy)["identities"] == incremental.rule_identities(
        [d for d in pipeline_definitions(tmp_path) if d.module == "alerts/m1.py" and isinstance(d, RuleGroup)]
    )
    assert incremental.settle(memory) == 0  # nothing left to take
    module = tmp_path / "alerts" / "m0.py"
    module.write_text(module.read_text(encoding="utf-8").replace('interval="1m"', 'interval="2m"'), encoding="utf-8")
    cached_made = incremental.compile_incremental(tmp_path, memory)
    assert "OAC116" not in incremental.last_run.ran
    made = {a.path: a.content for a in cached_made.artifacts}, [repr(d) for d in cached_made.diagnostics]
    assert made == clean(tmp_path)
