"""The HTTP client for Grafana: auth, retries, request counting.

This module is the only place that sends HTTP. Everything above it (plan, publish,
import) calls :class:`GrafanaClient` and never sees ``requests``.

Secrets: the token or password lives only inside the :class:`Auth` object and the
``requests`` session headers. It is never formatted into a message, a log line or a
repr; errors name the method, path and status, nothing else.
"""

from __future__ import annotations

import base64
import email.utils
import logging
import os
import random
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import requests

from obs_as_code.redact import scrub, secret_values

log = logging.getLogger(__name__)

#: HTTP methods that change Grafana's state (counted as "writes").
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Statuses worth retrying: rate limiting and server-side failures.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class GrafanaError(Exception):
    """Base class of errors raised by the Grafana client."""


class AuthError(GrafanaError):
    """Grafana rejected the credentials (401) or the permission (403).

    Raised at once, never retried: retrying a bad token only locks accounts. The
    message names the request and status only, never the credential.
    """

    def __init__(self, status: int, method: str, path: str) -> None:
        self.status = status
        self.method = method
        self.path = path
        what = "rejected the credentials" if status == 401 else "denied permission"
        super().__init__(f"Grafana {what} (HTTP {status}) for {method} {path}")


class NoGrafanaApi(GrafanaError):
    """``GET /api/search``, which every Grafana serves, answered 404: the URL is not
    Grafana's base URL (another server, or Grafana under a sub-path left out)."""


class TransientError(GrafanaError):
    """A request kept failing (timeouts, resets, 429, 5xx) until the retry budget ran out."""

    def __init__(self, method: str, path: str, attempts: int, last: str) -> None:
        self.method = method
        self.path = path
        self.attempts = attempts
        self.last = last
        super().__init__(f"{method} {path} failed after {attempts} attempts: {last}")


class Auth:
    """Credentials for Grafana: a service-account token or basic auth.

    The secret is kept in a private attribute and redacted from ``repr``/``str``.
    """

    __slots__ = ("_password", "_token", "source", "user")

    def __init__(
        self, *, token: str | None = None, user: str | None = None, password: str | None = None, source: str = ""
    ) -> None:
        if token is None and (user is None or password is None):
            raise ValueError("Auth needs a token, or both a user and a password")
        self._token = token
        self.user = user
        self._password = password
        #: Where the credentials came from, for messages (never their value).
        self.source = source

    @property
    def kind(self) -> str:
        """``"token"`` or ``"basic"``."""
        return "token" if self._token is not None else "basic"

    def header(self) -> str:
        """The ``Authorization`` header value (contains the secret: never log it)."""
        if self._token is not None:
            return f"Bearer {self._token}"
        raw = f"{self.user}:{self._password}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")

    def secrets(self) -> list[str]:
        """The secret strings, for redaction checks in tests and output filters:
        the token or password, and the base64 of ``user:password`` that the
        ``Authorization: Basic`` header carries (an error body that echoes the
        request's headers shows that, and it decodes to the password)."""
        found = [s for s in (self._token, self._password) if s]
        if self._token is None and self._password:
            found.append(self.header().partition(" ")[2])
        return found

    def __repr__(self) -> str:
        if self._token is not None:
            return "Auth(token=<redacted>)"
        return f"Auth(user={self.user!r}, password=<redacted>)"

    __str__ = __repr__

    @classmethod
    def from_env(
        cls, token_file: str | Path | None = None, env: Mapping[str, str] | None = None
    ) -> Auth | None:
        """Credentials from ``--token-file``, then ``GRAFANA_TOKEN``, then
        ``GRAFANA_USER``/``GRAFANA_PASSWORD``; ``None`` when there are none."""
        env = os.environ if env is None else env
        if token_file is not None:
            token = Path(token_file).read_text(encoding="utf-8").strip()
            if not token:
                raise ValueError(f"token file {token_file} is empty")
            return cls(token=token, source=f"the token in {token_file}")
        if env.get("GRAFANA_TOKEN"):
            return cls(token=env["GRAFANA_TOKEN"], source="GRAFANA_TOKEN")
        if env.get("GRAFANA_USER") and env.get("GRAFANA_PASSWORD"):
            return cls(user=env["GRAFANA_USER"], password=env["GRAFANA_PASSWORD"],
                       source="GRAFANA_USER and GRAFANA_PASSWORD")
        return None


