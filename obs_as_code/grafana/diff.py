"""Human diffs of a :class:`~obs_as_code.grafana.plan.Plan`: text, JSON and Markdown.

The diff is grouped by folder, then dashboard; inside a changed dashboard it goes
down to panels (added, removed, changed) and to each query's ``expr``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from obs_as_code.grafana.plan import Action, DashboardChange, Plan

FORMATS = ("text", "json", "markdown")
_SYMBOL = {"create": "+", "update": "~", "conflict": "!", "prune": "-", "delete": "-",
           "orphan": "?", "unchanged": "=", "exists": "="}


@dataclass
class PanelChange:
    """How one panel differs between Grafana and the build."""

    key: str
    title: str
    change: str  # added | removed | changed | moved (only its id or gridPos changed)
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (name, old, new)
    queries: list[tuple[str, str | None, str | None]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "panel": self.key, "title": self.title, "change": self.change,
            "fields": [{"field": f, "old": o, "new": n} for f, o, n in self.fields],
            "queries": [{"refId": r, "old": o, "new": n} for r, o, n in self.queries],
        }


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


#: Leaf differences shown per top-level field; the rest are counted.
_MAX_LEAVES = 6
_MISSING = object()


def _leaves(path: str, old: Any, new: Any, out: list[tuple[str, Any, Any]]) -> None:
    """The innermost differing values from ``old`` to ``new`` as (path, old, new):
    objects by key, lists of one length by index (``steps[1].value``). A reviewer
    reads ``fieldConfig.defaults.thresholds.steps[1].value: 0.99 -> 0.995``, not two
    cut-off copies of ``fieldConfig`` that look alike."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            a, b = old.get(key, _MISSING), new.get(key, _MISSING)
            if a != b:
                _leaves(f"{path}.{key}", a, b, out)
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            if a != b:
                _leaves(f"{path}[{i}]", a, b, out)
    else:
        out.append((path, old, new))


