"""A catalog histogram's bucket bounds as client libraries take them: increasing,
each once, no NaN, no +Inf (the library adds it); anything else is OAC101 at the
user's ``buckets=``, naming each offending item and the list to write."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import pytest

from obs_as_code.model.base import FieldValueError
from obs_as_code.model.catalog import Metric, bucket_problems
from obs_as_code.pipeline import compile_project


@pytest.mark.parametrize(
    "buckets",
    [(), (0.1,), (0.1, 0.5, 1), [0.005, 0.01, 2.5, 10], (-math.inf, 0, 1), (-1, 0, 1)],
)
def test_increasing_bounds_are_accepted(buckets: tuple[float, ...]) -> None:
    assert bucket_problems(buckets) == []
    Metric("x_seconds", "histogram", buckets=buckets)


@pytest.mark.parametrize(
    ("buckets", "problems"),
    [
        ((1, 0.5), ["buckets[1] = 0.5 comes after 1"]),
        ((0.5, 0.5, 1), ["buckets[1] repeats 0.5"]),
        ((0.1, math.nan, 1), ["buckets[1] is NaN"]),
        ((0.1, 1, math.inf), ["buckets[2] is +Inf"]),
        ((math.inf, 0.1), ["buckets[0] is +Inf"]),
        # Each item after a larger one; a repeat of an earlier bound says so.
        ((5, 1, 2, 1), ["buckets[1] = 1 comes after 5", "buckets[2] = 2 comes after 5", "buckets[3] repeats 1"]),
        ((1, 1, 1, 1, 1, 1, 1), ["buckets[1] repeats 1", "buckets[2] repeats 1", "buckets[3] repeats 1", "buckets[4] repeats 1", "and 2 more"]),
    ],
)
def test_bounds_a_client_library_refuses_are_named(buckets: tuple[float, ...], problems: list[str]) -> None:
    assert bucket_problems(buckets) == problems
    with pytest.raises(FieldValueError) as raised:
        Metric("x_seconds", "histogram", buckets=buckets)
    assert raised.value.field == "buckets"
    assert "; ".join(problems) in str(raised.value)


def test_the_message_writes_the_sorted_finite_bounds() -> None:
    with pytest.raises(FieldValueError, match=r"write buckets=\[0\.1, 0\.5, 1, 2\.5\]$"):
        Metric("x_seconds", "histogram", buckets=(2.5, 0.5, 0.1, 1, 0.5, math.nan, math.inf))


def test_reported_at_the_users_buckets_line(tmp_path: Path) -> None:
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "app.py").write_text(
        textwrap.dedent(
            """\
            import math

            from obs_as_code import Metric, MetricsCatalog

            app = MetricsCatalog(
                name="app",
                metrics=[
                    Metric("ok_seconds", "histogram", buckets=(0.1, 0.5, 1)),
                    Metric(
                        "app_request_duration_seconds",
                        "histogram",
                        buckets=(0.1, 0.5, 1, math.inf),
                    ),
                ],
            )
            """
        ),
        encoding="utf-8",
    )
    compiled = compile_project(tmp_path)
    assert not compiled.ok
    found = [(d.code, d.location.file, d.location.line, d.location.col) for d in compiled.diagnostics if d.location is not None]
    assert found == [("OAC101", "catalog/app.py", 12, 21)]
    assert "buckets[3] is +Inf: write buckets=[0.1, 0.5, 1]" in compiled.diagnostics[0].message


def test_a_catalog_read_from_exposition_text_keeps_its_finite_bounds(tmp_path: Path) -> None:
    from obs_as_code.lint.catalog import load_catalog

    text = (
        "# TYPE lat_seconds histogram\n"
        'lat_seconds_bucket{le="1"} 3\nlat_seconds_bucket{le="0.5"} 1\nlat_seconds_bucket{le="NaN"} 1\n'
        'lat_seconds_bucket{le="+Inf"} 4\nlat_seconds_sum 2\nlat_seconds_count 4\n'
    )
    (tmp_path / "app.prom").write_text(text, encoding="utf-8")
    metric = load_catalog(tmp_path / "app.prom").catalog.get("lat_seconds")
    assert metric is not None and list(metric.buckets) == [0.5, 1.0]
