"""What incremental builds assume of the stages they cache: a stage reads only
the classes it declares (STAGE_INPUTS), and a stage keyed by its summaries
of the rule groups must give the same output whatever the groups hold beyond
them. Checked on the shipped project (real alerts, routes, tests and SLO rules)
by scrambling everything the summaries leave out."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from obs_as_code import incremental, pipeline
from obs_as_code.lint.engine import LintContext, run_checks, select_checks
from obs_as_code.load import Project
from obs_as_code.model.alertmanager import AlertmanagerConfig, InhibitRule, Route
from obs_as_code.model.rules import AlertRule, RecordingRule, RuleGroup
from obs_as_code.model.tests import RuleTest

REPO = Path(__file__).resolve().parents[2]


def _scrambled(group: RuleGroup, n: int) -> RuleGroup:
    """``group`` with every field no summary reads changed."""
    rules: list[Any] = []
    for i, rule in enumerate(group.rules):
        if isinstance(rule, AlertRule):
            rules.append(
                dataclasses.replace(
                    rule, expr=f"vector({n}{i})", for_="17m", keep_firing_for="3m", annotations={"summary": f"scrambled {n}"}
                )
            )
        elif isinstance(rule, RecordingRule):
            rules.append(dataclasses.replace(rule, name=f"scrambled:{n}_{i}:sum", expr="vector(0)", labels={"x": "y"}))
    scrambled = dataclasses.replace(group, rules=rules, interval="7m", limit=99, extra={"query_offset": "1m"})
    scrambled.location, scrambled.module = group.location, group.module
    return scrambled


def _output(stage: str, project: Project) -> Any:
    if stage.startswith("OAC"):
        (check,) = [c for c in select_checks() if c.code == stage]
        return sorted(str(d) for d in run_checks(LintContext(project), [check]))
    made, found = incremental._run_renderer(pipeline._resolve(stage), project)
    return [(a.path, a.content) for a in made], sorted(str(d) for d in found)


@pytest.fixture(scope="module")
def shipped() -> Project:
    """The shipped project, plus what makes each summarized check report something:
    a duplicate group (OAC106), an inhibit rule no alert matches (OAC504), a route
    no alert matches (OAC510) and a test expecting an alert nobody defines (OAC509)."""
    project, _diagnostics = pipeline.load(REPO)
    pipeline.generate(project)
    first = project.all(RuleGroup)[0]
    duplicate = dataclasses.replace(first)
    duplicate.location, duplicate.module = dataclasses.replace(first.location, line=first.location.line + 1), first.module
    (config,) = project.all(AlertmanagerConfig)
    never = InhibitRule(source_matchers=['alertname="NoSuchAlert"'], target_matchers=['severity="page"'])
    never.location = config.location
    test = next(t for t in project.all(RuleTest) if t.alerts)
    expects = dataclasses.replace(test.alerts[0], alertname="NoSuchAlert")
    expects.location = test.alerts[0].location
    unknown = dataclasses.replace(test, alerts=[*test.alerts, expects])
    unknown.location, unknown.module = test.location, test.module
    nowhere = Route(receiver=config.route.receiver_name, matchers=['alertname="NoSuchAlert"'])
    nowhere.location = config.route.location
    route = dataclasses.replace(config.route, routes=[*config.route.routes, nowhere])
    route.location = config.route.location
    extended = dataclasses.replace(config, route=route, inhibit_rules=[*config.inhibit_rules, never])
    extended.location, extended.module = config.location, config.module
    swap = {id(config): extended, id(test): unknown}
    definitions = [swap.get(id(d), d) for d in project.definitions] + [duplicate]
    return Project(root=project.root, modules=project.modules, definitions=definitions)


@pytest.mark.parametrize("stage", sorted(incremental.RULE_SUMMARIES))
def test_a_stage_reads_nothing_of_the_groups_beyond_its_summary(shipped: Project, stage: str) -> None:
    groups = shipped.all(RuleGroup)
    scrambled = [_scrambled(g, n) if isinstance(g, RuleGroup) else g for n, g in enumerate(shipped.definitions)]
    other = Project(root=shipped.root, modules=shipped.modules, definitions=scrambled)
    summarize = incremental.RULE_SUMMARIES[stage]
    assert summarize(other.all(RuleGroup)) == summarize(groups)  # the scrambling kept the summary
    assert other.all(RuleGroup) != groups  # ... and changed the groups
    found = _output(stage, shipped)
    assert found  # something to compare
    assert _output(stage, other) == found


def _rescheduled(group: RuleGroup, n: int) -> RuleGroup:
    """``group`` with its schedule changed (intervals, ``for``, annotations, limits):
    what :data:`incremental.LAZY_RULE_SUMMARIES` "rules" leaves out."""
    rules: list[Any] = [
        dataclasses.replace(rule, for_="17m", keep_firing_for="3m", annotations={"summary": f"moved {n}"})
        if isinstance(rule, AlertRule) else rule
        for rule in group.rules
    ]  # fmt: skip
    moved = dataclasses.replace(group, rules=rules, interval="7m", limit=99, extra={"query_offset": "1m"})
    moved.location, moved.module = group.location, group.module
    return moved


@pytest.mark.parametrize("stage", sorted(incremental.LAZY_KEYED))
def test_a_lazily_keyed_stage_reads_nothing_of_the_groups_beyond_its_summary(shipped: Project, stage: str) -> None:
    groups = shipped.all(RuleGroup)
    moved = [_rescheduled(g, n) if isinstance(g, RuleGroup) else g for n, g in enumerate(shipped.definitions)]
    other = Project(root=shipped.root, modules=shipped.modules, definitions=moved)
    summarize = incremental.LAZY_RULE_SUMMARIES[incremental.LAZY_KEYED[stage]]
    assert summarize(other.all(RuleGroup)) == summarize(groups)  # the same summary
    assert other.all(RuleGroup) != groups  # of other groups
    found = _output(stage, shipped)
    assert found  # something to compare
    assert _output(stage, other) == found


def test_summaries_change_with_what_their_stages_read() -> None:
    group = RuleGroup(name="g", rules=[AlertRule(name="A", expr="up == 0", labels={"severity": "page"})])
    group.module = "alerts/a.py"
    renamed = dataclasses.replace(group, rules=[AlertRule(name="B", expr="up == 0", labels={"severity": "page"})])
    renamed.module = "alerts/a.py"
    before, after = dict(incremental.rule_summaries([group])), dict(incremental.rule_summaries([renamed]))
    assert set(before) == set(incremental.RULE_SUMMARIES)
    changed = {stage for stage in before if before[stage] != after[stage]}
    assert changed == {"OAC509"}


def _restricted(project: Project, kinds: frozenset[str]) -> Project:
    kept = [d for d in project.definitions if kinds.intersection(incremental._kinds_of_type(type(d)))]
    return Project(root=project.root, modules=project.modules, definitions=kept)


#: A project whose SLO reads its job's scrape interval through the catalog (OAC404).
SLOW_JOB = {
    "catalog/c.py": 'from obs_as_code import Metric, MetricsCatalog\n\n'
    'catalog = MetricsCatalog(metrics=[Metric(name="x_total", type="counter", labels=["code"], jobs=["slow"])])\n',
    "scrape/s.py": 'from obs_as_code import PrometheusConfig, ScrapeJob\n\n'
    'config = PrometheusConfig()\njobs = [ScrapeJob(name="slow", targets=["h:9100"], scrape_interval="10m")]\n',
    "slos/s.py": "from obs_as_code.slo import SLO, RatioSLI\n\n"
    "slo = SLO(service=\"svc\", name=\"availability\", objective=99.9, "
    "sli=RatioSLI(errors='x_total{code=~\"5..\"}', total=\"x_total\"))\n",
}


@pytest.mark.parametrize("stage", sorted(incremental.STAGE_INPUTS))
@pytest.mark.parametrize("where", ["shipped", "fixture", "slow-job"])
def test_a_stage_reads_only_the_classes_it_declares(shipped: Project, stage: str, where: str, tmp_path: Path) -> None:
    """What incremental builds rely on (STAGE_INPUTS): a stage run on the definitions
    of its declared classes only gives what it gives on the whole project."""
    if stage.startswith("OAC") and stage not in {c.code for c in select_checks(lint_only=True)}:
        pytest.skip(f"{stage} is not a registered check")
    if where == "shipped":
        project = shipped
    else:
        root = REPO / "tests" / "fixtures" / "projects" / "full"
        if where == "slow-job":
            root = tmp_path
            for rel, text in SLOW_JOB.items():
                (root / rel).parent.mkdir(parents=True, exist_ok=True)
                (root / rel).write_text(f'"""{rel}."""\n\n{text}')
        project, _diagnostics = pipeline.load(root)
        pipeline.generate(project)
    assert _output(stage, _restricted(project, incremental.STAGE_INPUTS[stage])) == _output(stage, project)


def test_deferred_checks_are_the_registered_checks(shipped: Project) -> None:
    from obs_as_code.lint.engine import deferred_checks, describe_checks

    deferred = deferred_checks(describe_checks(), lint_only=True)
    real = select_checks(lint_only=True)
    assert [(c.code, c.name, c.summary, c.severity, c.lint_only) for c in deferred] == [
        (c.code, c.name, c.summary, c.severity, c.lint_only) for c in real
    ]
    assert [c.code for c in deferred_checks(describe_checks())] == [c.code for c in select_checks()]
    ctx_a, ctx_b = LintContext(shipped), LintContext(shipped)
    assert sorted(map(str, run_checks(ctx_a, deferred))) == sorted(map(str, run_checks(ctx_b, real)))
    assert run_checks(LintContext(shipped), deferred)  # the enriched project has findings to compare