def split_url_credentials(url: str) -> tuple[str, Auth | None]:
    """Remove ``user:password@`` from a URL so it never appears in messages.

    Raises ``ValueError``, with a message that quotes no part of the URL, for a
    URL whose userinfo is not percent-encoded (a ``/``, ``?`` or ``#`` in the
    password ends the host part early: what is left of the password would be
    taken for a host and port, and printed by whatever failed to parse them) or
    whose port is not a number."""
    parts = urlsplit(url)
    if parts.username is None:
        if "@" in url.partition("://")[2]:
            raise ValueError(
                "the Grafana URL has an '@' after a '/', '?' or '#': percent-encode the user and "
                "password in it (https://user:p%2Fss@host), or pass them in GRAFANA_USER and "
                "GRAFANA_PASSWORD")
        return url, None
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError:
        raise ValueError("the Grafana URL's port is not a number") from None
    if port is not None:
        host = f"{host}:{port}"
    clean = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    auth = Auth(user=parts.username, password=parts.password or "", source="the user:password in the Grafana URL")
    return clean, auth


@dataclass
class RetryPolicy:
    """Exponential backoff with a bounded budget.

    ``attempts`` bounds the tries of one request; ``budget`` bounds the total time
    spent sleeping for one request, so a dying Grafana fails fast enough for CI.
    """

    attempts: int = 5
    base: float = 0.5
    cap: float = 8.0
    budget: float = 30.0
    jitter: float = 0.1

    def backoff(self, attempt: int) -> float:
        """Delay before retry number ``attempt`` (1-based)."""
        delay = min(self.cap, self.base * 2.0 ** (attempt - 1))
        return float(delay * (1 + random.uniform(0, self.jitter)))


