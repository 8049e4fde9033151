"""Everything that talks to Grafana over HTTP: client, plan/diff, publish, import.

* :mod:`.client` - :class:`GrafanaClient` (auth, retries, request counts)
* :mod:`.managed` - the ``oac-managed`` / ``oac-hash:`` marker scheme
* :mod:`.plan` - read build/ and Grafana, compute a :class:`Plan`
* :mod:`.diff` - render a plan as text, JSON or Markdown
* :mod:`.publish` - apply a plan safely (idempotent, retry-safe)
* :mod:`.importer` - pull a folder's dashboards back out of Grafana
"""
