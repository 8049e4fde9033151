"""Values Alertmanager 0.25 reads with Go's parsers, judged as they judge them:
URLs (``net/url.Parse`` then its ``parseURL``), e-mail header names
(``textproto.CanonicalMIMEHeaderKey``) and the fields of a time interval
(its timeinterval package). Each function returns the reason amtool gives for
refusing the value, or None when amtool reads it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence

_HEX = "0123456789abcdefABCDEF"
_HOST_PUNCTUATION = frozenset("!$&'()*+,;=:[]<>\"-_.~")
_USERINFO = frozenset("-._:~!$&'()*+,;=%@")
_TOKEN = frozenset("!#$%&'*+-.^_`|~")


def _bad_escape(text: str, *, host: bool) -> str | None:
    """Go's ``unescape``: a ``%`` not followed by two hex digits; in a host, a
    character it does not take."""
    i = 0
    while i < len(text):
        char = text[i]
        if char == "%":
            part = text[i:i + 3]
            if len(part) < 3 or part[1] not in _HEX or part[2] not in _HEX:
                return f"invalid URL escape {part!r}"
            if host and int(part[1], 16) < 8 and part != "%25":
                return f"invalid URL escape {part!r}"
            i += 3
            continue
        if host and ord(char) < 0x80 and not char.isalnum() and char not in _HOST_PUNCTUATION:
            return f"invalid character {char!r} in host name"
        i += 1
    return None


def _valid_port(colon_port: str) -> bool:
    return colon_port == "" or (colon_port[0] == ":" and all("0" <= c <= "9" for c in colon_port[1:]))


def _host_problem(host: str) -> str | None:
    if host.startswith("["):
        end = host.rfind("]")
        if end < 0:
            return "missing ']' in host"
        if not _valid_port(host[end + 1:]):
            return f"invalid port {host[end + 1:]!r} after host"
        return _bad_escape(host[1:end].split("%25", 1)[0], host=True)
    colon = host.rfind(":")
    if colon >= 0 and not _valid_port(host[colon:]):
        return f"invalid port {host[colon:]!r} after host"
    return _bad_escape(host, host=True)


def url_problem(text: str) -> str | None:
    """Why Alertmanager 0.25 refuses ``text`` where it wants a URL (Go's
    ``url.Parse``, then a scheme of http or https and a host), None when it
    reads it."""
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        return "invalid control character in URL"
    rest, _, fragment = text.partition("#")
    scheme = ""
    for i, char in enumerate(rest):
        if char.isascii() and char.isalpha():
            continue
        if char.isascii() and (char.isdigit() or char in "+-."):
            if i == 0:
                break
            continue
        if char == ":":
            if i == 0:
                return "missing protocol scheme"
            scheme, rest = rest[:i].lower(), rest[i + 1:]
        break
    # The query is not judged (Go's url.Parse keeps it as written).
    rest = rest[:-1] if rest.endswith("?") and rest.count("?") == 1 else rest.partition("?")[0]
    host = ""
    if not rest.startswith("/"):
        if not scheme and ":" in rest.partition("/")[0]:
            return "first path segment in URL cannot contain colon"
    elif rest.startswith("//") and (scheme or not rest.startswith("///")):
        authority, slash, path = rest[2:].partition("/")
        rest = slash + path
        userinfo, at, host = authority.rpartition("@")
        if not at:
            host = authority
        elif any(not (c.isascii() and c.isalnum()) and c not in _USERINFO for c in userinfo):
            return "net/url: invalid userinfo"
        else:
            problem = _bad_escape(userinfo, host=False)
            if problem is not None:
                return problem
        problem = _host_problem(host)
        if problem is not None:
            return problem
    problem = _bad_escape(rest, host=False) or _bad_escape(fragment, host=False)
    if problem is not None:
        return problem
    if scheme not in ("http", "https"):
        return f"unsupported scheme {scheme!r} for URL"
    if not host:
        return "missing host for URL"
    return None


def mime_header_key(name: str) -> str:
    """Go's ``textproto.CanonicalMIMEHeaderKey``: ``content-type`` is
    ``Content-Type``; a name with a character no header name has is kept."""
    if any(not (c.isascii() and c.isalnum()) and c not in _TOKEN for c in name):
        return name
    out: list[str] = []
    upper = True
    for char in name:
        out.append(char.upper() if upper else char.lower())
        upper = char == "-"
    return "".join(out)


# --- time intervals (Alertmanager 0.25's timeinterval package) ----------------

_TIME = re.compile(r"(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)")
_WEEKDAYS = {d: i for i, d in enumerate(["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"])}
_MONTHS = {m: i for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august",
                                       "september", "october", "november", "december"], start=1)}
_INT = re.compile(r"[+-]?[0-9]+")


def _atoi(text: str) -> int | None:
    """Go's ``strconv.Atoi`` (a 64-bit int), None when it refuses ``text``."""
    if not _INT.fullmatch(text):
        return None
    value = int(text)
    return value if -(2**63) <= value < 2**63 else None


