"""What names a secret, and the masking of secrets in what we print.

House rule: a secret never appears in a log or an error message. The lint
checks (OAC109, OAC111, OAC501) say where a secret is written; this module
keeps the text renderer of diagnostics, which echoes the user's source line,
and the messages that quote a value from echoing one.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable

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


# The words of a name: ``maxNewTokens``, ``MAX_NEW_TOKENS`` and ``max-new-tokens``
# are ``max``, ``new``, ``tokens``; ``per1kTokens`` is ``per``, ``1``, ``k``, ``tokens``.
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")

# The words of a name that counts LLM tokens (joined by ``_``, lowercased), at
# the end of its words: a count qualifier right before ``token`` or ``tokens``.
_TOKEN_COUNT = re.compile(
    r"(?:^|_)(?:"
    # A limit, a number or a sum, singular or plural: max_token(s), n_tokens, total_tokens.
    r"(?:max|min|maximum|minimum|num|n|total)_tokens?"
    # A rate or a price: per_token, cost_per_1k_tokens, input_cost_per_token, usd_per_output_token.
    r"|per(?:_\d+(?:_[km])?|_thousand|_million|_input|_output|_prompt|_completion)?_tokens?"
    # The usage fields of LLM APIs, plural only (an ``input_token``, a ``context_token``
    # or a ``new_token`` may be a credential): input_tokens, cache_read_tokens, max_new_tokens.
    r"|(?:input|output|prompt|completion|reasoning|thinking|cached|context|budget|generated|generation"
    r"|audio|image|(?:max|min)_new|cache_(?:read|write|creation|hit|miss))_tokens"
    r")$"
)


def is_token_count(name: object) -> bool:
    """True when ``name`` (its last dotted part) counts LLM tokens, and so names no
    secret although it ends in ``token`` or ``tokens``: its words (split at ``_``,
    ``-``, a change of case and digits; case ignored) end in ``token`` or
    ``tokens`` right after a count qualifier, whatever comes before it:

    * ``max``, ``min``, ``maximum``, ``minimum``, ``num``, ``n``, ``total``, before
      ``token`` or ``tokens`` (``max_tokens``, ``max_token``, ``maxTokens``,
      ``n_tokens``, ``total_tokens``, ``llm.max_tokens``);
    * ``per``, alone or with an amount or a kind (``per_1k``, ``per_million``,
      ``per_input`` ...), before ``token`` or ``tokens`` (``cost_per_token``,
      ``usd_per_1k_tokens``, ``price_per_output_token``);
    * before ``tokens`` only: ``input``, ``output``, ``prompt``, ``completion``,
      ``reasoning``, ``thinking``, ``cached``, ``context``, ``budget``,
      ``generated``, ``generation``, ``audio``, ``image``, ``max_new``/``min_new``,
      ``cache_read``/``cache_write``/``cache_creation``/``cache_hit``/``cache_miss``
      (``input_tokens``, ``cache_read_input_tokens``, ``max_new_tokens``): in the
      singular these words also name credentials (GSSAPI's ``input_token``, a
      rotated ``new_token``, a ``read_token``), which stay secret.

    Any other word before ``token(s)`` leaves a name a secret (``tokens``,
    ``api_token``, ``auth_token``, ``id_token``, ``read_token``, ``new_tokens``,
    ``X-Auth-Token``); a name ending in something else is no token count
    (``tokens_per_second``, ``token_count`` name no secret anyway)."""
    if not isinstance(name, str):
        return False
    words = _WORD.findall(name.rpartition(".")[2])
    return _TOKEN_COUNT.search("_".join(words).lower()) is not None


def is_secret_key(key: object) -> bool:
    """True when a key names a credential (``basicAuthPassword``, ``httpHeaderValue1``,
    ``api_key``, ``apiToken``, ``X-Auth-Token`` ...): lowercased, without ``_`` and
    ``-``, it ends in ``password``, ``passwd``, ``secret``, ``token``, ``apikey``,
    ``accesskey``, ``privatekey``, ``tlsclientkey`` or ``credential(s)``, or is
    Grafana's ``httpHeaderValue<N>``; but not a count of LLM tokens
    (``max_token``: :func:`is_token_count`). No plural: ``api_keys`` is
    :func:`is_secret_key_or_list`'s and :func:`is_secret_name`'s."""
    return (
        isinstance(key, str)
        and _SECRET_KEY.match(key.lower().replace("_", "").replace("-", "")) is not None
        and not is_token_count(key)
    )


def is_secret_key_or_list(key: object) -> bool:
    """True when a key names a credential (:func:`is_secret_key`) or a list of
    them, the plural of one (``apiKeys``, ``api_keys``, ``passwords``, ``tokens``,
    ``clientSecrets``); but not a count of LLM tokens, which is plural too
    (``maxTokens``, ``input_tokens``: :func:`is_token_count`). Unlike
    :func:`is_secret_name`, no Prometheus or Alertmanager field name
    (:data:`SECRET_KEYS`, such as ``api_url``) and no dotted attribute: what
    names a credential in Grafana's ``jsonData``."""
    if not isinstance(key, str) or is_token_count(key):
        return False
    return is_secret_key(key) or (len(key) > 1 and key[-1] in "sS" and is_secret_key(key[:-1]))


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


