"""Stable panel ids: a panel's id derives from its title and its row's, not from
its place, so that adding a panel moves no other panel's id (links hold them:
``?viewPanel=``, a Grafana alert's ``__panelId__``). One numbering
(``render.stable_panel_ids``) for the kit's layout and for ``normalize``."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from dash_support import REPO, rebuild
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from obs_as_code.dashboards import kit as k
from obs_as_code.dashboards.render import (
    PANEL_ID_SPACE,
    home_id,
    iter_panels,
    normalize,
    panel_key,
    render_dashboard,
)
from obs_as_code.importers.dashboard import to_python
from obs_as_code.model.dashboard import DashboardDef
from obs_as_code.pipeline import Compiled


def _colliding_titles() -> tuple[str, str]:
    """Two titles of top-level panels with one home id (a crc32 collision modulo
    99999; the birthday bound makes a few hundred tries enough)."""
    seen: dict[int, str] = {}
    n = 0
    while True:
        title = f"Panel {n}"
        home = home_id(panel_key(None, title, "stat"), 0)
        if home in seen:
            return seen[home], title
        seen[home] = title
        n += 1


#: Two titles whose top-level panels have one home id: the second is a new
#: panel's title in :func:`test_a_new_panel_moves_no_other_id_unless_its_home_id_is_taken`.
COLLIDING = _colliding_titles()
# Few titles, so that duplicates (in a row, across rows) are common.
TITLES = st.sampled_from(["", "Requests", "Errors", "p95", "Requests ", "Ünïcode", "\ud800", COLLIDING[0]])
OWN_IDS = st.one_of(st.none(), st.just(0), st.integers(1, 6), st.integers(1, PANEL_ID_SPACE + 5))
PANEL = st.fixed_dictionaries(
    {"type": st.sampled_from(["timeseries", "stat", "text"]), "title": TITLES}, optional={"id": OWN_IDS}
)
#: A section: the panels above the first row (row None), or a row and its panels.
SECTION = st.tuples(st.one_of(st.none(), TITLES), st.booleans(), OWN_IDS, st.lists(PANEL, max_size=5))


def _board(sections: list[tuple[str | None, bool, int | None, list[dict[str, Any]]]]) -> dict[str, Any]:
    """Dashboard JSON of ``sections``; a collapsed row holds its panels, another
    row is followed by them. Each panel is tagged (``description``) to be found
    again after a change. Sections without a row after the first one are
    appended to the row before them, as Grafana reads them."""
    panels: list[dict[str, Any]] = []
    n = 0
    for row, collapsed, own, children in sections:
        tagged = []
        for child in children:
            tagged.append({**child, "description": f"p{n}"})
            n += 1
        if row is None:
            panels.extend(tagged)
            continue
        row_panel: dict[str, Any] = {"type": "row", "title": row, "collapsed": collapsed, "description": f"p{n}",
                                     "panels": tagged if collapsed else []}
        n += 1
        if own is not None:
            row_panel["id"] = own
        panels.append(row_panel)
        if not collapsed:
            panels.extend(tagged)
    return {"title": "Ids", "schemaVersion": 41, "panels": panels}


def _ids(board: dict[str, Any]) -> dict[str, Any]:
    """Tag -> id of every panel of normalized ``board``."""
    return {p["description"]: p["id"] for _path, p in iter_panels(normalize(copy.deepcopy(board))["panels"])}


@settings(max_examples=200, deadline=None)
@given(st.lists(SECTION, max_size=6))
def test_ids_are_unique_positive_deterministic_and_own_ids_are_kept(sections: list[Any]) -> None:
    board = _board(sections)
    given_ids = {p["description"]: p.get("id") for _path, p in iter_panels(board["panels"])}
    ids = _ids(board)
    assert ids == _ids(board)  # deterministic
    own = [v for v in given_ids.values() if v]
    derived = [ids[tag] for tag, v in given_ids.items() if not v]
    for tag, v in given_ids.items():
        if v:
            assert ids[tag] == v  # kept, even a duplicate (OAC303 reports it)
    assert all(type(i) is int and 1 <= i <= PANEL_ID_SPACE for i in derived)
    assert len(set(derived)) == len(derived) and not set(derived) & set(own)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(st.lists(SECTION, min_size=1, max_size=6), st.data())
def test_a_new_panel_moves_no_other_id_unless_its_home_id_is_taken(sections: list[Any], data: st.DataObject) -> None:
    """Inserting a panel with a title no other panel has leaves every other id as
    it was, except when the id its key hashes to (its home id) is one the
    dashboard already used: then the panel that held it, if it comes later in
    layout order, probes on to the next free id (and may push others). The
    panels before the new one never move."""
    before = _board(sections)
    at = data.draw(st.integers(0, len(sections) - 1), label="section")
    children = sections[at][3]
    pos = data.draw(st.integers(0, len(children)), label="position")
    # A title no panel has; sometimes one whose home id a panel titled COLLIDING[0] holds.
    title = data.draw(st.one_of(st.text(min_size=1, max_size=8).map(lambda t: "new " + t), st.just(COLLIDING[1])), label="title")
    changed = copy.deepcopy(sections)
    changed[at][3].insert(pos, {"type": "stat", "title": title})
    after = _board(changed)
    # The tags after the insertion point shifted by one: map them back.
    new_tag = sum(len(s[3]) + (s[0] is not None) for s in sections[:at]) + pos
    old_ids = _ids(before)
    new_ids = _ids(after)

    def old_tag(tag: str) -> str:
        n = int(tag[1:])
        return f"p{n - 1}" if n > new_tag else tag

    moved = {old_tag(t): (old_ids[old_tag(t)], i) for t, i in new_ids.items() if t != f"p{new_tag}" and old_ids[old_tag(t)] != i}
    # The new panel's row: its section's, else the last row before it.
    enclosing = next((s[0] for s in reversed(sections[: at + 1]) if s[0] is not None), None)
    home = home_id(panel_key(enclosing, title, "stat"), 0)
    if home not in set(old_ids.values()):
        event("home id free")
        assert moved == {}
        assert new_ids[f"p{new_tag}"] == home
    else:
        event("home id taken: a collision")
        order = [p["description"] for _path, p in iter_panels(after["panels"])]
        first = order.index(f"p{new_tag}")
        if moved:
            event("home id taken: a later panel moved")
        assert all(order.index(t if int(t[1:]) < new_tag else f"p{int(t[1:]) + 1}") > first for t in moved)


def test_a_collision_moves_the_later_panel_and_an_own_id_pins_it() -> None:
    first, second = COLLIDING
    home = home_id(panel_key(None, first, "stat"), 0)
    board = {"title": "C", "panels": [{"type": "stat", "title": second}]}
    assert [p["id"] for p in normalize(board)["panels"]] == [home]
    # A new panel before it, whose home is the same: it takes the id, the old one
    # probes to the next free id. The one case where adding a panel moves another.
    board["panels"].insert(0, {"type": "stat", "title": first})
    assert [p["id"] for p in normalize(board)["panels"]] == [home, home % PANEL_ID_SPACE + 1]
    # Added after it, the new panel is the one that probes on.
    board["panels"].reverse()
    assert [p["id"] for p in normalize(board)["panels"]] == [home, home % PANEL_ID_SPACE + 1]
    # Given its id, the old panel keeps it wherever the new one goes.
    board["panels"] = [{"type": "stat", "title": first}, {"type": "stat", "title": second, "id": home}]
    assert [p["id"] for p in normalize(board)["panels"]] == [home % PANEL_ID_SPACE + 1, home]


def test_probing_wraps_past_the_end_of_the_range() -> None:
    title = next(t for t in (f"Panel {n}" for n in range(10**6)) if home_id(panel_key(None, t, "stat"), 0) >= PANEL_ID_SPACE - 3)
    home = home_id(panel_key(None, title, "stat"), 0)
    taken = [{"type": "text", "title": f"t{i}", "id": i} for i in (*range(home, PANEL_ID_SPACE + 1), 1)]
    data = normalize({"title": "W", "panels": [*taken, {"type": "stat", "title": title}]})
    assert data["panels"][-1]["id"] == 2  # past 99999 comes 1 (taken), then 2


def test_the_ids_are_the_same_in_every_process() -> None:
    """crc32, not Python's hash of a string, which is salted per process."""
    code = (
        "from obs_as_code.dashboards.render import normalize\n"
        "d = normalize({'title': 'P', 'panels': [{'type': 'row', 'title': 'R'}, {'type': 'stat', 'title': 'a'},"
        " {'type': 'stat', 'title': 'a'}, {'type': 'text'}]})\n"
        "print([p['id'] for p in d['panels']])\n"
    )
    here = [p["id"] for p in normalize({"title": "P", "panels": [
        {"type": "row", "title": "R"}, {"type": "stat", "title": "a"}, {"type": "stat", "title": "a"}, {"type": "text"}]})["panels"]]
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO)}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=REPO)
        assert json.loads(out.stdout) == here


