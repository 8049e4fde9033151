"""OAC508 refuses a notification template exactly when amtool 0.25 does: a
small deterministic sample of the differential test (tests/am_templates.py;
``python -m tests.am_templates -n 20000`` runs a large one)."""

from __future__ import annotations

from tests.am_templates import cases, compare, compare_paths
from tests.oac_testing import need_binary

#: Templates of the suite's sample (each in a file, a third also in receivers' fields): a few seconds.
COUNT = 300
SEED = 20261128


def test_oac508_refuses_a_generated_template_exactly_when_amtool_does() -> None:
    verdicts = compare(SEED, COUNT, need_binary("amtool"))
    files = [v for v in verdicts if v.place == "file"]
    refused = [v for v in files if v.amtool is not None]
    # Both kinds, so the comparison can fail either way; amtool parses no receiver field.
    assert 0.25 * len(files) < len(refused) < 0.75 * len(files)
    assert all(v.amtool is None for v in verdicts if v.place == "fields")
    assert any(v.amtool is not None for v in verdicts if v.place == "responder")
    bad = [v for v in verdicts if not v.agree or not v.same_message]
    assert bad == [], "\n".join(f"{v.place} {v.text!r}: amtool {v.amtool!r}, ours {v.ours}" for v in bad[:5])


def test_the_sample_defines_templates_with_the_file_s_name() -> None:
    # The clash of a {{define "t.tmpl"}} with the file's top level is drawn.
    assert sum('"t.tmpl"' in text for text, place in cases(SEED, COUNT) if place == "file") > 10


def test_oac508_refuses_a_template_path_finding_the_build_s_own_files_exactly_when_amtool_does() -> None:
    verdicts = compare_paths(SEED, 200, need_binary("amtool"))
    refused = [v for v in verdicts if v.amtool is not None]
    assert 0.05 * len(verdicts) < len(refused) < 0.5 * len(verdicts)
    bad = [v for v in verdicts if not v.agree]
    assert bad == [], "\n".join(f"{v.text!r}: amtool {v.amtool!r}, ours {v.ours}" for v in bad[:5])
