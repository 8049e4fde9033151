"""Grafana's text forms of Prometheus and Loki query variables, read as Grafana
reads them (``PrometheusMetricFindQuery``, ``LokiVariableSupport``): one set of
patterns for the checks that judge a variable's query and for ``oac e2e
--dashboards``, which fetches its options.

The patterns are Grafana's JavaScript regular expressions: no ``s`` flag, so a
``.`` stops at a line break (a ``label_values`` query written over two lines is
not one, and Grafana sends it as a series selector).
"""

from __future__ import annotations

import re

#: ``label_values(label)`` or ``label_values(selector, label)``: a label's values,
#: of the series the selector matches when one is given (the same form for Loki).
LABEL_VALUES = re.compile(r"^label_values\((?:(.+),\s*)?([a-zA-Z_$][a-zA-Z0-9_]*)\)\s*$")
#: ``label_names()`` or ``label_names(text)``: label names (of the series whose
#: metric name contains ``text``).
LABEL_NAMES = re.compile(r"^label_names\((.*)\)\s*$")
#: ``metrics(regex)``: metric names matching a regular expression. ``metrics()``
#: is not one: Grafana sends it as a series selector.
METRICS = re.compile(r"^metrics\((.+)\)\s*$")
#: ``query_result(expr)``: the result of an instant query.
QUERY_RESULT = re.compile(r"^query_result\((.+)\)\s*$")


def selector_filter(selector: str | None) -> str | None:
    """The selector a ``label_values`` query sends as ``match[]``: none for no
    selector or ``{}`` (Grafana's ``isFilterDefined``)."""
    text = (selector or "").strip()
    return text if text.replace(" ", "") not in ("", "{}") else None
