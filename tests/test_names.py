"""obs_as_code.names: dashboard UIDs derived from module paths."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from obs_as_code import names

# Path parts as people name files: ASCII words, separators, accents, CJK.
_PART = st.text(
    alphabet=st.sampled_from([*"abcxyzABC019_-. ", "é", "ü", "ß", "日", "本", "中", "国", "Ω"]), min_size=1, max_size=30
).filter(lambda p: p.strip(".") != "")
_PATHS = st.lists(_PART, min_size=1, max_size=4).map(lambda parts: "dashboards/" + "/".join(parts) + ".py")


@settings(max_examples=300, deadline=None)
@given(_PATHS, st.none() | st.sampled_from(["board", "second", "übersicht", "日本"]))
def test_a_dashboard_uid_is_valid_stable_and_kept_apart(path: str, name: str | None) -> None:
    uid = names.dashboard_uid(path, name)
    assert names.valid_uid(uid) and len(uid) <= names.UID_MAX
    assert names.dashboard_uid(path, name) == uid
    # A path with characters the slug drops is never the UID of the same path
    # without them (the hash of the whole keeps it apart).
    ascii_only = "".join(c for c in path if c.isascii())
    if ascii_only != path:
        assert names.dashboard_uid(ascii_only, name) != uid


def test_non_ascii_modules_get_uids_of_their_own() -> None:
    # Both were 'api' (and every all-CJK module 'root'): an OAC308 collision.
    uids = {names.dashboard_uid(p) for p in ("dashboards/日本/api.py", "dashboards/中国/api.py", "dashboards/api.py")}
    assert len(uids) == 3
    assert names.dashboard_uid("dashboards/日本.py") != names.dashboard_uid("dashboards/中国.py")
    assert names.dashboard_uid("dashboards/über/straße.py").startswith("uber-strae-")
    # ASCII paths keep their readable UIDs (the shipped ones among them).
    assert names.dashboard_uid("dashboards/llm/performance.py") == "llm-performance"
    assert names.dashboard_uid("dashboards/pair.py", "second") == "pair-second"


#: UIDs users' Grafanas hold (links, alerts, library panels point at them): the
#: derivation may be rewritten, never changed. Edge cases of both kinds of path:
#: a slug that is empty, a name whose slug is empty, cut to fit, lossy or not.
PINNED_UIDS = [
    (("dashboards/llm/performance.py", None), "llm-performance"),
    (("dashboards/pair.py", "second"), "pair-second"),
    (("dashboards/pair.py", ""), "pair"),
    (("dashboards/_.py", None), "root"),
    (("dashboards/_.py", "board"), "root-board"),
    (("dashboards/pair.py", "!!"), "pair-"),
    (("dashboards/x.y.py", None), "x-y"),
    (("other/x.py", None), "other-x"),
    (("dashboards/" + "a" * 45 + ".py", None), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-52789e34"),
    (("dashboards/team/" + "b-" * 20 + ".py", "second"), "team-b-b-b-b-b-b-b-b-b-b-b-b-b-2a3c7e52"),
    (("dashboards/über/straße.py", None), "uber-strae-c03fc127"),
    (("dashboards/日本/api.py", None), "api-f71d8077"),
    (("dashboards/日本.py", None), "4d33ef5a"),
    (("dashboards/日本.py", "board"), "board-0149d12e"),
    (("dashboards/pair.py", "日本"), "pair-57e7684e"),
    (("dashboards/pair.py", "übersicht"), "pair-ubersicht-4aac00ec"),
    (("dashboards/" + "é" * 45 + ".py", None), "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeee-d2e6f4e3"),
    (("dashboards/Ω/" + "c" * 40 + ".py", "n"), "ccccccccccccccccccccccccccccccc-75d952b1"),
]


def test_dashboard_uids_are_pinned() -> None:
    assert [names.dashboard_uid(*args) for args, _uid in PINNED_UIDS] == [uid for _args, uid in PINNED_UIDS]