def test_the_key_is_the_row_and_the_title_then_the_occurrence() -> None:
    data = normalize({"title": "K", "panels": [
        {"type": "stat", "title": "Requests"},
        {"type": "row", "title": "API", "collapsed": False, "panels": []},
        {"type": "stat", "title": "Requests"},
        {"type": "timeseries", "title": "Requests"},  # another type, same title: its second occurrence
        {"type": "text"},
        {"type": "row", "title": "Worker", "collapsed": True, "panels": [{"type": "stat", "title": "Requests"}]},
    ]})
    assert [p["id"] for _path, p in iter_panels(data["panels"])] == [
        home_id(panel_key(None, "Requests", "stat"), 0),
        home_id(panel_key(None, "API", "row"), 0),
        home_id(panel_key("API", "Requests", "stat"), 0),
        home_id(panel_key("API", "Requests", "timeseries"), 1),
        home_id(panel_key("API", "", "text"), 0),
        home_id(panel_key(None, "Worker", "row"), 0),
        home_id(panel_key("Worker", "Requests", "stat"), 0),
    ]
    assert panel_key("API", "Requests", "stat") == panel_key("API", "Requests", "timeseries")
    assert len({panel_key(None, "A", "row"), panel_key(None, "A", "stat"), panel_key("A", "", "stat"), panel_key("", "A", "stat")}) == 4