#: Names (lowercased, ``_`` and ``-`` removed) whose value is a mapping of
#: secrets: Grafana's ``secureJsonData`` (``secure_json_data`` in the model).
_SECRET_CONTAINERS = frozenset({"securejsondata"})


def is_secret_name(name: object) -> bool:
    """True when a field, keyword, dict key or query parameter called ``name``
    holds a secret: one of :data:`SECRET_KEYS` or a name :func:`is_secret_key` knows,
    the plural of one (``api_keys``, ``passwords``, ``tokens``: a list of secrets),
    ``secure_json_data``, or an attribute so named (``cfg.password``). A count of
    LLM tokens is none (``max_tokens``, ``input_tokens``, ``usage.total_tokens``:
    :func:`is_token_count`), though a list of tokens is (``tokens``, ``auth_tokens``)."""
    if not isinstance(name, str) or not name:
        return False
    last = name.rpartition(".")[2]
    for word in (name, last):
        if is_token_count(word):
            continue
        if is_secret_key_or_list(word):
            return True
        lowered = word.lower()
        if lowered in SECRET_KEYS or (len(word) > 1 and word[-1] in "sS" and lowered[:-1] in SECRET_KEYS):
            return True
        if lowered.replace("_", "").replace("-", "") in _SECRET_CONTAINERS:
            return True
    return False


MASK = "*"
#: What a message says instead of a secret it would have quoted.
REDACTED = "<redacted>"

# One token of a line or a file of Python (read also as JSON and as YAML flow
# style): a string literal's opening quote (with its prefix), a number, a name
# (dotted or dashed, as YAML keys are), a bracket, a comment, a backslash
# continuation, or a mark that ends a value or puts a name to it.
_TOKEN = re.compile(
    r"""(?P<open_quote>[rRbBuUfF]{0,2}(?:'{3}|"{3}|'|"))"""
    r"""|(?P<num>\d[\w.]*)"""
    r"""|(?P<name>[A-Za-z_]\w*(?:[.-][A-Za-z_]\w*)*)"""
    r"""|(?P<open>[\[({])|(?P<close>[\])}])"""
    r"""|(?P<comment>\#[^\n]*)"""
    r"""|(?P<cont>\\\n)"""
    r"""|(?P<op>==|!=|<=|>=|:=|->|[=:,;\n])"""
)
# What makes the name or string before it a key: ``=`` (not ``==``) or ``:`` (not ``:=``).
_KEY_EQ = re.compile(r"[ \t]*=(?!=)")
_KEY_COLON = re.compile(r"[ \t]*:(?!=)")
# An unquoted YAML value: ``password: hunter2`` (up to `` #`` or the end).
_YAML_PLAIN = re.compile(r"^(?P<lead>\s*(?:-\s+)?)(?P<ykey>[A-Za-z_][\w.-]*)\s*:[ \t]+(?P<body>[^\s'\"#\[{][^#]*?)\s*(?:\s#.*)?$")
# A YAML key whose value is written in flow style: ``tokens: [a, "b"]``.
_YAML_FLOW = re.compile(r"""^\s*(?:-\s+)?(?P<key>[A-Za-z_][\w.-]*|"[^"\\]*"|'[^']*')\s*:[ \t]+(?=[\[{])""")
# One plain (unquoted) scalar of a YAML flow collection: up to ``,``, a bracket,
# ``: `` or `` #``.
_FLOW_PLAIN = re.compile(r"""[^\s,\[\]{}'"#:](?:[^,\[\]{}:#\s]|:(?=[^\s,\[\]{}])|#|[ \t]+(?=[^\s,\[\]{}:#]))*""")
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