def _field_diffs(old: dict[str, Any], new: dict[str, Any], skip: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(path, old, new) for each field of ``old``/``new`` not in ``skip`` that
    differs, down to its leaves (at most :data:`_MAX_LEAVES` a field, then a count)."""
    out: list[tuple[str, str, str]] = []
    for name in sorted(set(old) | set(new)):
        if name in skip or old.get(name) == new.get(name):
            continue
        leaves: list[tuple[str, Any, Any]] = []
        _leaves(name, old.get(name, _MISSING), new.get(name, _MISSING), leaves)
        for path, a, b in leaves[:_MAX_LEAVES]:
            out.append((path, _short(None if a is _MISSING else a), _short(None if b is _MISSING else b)))
        if len(leaves) > _MAX_LEAVES:
            out.append((f"{name} ({len(leaves) - _MAX_LEAVES} more changes)", "...", "..."))
    return out


def _listed(value: Any) -> list[Any]:
    """``value`` when it is a list, else nothing: a dashboard whose ``panels`` or
    ``targets`` is a number (hand-edited in Grafana or in build/) crashed the diff."""
    return value if isinstance(value, list) else []


def _panels(dashboard: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Panels by key (``id`` or title), rows' collapsed children included."""
    out: dict[str, dict[str, Any]] = {}
    stack = list(_listed(dashboard.get("panels")))
    while stack:
        panel = stack.pop(0)
        if not isinstance(panel, dict):
            continue
        key = str(panel.get("id")) if panel.get("id") is not None else f"'{panel.get('title')}'"
        out[key] = panel
        stack.extend(p for p in _listed(panel.get("panels")) if isinstance(p, dict))
    return out


def _queries(panel: dict[str, Any]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for i, target in enumerate(_listed(panel.get("targets"))):
        if isinstance(target, dict):
            ref = str(target.get("refId") or f"#{i}")
            expr = target.get("expr")
            out[ref] = expr if isinstance(expr, str) else _short(target)
    return out


def _title(panel: dict[str, Any]) -> str:
    return str(panel.get("title", ""))


def _match(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> list[tuple[str | None, str | None]]:
    """Pairs (key in ``before``, key in ``after``) of the same panel; None on one
    side for a panel added or removed.

    Panel ids are positions: a panel inserted renumbers every one after it. Matching
    by id alone showed each of those as "changed" into its neighbour. So: same id and
    title first, then a title unique on both sides (a panel that moved or was
    renumbered), then the same queries, unique on both sides (a panel retitled and
    moved), then the same id (a panel retitled); the rest were added or removed.
    """
    pairs: list[tuple[str | None, str | None]] = []
    old, new = dict(before), dict(after)

    def pair(was: str, now: str) -> None:
        pairs.append((was, now))
        del old[was], new[now]

    for key in [k for k in new if k in old and _title(old[k]) == _title(new[k])]:
        pair(key, key)
    signatures: tuple[Callable[[dict[str, Any]], str], ...] = (
        _title, lambda p: json.dumps(p.get("targets") or None, sort_keys=True))
    for signature in signatures:
        olds, news = _unique(old, signature), _unique(new, signature)
        for sig, key in news.items():
            if sig in olds:
                pair(olds[sig], key)
    for key in [k for k in new if k in old]:
        pair(key, key)
    pairs.extend((None, k) for k in new)
    pairs.extend((k, None) for k in old)
    return pairs


def _unique(panels: dict[str, dict[str, Any]], signature: Callable[[dict[str, Any]], str]) -> dict[str, str]:
    """``{signature: key}`` for the signatures (not empty) only one panel has."""
    seen: dict[str, list[str]] = {}
    for key, panel in panels.items():
        seen.setdefault(signature(panel), []).append(key)
    return {sig: keys[0] for sig, keys in seen.items() if len(keys) == 1 and sig not in ("", "null")}


def panel_changes(old: dict[str, Any], new: dict[str, Any]) -> list[PanelChange]:
    """Per-panel differences from ``old`` (Grafana) to ``new`` (build), in the
    build's panel order, then the panels removed. ``moved`` when only the panel's
    id or position changed (a panel inserted or removed above it)."""
    before, after = _panels(old), _panels(new)
    new_order = {key: i for i, key in enumerate(after)}
    old_order = {key: i for i, key in enumerate(before)}
    pairs = sorted(_match(before, after), key=lambda p: (
        (0, new_order[p[1]]) if p[1] is not None else (1, old_order[p[0] or ""])))
    out: list[PanelChange] = []
    for was, now in pairs:
        if now is None:
            assert was is not None
            panel = before[was]
            out.append(PanelChange(was, _title(panel), "removed",
                                   queries=[(r, e, None) for r, e in _queries(panel).items()]))
            continue
        panel = after[now]
        if was is None:
            out.append(PanelChange(now, _title(panel), "added",
                                   queries=[(r, None, e) for r, e in _queries(panel).items()]))
            continue
        prev = before[was]
        fields = _field_diffs(prev, panel, ("targets", "panels"))
        q_old, q_new = _queries(prev), _queries(panel)
        queries = [(r, q_old.get(r), q_new.get(r)) for r in sorted(set(q_old) | set(q_new))
                   if q_old.get(r) != q_new.get(r)]
        if not queries and prev.get("targets") != panel.get("targets"):
            queries = [("*", _short(prev.get("targets")), _short(panel.get("targets")))]
        if fields or queries:
            moved = not queries and all(f.split(".")[0] in ("id", "gridPos") for f, _o, _n in fields)
            out.append(PanelChange(now, _title(panel), "moved" if moved else "changed", fields, queries))
    return out


def field_changes(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Dashboard-level (non-panel) differences as (field, old, new)."""
    return _field_diffs(old, new, ("panels", "id", "version"))


def _folder_label(d: DashboardChange) -> str:
    if d.desired is not None:
        return d.folder_path or "General"
    return d.live_folder_title or d.live_folder_uid or "General"


def dashboard_entry(d: DashboardChange) -> dict[str, Any]:
    """JSON-ready description of one dashboard change."""
    entry: dict[str, Any] = {"uid": d.uid, "title": d.title, "action": d.action.value,
                             "folder": _folder_label(d), "reason": d.reason,
                             "managed": d.managed}
    # ``live`` is set for every dashboard Grafana holds that is not unchanged; one it
    # does not hold (a create in a title conflict) moves from nowhere.
    if d.desired is not None and d.live is not None and d.live_folder_uid != d.folder_uid \
            and d.action in (Action.UPDATE, Action.CONFLICT):
        entry["move"] = {"from": d.live_folder_uid, "to": d.folder_uid}
    if d.desired is not None and d.live is not None:
        entry["fields"] = [{"field": f, "old": o, "new": n}
                           for f, o, n in field_changes(d.live, d.desired.dashboard)]
        entry["panels"] = [p.to_dict() for p in panel_changes(d.live, d.desired.dashboard)]
    elif d.desired is not None and d.action is Action.CREATE:
        entry["panels"] = [p.to_dict() for p in panel_changes({}, d.desired.dashboard)]
    if d.replaces:
        entry["replaces"] = d.replaces
    return entry


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The whole diff as JSON-ready data (unchanged dashboards only counted)."""
    return {
        "has_changes": plan.has_changes,
        "summary": plan.summary(),
        "errors": plan.errors,
        "folders": [{"path": f.path, "uid": f.uid, "title": f.title, "parentUid": f.parent_uid,
                     "action": f.action.value, "detail": f.detail}
                    for f in plan.folders if f.action is not Action.EXISTS or f.detail],
        "dashboards": [dashboard_entry(d) for d in plan.dashboards
                       if d.action is not Action.UNCHANGED],
        "datasources": [{"uid": ds.uid, "name": ds.name, "action": ds.action.value,
                         "fields": ds.changed_fields, "reason": ds.reason}
                        for ds in plan.datasources if ds.action is not Action.UNCHANGED],
    }


def _grouped(data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for entry in data["dashboards"]:
        groups.setdefault(entry["folder"], []).append(entry)
    return dict(sorted(groups.items()))


def _detail_lines(entry: dict[str, Any], code: bool) -> list[str]:
    """Indented detail lines of one dashboard (fields, panels, queries)."""
    def c(text: str | None) -> str:
        if text is None:
            return "(none)"
        return f"`{text}`" if code else text
    lines = []
    if "move" in entry:
        lines.append(f"folder: {c(entry['move']['from'] or 'General')} -> "
                     f"{c(entry['move']['to'] or 'General')}")
    for f in entry.get("fields", []):
        lines.append(f"{f['field']}: {c(f['old'])} -> {c(f['new'])}")
    for p in entry.get("panels", []):
        if entry["action"] == "create":
            continue
        if p["change"] == "moved":  # one line: a panel inserted above moves all below
            where = ", ".join(f"{f['field']} {f['old']} -> {f['new']}" for f in p["fields"])
            lines.append(f"panel {p['panel']} {p['title']!r}: moved ({where})")
            continue
        lines.append(f"panel {p['panel']} {p['title']!r}: {p['change']}")
        for f in p["fields"]:
            lines.append(f"    {f['field']}: {c(f['old'])} -> {c(f['new'])}")
        for q in p["queries"]:
            lines.append(f"    expr {q['refId']}: {c(q['old'])} -> {c(q['new'])}")
    return lines


def render_text(plan: Plan) -> str:
    """Plain-text diff for terminals and logs."""
    data = plan_to_dict(plan)
    out: list[str] = []
    for err in data["errors"]:
        out.append(f"error: {err}")
    for ds in data["datasources"]:
        extra = f" ({', '.join(ds['fields'])})" if ds["fields"] else ""
        out.append(f"{_SYMBOL.get(ds['action'], '?')} datasource {ds['uid']} {ds['name']!r}"
                   f"{extra}{' - ' + ds['reason'] if ds['reason'] else ''}")
    for f in data["folders"]:
        note = f" - {f['detail']}" if f["detail"] else ""
        out.append(f"{_SYMBOL[f['action']]} folder {f['path']} ({f['uid']}){note}")
    for folder, entries in _grouped(data).items():
        out.append(f"folder {folder}:")
        for e in entries:
            npanels = f" ({len(e.get('panels', []))} panels)" if e["action"] == "create" else ""
            reason = f" - {e['reason']}" if e["reason"] else ""
            out.append(f"  {_SYMBOL[e['action']]} {e['action']:9} {e['uid']} {e['title']!r}"
                       f"{npanels}{reason}")
            out.extend(f"      {line}" for line in _detail_lines(e, code=False))
    unchanged = data["summary"].get("dashboards.unchanged", 0)
    if unchanged:
        out.append(f"= {unchanged} dashboards unchanged")
    out.append("summary: " + (", ".join(f"{k}={v}" for k, v in data["summary"].items())
                              or "nothing in the build"))
    if not data["has_changes"]:
        out.append("no changes")
    return "\n".join(out)


def render_markdown(plan: Plan) -> str:
    """Markdown diff for a pull-request comment."""
    data = plan_to_dict(plan)
    out = ["### Grafana diff", ""]
    if not data["has_changes"] and not data["errors"]:
        out.append("No changes.")
    rows = [f"| {k.split('.')[0]} | {k.split('.')[1]} | {v} |" for k, v in data["summary"].items()]
    if rows:
        out += ["| kind | action | count |", "|---|---|---|", *rows, ""]
    for err in data["errors"]:
        out.append(f"- :x: {err}")
    for ds in data["datasources"]:
        out.append(f"- **{ds['action']}** datasource `{ds['uid']}` ({ds['name']})"
                   + (f": {', '.join(ds['fields'])}" if ds["fields"] else ""))
    for f in data["folders"]:
        out.append(f"- **{f['action']}** folder `{f['path']}`"
                   + (f" — {f['detail']}" if f["detail"] else ""))
    for folder, entries in _grouped(data).items():
        out += ["", f"#### Folder `{folder}`", ""]
        for e in entries:
            reason = f" — {e['reason']}" if e["reason"] else ""
            details = _detail_lines(e, code=True)
            line = f"- **{e['action']}** `{e['uid']}` {e['title']}{reason}"
            if details:
                out.append(line)
                out.append("  <details><summary>changes</summary>\n")
                # Panel sub-lines (fields, queries) nest one level deeper.
                out.extend(f"    - {d.strip()}" if d.startswith("    ") else f"  - {d}"
                           for d in details)
                out.append("\n  </details>")
            else:
                out.append(line)
    return "\n".join(out) + "\n"


def render(plan: Plan, fmt: str = "text") -> str:
    """Render ``plan`` as ``text``, ``json`` or ``markdown``."""
    if fmt == "json":
        return json.dumps(plan_to_dict(plan), indent=2, sort_keys=True)
    if fmt == "markdown":
        return render_markdown(plan)
    if fmt == "text":
        return render_text(plan)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
