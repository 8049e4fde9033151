"""OAC109: a literal secret where only a file reference belongs."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from obs_as_code.diagnostics import Diagnostic
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.redact import SECRET_KEYS, url_password
from obs_as_code.source import keyword_location

#: Secret fields Prometheus has no ``*_file`` variant of.
_NO_FILE = frozenset(
    {"secret_key", "application_credential_secret", "application_secret", "consumer_key", "secrets",
     "proxy_connect_header", "proxy_url"}
)


def _literal(value: Any) -> bool:
    return isinstance(value, str) and bool(value) and not _is_placeholder(value)


def _literal_secret(key: Any, item: Any) -> bool:
    if key == "proxy_connect_header" and isinstance(item, Mapping):
        # {Header: [values]}: every value is a config.Secret (Proxy-Authorization ...).
        return any(_literal(v) for values in item.values() for v in (values if isinstance(values, list) else [values]))
    if key == "proxy_url" and isinstance(item, str):
        # http://user:password@proxy: the password is a credential in the URL.
        return bool(url_password(item)) and not _is_placeholder(item)
    if key not in SECRET_KEYS:
        return False
    if isinstance(item, (list, tuple)):  # http_headers' secrets
        return any(isinstance(v, str) and v and not _is_placeholder(v) for v in item)
    return isinstance(item, str) and bool(item) and not _is_placeholder(item)


def find_secrets(value: Any, path: str = "", *, is_secret: Callable[[Any, Any], bool] = _literal_secret) -> Iterator[str]:
    """Paths of the keys, nested ones included, for which ``is_secret(key, value)``
    holds (default: secret-named keys holding a literal, not ``${ENV}``, value)."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if is_secret(key, item):
                yield here
            else:
                yield from find_secrets(item, here, is_secret=is_secret)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from find_secrets(item, f"{path}[{i}]", is_secret=is_secret)


def _is_placeholder(value: str) -> bool:
    return value.startswith("${") and value.endswith("}")


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for d in ctx.definitions():
        extra = getattr(d, "extra", None)
        if not extra:
            continue
        for path in find_secrets(extra):
            # Never echo the value: the message names the key only.
            key = path.rsplit(".", 1)[-1].split("[", 1)[0]
            instead = "a ${ENV} placeholder" if key in _NO_FILE else f"a file ({key}_file) or a ${{ENV}} placeholder"
            yield Diagnostic(
                keyword_location(d.location, "extra"),
                "OAC109",
                f"literal secret in extra[{path}]: reference {instead} instead",
                show_source=False,
            )


CHECK = Check("OAC109", "literal-secret", "secrets are referenced by file or ${ENV}, never written inline", run, suppressible=False)