def _string_end(text: str, start: int, quote: str) -> tuple[int, bool]:
    """Where the body of a string literal opened by ``quote`` (its body starting
    at ``start``) stops, at its closing quote, and whether it is closed: a ``'``
    or ``"`` string stops at the end of its line, a triple-quoted one at the end
    of ``text`` when nothing closes it."""
    i = start
    n = len(text)
    single = len(quote) == 1
    while i < n:
        ch = text[i]
        if ch == "\\":
            i += 2  # an escape; a backslash-newline continues a one-line string
            continue
        if single and ch == "\n":
            return i, False
        if text.startswith(quote, i):
            return i, True
        i += 1
    return min(i, n), False


class _Frame:
    """One bracket level of a scan: its opening bracket, whether the whole level
    is inside a secret's value (``inherited``) and whether the value being read
    at this level is a secret's (``active``: after ``password=``, up to a ``,``)."""

    __slots__ = ("active", "annotated", "inherited", "kind")

    def __init__(self, kind: str, inherited: bool) -> None:
        self.kind = kind
        self.inherited = inherited
        self.active = False
        #: After ``name:``: the ``=`` of ``name: str = ...`` still gives ``name`` its value.
        self.annotated = False


def _split_lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``[start, end)`` cut at its newlines (a triple-quoted secret keeps its lines)."""
    out: list[tuple[int, int]] = []
    while start < end:
        cut = text.find("\n", start, end)
        stop = end if cut < 0 else cut
        if stop > start:
            out.append((start, stop))
        start = stop + 1
    return out


def _literal_spans(text: str) -> list[tuple[int, int]]:
    """The spans of the string literals' bodies and of the numbers that are (part
    of) a secret's value in Python source ``text``, one line or a whole file: the
    value after a secret-named keyword, assignment, dict key or YAML key, up to the
    ``,`` or ``;`` (or the end of the statement) that ends it, into every bracket
    it opens: ``api_keys=["a", "b"]``, ``password=("a"\\n "b")``, ``"tokens": ["x"]``,
    ``password="a" "b"``. Inside a secret's value dict keys stay readable
    (``secure_json_data={"basicAuthPassword": "..."}`` masks the value only)."""
    spans: list[tuple[int, int]] = []
    stack = [_Frame("", False)]
    pos = 0
    n = len(text)
    while pos < n:
        m = _TOKEN.search(text, pos)
        if m is None:
            break
        pos = m.end()
        frame = stack[-1]
        kind = m.lastgroup
        if kind == "open_quote":
            quote = m.group().lstrip("rRbBuUfF")
            body_start = pos
            body_end, closed = _string_end(text, body_start, quote)
            pos = body_end + (len(quote) if closed else 0)
            if closed and frame.kind in ("", "{") and _KEY_COLON.match(text, pos):
                frame.active = is_secret_name(text[body_start:body_end])
            elif frame.active or frame.inherited:
                spans.extend(_split_lines(text, body_start, body_end))
        elif kind == "num":
            if frame.active or frame.inherited:
                spans.append(m.span())
        elif kind == "name":
            if _KEY_COLON.match(text, pos):
                frame.active = is_secret_name(m.group())
                frame.annotated = True
            elif _KEY_EQ.match(text, pos) and not frame.annotated:
                frame.active = is_secret_name(m.group())
                if frame.kind == "(":
                    # A call's keyword arguments (after its positional ones) are
                    # named: ``tokens = AlertRule(expr="...")`` shows its expr,
                    # ``password=get("X", "default")`` masks both.
                    frame.inherited = False
        elif kind == "open":
            stack.append(_Frame(m.group(), frame.inherited or frame.active))
        elif kind == "close":
            if len(stack) > 1:
                stack.pop()
        elif kind == "op":
            op = m.group()
            if op == "=":
                frame.annotated = False
            elif op in (",", ";") or (op == "\n" and len(stack) == 1):
                frame.active = frame.annotated = False
    return spans


def _yaml_flow_spans(line: str) -> list[tuple[int, int]]:
    """The plain (unquoted) scalars of a YAML flow collection that are a secret's
    value: ``tokens: [abc, def]``, ``auth: {password: hunter2}``; the quoted ones
    are :func:`_literal_spans`'s. Keys stay readable."""
    head = _YAML_FLOW.match(line)
    if head is None:
        return []
    spans: list[tuple[int, int]] = []
    root = _Frame("", False)
    root.active = is_secret_name(head.group("key").strip("'\""))
    stack = [root]
    pos = head.end()
    n = len(line)
    while pos < n:
        ch = line[pos]
        frame = stack[-1]
        if ch in "[{":
            stack.append(_Frame(ch, frame.inherited or frame.active))
            pos += 1
        elif ch in "]}":
            if len(stack) == 1:
                break
            stack.pop()
            pos += 1
        elif ch == ",":
            frame.active = False
            pos += 1
        elif ch in "'\"":
            end, closed = _string_end(line, pos + 1, ch)
            after = end + (1 if closed else 0)
            if closed and frame.kind == "{" and _KEY_COLON.match(line, after):
                frame.active = is_secret_name(line[pos + 1 : end])
            pos = after
        elif ch == "#":
            break
        elif ch in " \t:":
            pos += 1
        else:
            m = _FLOW_PLAIN.match(line, pos)
            if m is None:
                pos += 1
                continue
            if frame.kind == "{" and _KEY_COLON.match(line, m.end()):
                frame.active = is_secret_name(m.group())
            elif frame.active or frame.inherited:
                spans.append(m.span())
            pos = m.end()
    return spans


