"""How a dashboard published by obs-as-code is marked, and how its content is hashed.

Scheme (documented in docs/publish.md):

* Every published dashboard carries the tag ``oac-managed``. Only dashboards with
  this tag are ever updated without ``--force`` or pruned.
* It also carries ``oac-hash:<12 hex>``: the first 12 hex digits of the SHA-256 of the
  *canonical* JSON of the dashboard as built (see :func:`content_hash`).
* ``/api/search`` returns tags, so one paged search tells, for every managed
  dashboard, which build content it was last published from: equal hash and folder
  means nothing to do, without any GET per dashboard.
* Hand edits: when a GET is needed, the live dashboard is canonicalised the same way
  and hashed. If that hash differs from its own ``oac-hash`` tag, somebody saved it
  since the last publish (the Grafana UI keeps tags, so the stale tag stays).
"""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

MANAGED_TAG = "oac-managed"
HASH_PREFIX = "oac-hash:"
#: Keys Grafana owns on a stored dashboard; they never take part in the hash.
VOLATILE_KEYS = ("id", "version")


def is_oac_tag(tag: object) -> bool:
    """True for the tags this module adds (``oac-managed``, ``oac-hash:...``)."""
    return isinstance(tag, str) and (tag == MANAGED_TAG or tag.startswith(HASH_PREFIX))


def strip_markers(dashboard: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of ``dashboard`` without Grafana-owned keys and oac tags."""
    clean = copy.deepcopy(dashboard)
    for key in VOLATILE_KEYS:
        clean.pop(key, None)
    if isinstance(clean.get("tags"), list):
        clean["tags"] = [t for t in clean["tags"] if not is_oac_tag(t)]
        if not clean["tags"]:
            # Publishing adds tags; without this, a dashboard built with no "tags"
            # would read back as "tags": [] and look hand-edited.
            del clean["tags"]
    return clean


def canonical_json(dashboard: dict[str, Any]) -> str:
    """Stable JSON text of the dashboard content (markers removed, keys sorted)."""
    return json.dumps(
        strip_markers(dashboard), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def content_hash(dashboard: dict[str, Any]) -> str:
    """12 hex digits of SHA-256 over :func:`canonical_json`."""
    return hashlib.sha256(canonical_json(dashboard).encode("utf-8")).hexdigest()[:12]


def hash_tag(tags: object) -> str | None:
    """The hash recorded in an ``oac-hash:`` tag of ``tags``, if any."""
    if not isinstance(tags, list):
        return None
    for tag in tags:
        if isinstance(tag, str) and tag.startswith(HASH_PREFIX):
            return tag[len(HASH_PREFIX) :]
    return None


def is_managed(tags: object) -> bool:
    """True when ``tags`` carries the managed marker."""
    return isinstance(tags, list) and MANAGED_TAG in tags


def mark(dashboard: dict[str, Any]) -> dict[str, Any]:
    """The dashboard as published: markers added, ``id``/``version`` removed."""
    out = strip_markers(dashboard)
    digest = content_hash(dashboard)
    tags = out.get("tags")
    out["tags"] = [*(tags if isinstance(tags, list) else []), MANAGED_TAG, HASH_PREFIX + digest]
    return out
