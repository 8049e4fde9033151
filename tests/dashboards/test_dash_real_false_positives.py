"""False findings of the dashboard checks on published dashboards written by others,
each reproduced by a minimal dashboard of the same shape (the real files are not
committed here). Where each case was found is said in its test."""

from __future__ import annotations

from collections.abc import Callable

from obs_as_code.pipeline import Compiled


def _codes(compiled: Compiled, *codes: str) -> list[tuple[str, str, str]]:
    return [(d.code, d.severity.value, d.message) for d in compiled.diagnostics if d.code in codes]


ROW_WITH_TARGETS = '''
board = {
    "title": "Rows",
    "schemaVersion": 41,
    "panels": [
        {"type": "row", "title": "General", "id": 1, "collapsed": False,
         "gridPos": {"h": 1, "w": 24, "x": 0, "y": 0},
         "datasource": {"type": "prometheus", "uid": "000000001"},
         "targets": [{"datasource": {"type": "prometheus", "uid": "000000001"}, "refId": "A"}]},
        {"type": "timeseries", "title": "Up", "id": 2, "gridPos": {"h": 8, "w": 12, "x": 0, "y": 1},
         "datasource": {"type": "prometheus", "uid": "prometheus"},
         "targets": [{"expr": "sum(up)", "refId": "A"}]},
        {"type": "row", "title": "Detail", "id": 3, "collapsed": True,
         "gridPos": {"h": 1, "w": 24, "x": 0, "y": 9},
         "targets": [{"datasource": {"type": "prometheus", "uid": "000000001"}, "refId": "A"}],
         "panels": [
             {"type": "timeseries", "title": "Down", "id": 4, "gridPos": {"h": 8, "w": 12, "x": 0, "y": 10},
              "datasource": {"type": "prometheus", "uid": "prometheus"},
              "targets": [{"expr": "sum(up == 0)", "refId": "A"}]},
         ]},
    ],
}
'''


def test_a_rows_targets_are_not_queries(project: Callable[..., Compiled]) -> None:
    """rfmoz's bind9-full and unbound-full (and dotdc's k8s-addons-prometheus) save
    rows with a ``targets`` list of one target without ``expr``, on a datasource uid
    of the author's Grafana. A row runs no query in Grafana: OAC302 called the
    target an empty expression and OAC307 the uid undeclared, two errors each."""
    compiled = project({"dashboards/rows.py": ROW_WITH_TARGETS})
    assert _codes(compiled, "OAC302", "OAC307") == []
    # The same target on a panel that does run queries is still judged.
    on_panel = ROW_WITH_TARGETS.replace('"type": "row", "title": "General"', '"type": "timeseries", "title": "General"', 1)
    found = _codes(project({"dashboards/rows.py": on_panel}), "OAC307")
    assert [code for code, _sev, _msg in found] == ["OAC307"]
    assert "'000000001' is not declared" in found[0][2]


EMPTY_QUERY = '''
board = {
    "title": "Pools",
    "schemaVersion": 41,
    "panels": [
        {"type": "table", "title": "Pool Overview", "id": 1, "gridPos": {"h": 6, "w": 24, "x": 0, "y": 0},
         "datasource": {"type": "prometheus", "uid": "prometheus"},
         "targets": [{"expr": "sum by (pool_id) (ceph_pool_stored)", "refId": "A", "instant": True, "format": "table"},
                     {"expr": "", "refId": "L", "legendFormat": "L"}]},
    ],
}
'''


def test_an_empty_query_is_a_warning_not_an_error(project: Callable[..., Compiled]) -> None:
    """ceph-grafana-dashboards' pool-overview.json keeps a last target ``L`` with
    ``"expr": ""``. Grafana's Prometheus datasource does not send a query without
    expr (its filterQuery drops it, as it drops a hidden one): the panel works.
    OAC302 stopped the build with "invalid PromQL ... empty expression"; it is
    a leftover worth a warning."""
    compiled = project({"dashboards/pools.py": EMPTY_QUERY})
    found = _codes(compiled, "OAC302")
    assert [(code, sev) for code, sev, _msg in found] == [("OAC302", "warning")]
    assert "query L of panel 'Pool Overview'" in found[0][2] and "empty" in found[0][2]
    assert compiled.ok