KIT_ITEMS = st.lists(
    st.tuples(
        st.sampled_from(["panel", "text", "row", "collapsed"]),
        st.sampled_from(["a", "b", "Requests"]),
        st.one_of(st.none(), st.integers(1, 5)),
        st.lists(st.tuples(st.sampled_from(["a", "b", ""]), st.one_of(st.none(), st.integers(1, 5))), max_size=3),
    ),
    max_size=6,
)


def _kit_item(kind: str, title: str, own: int | None, children: list[tuple[str, int | None]]) -> Any:
    def panel(t: str, i: int | None) -> Any:
        p = k.text("", "x") if not t else k.stat(t, k.prom("sum(up)"))
        return p.id(i) if i is not None else p

    if kind in ("row", "collapsed"):
        return k.row(title, [panel(t, i) for t, i in children], collapsed=kind == "collapsed")
    return panel("" if kind == "text" else title, own)


@settings(max_examples=40, deadline=None)
@given(KIT_ITEMS)
def test_the_kit_and_normalize_give_the_same_ids(items: list[Any]) -> None:
    """The kit numbers its models with the function normalize numbers JSON with:
    a kit dashboard's JSON with the derived ids taken out gets them back."""
    data = render_dashboard(DashboardDef(k.dashboard("Same", [_kit_item(*i) for i in items]), uid="same")).json
    own = [i for kind, _t, i, children in items for i in ([i] if kind in ("panel", "text") else [c[1] for c in children])]
    kit_ids = [p["id"] for _path, p in iter_panels(data["panels"])]
    stripped = copy.deepcopy(data)
    for _path, p in iter_panels(stripped["panels"]):
        if p["id"] not in own:
            del p["id"]
    assert [p["id"] for _path, p in iter_panels(normalize(stripped)["panels"])] == kit_ids


