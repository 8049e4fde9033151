"""OAC501: a literal secret in an Alertmanager integration."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import unquote

from obs_as_code.diagnostics import Diagnostic
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.model.alertmanager import Global, Integration
from obs_as_code.redact import is_secret_name, url_password
from obs_as_code.source import keyword_location

_PLACEHOLDER = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*\}$")
_URL_WITH_PLACEHOLDER = re.compile(r"^https?://[^/?#]+[/?#].*\$\{[A-Za-z_][A-Za-z0-9_]*\}")
_ANY_PLACEHOLDER = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")


def is_reference(value: str, *, url: bool) -> bool:
    """True when ``value`` only refers to a secret: ``${ENV}`` (or, for URLs, a URL
    whose secret part is ``${ENV}``, since Alertmanager 0.25 rejects a bare
    placeholder where it wants a URL)."""
    if _PLACEHOLDER.match(value):
        return True
    return url and _URL_WITH_PLACEHOLDER.match(value) is not None


def _url_password(value: str) -> bool:
    """True when ``value`` is a URL with a literal password (``user:pass@host``);
    a ``${ENV}`` password is a reference."""
    password = url_password(value)
    return bool(password) and not _PLACEHOLDER.match(unquote(password or ""))


def _query_secret(value: str) -> str | None:
    """The name of a secret-named query parameter of the URL ``value`` that holds
    a literal (``?token=abc``, ``&api_key=...``), None without one. A value
    holding a ``${ENV}`` placeholder is a reference, as docs/alertmanager.md
    recommends for a webhook (``https://hooks.example.com/in?token=${HOOK_TOKEN}``)."""
    from urllib.parse import parse_qsl, urlsplit

    try:
        query = urlsplit(value).query
    except ValueError:
        query = value.partition("?")[2].partition("#")[0]
    for name, item in parse_qsl(query, keep_blank_values=False):
        if is_secret_name(name) and not _ANY_PLACEHOLDER.search(item):
            return name
    return None


def _url_passwords(ctx: LintContext, d: Integration | Global) -> Iterator[Diagnostic]:
    """A password in any other URL field (a webhook's ``url``, PagerDuty's ``url``,
    global ``pagerduty_url`` ...): written into alertmanager.yml as it is."""
    skip = (*d.secret_fields, *d.secret_url_fields) if isinstance(d, Integration) else ()
    for name in d.fields_out:
        value = getattr(d, name, None)
        if name in skip or not isinstance(value, str):
            continue
        param = _query_secret(value) if "?" in value and "://" in value else None
        if param is not None:
            yield Diagnostic(
                keyword_location(d.location, name),
                "OAC501",
                f"literal secret in the url of {d.kind} field {name} (query parameter {param}): the value is not shown",
                hint=f"put a ${{ENV}} placeholder in its place ({param}=${{ENV}}, substituted at deploy time), or send it from a file: "
                "credentials_file= (a bearer token) or extra={\"http_config\": {...}}",
                show_source=False,
            )
        if "@" not in value:
            continue
        if _url_password(value):
            yield Diagnostic(
                keyword_location(d.location, name),
                "OAC501",
                f"literal password in the url of {d.kind} field {name} (user:password@host): the value is not shown",
                hint='let Alertmanager read it from a file: extra={"http_config": {"basic_auth": '
                '{"username": "...", "password_file": "/path"}}} and the url without user:password@',
                show_source=False,
            )


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for d in ctx.definitions():
        if isinstance(d, (Integration, Global)):
            yield from _url_passwords(ctx, d)
        if not isinstance(d, Integration):
            continue
        for name in (*d.secret_fields, *d.secret_url_fields):
            value = getattr(d, name, None)
            if not isinstance(value, str) or not value:
                continue
            if is_reference(value, url=name in d.secret_url_fields):
                continue
            # Never echo the value, nor the line holding it.
            yield Diagnostic(
                keyword_location(d.location, name),
                "OAC501",
                f"literal secret in {d.kind} field {name}: the value is not shown",
                hint=(
                    f"use {name}_file (read by Alertmanager from a file) or a ${{ENV}} placeholder "
                    "resolved at deploy time"
                    if hasattr(d, f"{name}_file")
                    else "put a ${ENV} placeholder where the secret goes (resolved at deploy time)"
                ),
                show_source=False,
            )


CHECK = Check("OAC501", "alertmanager-literal-secret", "Alertmanager secrets are read from files or ${ENV}, never written inline", run, suppressible=False)
