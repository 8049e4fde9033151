"""Fixtures for the Grafana tests: the fake server, and a real Grafana when
``OAC_GRAFANA_URL`` is set."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest

from obs_as_code.grafana.client import Auth

from .fake_grafana import FakeGrafana
from .helpers import FAKE_HANG, Target, cleanup_real, real_auth


@pytest.fixture
def fake() -> Iterator[FakeGrafana]:
    """A fresh fake Grafana, stopped after the test."""
    with FakeGrafana(hang=FAKE_HANG) as server:
        yield server


@pytest.fixture
def fake_target(fake: FakeGrafana) -> Target:
    """The fake as a :class:`Target`."""
    return Target("fake", fake.url, Auth(token=fake.admin_token), fake, "t")


_TARGETS = ["fake"] + (["real"] if os.environ.get("OAC_GRAFANA_URL") else [])


@pytest.fixture(params=_TARGETS)
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    """Every available Grafana: always the fake; a real one when OAC_GRAFANA_URL is set."""
    if request.param == "fake":
        with FakeGrafana(hang=FAKE_HANG) as server:
            yield Target("fake", server.url, Auth(token=server.admin_token), server, "t")
        return
    t = Target("real", os.environ["OAC_GRAFANA_URL"], real_auth(), None,
               "t" + secrets.token_hex(3))
    yield t
    cleanup_real(t)
