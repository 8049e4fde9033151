"""Publish under faults: whatever fails, Grafana ends equal to the build (after a
rerun at most), with no dashboard lost or duplicated, and reruns converge."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from obs_as_code import DeletedDatasource
from obs_as_code.grafana.client import AuthError
from obs_as_code.grafana.managed import strip_markers
from obs_as_code.grafana.plan import Action
from obs_as_code.grafana.publish import publish
from obs_as_code.names import folder_uid

from .fake_grafana import FakeGrafana
from .helpers import Target, dashboard, sample_build, write_build, write_datasources


def assert_state_equals_build(fake: FakeGrafana, build: dict[str, dict[str, Any]],
                              extra: set[str] | None = None) -> None:
    """Fake Grafana holds exactly the built dashboards (plus ``extra`` uids)."""
    state = fake.dashboard_state()
    assert set(state) == {d["uid"] for d in build.values()} | (extra or set())
    titles = [(f, d["title"]) for f, d in state.values()]
    assert len(titles) == len(set(titles)), "duplicated dashboard"
    for key, dash in build.items():
        folder = key.rsplit("/", 1)[0] if "/" in key else ""
        got_folder, got = state[dash["uid"]]
        assert got_folder == (folder_uid(folder) if folder else None)
        assert strip_markers(got) == dash


def assert_rerun_is_noop(target: Target, build_dir: Path) -> None:
    with target.client() as client:
        plan, result = publish(client, str(build_dir))
        assert result.ok and not plan.has_changes
        assert client.writes_sent == 0


FAULTS = ["500", "503", "429", "timeout", "timeout_before", "reset", "reset_after"]


@pytest.mark.parametrize("kind", FAULTS)
@pytest.mark.parametrize("path", ["/api/dashboards/db", "/api/folders"])
def test_transient_fault_on_a_write_is_retried(fake_target: Target, fake: FakeGrafana,
                                               tmp_path: Path, kind: str, path: str) -> None:
    build = sample_build("f", 6)
    write_build(tmp_path, build)
    fault = fake.fail("POST", path, kind, nth=2)
    with fake_target.client() as client:
        _, result = publish(client, str(tmp_path))
    assert fault.fired == 1
    assert result.ok, result.render()
    assert_state_equals_build(fake, build)
    assert_rerun_is_noop(fake_target, tmp_path)


def test_a_slow_answer_is_waited_for_not_retried(fake_target: Target, fake: FakeGrafana,
                                               tmp_path: Path) -> None:
    """An answer later than a hang's timeout (a starved fake on a loaded machine) is
    still an answer. Before, every request had 0.3s: the client retried it, and the
    request counts and sleeps the tests assert changed."""
    build = sample_build("s", 3)
    write_build(tmp_path, build)
    for method, path in (("GET", "/api/search"), ("POST", "/api/folders"), ("POST", "/api/dashboards/db")):
        fake.fail(method, path, "slow")
    with fake_target.client() as client:
        _, result = publish(client, str(tmp_path))
        assert result.ok, result.render()
        assert client.writes_sent == 5  # two folders, three dashboards: one attempt each
    assert fake_target.sleeps == [] and len(fake.writes()) == 5
    assert_state_equals_build(fake, build)


@pytest.mark.parametrize("kind", ["500", "timeout", "reset"])
def test_transient_fault_on_reads_is_retried(fake_target: Target, fake: FakeGrafana,
                                             tmp_path: Path, kind: str) -> None:
    build = sample_build("r", 3)
    write_build(tmp_path, build)
    fake.fail("GET", "/api/search", kind)
    fake.fail("GET", "/api/folders/", kind)
    with fake_target.client() as client:
        _, result = publish(client, str(tmp_path))
    assert result.ok, result.render()
    assert_state_equals_build(fake, build)


def test_update_with_lost_response_then_412_counts_as_done(
        fake_target: Target, fake: FakeGrafana, tmp_path: Path) -> None:
    build = sample_build("u", 3)
    write_build(tmp_path, build)
    with fake_target.client() as client:
        assert publish(client, str(tmp_path))[1].ok
    for dash in build.values():
        dash["panels"][0]["title"] = "changed"
    write_build(tmp_path, build)
    # Each update lands, the answer is lost, the retry gets 412 version-mismatch.
    fake.fail("POST", "/api/dashboards/db", "timeout", nth=1, times=1)
    fake.fail("POST", "/api/dashboards/db", "reset_after", nth=3, times=1)
    with fake_target.client() as client:
        _, result = publish(client, str(tmp_path))
    assert result.ok, result.render()
    assert sum("earlier attempt landed" in o.message for o in result.outcomes) == 2
    assert_state_equals_build(fake, build)
    assert_rerun_is_noop(fake_target, tmp_path)


def test_retry_budget_exhausted_is_a_partial_failure_that_reruns_clean(
        fake_target: Target, fake: FakeGrafana, tmp_path: Path) -> None:
    build = sample_build("b", 6)
    write_build(tmp_path, build)
    fake.fail("POST", "/api/dashboards/db", "500", nth=2, times=5)  # > attempts of one write
    with fake_target.client(attempts=3) as client:
        _, result = publish(client, str(tmp_path), prune=True)
    assert not result.ok
    failed = result.with_status("failed")
    assert len(failed) == 1 and "failed after 3 attempts: HTTP 500" in failed[0].message
    assert len(fake.dashboards) == 5
    with fake_target.client() as client:
        _, again = publish(client, str(tmp_path), prune=True)
    assert again.ok and again.writes == 1
    assert_state_equals_build(fake, build)
    assert_rerun_is_noop(fake_target, tmp_path)


def test_prune_is_skipped_when_a_write_failed(fake_target: Target, fake: FakeGrafana,
                                              tmp_path: Path) -> None:
    write_build(tmp_path, {"f/old": dashboard("old", "Old")})
    with fake_target.client() as client:
        assert publish(client, str(tmp_path))[1].ok
    build = {"f/new": dashboard("new", "New")}
    write_build(tmp_path, build)
    fake.fail("POST", "/api/dashboards/db", "500", times=2)  # both attempts of one write
    with fake_target.client(attempts=2) as client:
        _, result = publish(client, str(tmp_path), prune=True)
    assert not result.ok
    assert {o.uid: o.status for o in result.outcomes} == {"new": "failed", "old": "skipped"}
    assert set(fake.dashboards) == {"old"}  # never deleted before its replacement exists
    with fake_target.client() as client:
        assert publish(client, str(tmp_path), prune=True)[1].ok
    assert_state_equals_build(fake, build)


def test_429_honours_retry_after(fake_target: Target, fake: FakeGrafana,
                                 tmp_path: Path) -> None:
    write_build(tmp_path, {"a": dashboard("a", "A")})
    fake.fail("POST", "/api/dashboards/db", "429", retry_after="7")
    with fake_target.client() as client:
        assert publish(client, str(tmp_path))[1].ok
    assert fake_target.sleeps == [7.0]


def test_412_from_a_concurrent_editor_is_reported_then_rerun_converges(
        fake_target: Target, fake: FakeGrafana, tmp_path: Path) -> None:
    build = sample_build("c", 3)
    write_build(tmp_path, build)
    fake.fail("POST", "/api/dashboards/db", "412", nth=2)
    with fake_target.client() as client:
        _, result = publish(client, str(tmp_path))
    assert not result.ok
    (failed,) = result.with_status("failed")
    assert "changed in Grafana during the publish" in failed.message
    with fake_target.client() as client:
        assert publish(client, str(tmp_path))[1].ok
    assert_state_equals_build(fake, build)


def test_401_mid_run_aborts_reports_and_rerun_converges(fake_target: Target, fake: FakeGrafana,
                                                        tmp_path: Path) -> None:
    build = sample_build("a", 6)
    write_build(tmp_path, build)
    fake.fail("POST", "/api/dashboards/db", "401", nth=3)
    with fake_target.client() as client:
        _, result = publish(client, str(tmp_path), prune=True)
        assert client.counts[("POST", "/api/dashboards/db")] == 3  # no retry of a 401
    assert not result.ok
    assert result.aborted is not None and "HTTP 401" in result.aborted
    applied = [o.uid for o in result.with_status("applied") if o.kind == "dashboard"]
    skipped = [o.uid for o in result.with_status("skipped")]
    assert len(applied) == 2 and len(skipped) == 4
    assert set(fake.dashboards) == set(applied)
    with fake_target.client() as client:
        _, again = publish(client, str(tmp_path), prune=True)
    assert again.ok
    assert_state_equals_build(fake, build)
    assert_rerun_is_noop(fake_target, tmp_path)


def test_401_while_planning_raises_auth_error_and_writes_nothing(
        fake_target: Target, fake: FakeGrafana, tmp_path: Path) -> None:
    write_build(tmp_path, sample_build("x", 3))
    fake.fail("GET", "/api/search", "401")
    with fake_target.client() as client, pytest.raises(AuthError):
        publish(client, str(tmp_path))
    assert fake.writes() == []


def test_folder_that_cannot_be_created_skips_its_dashboards(
        fake_target: Target, fake: FakeGrafana, tmp_path: Path) -> None:
    # A hand-made folder already has the title "team" under another uid.
    with fake_target.client() as client:
        assert client.post("/api/folders", {"uid": "handmade", "title": "team"}).ok
    build = {"team/a": dashboard("a", "A"), "team/llm/b": dashboard("b", "B"),
             "c": dashboard("c", "C")}
    write_build(tmp_path, build)
    with fake_target.client() as client:
        plan, result = publish(client, str(tmp_path))
    assert not result.ok
    statuses = {(o.kind, o.uid): o.status for o in result.outcomes}
    assert statuses == {("folder", "oac-team"): "failed", ("folder", "oac-team-llm"): "skipped",
                        ("dashboard", "a"): "skipped", ("dashboard", "b"): "skipped",
                        ("dashboard", "c"): "applied"}
    assert plan.dashboards_with(Action.CREATE)
    assert set(fake.dashboards) == {"c"}


def test_broken_build_file_is_never_pruned(fake_target: Target, fake: FakeGrafana,
                                           tmp_path: Path) -> None:
    build = {"a": dashboard("a", "A"), "b": dashboard("b", "B")}
    write_build(tmp_path, build)
    with fake_target.client() as client:
        assert publish(client, str(tmp_path))[1].ok
        (tmp_path / "grafana/dashboards/b.json").write_text("{broken")
        plan, result = publish(client, str(tmp_path), prune=True)
        assert not result.ok and "not pruning" in " ".join(plan.errors)
        assert [d.uid for d in plan.dashboards_with(Action.ORPHAN)] == ["b"]
        write_build(tmp_path, {})
        plan, result = publish(client, str(tmp_path), prune=True)
        assert not result.ok and not plan.dashboards_with(Action.PRUNE)
    assert set(fake.dashboards) == {"a", "b"}


@pytest.mark.parametrize("kind", ["timeout", "reset_after", "500"])
def test_prune_delete_with_lost_response_converges(fake_target: Target, fake: FakeGrafana,
                                                   tmp_path: Path, kind: str) -> None:
    write_build(tmp_path, {"a": dashboard("a", "A"), "b": dashboard("b", "B")})
    with fake_target.client() as client:
        assert publish(client, str(tmp_path))[1].ok
    build = {"a": dashboard("a", "A")}
    write_build(tmp_path, build)
    fake.fail("DELETE", "/api/dashboards/uid/b", kind)
    with fake_target.client() as client:
        _, result = publish(client, str(tmp_path), prune=True)
    assert result.ok, result.render()
    assert_state_equals_build(fake, build)


@pytest.mark.parametrize("kind", ["timeout", "reset_after", "500"])
def test_datasource_delete_with_lost_response_converges(fake_target: Target, fake: FakeGrafana,
                                                        tmp_path: Path, kind: str) -> None:
    # The DELETE is retried; when the lost attempt had landed, the retry's 404 is "done".
    write_build(tmp_path, {"a": dashboard("a", "A")})
    write_datasources(tmp_path, DeletedDatasource("Tempo"))
    with fake_target.client() as client:
        assert client.post("/api/datasources", {"name": "Tempo", "type": "tempo", "uid": "tempo"}).ok
    fake.fail("DELETE", "/api/datasources/uid/tempo", kind)
    with fake_target.client() as client:
        _, result = publish(client, str(tmp_path), datasources=True)
        assert result.ok, result.render()
        [outcome] = [o for o in result.outcomes if o.kind == "datasource"]
        assert (outcome.action, outcome.status) == ("delete", "applied")
        assert outcome.message == ("" if kind == "500" else "already deleted")
        assert fake.datasources == {}
        plan, again = publish(client, str(tmp_path), datasources=True)
        assert again.ok and again.writes == 0 and plan.datasources == []
