"""A template variable's value and how Grafana writes it into a query.

:class:`Variable` is a variable at its first-load value; :func:`format_variable`
formats it (the Prometheus datasource's own escaping, or scenes' format
registry for ``${var:format}``); :func:`interpolate` replaces every variable of
a text, then the built-ins promlib replaces.
"""

from __future__ import annotations

import json
import math
import re
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

ALL = "$__all"

ALL_TEXT = "All"


@dataclass(frozen=True)
class Variable:
    """A template variable at its first-load value."""

    name: str
    type: str
    #: The selected values (every option's value when "All" is selected).
    values: tuple[str, ...]
    options: tuple[str, ...] = ()
    is_all: bool = False
    all_value: str | None = None
    multi: bool = False
    include_all: bool = False
    #: Why the variable could not take a real value ("" when it did).
    problem: str = ""
    #: The options' texts (labels), parallel to ``options`` (empty: the values).
    option_texts: tuple[str, ...] = ()
    #: The selected values' texts, parallel to ``values`` (empty: the values).
    texts: tuple[str, ...] = ()
    #: A repeated row's or panel's copy: Grafana's ``LocalValueVariable``, whose
    #: value is one string even for a multi-value variable.
    local: bool = False

    def text_of(self, value: str) -> str:
        """The text (label) of the option ``value`` (the value itself when unknown)."""
        if value in self.values and len(self.texts) == len(self.values):
            return self.texts[self.values.index(value)]
        if value in self.options and len(self.option_texts) == len(self.options):
            return self.option_texts[self.options.index(value)]
        return value

    def single(self, value: str, *, local: bool = True) -> Variable:
        """This variable with one value selected: a repeated row's or panel's copy
        (``local``), else a user picking one option."""
        return replace(self, values=(value,), texts=(self.text_of(value),), is_all=False, local=local)

    def describe(self) -> str:
        """``$name = value`` for reports."""
        if self.is_all:
            shown = self.all_value if self.all_value is not None else f"All of {len(self.options)} option(s)"
            return f"${self.name} = All ({shown})"
        return f"${self.name} = {', '.join(self.values) if self.values else '(none)'}"

    def value(self) -> str | list[str]:
        """The value as Grafana's ``getValue`` returns it: a list for a multi-value
        variable or "All" (every option), one string otherwise (custom All aside)."""
        if self.is_all:
            return list(self.options)
        if self.multi and not self.local:
            return list(self.values)
        return self.values[0] if self.values else ""

    def value_text(self) -> str:
        """Grafana's ``getValueText``: "All", the texts joined with `` + ``, or the text."""
        if self.is_all:
            return ALL_TEXT
        texts = [self.text_of(v) for v in self.values]
        if self.multi and not self.local:
            return " + ".join(texts)
        return texts[0] if texts else ""

    def url_state(self) -> str | list[str]:
        """The variable's URL state (``var-<name>`` values): ``$__all`` for "All"."""
        if self.is_all:
            return [ALL] if self.multi else ALL
        return self.value()


def _js_escape_regex(value: str) -> str:
    return re.sub(r"[\\^$*+?.()|\[\]{}/]", lambda m: "\\" + m[0], value)


def prometheus_regular_escape(value: str) -> str:
    """Grafana's escaping of a single-value variable inside PromQL (backslashes, single quotes)."""
    return value.replace("\\", "\\\\").replace("'", "\\\\'")


def prometheus_regex_escape(value: str) -> str:
    """Grafana's escaping of a multi-value/All variable's value: a regex inside a PromQL string."""
    return re.sub(r"[$^*{}\[\]+?.()|]", lambda m: "\\\\" + m[0], value.replace("\\", "\\\\\\\\"))


def _uri_component(value: str) -> str:
    # encodeURIComponentStrict: encodeURIComponent, and !'()* too (RFC 3986).
    return urllib.parse.quote(value, safe="")


def _uri_angular(value: str) -> str:
    # urlUtil.toUrlParams' encodeURIComponentAsAngularJS(v, true): @ : $ , ; stay readable.
    out = urllib.parse.quote(value, safe="!'()*")
    for code, char in (("%40", "@"), ("%3A", ":"), ("%24", "$"), ("%2C", ","), ("%3B", ";")):
        out = out.replace(code, char)
    return out


def _lucene_escape(value: str) -> str:
    try:
        float(value)  # JS isNaN(+value) === false: a number stays as it is
        return value
    except ValueError:
        return re.sub(r"([!*+\-=<>\s&|()\[\]{}^~?:\\/\"])", r"\\\1", value)


