"""OAC511: routing tests read against the project's routing tree at build time,
and the same verdict from amtool (what `oac test` runs)."""

from __future__ import annotations

from pathlib import Path

from routing_support import write_project

from obs_as_code.diagnostics import Diagnostic
from obs_as_code.pipeline import compile_project

ROUTING = """
    from obs_as_code import AlertmanagerConfig, Receiver, Route, RoutingTest

    config = AlertmanagerConfig(
        route=Route(receiver="default", routes=[
            Route(receiver="pager", matchers=['severity="critical"']),
            Route(receiver="search-chat", matchers=['team="search"'], continue_=True),
            Route(receiver="chat", matchers=['severity="warning"']),
        ]),
        receivers=[Receiver(name="default"), Receiver(name="pager"), Receiver(name="search-chat"), Receiver(name="chat")],
    )

    tests = [
        RoutingTest(name="critical pages", labels={"severity": "critical"}, receivers=["pager"]),
        RoutingTest(name="search warning", labels={"team": "search", "severity": "warning"},
                    receivers=RECEIVERS),
    ]
"""


def _found(tmp_path: Path, receivers: str) -> list[Diagnostic]:
    root = write_project(tmp_path, {"alerts/routing.py": ROUTING.replace("RECEIVERS", receivers)})
    return [d for d in compile_project(root).diagnostics if d.code == "OAC511"]


def test_a_passing_test_gives_nothing(tmp_path: Path) -> None:
    assert _found(tmp_path, '["search-chat", "chat"]') == []


def test_an_unknown_receiver_is_named_with_the_one_meant(tmp_path: Path) -> None:
    [d] = _found(tmp_path, '["search-chat", "chaat"]')
    assert (d.location.file, d.location.line, d.severity.value) == ("alerts/routing.py", 15, "warning")
    assert d.location.col == 27  # the value of receivers=
    assert "expects 'chaat', which the Alertmanager configuration does not declare" in d.message
    assert d.hint == "did you mean 'chaat' -> 'chat'?"


def test_receivers_the_tree_does_not_send_to_are_shown_with_what_it_does(tmp_path: Path) -> None:
    # continue=True on the team route: the alert goes on to the warning route too.
    [d] = _found(tmp_path, '["search-chat"]')
    assert d.location.line == 15
    assert "expected: search-chat" in d.message and "actual:   search-chat, chat" in d.message
    assert "+ chat (routed, not expected)" in d.message
    [d] = _found(tmp_path / "order", '["chat", "search-chat"]')
    assert "(same receivers in another order: order follows the route tree)" in d.message


def test_amtool_gives_the_same_verdict(tmp_path: Path) -> None:
    from routing_support import run_cli

    root = write_project(tmp_path, {"alerts/routing.py": ROUTING.replace("RECEIVERS", '["search-chat"]')})
    built = run_cli("build", "-C", str(root))
    assert built.exit_code == 0 and "OAC511" in built.stderr  # a warning: build/ is written
    tested = run_cli("test", "--project", str(root))
    assert tested.exit_code == 1
    assert "OAC902" in tested.stderr and "actual:   search-chat, chat" in tested.stderr
    assert "alerts/routing.py:15:" in tested.stderr