def test_explicit_duplicate_ids_are_still_reported(project: Callable[..., Compiled]) -> None:
    head = "from obs_as_code.dashboards import kit as k\n\n"
    compiled = project({"dashboards/dups.py": head + """board = k.dashboard("Dups", [
    k.stat("A", k.prom("sum(up)")).id(5),
    k.stat("B", k.prom("sum(up)")).id(5),
    k.stat("C", k.prom("sum(up)")),
])
"""})
    found = [(d.location.line, d.message) for d in compiled.diagnostics if d.code == "OAC303"]
    assert found == [(5, "panel id 5 is used twice in dashboard 'Dups' ('B' and the panel at dashboards/dups.py:4:5)")]


def test_an_own_id_equal_to_a_derived_one_moves_the_derived_one(project: Callable[..., Compiled]) -> None:
    home = home_id(panel_key(None, "C", "stat"), 0)
    head = "from obs_as_code.dashboards import kit as k\n\n"
    compiled = project({"dashboards/taken.py": head + f"""board = k.dashboard("Taken", [
    k.stat("C", k.prom("sum(up)")),
    k.stat("D", k.prom("sum(up)")).id({home}),
])
"""})
    assert [d for d in compiled.diagnostics if d.code == "OAC303"] == []
    board = next(a.data for a in compiled.artifacts if a.path.startswith("grafana/dashboards/"))
    assert [p["id"] for p in board["panels"]] == [home % PANEL_ID_SPACE + 1, home]


def test_an_import_keeps_the_ids_and_writes_them_out() -> None:
    """Links to an imported dashboard's panels keep working: the module gives each
    panel its id (the input's, else the derived one normalize gave it), so that
    renaming a panel later keeps its id too."""
    original = {"title": "Imported", "schemaVersion": 39, "panels": [
        {"id": 7, "type": "stat", "title": "Up", "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0}},
        {"id": 3, "type": "stat", "title": "Down", "gridPos": {"h": 4, "w": 6, "x": 6, "y": 0}},
        {"type": "stat", "title": "No id", "gridPos": {"h": 4, "w": 6, "x": 12, "y": 0}},
        {"id": 40, "type": "row", "title": "More", "collapsed": True, "gridPos": {"h": 1, "w": 24, "x": 0, "y": 4},
         "panels": [{"id": 12, "type": "graph", "title": "Old", "legend": {"show": True}, "gridPos": {"h": 4, "w": 6, "x": 0, "y": 5}}]},
    ]}
    source = to_python(original)
    assert ".id(7)" in source and ".id(3)" in source and ".id(40)" in source and "'id': 12" in source
    derived = home_id(panel_key(None, "No id", "stat"), 0)
    assert f".id({derived})" in source
    rebuilt = rebuild(source)
    assert [p["id"] for _path, p in iter_panels(rebuilt["panels"])] == [7, 3, derived, 40, 12]
    renamed = rebuild(source.replace("'Up'", "'Up (renamed)'"))
    assert [p["id"] for _path, p in iter_panels(renamed["panels"])] == [7, 3, derived, 40, 12]


def test_repeat_copies_and_library_panels_take_no_part_in_the_numbering() -> None:
    """Copies an old save kept of repeated panels are dropped before numbering
    (Grafana makes its own at every load, numbered above the highest id, or keyed
    ``panel-<id>-clone-<n>`` in scenes: a derived id never meets one); a library
    panel is numbered as the panel its model makes."""
    plain = {"title": "R", "panels": [
        {"type": "stat", "title": "$host", "repeat": "host"},
        {"type": "stat", "title": "Other"},
    ]}
    with_copies = copy.deepcopy(plain)
    with_copies["panels"].insert(1, {"type": "stat", "title": "$host", "repeatPanelId": 9, "repeatIteration": 1})
    ids = [p["id"] for p in normalize(plain)["panels"]]
    assert [p["id"] for p in normalize(with_copies)["panels"]] == ids == [
        home_id(panel_key(None, "$host", "stat"), 0), home_id(panel_key(None, "Other", "stat"), 0)]
    library = {"title": "L", "panels": [{"libraryPanel": {"uid": "lib", "name": "Lib"}, "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0}}],
               "__elements": {"lib": {"uid": "lib", "model": {"type": "stat", "title": "Shared"}}}}
    assert normalize(library)["panels"][0]["id"] == home_id(panel_key(None, "Shared", "stat"), 0)
