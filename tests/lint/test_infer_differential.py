"""Label and kind inference and OAC220's errors against Prometheus' own engine
(``promtool test rules``) on a few hundred random expressions over a fixed
universe of series (:mod:`tests.lint.infer_differential`, which also runs
outside the suite on thousands)."""

from __future__ import annotations

from tests.lint.infer_differential import audit, generate
from tests.oac_testing import need_binary

#: Expressions where inference was contradicted by promtool 2.42 (each failed
#: on the code before its fix), judged with the random ones.
FOUND = [
    # A bool comparison of two scalars was taken for a vector without labels: the
    # sum's labels were lost, and OAC220 said the + never matches.
    "(-1 <= bool 1) + topk(1, (http_requests_total))",
    "histogram_quantile(0.9, sum by (le, job) (rate(http_request_duration_seconds_bucket[5m]))) + (0 > bool 1)",
    # pi() was an unknown vector: 1 / pi() a vector too.
    "vector(1 / pi()) + (0 == bool pi())",
]


def test_inference_and_oac220_agree_with_prometheus() -> None:
    tally = audit(FOUND + generate(400, seed=7), need_binary("promtool"))
    assert not tally.label_bugs, tally.label_bugs[:5]
    assert not tally.oac220_bugs, tally.oac220_bugs[:5]
    assert not tally.kind_bugs, tally.kind_bugs[:5]
    # Enough was compared for the test to mean something (the figures of seed 7).
    assert tally.checked > 120 and tally.kinds > 600 and tally.oac220_errors > 5, tally.summary()
