"""The model's field type tests take one isinstance() call where that says it all
(model.base._classes); each must accept exactly what the test built part by part
(model.base._fits_any) accepts, on every field of every definition class."""

from __future__ import annotations

import importlib
import pkgutil
import typing
from datetime import timedelta
from typing import Any

import pytest

import obs_as_code.model
from obs_as_code.model import AlertRule, RuleGroup
from obs_as_code.model.base import Definition, _fits, _fits_any
from obs_as_code.slo import model as slo_model

# Every module defining definitions, so that their classes are subclasses below.
for _info in pkgutil.iter_modules(obs_as_code.model.__path__):
    importlib.import_module(f"obs_as_code.model.{_info.name}")


def _classes_of(base: type) -> list[type]:
    out: list[type] = []
    for sub in base.__subclasses__():
        out.append(sub)
        out.extend(_classes_of(sub))
    return out


RULE = AlertRule(name="A", expr="up == 0")
VALUES: list[Any] = [
    None, "s", "", 0, 1, True, False, 1.5, float("nan"), timedelta(minutes=5), b"x",
    [], ["a"], [1], ["a", None], ("a",), [RULE], {}, {"a": "b"}, {"a": 1}, {1: "a"}, {"a": None},
    {"a": ["b"]}, RULE, RuleGroup(name="g", rules=[RULE]), object(),
]  # fmt: skip

FIELDS = sorted(
    {(cls.__name__, name, hint) for cls in _classes_of(Definition) for name, hint in typing.get_type_hints(cls).items() if not name.startswith("_")},
    key=lambda t: (t[0], t[1]),
)


def test_there_are_fields_to_compare() -> None:
    assert len(FIELDS) > 100
    names = {cls.__name__ for cls in _classes_of(Definition)}
    assert {slo_model.SLO.__name__, "AlertRule", "DashboardDef", "Datasource", "Route", "ScrapeJob"} <= names


@pytest.mark.parametrize(("owner", "name", "hint"), FIELDS, ids=[f"{o}.{n}" for o, n, _ in FIELDS])
def test_the_one_call_test_accepts_what_the_built_test_accepts(owner: str, name: str, hint: Any) -> None:
    fast, built = _fits(hint), _fits_any(hint)
    assert (fast is None) == (built is None)
    if fast is None or built is None:
        return
    assert fast[1] == built[1]  # the message says the same
    for value in VALUES:
        assert fast[0](value) == built[0](value), (owner, name, hint, value)