def _line_spans(line: str) -> list[tuple[int, int]]:
    """The spans :func:`redact_line` masks on ``line``."""
    spans = _literal_spans(line)
    plain = _YAML_PLAIN.match(line)
    if plain and is_secret_name(plain.group("ykey")) and not spans:
        # Not when a Python literal was found (``api_key: str = "..."``).
        spans.append(plain.span("body"))
    spans.extend(_yaml_flow_spans(line))
    for m in _USERINFO.finditer(line):
        spans.append(m.span("body"))
    for m in _QUERY.finditer(line):
        if is_secret_name(m.group("name")):
            spans.append(m.span("body"))
    return spans


def redact_line(line: str, more: Iterable[tuple[int, int]] = ()) -> str:
    """``line`` with the secrets a reader could see in it masked, character for
    character (so columns, and a caret under one, stay right): string literals
    (and numbers) given to a secret-named keyword, assignment, dict key or YAML
    key, also in a list, tuple or dict given so (``api_keys=["a", "b"]``,
    ``tokens: [x, y]``, ``{"passwords": ("a", "b")}``) or joined (``"a" "b"``),
    the password of a ``user:password@`` URL and secret-named URL query
    parameters; and the spans ``more`` (columns on the line). A secret that
    goes on from an earlier line needs those lines: :func:`continued_spans`."""
    spans = [*_line_spans(line), *more]
    return _mask(line, spans) if spans else line


def continued_spans(text: str) -> dict[int, list[tuple[int, int]]]:
    """The secrets of Python source ``text`` found with the lines before each one
    read, as ``{0-based line index: [(start, end) columns on that line]}``: where a
    secret's value goes on over several lines (``password=(\n    "abc"\n)``,
    ``api_keys=[\n    "a",\n]``, a backslash continuation, a triple-quoted
    secret), which :func:`redact_line` cannot see on the line alone."""
    starts: list[int] = []
    offset = 0
    for line in text.split("\n"):
        starts.append(offset)
        offset += len(line) + 1
    out: dict[int, list[tuple[int, int]]] = {}
    for start, end in _literal_spans(text):
        i = bisect.bisect_right(starts, start) - 1
        out.setdefault(i, []).append((start - starts[i], end - starts[i]))
    return out


