"""The YAML loader :mod:`obs_as_code.lint.files` reads rule files with.

Kept apart because it subclasses libyaml's C loader, and files.py runs compiled
(mypyc, see obs_as_code/_native.py), where a class cannot extend a C extension
type: compiled, this class crashed libyaml on its first file.
"""

from __future__ import annotations

from typing import Any

import yaml

_Base: Any = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
_TAGS = {yaml.ScalarNode: "tag:yaml.org,2002:str", yaml.SequenceNode: "tag:yaml.org,2002:seq", yaml.MappingNode: "tag:yaml.org,2002:map"}


class Loader(_Base):  # type: ignore[misc]
    """Rule files are all strings: no implicit type resolution (the base
    resolver's per-node Python calls were a third of the load time)."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        return _TAGS[kind]


class AnchorLoader(yaml.BaseLoader):
    """The pure-Python loader, for a file that defines an anchor twice: YAML 1.2
    (and go-yaml) let a later ``&a`` replace an earlier one, libyaml's composer
    refuses it ("found duplicate anchor"). Slower, so used only then."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        return _TAGS[kind]

    def compose_node(self, parent: Any, index: Any) -> Any:
        me: Any = self
        event = me.peek_event()
        if not isinstance(event, yaml.AliasEvent) and event.anchor is not None:
            me.anchors.pop(event.anchor, None)
        return yaml.composer.Composer.compose_node(me, parent, index)
