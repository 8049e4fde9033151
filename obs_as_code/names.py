"""The one place that turns names into UIDs, file names and group names.

Every stage that needs an identifier derived from a user's name or module path asks
this module, so a rename changes exactly one thing and collisions are found in one
place.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from pathlib import PurePosixPath

#: Grafana accepts at most 40 characters of ``[A-Za-z0-9_-]`` in a UID.
UID_MAX = 40
UID_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_SLUG_BAD = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """Lower-case ``text`` and join its alphanumeric runs with ``-``."""
    return _SLUG_BAD.sub("-", text.lower()).strip("-")


#: The longest name (in UTF-8 bytes) of a file or folder under build/: common file
#: systems take 255 (NAME_MAX), and the writer adds ``.oac-<pid>`` to a file's
#: name while it writes it (artifacts.swap_in).
_NAME_MAX = 240


def _shorten(text: str, limit: int, digest: str | None = None) -> str:
    """Fit ``text`` into ``limit`` characters, keeping it unique with a hash suffix:
    ``text`` itself when it fits and no ``digest`` is given, else ``text`` cut to
    make room for ``-<digest>`` (by default the hash of ``text``); the digest
    alone when ``text`` is empty."""
    if digest is None:
        if len(text) <= limit:
            return text
        digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    return f"{text[: limit - 9].rstrip('-')}-{digest}" if text else digest


def _module_parts(module_path: str, under: str | None) -> list[str]:
    """``alerts/team/api.py`` -> ``["team", "api"]``: the parts of the path
    without its suffix, the folder ``under`` dropped."""
    parts = list(PurePosixPath(module_path).with_suffix("").parts)
    if under is not None and parts and parts[0] == under:
        parts = parts[1:]
    return parts


@lru_cache(maxsize=4096)  # prometheus.yml lists every rule file on each build
def module_stem(module_path: str, *, under: str | None = None) -> str:
    """``alerts/team/api.py`` -> ``team-api`` (the folder ``under`` is dropped)."""
    return slug("-".join(_module_parts(module_path, under))) or "root"


def _without_accents(text: str) -> str:
    """``text`` with what is not ASCII decomposed (NFKD) and dropped: ``straße``
    -> ``strae``, ``über`` -> ``uber``, ``日本`` -> ``""``. ASCII text is unchanged."""
    return text if text.isascii() else unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def dashboard_uid(module_path: str, name: str | None = None) -> str:
    """Stable dashboard UID from the module path (and the dashboard's variable name
    when a module declares more than one).

    A path or name with non-ASCII characters (``dashboards/übersicht.py``,
    ``dashboards/日本/api.py``) keeps what :func:`slug` can of it once accents are
    dropped, plus a hash of the whole: the slug alone loses those characters, so
    ``日本/api`` and ``中国/api`` would both be ``api`` (an OAC308 collision), and
    every all-CJK module ``root``."""
    lossy = not module_path.isascii() or (name is not None and not name.isascii())
    stem = slug(_without_accents("-".join(_module_parts(module_path, "dashboards"))))
    label = slug(_without_accents(name)) if name else None
    if lossy:
        # What is left of the path and the name, and always the hash of the whole:
        # the part the slug dropped is what told them apart.
        readable = "-".join(w for w in (stem, label) if w)
        digest: str | None = hashlib.sha256(f"{module_path}\0{name or ''}".encode()).hexdigest()[:8]
    else:
        # module_stem() and the name's slug, hashed only when cut to fit.
        readable = (stem or "root") if label is None else f"{stem or 'root'}-{label}"
        digest = None
    return _shorten(readable, UID_MAX, digest)


def dashboard_folder(module_path: str) -> str:
    """Grafana folder path (``a/b``) of a dashboard module: its directory under
    ``dashboards/``; ``""`` for the root (General)."""
    parts = PurePosixPath(module_path).parts
    if parts and parts[0] == "dashboards":
        parts = parts[1:]
    return "/".join(parts[:-1])


def folder_problem(folder_path: str) -> str | None:
    """Why ``folder_path`` cannot be a dashboard's folder, or None when it can.

    The folder becomes a directory under ``build/grafana/dashboards/``: a path
    that climbs out (``..``), starts at the root or names nothing between two
    slashes would write the dashboard elsewhere, or where Grafana's provider
    does not look."""
    if folder_path == "":
        return None  # General
    return relative_path_problem(folder_path)


def relative_path_problem(path: str) -> str | None:
    """Why ``path`` is not a plain relative path of names (``a/b/c.json``), or None:
    what a folder and an output path under ``build/`` must both be."""
    if any(ord(c) < 32 or c == "\\" for c in path):
        return "it holds a backslash or a control character"
    if path.startswith("/"):
        return "it is absolute; folders are relative to dashboards/"
    if any(p in ("", ".", "..") for p in path.split("/")):
        return "each part between slashes must be a name (not empty, '.' or '..')"
    if any(len(p.encode("utf-8")) > _NAME_MAX for p in path.split("/")):
        return f"a part between slashes is longer than {_NAME_MAX} bytes (file systems take 255 for a name)"
    return None


def folder_uid(folder_path: str) -> str:
    """Stable UID of the Grafana folder for a folder path such as ``team/llm``."""
    return _shorten("oac-" + slug(folder_path.replace("/", "-")), UID_MAX)


def rule_file(module_path: str) -> str:
    """Output path (relative to ``build/``) of the rule file for a module."""
    return f"prometheus/rules/{module_stem(module_path, under='alerts')}.yaml"


def valid_uid(uid: str) -> bool:
    """True when ``uid`` is acceptable to Grafana."""
    return bool(UID_RE.match(uid))


def slo_id(service: str, name: str) -> str:
    """An SLO's id, as Sloth spells it (the ``sloth_id`` label): ``service-name``."""
    return f"{service}-{name}"


