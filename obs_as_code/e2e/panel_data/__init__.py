"""Does every dashboard panel show data? Run the built panels' queries on a real Prometheus.

:func:`check_dashboards` reads ``build/grafana/dashboards/**/*.json`` and, for
every target of every panel (rows' panels included) whose datasource is a
Prometheus, does what Grafana does when the dashboard is first opened:

- a legacy ``rows`` dashboard is first moved onto the grid (``DashboardMigrator``);
- the time range is the dashboard's ``time`` as Grafana's ``dateMath`` computes it
  in the dashboard's ``timezone`` (``now-1d/d``, ``now/w``, fiscal ``now/fy`` ...;
  an invalid ``from``/``to`` is ``now-6h``/``now``, as scenes' ``SceneTimeRange``);
  a panel with ``timeFrom``/``timeShift`` queries its own range, as scenes'
  ``PanelTimeRange`` computes it (``1h``, ``now-1d/d``; a shift of ``1d`` moves it back),
  and its intervals, step and ``$__range`` follow that range;
- template variables take their first-load value: ``current`` when it is one
  of the options, else "All" when the variable has it (``allValue`` when set,
  else every option), else the first option. ``label_values``,
  ``label_names``, ``metrics``, ``query_result`` and plain selector variables
  are resolved in dependency order with the Prometheus API calls Grafana makes
  (``/api/v1/label/<name>/values`` with ``match[]``, ``/api/v1/labels``, an
  instant query, ``/api/v1/series``), then the variable's ``regex`` (a JavaScript
  RegExp translated to Python's ``re``: anchored unless ``/.../flags``; ``g``; named
  groups ``text``/``value``; one it cannot translate is a variable problem) and ``sort``;
  ``$__interval`` in a variable's query is its datasource's scrape interval;
  a variable never refreshed keeps its saved options; custom, constant,
  textbox, interval and datasource variables take their current (or first)
  value. A variable left without options is reported;
- values are formatted as Grafana's Prometheus datasource formats them
  (regex-escaped and joined with ``|`` for multi-value and "All" variables,
  ``allValue`` verbatim) and ``${var:format}`` formats as scenes' format registry;
  a panel query is interpolated twice, as the datasource's ``applyTemplateVariables``;
- rows as scenes lays them out: a collapsed row's panels are checked as if a user
  expanded it (Grafana queries them only then) and the report lists them; the
  panels nested in an expanded row, which Grafana drops, are counted as skipped;
- repeated rows and panels are expanded once per value (see :func:`panel_copies`);
- ``$__interval``, ``$__rate_interval``, ``$__range`` and the other built-ins
  follow Grafana's rules (frontend interval = the time range over the panel's
  data points, at least the panel's min interval or else the panel datasource's
  interval as ``intervalToMs`` reads it; ``$__rate_interval = max(interval + scrape, 4 * scrape)``; built-ins
  as min step or min interval as promlib and the frontend read them);
- the query runs as Grafana runs it: ``query_range`` (start and end aligned to
  the step on the dashboard zone's clock) unless the target is instant-only,
  ``query`` at the end otherwise.

Each target is reported as ``error`` (with Prometheus' message), ``empty`` (no
series: the panel says "No data") or ``ok``. Targets of other datasources
(Loki, Alertmanager, expressions ...), hidden targets and library panels are
counted as skipped, by type. With ``each_value`` a target also runs once per
option of each variable it uses (a user picking one value).

:func:`live_dashboards` runs the check on the e2e stack (``oac e2e
--dashboards``); ``python -m obs_as_code.e2e.panel_data BUILD_DIR
PROMETHEUS_URL`` checks a running Prometheus over each dashboard's own range.

One module a stage, every public name re-exported here:

- :mod:`.timemath`: the time range (``dateMath``, rounding, time zones);
- :mod:`.intervals`: ``$__interval``, ``$__rate_interval``, the step, the other built-ins;
- :mod:`.prometheus`: the Prometheus HTTP API calls;
- :mod:`.formats`: a variable's value, its formats and interpolation;
- :mod:`.datasources`: provisioned datasources and references to them;
- :mod:`.jsregex`: JavaScript regular expressions on Python's ``re``;
- :mod:`.templating`: variables resolved to their first-load value (options, regex, sort);
- :mod:`.panels`: panels, rows and repeated copies;
- :mod:`.report`: target results and the report;
- :mod:`.check`: the check of a build directory, and the command line;
- :mod:`.live`: the check over a running e2e stack.
"""


