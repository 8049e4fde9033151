"""OAC111: a credential written into a Grafana datasource."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from obs_as_code.diagnostics import Diagnostic
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules.oac109_literal_secret import find_secrets
from obs_as_code.model.datasource import Datasource, secure_reference
from obs_as_code.redact import is_secret_key_or_list, url_password
from obs_as_code.source import keyword_location

_REFERENCE_HINT = (
    "${ENV} (an environment variable of Grafana) or $__file{/path} (a file Grafana reads)"
)


def _credentials_block(key: Any, item: Any) -> bool:
    """Whether ``key: item`` is a block of settings named for credentials, read
    key by key: Grafana's ``azureCredentials`` ({authType, azureCloud, tenantId,
    clientId}) holds ids only, its secret goes to secureJsonData
    (``azureClientSecret``)."""
    return isinstance(key, str) and key.lower().endswith(("credential", "credentials")) and isinstance(item, Mapping)


def _held_secret(key: Any, item: Any) -> bool:
    # Any value counts, ${ENV} too: Grafana would show what it expands to. A key
    # naming a list of credentials (apiKeys) counts too, unless the list is empty.
    if not is_secret_key_or_list(key) or item in (None, "", False) or _credentials_block(key, item):
        return False
    return not (isinstance(item, (Mapping, list, tuple)) and not item)


def _url_password(url: str) -> bool:
    return bool(url_password(url))


def _query_secrets(query: str) -> list[str]:
    """The parameters of a query string (``a=1&api_key=...``) whose name says
    they hold a credential and whose value is not empty (names only)."""
    return [name for name, value in parse_qsl(query, keep_blank_values=True) if value and is_secret_key_or_list(name)]


def _url_query_secrets(url: str) -> list[str]:
    try:
        return _query_secrets(urlsplit(url).query)
    except ValueError:
        return []


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for d in ctx.definitions():
        if not isinstance(d, Datasource):
            continue
        found: list[tuple[str, str, str]] = []  # (keyword, message, hint); never the value
        if isinstance(d.url, str) and _url_password(d.url):
            found.append(
                (
                    "url",
                    "a password in the url (user:password@host)",
                    "Grafana shows the url to every viewer: use basic_auth_user= and "
                    f"secure_json_data={{'basicAuthPassword': ...}} with {_REFERENCE_HINT}",
                )
            )
        # A token in the url's query string (?api_key=...) or in Prometheus's
        # customQueryParameters (sent with every query): both shown to viewers.
        params = _url_query_secrets(d.url) if isinstance(d.url, str) else []
        if params:
            found.append(
                (
                    "url",
                    f"a secret in the url's query ({', '.join(params)})",
                    "Grafana shows the url to every viewer: send it as a header "
                    "(json_data httpHeaderName1, secure_json_data httpHeaderValue1) with "
                    f"{_REFERENCE_HINT}",
                )
            )
        custom = d.json_data.get("customQueryParameters") if isinstance(d.json_data, Mapping) else None
        params = _query_secrets(custom) if isinstance(custom, str) else []
        if params:
            found.append(
                (
                    "json_data",
                    f"a secret in json_data[customQueryParameters] ({', '.join(params)})",
                    "jsonData is stored in plain text and shown to every viewer: send it as a header "
                    f"(httpHeaderName1 / secure_json_data httpHeaderValue1) with {_REFERENCE_HINT}",
                )
            )
        for path in find_secrets(d.json_data, is_secret=_held_secret):
            found.append(
                (
                    "json_data",
                    f"a secret in json_data[{path}]",
                    "jsonData is stored in plain text and shown to every viewer: put it in "
                    f"secure_json_data as {_REFERENCE_HINT}",
                )
            )
        for key, value in (
            d.secure_json_data.items() if isinstance(d.secure_json_data, Mapping) else ()
        ):
            if secure_reference(value) is None:
                found.append(
                    (
                        "secure_json_data",
                        f"a literal value in secure_json_data[{key}]",
                        f"write {_REFERENCE_HINT}, resolved when Grafana reads the provisioning file",
                    )
                )
        for keyword, what, hint in found:
            # Never echo the value, nor the line holding it.
            yield Diagnostic(
                keyword_location(d.location, keyword),
                "OAC111",
                f"datasource {d.uid!r} has {what}: the value is not shown",
                hint=hint,
                show_source=False,
            )


CHECK = Check(
    "OAC111",
    "datasource-secret",
    "datasource credentials are ${ENV} or $__file{} references in secure_json_data, never written inline",
    run,
    suppressible=False,
)