@dataclass
class Response:
    """A decoded Grafana response: status and JSON body (``None`` when not JSON).

    ``secrets`` are the client's credentials and ``sent`` the request's JSON body
    (whose secret-named values, ``secureJsonData`` ..., are secrets too):
    :meth:`message` never quotes them, as Grafana's error text may echo the
    request. The body is searched only then, not for every response."""

    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = field(default=(), repr=False, compare=False)
    sent: Any = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """True for 2xx."""
        return 200 <= self.status < 300

    def message(self) -> str:
        """Grafana's error message (``{"message": ...}``) with the request's secrets
        replaced by ``<redacted>``, or the status."""
        if isinstance(self.body, dict) and isinstance(self.body.get("message"), str):
            return scrub(str(self.body["message"]), (*self.secrets, *secret_values(self.sent)))
        return f"HTTP {self.status}"

    def reason(self) -> str:
        """Grafana's machine-readable ``status`` field (e.g. ``version-mismatch``)."""
        if isinstance(self.body, dict) and isinstance(self.body.get("status"), str):
            return str(self.body["status"])
        return ""


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class GrafanaClient:
    """A small Grafana HTTP API client with retries and request counting.

    * 401/403 raise :class:`AuthError` immediately.
    * Timeouts, connection errors, 429 (honouring ``Retry-After``) and 5xx are
      retried with exponential backoff within :class:`RetryPolicy`; when the budget
      is spent :class:`TransientError` is raised.
    * Any other status is returned as a :class:`Response` for the caller to report
      per object (a 400 on one dashboard must not stop the others).

    Every attempt is counted in :attr:`counts` by ``(method, path kind)`` so tests
    and benchmarks can assert how many requests a publish costs.
    """

    def __init__(
        self,
        url: str,
        auth: Auth | None,
        *,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] | None = None,
        org_id: int | None = None,
        session: requests.Session | None = None,
    ) -> None:
        clean_url, url_auth = split_url_credentials(url)
        self.url = clean_url.rstrip("/")
        self.auth = auth or url_auth
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        #: Injectable for tests; ``None`` means :func:`time.sleep` (looked up per call).
        self.sleep = sleep
        self.counts: Counter[tuple[str, str]] = Counter()
        self.attempts = 0
        self._session = session or requests.Session()
        self._session.headers["Accept"] = "application/json"
        self._session.headers["User-Agent"] = "obs-as-code"
        if self.auth is not None:
            self._session.headers["Authorization"] = self.auth.header()
        if org_id is not None:
            self._session.headers["X-Grafana-Org-Id"] = str(org_id)

    def __repr__(self) -> str:
        return f"GrafanaClient(url={self.url!r}, auth={self.auth!r})"

    def close(self) -> None:
        """Close the underlying HTTP session."""
        self._session.close()

    def __enter__(self) -> GrafanaClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- counters ---------------------------------------------------------------

    @property
    def requests_sent(self) -> int:
        """Number of HTTP attempts sent (retries included)."""
        return self.attempts

    @property
    def writes_sent(self) -> int:
        """Number of write attempts (POST/PUT/PATCH/DELETE) sent."""
        return sum(n for (method, _), n in self.counts.items() if method in WRITE_METHODS)

    def reset_counts(self) -> None:
        """Zero the request counters."""
        self.counts.clear()
        self.attempts = 0

    # -- core -------------------------------------------------------------------

    @staticmethod
    def path_kind(path: str) -> str:
        """Collapse ids out of a path (``/api/dashboards/uid/x`` -> ``/api/dashboards/uid/*``)."""
        parts = path.split("?")[0].strip("/").split("/")
        keep = {"api", "dashboards", "uid", "db", "folders", "search", "datasources",
                "health", "name", "tags", "versions"}
        return "/" + "/".join(p if p in keep else "*" for p in parts)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        json: Any = None,
    ) -> Response:
        """Send one logical request, retrying transient failures.

        Returns the final :class:`Response` (2xx or a non-retryable 4xx). Raises
        :class:`AuthError` on 401/403 and :class:`TransientError` when retries are
        exhausted.
        """
        method = method.upper()
        kind = self.path_kind(path)
        slept = 0.0
        last = ""
        for attempt in range(1, self.retry.attempts + 1):
            self.attempts += 1
            self.counts[(method, kind)] += 1
            wait: float | None = None
            try:
                raw = self._session.request(
                    method, self.url + path, params=params, json=json, timeout=self.timeout
                )
            except requests.Timeout:
                last = f"timed out after {self.timeout:g}s"
            except requests.ConnectionError as exc:
                # The exception text names host and port only; headers never appear.
                last = f"connection error ({type(exc).__name__})"
            except requests.RequestException as exc:
                # InvalidURL and the like quote the URL: name the kind only.
                raise GrafanaError(f"{method} {path} could not be sent ({type(exc).__name__})") from None
            else:
                if raw.status_code in (401, 403):
                    raise AuthError(raw.status_code, method, path)
                if raw.status_code not in RETRY_STATUSES:
                    secrets = tuple(self.auth.secrets()) if self.auth else ()
                    return Response(raw.status_code, _decode(raw), dict(raw.headers), secrets, json)
                last = f"HTTP {raw.status_code}"
                if raw.status_code == 429 or raw.status_code == 503:
                    wait = _retry_after(raw.headers.get("Retry-After"))
            if attempt == self.retry.attempts:
                break
            delay = self.retry.backoff(attempt) if wait is None else wait
            if slept + delay > self.retry.budget:
                break
            log.info("retrying %s %s in %.2fs (%s)", method, path, delay, last)
            (self.sleep or _sleep)(delay)
            slept += delay
        raise TransientError(method, path, attempt, last)

    # -- convenience ------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, Any] | list[tuple[str, Any]] | None = None) -> Response:
        """GET ``path``."""
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any) -> Response:
        """POST a JSON body to ``path``."""
        return self.request("POST", path, json=body)

    def put(self, path: str, body: Any) -> Response:
        """PUT a JSON body to ``path``."""
        return self.request("PUT", path, json=body)

    def delete(self, path: str) -> Response:
        """DELETE ``path``."""
        return self.request("DELETE", path)

    # -- typed API helpers used by plan/publish/import -------------------------------

    def health(self) -> Response:
        """``GET /api/health`` (no auth needed)."""
        return self.get("/api/health")

    def search(self, params: list[tuple[str, Any]], *, page_size: int = 5000) -> list[dict[str, Any]]:
        """All hits of ``/api/search`` for ``params``, following pages of ``page_size``."""
        hits: list[dict[str, Any]] = []
        page = 1
        while True:
            resp = self.get("/api/search", [*params, ("limit", page_size), ("page", page)])
            if resp.status == 404:
                raise NoGrafanaApi(f"GET /api/search failed: {resp.message()}")
            if not resp.ok or not isinstance(resp.body, list):
                raise GrafanaError(f"GET /api/search failed: {resp.message()}")
            hits.extend(h for h in resp.body if isinstance(h, dict))
            if len(resp.body) < page_size:
                return hits
            page += 1

    def get_folder(self, uid: str) -> dict[str, Any] | None:
        """A folder by uid, or ``None`` when it does not exist."""
        return self._get_object(f"/api/folders/{quote(uid, safe='')}", f"/api/folders/{uid}")

    def get_dashboard(self, uid: str) -> dict[str, Any] | None:
        """``{"dashboard": ..., "meta": ...}`` for ``uid``, or ``None`` when absent."""
        return self._get_object(f"/api/dashboards/uid/{quote(uid, safe='')}", f"/api/dashboards/uid/{uid}")

    def _get_object(self, path: str, shown: str) -> dict[str, Any] | None:
        """The JSON object at ``path``, ``None`` on 404; a failure raises naming
        ``shown`` (the path with the uid unquoted, as the user wrote it)."""
        resp = self.get(path)
        if resp.status == 404:
            return None
        if not resp.ok or not isinstance(resp.body, dict):
            raise GrafanaError(f"GET {shown} failed: {resp.message()}")
        return resp.body


def _sleep(seconds: float) -> None:
    """Default backoff sleep (a module global so tests can replace it)."""
    time.sleep(seconds)


def _decode(raw: requests.Response) -> Any:
    """The JSON body of a response, or ``None`` when it is not JSON."""
    if not raw.content:
        return None
    try:
        return raw.json()
    except ValueError:
        return None