#: Rule group stages of a generated SLO (Sloth's three groups).
SLO_GROUP_STAGES = ("sli-recordings", "meta-recordings", "alerts")


def slo_rule_group(slo_id: str, stage: str) -> str:
    """Name of one of the rule groups generated for an SLO (``slo-alerts-<id>``)."""
    if stage not in SLO_GROUP_STAGES:
        raise ValueError(f"unknown SLO rule group stage {stage!r}")
    return f"slo-{stage}-{slo_id}"


#: The alert groups of the SLO generator (``slo-alerts-<id>``, :func:`slo_rule_group`).
SLO_ALERT_GROUPS = (slo_rule_group("", "alerts"),)
#: ... and of Sloth's own output (``sloth-slo-alerts-<id>``, linted as rule files).
SLOTH_ALERT_GROUPS = ("sloth-slo-alerts-",)


def slo_burn_alert(group_name: str, labels: Mapping[str, str], groups: tuple[str, ...] = SLO_ALERT_GROUPS) -> bool:
    """Whether an alert is an SLO's burn-rate alert: in a group named as ``groups``
    name them, with the ``sloth_severity`` (page or ticket) such alerts carry."""
    return group_name.startswith(groups) and labels.get("sloth_severity") in ("page", "ticket")


def slo_dashboard_uid(slo_id: str) -> str:
    """Stable UID of the dashboard generated for an SLO."""
    return _shorten("slo-" + slug(slo_id), UID_MAX)


#: Output path (relative to ``build/``) of the Alertmanager configuration.
ALERTMANAGER_CONFIG = "alertmanager/alertmanager.yml"


def alertmanager_template(name: str) -> str:
    """Output path of a notification template, relative to ``build/``."""
    # Shortened: a name of thousands of characters made a file name the system
    # refuses (ENAMETOOLONG), a traceback out of the build.
    return f"alertmanager/templates/{_shorten(slug(name), _NAME_MAX - len('.tmpl')) or 'template'}.tmpl"


def rule_test_file(module_path: str) -> str:
    """Output path (relative to ``build/``) of the promtool unit tests of a module."""
    return f"tests/{module_stem(module_path, under='alerts')}.yaml"


def dashboard_file(folder_path: str, uid: str) -> str:
    """Output path (relative to ``build/``) of a dashboard: ``grafana/dashboards/<folder>/<uid>.json``."""
    folder = f"{folder_path.strip('/')}/" if folder_path.strip("/") else ""
    return f"grafana/dashboards/{folder}{uid}.json"


def dashboard_file_folder(path: str) -> str:
    """The folder path of a :func:`dashboard_file` output path (``""`` for General)."""
    parts = PurePosixPath(path).parts
    return "/".join(parts[2:-1]) if parts[:2] == ("grafana", "dashboards") else ""


def provisioned_folder(folder_path: str) -> str:
    """The folder a provisioned Grafana shows a dashboard of ``folder_path`` in:
    its file provider (``foldersFromFilesStructure``) makes only the last
    directory a folder ("" for the General folder)."""
    return folder_path.rsplit("/", 1)[-1]


def provisioned_title_key(folder_path: str, title: str) -> str:
    """What two dashboards of a provisioned Grafana must not share: the title's
    slug (Grafana compares slugs: 412 name-exists) in the folder Grafana shows
    them in, the last part of ``folder_path`` (its file provider makes only the
    last directory a folder). Grafana refuses the second of two such dashboards,
    and its file provider then stops saving that provider's dashboards
    (grafana/grafana#43530). Never a UID (it holds ``:``)."""
    return f"title:{provisioned_folder(folder_path)}:{slug(title)}"


#: Output paths (relative to ``build/``) of the Grafana provisioning files.
DASHBOARD_PROVIDER_FILE = "grafana/provisioning/dashboards/obs-as-code.yaml"
DATASOURCES_FILE = "grafana/provisioning/datasources/datasources.yaml"


#: Where the provisioning file tells Grafana the dashboards are mounted.
GRAFANA_DASHBOARDS_MOUNT = "/var/lib/grafana/dashboards"