PAIRED_TITLES = '''
board = {
    "title": "Nodes",
    "schemaVersion": 41,
    "panels": [
        {"type": "row", "title": "Memory", "id": 1, "collapsed": False, "gridPos": {"h": 1, "w": 24, "x": 0, "y": 0}},
        {"type": "timeseries", "title": "Memory Usage", "id": 2, "gridPos": {"h": 7, "w": 18, "x": 0, "y": 1},
         "datasource": {"type": "prometheus", "uid": "prometheus"},
         "targets": [{"expr": "sum(node_memory_MemTotal_bytes - node_memory_MemFree_bytes)", "refId": "A"}]},
        {"type": "gauge", "title": "Memory Usage", "id": 3, "gridPos": {"h": 7, "w": 6, "x": 18, "y": 1},
         "datasource": {"type": "prometheus", "uid": "prometheus"},
         "targets": [{"expr": "100 - avg(node_memory_MemAvailable_bytes) / avg(node_memory_MemTotal_bytes) * 100",
                      "refId": "A"}]},
    ],
}
'''


def test_a_graph_and_a_gauge_of_one_title_are_no_copy_paste(project: Callable[..., Compiled]) -> None:
    """kube-prometheus' nodes, nodes-aix, nodes-darwin (node-mixin) and
    persistentvolumesusage pair a timeseries with a gauge of the same title
    ("Memory Usage", "Volume Space Usage"): the same quantity drawn two ways, on
    purpose. OAC303 took them for an unedited copy-paste (an error); two panels of
    one title and one type still are."""
    assert _codes(project({"dashboards/nodes.py": PAIRED_TITLES}), "OAC303") == []
    same_type = PAIRED_TITLES.replace('"type": "gauge"', '"type": "timeseries"')
    found = _codes(project({"dashboards/nodes.py": same_type}), "OAC303")
    assert [(code, sev) for code, sev, _msg in found] == [("OAC303", "error")]
    assert "panel title 'Memory Usage' appears twice in row 'Memory'" in found[0][2]


NODE_DRILL_DOWN = '''
board = {
    "title": "Node",
    "schemaVersion": 41,
    "templating": {"list": [
        {"type": "query", "name": "job", "query": "label_values(node_uname_info, job)",
         "datasource": {"type": "prometheus", "uid": "prometheus"}},
        {"type": "query", "name": "node", "query": "label_values(node_uname_info{job=\\"$job\\"}, instance)",
         "datasource": {"type": "prometheus", "uid": "prometheus"}},
        {"type": "query", "name": "port", "query": "label_values(node_uname_info, port)",
         "datasource": {"type": "prometheus", "uid": "prometheus"}},
    ]},
    "panels": [
        {"type": "timeseries", "title": "Processes Forks", "id": 1, "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
         "datasource": {"type": "prometheus", "uid": "prometheus"},
         "targets": [{"expr": "rate(node_forks_total{instance=\\"$node\\",job=\\"$job\\"}[$__rate_interval])",
                      "refId": "A"}]},
        {"type": "timeseries", "title": "Network Traffic", "id": 2, "gridPos": {"h": 8, "w": 12, "x": 12, "y": 0},
         "datasource": {"type": "prometheus", "uid": "prometheus"},
         "targets": [{"expr": "irate(node_network_receive_bytes_total{instance=~\\"$node:$port\\"}[5m]) * 8",
                      "refId": "A", "legendFormat": "{{device}}"}]},
    ],
}
'''