def _range(text: str, member: str) -> tuple[int, int] | str:
    """``begin[:end]`` read as Go's ``stringableRangeFromString`` reads it
    (lower-cased first), or the reason it refuses it."""
    text = text.lower()
    parts = text.split(":") if ":" in text else [text]
    if len(parts) > 2:
        return f"couldn't parse range {text}, invalid format"
    values: list[int] = []
    for part in parts:
        if member == "weekday":
            value = _WEEKDAYS.get(part)
            if value is None:
                return f"{part} is not a valid weekday"
        elif member == "month" and part in _MONTHS:
            value = _MONTHS[part]
        else:
            number = _atoi(part)
            if number is None:
                return f"{part} is not a valid month" if member == "month" else f"strconv.Atoi: parsing {part!r}: invalid syntax"
            value = number
        values.append(value)
    return values[0], values[-1]


def _weekday_problem(text: str) -> str | None:
    found = _range(text, "weekday")
    if isinstance(found, str):
        return found
    begin, end = found
    if begin > end:
        return "start day cannot be before end day"
    return None


def _day_problem(text: str) -> str | None:
    found = _range(text, "day")
    if isinstance(found, str):
        return found
    begin, end = found
    for day in (begin, end):
        if day == 0 or not -31 <= day <= 31:
            return f"{day} is not a valid day of the month: out of range"
    if begin < 0 < end:
        return "end day must be negative if start day is negative"
    if (28 + begin if begin < 0 else begin) > (28 + end if end < 0 else end):
        return f"end day {end} is always before start day {begin}"
    return None


def _month_problem(text: str) -> str | None:
    found = _range(text, "month")
    if isinstance(found, str):
        return found
    begin, end = found
    if begin > end:
        return "end month is before start month"
    return None


def _year_problem(text: str) -> str | None:
    found = _range(text, "year")
    if isinstance(found, str):
        return found
    begin, end = found
    if begin > end:
        return f"end year {end} is before start year {begin}"
    return None


def _times_problem(pair: Sequence[str]) -> str | None:
    start, end = pair
    if not start or not end:
        return "both start and end times must be provided"
    for clock in (start, end):
        if not _TIME.fullmatch(clock):
            return f"couldn't parse timestamp {clock}, invalid format"
    if _minutes(start) >= _minutes(end):
        return "start time cannot be equal or greater than end time"
    return None


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


_FIELD_PROBLEMS = {"weekdays": _weekday_problem, "days_of_month": _day_problem, "months": _month_problem,
                   "years": _year_problem}


def time_range_problems(times: object, fields: dict[str, object]) -> Iterator[tuple[str, str]]:
    """What Alertmanager 0.25 refuses in one time range, as (field, reason):
    ``times`` is the list of (start, end) pairs, ``fields`` the weekdays,
    days_of_month, months and years lists by name."""
    if isinstance(times, (list, tuple)):
        for pair in times:
            if isinstance(pair, (list, tuple)) and len(pair) == 2 and all(isinstance(p, str) for p in pair):
                problem = _times_problem(pair)
                if problem is not None:
                    yield "times", f"times {tuple(pair)!r}: {problem}"
    for name, check in _FIELD_PROBLEMS.items():
        values = fields.get(name)
        if not isinstance(values, (list, tuple)):
            continue
        for value in values:
            if isinstance(value, str):
                problem = check(value)
                if problem is not None:
                    yield name, f"{name} {value!r}: {problem}"


# --- notification templates ---------------------------------------------------


