"""paused_gc: collection off inside, the caller's setting restored after."""

from __future__ import annotations

import gc

import pytest

from obs_as_code.gcpause import paused_gc


def test_paused_gc_disables_and_restores() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_paused_gc_nests_and_restores_on_error() -> None:
    with pytest.raises(RuntimeError), paused_gc():
        with paused_gc():
            assert not gc.isenabled()
        # The inner block found collection off and leaves it off.
        assert not gc.isenabled()
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_paused_gc_keeps_a_callers_disabled_collector_off() -> None:
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