def redact_source(text: str, *, python: bool = True) -> list[str]:
    """The lines of ``text`` (split at ``"\n"``), each masked by :func:`redact_line`
    with, for Python source, the :func:`continued_spans` of its line. Character
    for character."""
    more = continued_spans(text) if python else {}
    return [redact_line(line, more.get(i, ())) for i, line in enumerate(text.split("\n"))]


def shown_value(name: object, value: object) -> str:
    """``repr(value)`` for a message about the field (or key) ``name``: masked
    whole when ``name`` names a secret, else with URL passwords and tokens masked."""
    text = repr(value)
    if is_secret_name(name):
        return REDACTED
    return redact_line(text)


def secret_values(value: object, *, under_secret: bool = False) -> list[str]:
    """Every string in ``value`` (a JSON-like body) that is a secret: held by a
    secret-named key (:func:`is_secret_name`, ``secureJsonData`` included) at any
    depth, or inside such a key's list or mapping; and the password of every URL."""
    out: list[str] = []
    if isinstance(value, str):
        if under_secret:
            out.append(value)
        elif "://" in value:
            password = url_password(value)
            if password:
                out.append(password)
    elif isinstance(value, dict):
        for key, item in value.items():
            out.extend(secret_values(item, under_secret=under_secret or is_secret_name(key)))
    elif isinstance(value, (list, tuple)):
        for item in value:
            out.extend(secret_values(item, under_secret=under_secret))
    return out


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every one of ``secrets`` replaced by ``<redacted>``: as it is
    written, and as JSON writes it inside a string (a server's error message that
    echoes the request body escapes it so). Longest first, so a secret holding
    another is replaced whole."""
    forms: set[str] = set()
    for secret in secrets:
        if secret:
            forms.add(secret)
            forms.add(json.dumps(secret)[1:-1])
            forms.add(json.dumps(secret, ensure_ascii=False)[1:-1])
    for form in sorted(forms, key=len, reverse=True):
        if form:
            text = text.replace(form, REDACTED)
    return text


#: Shorter literals are not replaced in a message: a ``"1"`` would garble it.
_MIN_SCRUBBED = 4


def secret_literals(text: str) -> list[str]:
    """The string literals (as written between their quotes) and numbers that are a
    secret's value in Python source ``text`` (:func:`redact_source` masks them), at
    least 4 characters long: what :func:`scrub` replaces in an exception's text,
    which quotes a value it could not use (``int(password)``: ``invalid literal
    for int() with base 10: 'hunter2'``) however far from the line it was written."""
    found: list[str] = []
    for start, end in _literal_spans(text):
        if end - start >= _MIN_SCRUBBED:
            found.append(text[start:end])
    return found


def scrub_files(text: str, paths: Iterable[str]) -> str:
    """``text`` with the :func:`secret_literals` of every Python file in ``paths``
    (those that can be read; each read once per version) replaced by
    ``<redacted>``: an exception's text may quote a value written far from the
    line it shows."""
    from obs_as_code.source import file_text, mtime_ns

    secrets: list[str] = []
    for path in dict.fromkeys(paths):
        source = file_text(path, mtime_ns(path))
        if source is not None:
            secrets.extend(secret_literals(source))
    return scrub(text, secrets) if secrets else text


def masked_traceback(exc: BaseException) -> str:
    """The traceback Python would print for ``exc`` (chained ones too), with the
    secrets written in the files of its frames replaced wherever it quotes them,
    and each line masked by :func:`redact_line` (source lines, URL passwords):
    what ``oac`` prints when it crashes, so that a bug report quotes no secret."""
    import traceback

    text = "".join(traceback.format_exception(exc))
    paths: dict[str, None] = {}
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        paths.update(dict.fromkeys(f.filename for f in traceback.extract_tb(link.__traceback__)))
        link = link.__cause__ or link.__context__
    text = scrub_files(text, paths)
    return "\n".join(redact_line(line) for line in text.split("\n"))