def glob_problem(pattern: str) -> str | None:
    """Why Go's ``filepath.Glob`` refuses a template path of the config
    (Alertmanager 0.25's ``template.FromGlobs``), None when it takes it: a
    ``[`` class not closed or empty, a range bound missing, a trailing
    backslash (``filepath.ErrBadPattern``). A pattern matching no file is fine."""
    i = 0
    n = len(pattern)

    def escaped_char(j: int) -> int:
        """Go's getEsc at ``j``: the index after the character, -1 if refused."""
        if j >= n or pattern[j] in "-]":
            return -1
        if pattern[j] == "\\":
            j += 1
            if j >= n:
                return -1
        j += 1
        return j if j < n else -1

    while i < n:
        char = pattern[i]
        if char == "\\":
            if i + 1 >= n:
                return "syntax error in pattern"
            i += 2
        elif char == "[":
            i += 1
            if i < n and pattern[i] == "^":
                i += 1
            ranges = 0
            while not (i < n and pattern[i] == "]" and ranges > 0):
                i = escaped_char(i)
                if i < 0:
                    return "syntax error in pattern"
                if pattern[i] == "-":
                    i = escaped_char(i + 1)
                    if i < 0:
                        return "syntax error in pattern"
                ranges += 1
            i += 1
        else:
            i += 1
    return None


# --- http_config of extra= (prometheus/common's HTTPClientConfig) --------------

#: Keys of the blocks inside http_config amtool 0.25 knows (checked against it);
#: oauth2's are left to amtool.
_HTTP_BLOCK_KEYS = {
    "basic_auth": frozenset({"username", "password", "password_file"}),
    "authorization": frozenset({"type", "credentials", "credentials_file"}),
    "tls_config": frozenset({"ca_file", "cert_file", "key_file", "server_name", "insecure_skip_verify", "min_version",
                             "max_version"}),
}
_TLS_VERSIONS = frozenset({"TLS10", "TLS11", "TLS12", "TLS13"})


def _set(block: Mapping[str, object], key: str) -> bool:
    value = block.get(key)
    return value is not None and value != ""


def http_config_problems(config: object, known: frozenset[str], later: frozenset[str]) -> Iterator[str]:
    """What amtool 0.25 refuses in an ``http_config`` of ``extra=`` (its
    HTTPClientConfig: unknown keys, two ways to authenticate at once, a secret
    given inline and by file, an unknown TLS version, an oauth2 block without
    what it needs). ``known`` its keys, ``later`` keys of later releases
    (accepted: amtool judges them in oac validate)."""
    if not isinstance(config, Mapping):
        return
    for key in config:
        if key not in known and key not in later:
            yield f"http_config: {key!r} is not a key of http_config in Alertmanager 0.25"
    blocks = {name: config.get(name) for name in ("basic_auth", "authorization", "oauth2", "tls_config")}
    for name, keys in _HTTP_BLOCK_KEYS.items():
        block = blocks[name]
        if isinstance(block, Mapping):
            for key in block:
                if key not in keys:
                    yield f"http_config: {key!r} is not a key of {name} in Alertmanager 0.25"
    basic, auth, oauth2, tls = (b if isinstance(b, Mapping) else None for b in blocks.values())
    present = [name for name in ("basic_auth", "authorization", "oauth2") if config.get(name) is not None]
    bearer = _set(config, "bearer_token") or _set(config, "bearer_token_file")
    if _set(config, "bearer_token") and _set(config, "bearer_token_file"):
        yield "http_config: at most one of bearer_token & bearer_token_file must be configured"
    if bearer and ("basic_auth" in present or "oauth2" in present):
        yield "http_config: at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured"
    if basic is not None and _set(basic, "password") and _set(basic, "password_file"):
        yield "http_config: at most one of basic_auth password & password_file must be configured"
    if auth is not None:
        if bearer:
            yield "http_config: authorization is not compatible with bearer_token & bearer_token_file"
        if _set(auth, "credentials") and _set(auth, "credentials_file"):
            yield "http_config: at most one of authorization credentials & credentials_file must be configured"
        kind = auth.get("type")
        if isinstance(kind, str) and kind.strip().lower() == "basic":
            yield 'http_config: authorization type cannot be set to "basic", use "basic_auth" instead'
    if len(present) > 1:
        yield "http_config: at most one of basic_auth, oauth2 & authorization must be configured"
    if oauth2 is not None:
        if not _set(oauth2, "client_id"):
            yield "http_config: oauth2 client_id must be configured"
        if _set(oauth2, "client_secret") and _set(oauth2, "client_secret_file"):
            yield "http_config: at most one of oauth2 client_secret & client_secret_file must be configured"
        if not _set(oauth2, "client_secret") and not _set(oauth2, "client_secret_file"):
            yield "http_config: either oauth2 client_secret or client_secret_file must be configured"
        if not _set(oauth2, "token_url"):
            yield "http_config: oauth2 token_url must be configured"
    if tls is not None:
        for key in ("min_version", "max_version"):
            value = tls.get(key)
            if isinstance(value, str) and value not in _TLS_VERSIONS:
                yield f"http_config: unknown TLS version {value!r} in tls_config {key}"