def _escape_html(text: str) -> str:
    # textUtil.escapeHtml: & < > ' " (in that order).
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("'", "&#39;"), ('"', "&quot;")):
        text = text.replace(char, entity)
    return text


def _js_string(value: str | list[str]) -> str:
    # JavaScript's String(value): an array joins with commas.
    return ",".join(value) if isinstance(value, list) else value


def _quote_values(value: str | list[str], quote: str, escape: Mapping[str, str]) -> str:
    items = value if isinstance(value, list) else [value]
    return ",".join(quote + "".join(escape.get(c, c) for c in v) + quote for v in items)


def format_variable(var: Variable, fmt: str | None) -> str:
    """The text Grafana puts in a Prometheus query for ``var`` (``fmt``: ``${var:fmt}``).

    Without a format, the Prometheus datasource's own interpolation
    (``interpolateQueryExpr``); with one, the scenes ``formatRegistry``
    formatter of that name (glob for an unknown name). A custom All value
    (``allValue``) is used verbatim by every format except ``text`` ("All"),
    ``percentencode`` (encoded) and ``queryparam`` (``var-x=$__all``), as
    scenes' ``CustomAllValue`` does.
    """
    # sceneInterpolator: the arguments are what follows the first ":" ("join:" has one, empty).
    name, colon, rest = (fmt or "").partition(":")
    args = rest.split(":") if colon else []
    if var.is_all and var.all_value is not None:
        if name == "text":
            return ALL_TEXT
        if name == "percentencode":
            return _uri_component(var.all_value)
        if name != "queryparam":
            return var.all_value
    value = var.value()
    if fmt is None:
        # Prometheus' interpolateQueryExpr: plain text unless multi-value or All.
        if not var.multi and not var.include_all:
            return prometheus_regular_escape(_js_string(value))
        if isinstance(value, str):
            return prometheus_regex_escape(value)
        escaped = [prometheus_regex_escape(v) for v in value]
        return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"
    return _FORMATTERS.get(name, _format_glob)(var, value, args)


def _format_glob(var: Variable, value: str | list[str], args: list[str]) -> str:
    return "{" + ",".join(value) + "}" if isinstance(value, list) and len(value) > 1 else _js_string(value)


def _format_regex(var: Variable, value: str | list[str], args: list[str]) -> str:
    if isinstance(value, str):
        return _js_escape_regex(value)
    escaped = [_js_escape_regex(v) for v in value]
    return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"


def _format_lucene(var: Variable, value: str | list[str], args: list[str]) -> str:
    if isinstance(value, str):
        return _lucene_escape(value)
    if not value:
        return "__empty__"
    return "(" + " OR ".join('"' + _lucene_escape(v) + '"' for v in value) + ")"


def _format_distributed(var: Variable, value: str | list[str], args: list[str]) -> str:
    if isinstance(value, str):
        return value
    return ",".join(v if i == 0 else f"{var.name}={v}" for i, v in enumerate(value))


def _format_percentencode(var: Variable, value: str | list[str], args: list[str]) -> str:
    return _uri_component("{" + ",".join(value) + "}" if isinstance(value, list) else value)


def _format_uriencode(var: Variable, value: str | list[str], args: list[str]) -> str:
    # encodeURI, then !'()* encoded too.
    text = "{" + ",".join(value) + "}" if isinstance(value, list) else value
    return urllib.parse.quote(text, safe=";,/?:@&=+$#")


def _format_queryparam(var: Variable, value: str | list[str], args: list[str]) -> str:
    if var.type in ("constant",) or var.local:
        # No URL sync: var-<name>=<value> per value, strictly encoded.
        items = value if isinstance(value, list) else [value]
        return "&".join(f"var-{var.name}={_uri_component(v)}" for v in items)
    state = var.url_state()
    key = _uri_angular(f"var-{var.name}")
    return "&".join(f"{key}={_uri_angular(v)}" for v in (state if isinstance(state, list) else [state]))


def _format_customqueryparam(var: Variable, value: str | list[str], args: list[str]) -> str:
    name = _uri_component(args[0] if args and args[0] else var.name)
    prefix = _uri_component(args[1] if len(args) > 1 else "")
    items = value if isinstance(value, list) else [value]
    return "&".join(f"{name}={prefix}{_uri_component(v)}" for v in items)


def _format_date(var: Variable, value: str | list[str], args: list[str]) -> str:
    if isinstance(value, list):
        return "NaN"  # only a number or a string is read; a list stays NaN
    m = re.match(r"\s*[-+]?\d+", value)
    if m is None:
        return "NaN"
    ms = int(m[0])
    arg = args[0] if args else "iso"
    if arg == "ms":
        return value
    if arg == "seconds":
        return str(math.floor(ms / 1000 + 0.5))
    # iso; moment's other display formats are not reproduced (ISO 8601 instead).
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


