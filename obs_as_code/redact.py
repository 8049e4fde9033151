"""What names a secret, and the masking of secrets in what we print.

House rule: a secret never appears in a log or an error message. The lint
checks (OAC109, OAC111, OAC501) say where a secret is written; this module
keeps the text renderer of diagnostics, which echoes the user's source line,
and the messages that quote a value from echoing one.
"""

from __future__ import annotations

import re

#: Keys whose value is a secret in Prometheus and Alertmanager configs (OAC109).
SECRET_KEYS = frozenset(
    {
        "password",
        "bearer_token",
        "credentials",
        "client_secret",
        "routing_key",
        "service_key",
        "api_key",
        "api_url",
        "auth_password",
        "auth_secret",
        "webhook_url",
        "token",
        # Service discovery (ec2, lightsail, scaleway, marathon, openstack, ovhcloud):
        # the other config.Secret fields of Prometheus' configuration.
        "secret_key",
        "auth_token",
        "application_credential_secret",
        "application_secret",
        "consumer_key",
        # http_headers: {Name: {secrets: [...]}}, a list of secrets.
        "secrets",
    }
)

#: Keys (lowercased, ``_`` and ``-`` removed) that hold a secret: Grafana's own
#: secureJsonData keys (``basicAuthPassword``, ``httpHeaderValue1``, ``tlsClientKey``,
#: ``sigV4SecretKey``, ``clientSecret``, ``privateKey`` ...) and the usual names.
_SECRET_KEY = re.compile(
    r"^(?:httpheadervalue\d*|.*(?:password|passwd|secret|secretkey|accesskey|token|apikey|privatekey|tlsclientkey|credentials?))$"
)


def is_secret_key(key: object) -> bool:
    """True when a key names a credential (``basicAuthPassword``, ``httpHeaderValue1``, ``api_key`` ...)."""
    return (
        isinstance(key, str)
        and _SECRET_KEY.match(key.lower().replace("_", "").replace("-", "")) is not None
    )


def url_password(url: str) -> str | None:
    """The password in ``url``'s userinfo (``scheme://user:password@host``), None
    without one. A URL :func:`urllib.parse.urlsplit` refuses (a port that is no
    number, a bad IPv6 host) still has its userinfo read: it is written as it is."""
    from urllib.parse import urlsplit

    try:
        return urlsplit(url).password
    except ValueError:
        userinfo = url.partition("://")[2].partition("/")[0].rpartition("@")[0]
        return userinfo.partition(":")[2] if ":" in userinfo else None


def is_secret_name(name: object) -> bool:
    """True when a field, keyword, dict key or query parameter called ``name``
    holds a secret: one of :data:`SECRET_KEYS` or a name :func:`is_secret_key` knows."""
    return isinstance(name, str) and (name.lower() in SECRET_KEYS or is_secret_key(name))


MASK = "*"

# A Python string literal (prefix, quote, body up to the closing quote or, for
# a literal that goes on past the line, the end of the line), or a number.
_LITERAL = (
    r"""(?:(?P<prefix>[rRbBuUfF]{0,2})(?P<quote>'''|\"\"\"|'|")(?P<body>(?:\\.|(?!(?P=quote)).)*(?:\\)?)"""
    r"""|(?P<num>[-+]?\d[\w.]*))"""
)
# What puts a name to the literal after it: ``name=`` (keyword argument,
# assignment, ``name: str =``), ``"name":`` (dict key), ``name:`` (YAML).
_KEYED = re.compile(
    r"""(?:(?P<kw>[A-Za-z_]\w*)\s*(?::\s*[\w\[\]., |]+?\s*)?=(?!=)\s*"""
    r"""|(?P<q>["'])(?P<key>[^"'\\]+)(?P=q)\s*:\s*"""
    r"""|(?P<ykey>[A-Za-z_][\w.-]*)\s*:\s*)""" + _LITERAL
)
# An unquoted YAML value: ``password: hunter2`` (up to `` #`` or the end).
_YAML_PLAIN = re.compile(r"^(?P<lead>\s*(?:-\s+)?)(?P<ykey>[A-Za-z_][\w.-]*)\s*:[ \t]+(?P<body>[^\s'\"#\[{][^#]*?)\s*(?:\s#.*)?$")
# ``scheme://user:password@host``: the password.
_USERINFO = re.compile(r"(?P<lead>[A-Za-z][\w+.-]*://[^\s/@:'\"]*):(?P<body>[^\s/@'\"]*)@")
# ``?name=value`` or ``&name=value`` in a URL.
_QUERY = re.compile(r"[?&;](?P<name>[\w.-]+)=(?P<body>[^&#;\s'\"]*)")


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with each span replaced by as many :data:`MASK` characters: a
    column after it still names the same character."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = MASK * (end - start)
    return "".join(chars)


def redact_line(line: str) -> str:
    """``line`` with the secrets a reader could see in it masked, character for
    character (so columns, and a caret under one, stay right): string literals
    (and numbers) given to a secret-named keyword, assignment, dict key or YAML key, the
    password of a ``user:password@`` URL and secret-named URL query parameters."""
    spans: list[tuple[int, int]] = []
    for m in _KEYED.finditer(line):
        if is_secret_name(m.group("kw") or m.group("key") or m.group("ykey")):
            spans.append(m.span("body" if m.group("quote") else "num"))
    plain = _YAML_PLAIN.match(line)
    if plain and is_secret_name(plain.group("ykey")) and not spans:
        # Not when a Python literal was found (``api_key: str = "..."``).
        spans.append(plain.span("body"))
    for m in _USERINFO.finditer(line):
        spans.append(m.span("body"))
    for m in _QUERY.finditer(line):
        if is_secret_name(m.group("name")):
            spans.append(m.span("body"))
    return _mask(line, spans) if spans else line


def shown_value(name: object, value: object) -> str:
    """``repr(value)`` for a message about the field (or key) ``name``: masked
    whole when ``name`` names a secret, else with URL passwords and tokens masked."""
    text = repr(value)
    if is_secret_name(name):
        return "<redacted>"
    return redact_line(text)