from __future__ import annotations

from obs_as_code.e2e.panel_data.check import (
    check_dashboard,
    check_dashboards,
    dashboard_files,
    main,
)
from obs_as_code.e2e.panel_data.datasources import (
    Datasource,
    datasource_of,
    datasource_type,
    load_datasources,
)
from obs_as_code.e2e.panel_data.formats import (
    ALL,
    ALL_TEXT,
    Variable,
    format_variable,
    interpolate,
    prometheus_regex_escape,
    prometheus_regular_escape,
)
from obs_as_code.e2e.panel_data.intervals import (
    DEFAULT_SCRAPE_MS,
    FRONTEND_INTERVAL_ERROR,
    SAFE_RESOLUTION,
    SCREEN_WIDTH_PX,
    Intervals,
    builtin_variables,
    frontend_interval_ms,
    go_duration,
    kbn_interval,
    round_interval,
    target_intervals,
    variable_builtins,
)
from obs_as_code.e2e.panel_data.jsregex import JsRegexError, compile_js, parse_grafana_regex
from obs_as_code.e2e.panel_data.live import (
    LiveCheck,
    live_dashboards,
    wait_for_scrapes,
    wait_for_series,
)
from obs_as_code.e2e.panel_data.panels import PanelCopy, dropped_panels, iter_panels, panel_copies
from obs_as_code.e2e.panel_data.prometheus import PrometheusClient, PrometheusError
from obs_as_code.e2e.panel_data.report import PanelDataReport, Status, TargetResult
from obs_as_code.e2e.panel_data.templating import (
    Option,
    apply_regex,
    js_regex,
    resolve_variables,
    variable_options,
)
from obs_as_code.e2e.panel_data.timemath import (
    PanelTime,
    TimeRange,
    dashboard_range,
    dashboard_zone,
    describe_text_range,
    is_relative,
    local_zone,
    panel_time,
    parse_time,
    rescale,
    utc_offset_s,
    week_start,
)

__all__ = [
    "ALL",
    "ALL_TEXT",
    "DEFAULT_SCRAPE_MS",
    "FRONTEND_INTERVAL_ERROR",
    "SAFE_RESOLUTION",
    "SCREEN_WIDTH_PX",
    "Datasource",
    "Intervals",
    "JsRegexError",
    "LiveCheck",
    "Option",
    "PanelCopy",
    "PanelDataReport",
    "PanelTime",
    "PrometheusClient",
    "PrometheusError",
    "Status",
    "TargetResult",
    "TimeRange",
    "Variable",
    "apply_regex",
    "builtin_variables",
    "check_dashboard",
    "check_dashboards",
    "compile_js",
    "dashboard_files",
    "dashboard_range",
    "dashboard_zone",
    "datasource_of",
    "datasource_type",
    "describe_text_range",
    "dropped_panels",
    "format_variable",
    "frontend_interval_ms",
    "go_duration",
    "interpolate",
    "is_relative",
    "iter_panels",
    "js_regex",
    "kbn_interval",
    "live_dashboards",
    "load_datasources",
    "local_zone",
    "main",
    "panel_copies",
    "panel_time",
    "parse_grafana_regex",
    "parse_time",
    "prometheus_regex_escape",
    "prometheus_regular_escape",
    "rescale",
    "resolve_variables",
    "round_interval",
    "target_intervals",
    "utc_offset_s",
    "variable_builtins",
    "variable_options",
    "wait_for_scrapes",
    "wait_for_series",
    "week_start",
]