_Formatter = Callable[[Variable, "str | list[str]", list[str]], str]

_FORMATTERS: dict[str, _Formatter] = {
    "glob": _format_glob,
    "regex": _format_regex,
    "lucene": _format_lucene,
    "raw": lambda var, value, args: _js_string(value),
    "pipe": lambda var, value, args: "|".join(value) if isinstance(value, list) else value,
    "csv": lambda var, value, args: _js_string(value),
    "distributed": _format_distributed,
    "html": lambda var, value, args: _escape_html(", ".join(value) if isinstance(value, list) else value),
    "json": lambda var, value, args: value if isinstance(value, str) else json.dumps(value, separators=(",", ":")),
    "percentencode": _format_percentencode,
    "uriencode": _format_uriencode,
    "singlequote": lambda var, value, args: _quote_values(value, "'", {"'": "\\'"}),
    "doublequote": lambda var, value, args: _quote_values(value, '"', {'"': '\\"'}),
    "sqlstring": lambda var, value, args: _quote_values(value, "'", {"'": "''", '"': '\\"'}),
    "join": lambda var, value, args: (args[0] if args else ",").join(value) if isinstance(value, list) else value,
    "date": _format_date,
    "text": lambda var, value, args: var.value_text(),
    "queryparam": _format_queryparam,
    "customqueryparam": _format_customqueryparam,
}


#: Grafana's variable syntax: $name, [[name:fmt]], ${name.field:fmt}. JavaScript's \w is
#: ASCII: "$hostÅ" is $host followed by "Å" (re.ASCII; Python's \w would take the Å).
VARIABLE_RE = re.compile(r"\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}", re.ASCII)


def variable_names(text: str) -> set[str]:
    """The names of the variables ``text`` refers to (``$x``, ``[[x]]``, ``${x...}``)."""
    return {m[1] or m[2] or m[4] for m in VARIABLE_RE.finditer(text)}


#: The built-ins Grafana's backend (promlib) replaces, in the order it replaces
#: them: plain text replacement of ``$name`` then ``${name}``, after the frontend
#: has put the template variables in (a variable's value may hold one).
_BACKEND_BUILTINS = (
    "__interval_ms", "__interval", "__range_ms", "__range_s", "__range", "__rate_interval_ms", "__rate_interval",
)


def interpolate(
    text: str,
    variables: Mapping[str, Variable],
    builtins: Mapping[str, str],
    default_format: str | None = None,
    *,
    backend: bool = True,
) -> str:
    """``text`` with every known variable replaced; unknown ones stay as written (as in Grafana).

    As in Grafana, the template variables (and the frontend's built-ins) are
    replaced first, then (``backend``) :data:`_BACKEND_BUILTINS` in the result.
    ``default_format`` formats the variables written without one (Grafana
    interpolates a variable's ``regex`` with ``regex``)."""

    def sub(m: re.Match[str]) -> str:
        name = m[1] or m[2] or m[4]
        fmt = m[3] or m[6]
        if name in _BACKEND_BUILTINS:
            # The frontend passes $__interval on as itself; the others it does not know.
            return f"${name}" if name in ("__interval", "__interval_ms") else m[0]
        if name in ("__from", "__to") and name in builtins and fmt:
            return _format_time(int(builtins[name]), fmt)
        if name in builtins:
            return builtins[name]
        var = variables.get(name)
        if var is None:
            return m[0]
        out = format_variable(var, fmt or default_format)
        if var.is_all and var.all_value is not None and "$" in out:
            # Scenes interpolates a custom All value again (no format: glob);
            # the variable itself is left out so that "$x" as x's allValue ends.
            others = {n: v for n, v in variables.items() if n != name}
            out = interpolate(out, others, builtins, "glob", backend=backend)
        return out

    out = VARIABLE_RE.sub(sub, text)
    if not backend:
        return out
    for spelling in ("${}", "${{{}}}"):
        for name in _BACKEND_BUILTINS:
            if name in builtins:
                out = out.replace(spelling.format(name), builtins[name])
    return out


def _format_time(ms: int, fmt: str) -> str:
    # ${__from:date:seconds} and friends; other date formats read as ISO 8601.
    if fmt == "date:seconds":
        return str(ms // 1000)
    if fmt in ("date", "date:iso") or fmt.startswith("date:"):
        return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return str(ms)