def test_a_rate_pinned_to_one_instance_is_a_drill_down(project: Callable[..., Compiled]) -> None:
    """rfmoz's node-exporter-full (and -old, -bsd, nfs-full, haproxy, bind9,
    unbound), kube-prometheus' nodes: ~800 of 862 OAC301 errors were rates of one
    node picked in a single-value dropdown (``instance="$node"``,
    ``instance=~"$node:$port"``), one line per device or CPU of that node on
    purpose. Such a call is no longer reported; the same query over every node
    (the variable multi-value) or with no instance matcher still is."""
    assert _codes(project({"dashboards/node.py": NODE_DRILL_DOWN}), "OAC301") == []
    multi = NODE_DRILL_DOWN.replace('"name": "node",', '"name": "node", "multi": True,')
    found = _codes(project({"dashboards/node.py": multi}), "OAC301")
    assert [(code, sev) for code, sev, _msg in found] == [("OAC301", "warning"), ("OAC301", "warning")]
    unpinned = NODE_DRILL_DOWN.replace('instance=\\"$node\\",', "")
    found = _codes(project({"dashboards/node.py": unpinned}), "OAC301")
    assert [msg.split(" is not")[0] for _code, _sev, msg in found] == [
        "rate() in panel 'Processes Forks' of dashboard 'Node'"
    ]


def test_a_grid_position_without_x_is_at_x_0() -> None:
    """kube-prometheus' persistentvolumesusage.json (grafonnet) writes
    ``"gridPos": {"h": 7, "w": 18, "y": 0}``: Grafana places it at x 0. The
    rebuilt module writes x=0, and ``oac import dashboard`` called that a
    round-trip difference (exit 1)."""
    from obs_as_code.importers.dashboard import differences

    panel = {"type": "timeseries", "title": "Volume Space Usage", "id": 1, "gridPos": {"h": 7, "w": 18, "y": 0}}
    written = {"title": "Volumes", "panels": [panel]}
    rebuilt = {"title": "Volumes", "panels": [{**panel, "gridPos": {"h": 7, "w": 18, "x": 0, "y": 0}}]}
    assert differences(written, rebuilt) == []
    moved = {"title": "Volumes", "panels": [{**panel, "gridPos": {"h": 7, "w": 18, "x": 6, "y": 0}}]}
    assert differences(written, moved) != []


CPU_SHARE = '''
board = {
    "title": "Node CPU",
    "schemaVersion": 41,
    "panels": [
        {"type": "timeseries", "title": "CPU", "id": 1, "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
         "datasource": {"type": "prometheus", "uid": "prometheus"},
         "targets": [{"refId": "A", "expr": "sum(rate(node_cpu_seconds_total{mode=\\"system\\",instance=\\"n1\\"}[5m]))"
                      " / scalar(count(count(node_cpu_seconds_total{instance=\\"n1\\"}) by (cpu)))"}]},
        {"type": "timeseries", "title": "Errors", "id": 2, "gridPos": {"h": 8, "w": 12, "x": 12, "y": 0},
         "datasource": {"type": "prometheus", "uid": "prometheus"},
         "targets": [{"refId": "A", "expr": "sum(rate(http_requests_total{code=~\\"5..\\"}[5m]))"
                      " / sum(rate(http_requests_total[5m]))"}]},
    ],
}
'''


def test_a_rate_over_a_count_of_series_is_no_subset_of_events(project: Callable[..., Compiled]) -> None:
    """rfmoz's node-exporter-full "CPU" panel divides each mode's CPU seconds by
    the number of CPUs: ``sum(rate(x{mode="system"}[..])) / scalar(count(count(x)
    by (cpu)))``. The denominator counts series, not events, so the numerator is
    no subset of its events; OAC311 warned 8 times that each mode "reads No data
    until its first increment" (node_exporter exports every mode from the start).
    A rate over a rate of the same counter is still judged."""
    found = _codes(project({"dashboards/cpu.py": CPU_SHARE}), "OAC311")
    assert [msg.split(" reads")[0] for _code, _sev, msg in found] == ["panel 'Errors' of dashboard 'Node CPU'"]
