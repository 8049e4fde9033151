"""OAC508: an Alertmanager configuration amtool would reject, found at the Python line.

A second AlertmanagerConfig, a root route without a receiver or with matchers, a
route naming an undefined receiver or time interval, a malformed matcher, two
receivers or time intervals with one name, an integration newer than the
targeted Alertmanager version, a webhook without a URL amtool accepts, a time
interval in a time zone Go's ``time.LoadLocation`` does not know, an integration
without a setting it needs that the ``global`` block does not give either
(Alertmanager 0.25's config/config.go and config/notifiers.go); and what else
amtool 0.25 refuses, each at its keyword: matchers as pkg/labels reads them
with Go's regexp (obs_as_code.goregex), group_by and equal labels, zero
intervals, the root route's continue and time intervals, a receiver without a
name, time range values, URLs, e-mail headers, the lists of ``extra=`` amtool
checks, notification templates (_alertmanager_values) and template paths that find
the build's own folders or alertmanager.yml. tests/am_parity.py
compares the build's verdict with amtool's over generated configs.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.durations import DurationError, parse_ms
from obs_as_code.goregex import anchored_regex_problem
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._alertmanager_values import (
    glob_problem,
    http_config_problems,
    mime_header_key,
    time_range_problems,
    url_problem,
)
from obs_as_code.lint.rules._gotemplate import GO_FUNCTIONS, parse_error
from obs_as_code.model.alertmanager import (
    MATCHER_LABEL_NAME,
    AlertmanagerConfig,
    Email,
    Global,
    Integration,
    Matcher,
    MatcherError,
    Opsgenie,
    PagerDuty,
    Route,
    Slack,
    Template,
    TimeRange,
    Webhook,
    group_by_problem,
    interval_name,
    walk_routes,
)
from obs_as_code.model.prometheus import HTTP_CLIENT_KEYS, LATER_HTTP_CLIENT_KEYS
from obs_as_code.names import alertmanager_template
from obs_as_code.source import SourceLocation, keyword_location

#: A label name of group_by and of an inhibit rule's equal (Prometheus' model.LabelName).
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def matcher_problem(item: object) -> str | None:
    """Why Alertmanager 0.25 refuses a ``matchers`` entry, None when it reads
    it: a string as its pkg/labels ``ParseMatchers`` reads it, a
    :class:`Matcher` as the renderer writes it, and the regular expression of
    ``=~``/``!~`` as Go's regexp compiles ``^(?:VALUE)$``."""
    if isinstance(item, Matcher):
        if MATCHER_LABEL_NAME.fullmatch(item.name) is None:
            # Matcher("", "x") was written as ="x", which amtool refuses.
            return f"invalid label name {item.name!r}"
        found = [item]
    elif isinstance(item, str):
        try:
            found = Matcher.parse_all(item)
        except MatcherError as exc:
            return str(exc)
    else:
        return "not a string"
    for matcher in found:
        if matcher.op in ("=~", "!~"):
            problem = anchored_regex_problem(matcher.value)
            if problem is not None:
                return f"error parsing regexp: {problem}"
    return None


def _bad_matchers(ctx: LintContext, items: object, loc: SourceLocation, keyword: str) -> Iterator[Diagnostic]:
    for item in items if isinstance(items, (list, tuple)) else [items]:
        problem = matcher_problem(item)
        if problem is not None:
            yield error(keyword_location(loc, keyword), "OAC508", f"invalid matcher {item!r}: {problem}",
                        hint='write name="value" (operators = != =~ !~, a regular expression in Go\'s syntax) '
                             "or Matcher(name, value, op)")


def route_problems(route: Route, *, root: bool) -> Iterator[tuple[str, str]]:
    """What Alertmanager 0.25 refuses in one route node, besides its matchers
    and references, as (keyword, message)."""
    for label in route.group_by or ():
        if isinstance(label, str) and label != "..." and _LABEL_NAME.fullmatch(label) is None:
            yield "group_by", f"invalid label name {label!r} in group_by"
    problem = group_by_problem(route.group_by)
    if problem is not None:
        yield "group_by", f"group_by: {problem}"
    for key in ("group_interval", "repeat_interval"):
        value = getattr(route, key)
        try:
            zero = value is not None and parse_ms(value) == 0
        except (DurationError, TypeError):
            zero = False  # OAC103's
        if zero:
            yield key, f"{key} cannot be zero"
    if root and route.continue_:
        yield "continue_", "the root route cannot have continue_ (it has no siblings)"
    for key in ("mute_time_intervals", "active_time_intervals"):
        if root and getattr(route, key):
            yield key, f"the root route must not have {key}: it receives every alert"


def headers_problem(email: Email) -> str | None:
    """Two header names Go's textproto reads as one (``Subject`` and ``subject``)."""
    seen: set[str] = set()
    for name in email.headers if isinstance(email.headers, Mapping) else ():
        key = mime_header_key(name) if isinstance(name, str) else name
        if key in seen:
            return f"duplicate header {key!r} (header names ignore case)"
        seen.add(key)
    return None


#: The functions Alertmanager 0.25 gives notification templates (template/template.go), and Go's.
_TEMPLATE_FUNCTIONS = GO_FUNCTIONS | frozenset({"toUpper", "toLower", "title", "join", "match", "safeHtml", "reReplaceAll",
                                                "stringSlice"})


def template_problem(template: Template | str) -> str | None:
    """Why amtool check-config refuses a template of the config: a
    :class:`Template`'s text Go's text/template does not parse (with
    Alertmanager's functions), a path Go's ``filepath.Glob`` refuses."""
    if isinstance(template, str):
        problem = glob_problem(template)
        return None if problem is None else f"template path {template[:80]!r}: {problem}"
    if not isinstance(template.text, str):
        return None
    # ParseFiles names the file's top-level template after its base name: a
    # {{define}} of that name clashes with a top level that has content.
    file_name = alertmanager_template(template.name).rsplit("/", 1)[-1] if isinstance(template.name, str) else None
    found = parse_error(template.text, _TEMPLATE_FUNCTIONS, ("$",), file_name)
    return None if found is None else f"notification template {template.name!r}: {found[1]}"


def _glob_regex(component: str) -> re.Pattern[str]:
    """One path component of a Go ``filepath.Match`` pattern (glob_problem
    has accepted it) as a regular expression."""
    out: list[str] = []
    i, n = 0, len(component)
    while i < n:
        char = component[i]
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(component[i]))
        elif char == "[":
            i += 1
            negated = i < n and component[i] == "^"
            i += negated
            parts: list[str] = []
            while i < n and (component[i] != "]" or not parts):
                lo = component[i + 1] if component[i] == "\\" else component[i]
                i += 2 if component[i] == "\\" else 1
                if i < n and component[i] == "-":
                    hi = component[i + 2] if component[i + 1] == "\\" else component[i + 1]
                    i += 3 if component[i + 1] == "\\" else 2
                    parts.append(f"{re.escape(lo)}-{re.escape(hi)}")
                else:
                    parts.append(re.escape(lo))
            out.append(("[^" if negated else "[") + "".join(parts) + "]")
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out), re.S)


def built_matches(pattern: str, files: list[str]) -> list[str]:
    """What Go's ``filepath.Glob`` finds for a relative template path among
    the files the build writes in ``build/alertmanager/`` (``files``, relative
    to it), a folder with a trailing ``/``. Alertmanager joins the path to
    the config file's folder, which cleans it; a path leaving that folder, or
    absolute, is the deploying machine's: none."""
    cleaned = posixpath.normpath(pattern)
    if pattern == "" or pattern.startswith("/"):  # "" is no path to Alertmanager
        return []
    if cleaned == "." or set(cleaned.split("/")) == {".."}:
        return [cleaned + "/"]  # a folder on every machine
    if cleaned.startswith("../"):
        return []
    entries = set(files) | {f.rsplit("/", 1)[0] + "/" for f in files if "/" in f}
    found = [""]
    components = cleaned.split("/")
    for i, component in enumerate(components):
        regex = _glob_regex(component)
        found = [e for base in found for e in sorted(entries)
                 if e != base and e.startswith(base) and "/" not in e[len(base):].rstrip("/")
                 and regex.fullmatch(e[len(base):].rstrip("/")) is not None]
        if i < len(components) - 1:  # only a folder holds the next component
            found = [e for e in found if e.endswith("/")]
    return found


def path_problem(config: AlertmanagerConfig, path: str) -> str | None:
    """Why amtool refuses what a template path finds among the build's own
    files: a folder ("read ...: is a directory"), or ``alertmanager.yml``
    itself when its text does not parse as a template."""
    own = [t for t in config.templates if isinstance(t, Template) and isinstance(t.name, str)]
    files = ["alertmanager.yml", *(alertmanager_template(t.name).removeprefix("alertmanager/") for t in own)]
    for match in built_matches(path, files):
        if match.endswith("/"):
            return f"template path {path[:80]!r} finds the folder {match.rstrip('/')!r} (amtool: is a directory)"
        if match == "alertmanager.yml":
            from obs_as_code.render.alertmanager import config_artifacts

            text = config_artifacts(config)[0].content.decode()
            found = parse_error(text, _TEMPLATE_FUNCTIONS, ("$",), "alertmanager.yml")
            if found is not None:
                return f"template path {path[:80]!r} finds alertmanager.yml itself, which is no template: {found[1]}"
    return None


def _no_matchers(item: object) -> bool:
    """A ``matchers`` entry Alertmanager reads as no matcher at all (``""``, ``"{}"``)."""
    try:
        return isinstance(item, str) and Matcher.parse_all(item) == []
    except MatcherError:
        return False


_OPSGENIE_TYPES = re.compile(r"team|teams|user|escalation|schedule")


def _empty(entry: Mapping[str, object], key: str) -> bool:
    return entry.get(key) in (None, "")


def extra_problems(integration: Integration) -> Iterator[str]:
    """What Alertmanager 0.25 refuses in ``extra=`` beyond its keys and shapes:
    its ``http_config``, Slack's ``fields`` and ``actions``, Opsgenie's ``responders``."""
    extra = integration.extra if isinstance(integration.extra, Mapping) else {}

    def entries(key: str) -> list[Mapping[str, object]]:
        value = extra.get(key)
        return [e for e in value if isinstance(e, Mapping)] if isinstance(value, (list, tuple)) else []

    http_config = extra.get("http_config")
    if isinstance(integration, Webhook) and integration.credentials_file and isinstance(http_config, Mapping):
        if http_config.get("authorization") is not None:
            yield "extra http_config has an authorization and so has credentials_file: give one"
        # The renderer writes credentials_file into the extra's http_config.
        http_config = {**http_config, "authorization": {"credentials_file": integration.credentials_file}}
    yield from http_config_problems(http_config, HTTP_CLIENT_KEYS, LATER_HTTP_CLIENT_KEYS)
    if isinstance(integration, Slack):
        for entry in entries("fields"):
            for key in ("title", "value"):
                if _empty(entry, key):
                    yield f"extra fields: an entry without {key} (amtool: missing {key} in Slack field configuration)"
        for entry in entries("actions"):
            for key in ("type", "text"):
                if _empty(entry, key):
                    yield f"extra actions: an entry without {key} (amtool: missing {key} in Slack action configuration)"
            confirm = entry.get("confirm")
            if isinstance(confirm, Mapping) and _empty(confirm, "text"):
                yield "extra actions: a confirm without text (amtool: missing text in Slack confirmation configuration)"
            if _empty(entry, "url") and _empty(entry, "name"):
                yield "extra actions: an entry with neither url nor name (amtool: missing name or url in Slack action configuration)"
    if isinstance(integration, Opsgenie):
        for entry in entries("responders"):
            if all(_empty(entry, key) for key in ("id", "username", "name")):
                yield "extra responders: an entry without id, username or name"
            kind = entry.get("type")
            if not isinstance(kind, str):
                continue
            if "{{" in kind:
                found = parse_error(kind, GO_FUNCTIONS, ("$",))
                if found is not None:
                    yield f"extra responders: type {kind[:80]!r} is not a valid template: {found[1]}"
            elif _OPSGENIE_TYPES.fullmatch(kind.lower()) is None:
                yield f"extra responders: type {kind[:80]!r} is none of team, teams, user, escalation, schedule"


#: URL fields of the integrations and of the global block (and global keys of
#: ``extra=``) Alertmanager 0.25 reads with its parseURL.
_URL_FIELDS: dict[type[Integration], tuple[str, ...]] = {Slack: ("api_url",), PagerDuty: ("url",), Opsgenie: ("api_url",)}
_GLOBAL_URLS = ("pagerduty_url", "opsgenie_api_url")
_GLOBAL_EXTRA_URLS = ("slack_api_url", "wechat_api_url", "victorops_api_url", "telegram_api_url", "webex_api_url")


def webhook_problem(webhook: Webhook) -> str | None:
    """Why Alertmanager refuses the webhook's URL, None when it does not. A
    ``${ENV}`` placeholder is resolved at deploy time, after amtool checked the
    file as written: it may stand for part of the path or query, not for the
    scheme or the host, which amtool reads as they are."""
    url = webhook.url
    if not isinstance(url, str) or "url_file" in webhook.extra:
        return None
    if not url:
        return "webhook without a url (amtool: missing URL in webhook config)"
    return _url_said("webhook url", url)


def _url_said(what: str, url: str) -> str | None:
    """``what`` and why amtool refuses ``url``, None when it reads it."""
    problem = url_problem(url)
    if problem is None:
        return None
    if "${" in url and ("scheme" in problem or "host" in problem):
        problem += "; amtool checks the file before ${ENV} is resolved: keep placeholders to the path or query"
    return f"{what} {url[:80]!r}: {problem}"


def _given(obj: Integration | Global | None, key: str) -> bool:
    """Whether ``key`` (Alertmanager's YAML name) is written with a value: by
    its field (``from`` is ``from_``) or by ``extra``, which is written last.
    An empty string is not written (nor read by Alertmanager as a value)."""
    if obj is None:
        return False
    value = obj.extra[key] if key in obj.extra else getattr(obj, "from_" if key == "from" else key, None)
    return value is not None and value != ""


#: (integration class, the settings one of which it needs, the ``global``
#: settings that stand in, what is missing, amtool's message, how to fix it).
_NEEDS: tuple[tuple[type[Integration], tuple[str, ...], tuple[str, ...], str, str, str], ...] = (
    (Email, ("to",), (), "a to address", "missing to address in email config", 'set Email(to="team@example.com")'),
    (Email, ("smarthost",), ("smtp_smarthost",), "a smarthost", "no global SMTP smarthost set",
     'set Email(smarthost="mail.example.com:587"), or Global(smtp_smarthost=...) as AlertmanagerConfig(global_=...)'),
    (Email, ("from",), ("smtp_from",), "a from address", "no global SMTP from set",
     'set Email(from_="alerts@example.com"), or Global(smtp_from=...) as AlertmanagerConfig(global_=...)'),
    (Slack, ("api_url", "api_url_file"), ("slack_api_url", "slack_api_url_file"), "an API URL",
     "no global Slack API URL set either inline or in a file",
     "set Slack(api_url_file=...) (or api_url='https://hooks.slack.com/services/${SLACK_PATH}'), "
     "or Global(slack_api_url_file=...) as AlertmanagerConfig(global_=...)"),
    (PagerDuty, ("routing_key", "routing_key_file", "service_key", "service_key_file"), (), "a routing or service key",
     "missing service or routing key in PagerDuty config",
     "set PagerDuty(routing_key_file=...) (or routing_key='${PAGERDUTY_KEY}'; service_key for the Events API v1): "
     "Alertmanager has no global PagerDuty key"),
    (Opsgenie, ("api_key", "api_key_file"), ("opsgenie_api_key", "opsgenie_api_key_file"), "an API key",
     "no global OpsGenie API Key set either inline or in a file",
     "set Opsgenie(api_key_file=...) (or api_key='${OPSGENIE_KEY}'), "
     "or Global(opsgenie_api_key_file=...) as AlertmanagerConfig(global_=...)"),
)

#: Settings given both inline and by file, which Alertmanager 0.25 refuses.
_AT_MOST_ONE: dict[type[Integration], tuple[tuple[str, str], ...]] = {
    Slack: (("api_url", "api_url_file"),),
    PagerDuty: (("routing_key", "routing_key_file"), ("service_key", "service_key_file")),
    Opsgenie: (("api_key", "api_key_file"),),
}
_GLOBAL_AT_MOST_ONE = (("slack_api_url", "slack_api_url_file"), ("opsgenie_api_key", "opsgenie_api_key_file"),
                       ("victorops_api_key", "victorops_api_key_file"), ("smtp_auth_password", "smtp_auth_password_file"))


def integration_problems(integration: Integration, glob: Global | None) -> Iterator[tuple[str, str]]:
    """What Alertmanager 0.25 refuses in one integration given the ``global``
    block (None: none, Alertmanager's defaults), as (message, hint) pairs."""
    for kind, own, inherited, what, said, hint in _NEEDS:
        if isinstance(integration, kind) and not any(_given(integration, k) for k in own) \
                and not any(_given(glob, k) for k in inherited):
            yield f"{integration.kind} without {what} (amtool: {said})", hint
    for first, second in _AT_MOST_ONE.get(type(integration), ()):
        if _given(integration, first) and _given(integration, second):
            yield (f"{integration.kind} with both {first} and {second} (amtool: at most one of {first} & {second} must be configured)",
                   f"keep {second} (the secret is read from the file)")


def global_problems(glob: Global) -> Iterator[str]:
    """Settings of the ``global`` block Alertmanager 0.25 refuses together."""
    for first, second in _GLOBAL_AT_MOST_ONE:
        if _given(glob, first) and _given(glob, second):
            yield f"global settings with both {first} and {second} (amtool: at most one of {first} & {second} must be configured)"


def smarthost_problem(text: object) -> str | None:
    """Why Alertmanager 0.25 refuses ``text`` as a smarthost (its ``HostPort``:
    Go's ``net.SplitHostPort``, then a port that is not empty), None when it
    reads it; "" is no smarthost (another check's)."""
    if not isinstance(text, str) or text == "":
        return None
    shown = text[:80]
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            return f"smarthost {shown!r}: missing ']' in address"
        rest = text[end + 1:]
        if not rest.startswith(":"):
            return f"smarthost {shown!r}: missing port in address (host:port)"
        host, port = text[1:end], rest[1:]
        if ":" in port:
            return f"smarthost {shown!r}: too many colons in address"
    else:
        colon = text.rfind(":")
        if colon < 0:
            return f"smarthost {shown!r}: missing port in address (host:port)"
        host, port = text[:colon], text[colon + 1:]
        if ":" in host:
            return f"smarthost {shown!r}: too many colons in address"
    if "[" in host or "]" in host or "[" in port or "]" in port:
        return f"smarthost {shown!r}: unexpected '[' or ']' in address"
    if port == "":
        return f"smarthost {shown!r}: port cannot be empty"
    return None


def time_zone_problem(spec: TimeRange) -> str | None:
    """Why Alertmanager refuses the time range's ``location`` (Go's
    ``time.LoadLocation``: "", UTC, Local or a name of the IANA database)."""
    zone = spec.time_zone
    if not isinstance(zone, str) or zone in ("", "UTC", "Local"):
        return None
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file
        return f"unknown time zone {zone[:80]!r}"
    return None


def check_config(ctx: LintContext, config: AlertmanagerConfig) -> Iterator[Diagnostic]:
    """Structural problems of one configuration."""
    receivers = config.all_receivers()
    receiver_names = {r.name for r in receivers}
    intervals = {t.name for t in config.all_time_intervals()}
    root = config.route
    if not root.receiver_name:
        yield error(root.location, "OAC508", "the root route needs a receiver (the default for unmatched alerts)")
    if any(not _no_matchers(m) for m in root.matchers):
        yield error(keyword_location(root.location, "matchers"), "OAC508", "the root route must not have matchers: it receives every alert")
    for route in walk_routes(root):
        for keyword, said in route_problems(route, root=route is root):
            yield error(keyword_location(route.location, keyword), "OAC508", said)
        name = route.receiver_name
        # receiver="" is not written: the route inherits its parent's, as with None.
        if name and name not in receiver_names:
            yield error(keyword_location(route.location, "receiver"), "OAC508",
                        f"route sends to undefined receiver {name!r}",
                        hint=f"receivers: {', '.join(sorted(receiver_names)) or '(none)'}")
        for keyword in ("mute_time_intervals", "active_time_intervals"):
            for ref in getattr(route, keyword):
                if interval_name(ref) not in intervals:
                    yield error(keyword_location(route.location, keyword), "OAC508",
                                f"route uses undefined time interval {interval_name(ref)!r}")
        yield from _bad_matchers(ctx, route.matchers, route.location, "matchers")
    for rule in config.inhibit_rules:
        yield from _bad_matchers(ctx, rule.source_matchers, rule.location, "source_matchers")
        yield from _bad_matchers(ctx, rule.target_matchers, rule.location, "target_matchers")
        for label in rule.equal:
            if isinstance(label, str) and _LABEL_NAME.fullmatch(label) is None:
                yield error(keyword_location(rule.location, "equal"), "OAC508", f"inhibit rule: {label!r} is not a valid label name in equal")
    for receiver in receivers:
        if receiver.name == "":
            yield error(keyword_location(receiver.location, "name"), "OAC508", "a receiver needs a name (amtool: missing name in receiver)")
    declared = Counter(r.name for r in config.receivers)
    for receiver in config.receivers:
        if declared[receiver.name] > 1:
            yield error(receiver.location, "OAC508", f"two receivers are named {receiver.name!r}")
    names = Counter(t.name for t in config.time_intervals)
    for interval in config.time_intervals:
        if names[interval.name] > 1:
            yield error(interval.location, "OAC508", f"two time intervals are named {interval.name!r}")
    for interval in config.all_time_intervals():
        for spec in interval.ranges:
            problem = time_zone_problem(spec)
            if problem is not None:
                yield error(keyword_location(spec.location, "time_zone"), "OAC508",
                            f"time interval {interval.name!r}: {problem}", hint="an IANA name such as 'Europe/Paris', or 'UTC'")
            fields = {name: getattr(spec, name) for name in ("weekdays", "days_of_month", "months", "years")}
            for keyword, said in time_range_problems(spec.times, fields):
                yield error(keyword_location(spec.location, keyword), "OAC508", f"time interval {interval.name!r}: {said}")
    for template in config.templates:
        problem = template_problem(template)
        if problem is None and isinstance(template, str):
            problem = path_problem(config, template)
        if problem is not None:
            at = keyword_location(template.location, "text") if isinstance(template, Template) else keyword_location(config.location, "templates")
            yield error(at, "OAC508", problem)
    version = config.version_tuple()
    if config.global_ is not None:
        for said in global_problems(config.global_):
            yield error(config.global_.location, "OAC508", said)
        extra = config.global_.extra if isinstance(config.global_.extra, Mapping) else {}
        for said in http_config_problems(extra.get("http_config"), HTTP_CLIENT_KEYS, LATER_HTTP_CLIENT_KEYS):
            yield error(keyword_location(config.global_.location, "extra"), "OAC508", f"global settings: {said}")
        problem = smarthost_problem(config.global_.smtp_smarthost)
        if problem is not None:
            yield error(keyword_location(config.global_.location, "smtp_smarthost"), "OAC508", f"global settings: {problem}",
                        hint='write "host:port", e.g. "mail.example.com:587"')
        for key in (*_GLOBAL_URLS, *_GLOBAL_EXTRA_URLS):
            value = config.global_.extra.get(key) if key in _GLOBAL_EXTRA_URLS else getattr(config.global_, key)
            url_said = _url_said(key, value) if isinstance(value, str) and value else None
            if url_said is not None:
                yield error(keyword_location(config.global_.location, "extra" if key in _GLOBAL_EXTRA_URLS else key),
                            "OAC508", f"global settings: {url_said}")
    for receiver in receivers:
        for integration in receiver.integrations:
            problem = webhook_problem(integration) if isinstance(integration, Webhook) else None
            if problem is not None:
                yield error(keyword_location(integration.location, "url"), "OAC508", f"receiver {receiver.name!r}: {problem}")
            problem = smarthost_problem(integration.smarthost) if isinstance(integration, Email) else None
            if problem is not None:
                yield error(keyword_location(integration.location, "smarthost"), "OAC508", f"receiver {receiver.name!r}: {problem}",
                            hint='write "host:port", e.g. "mail.example.com:587"')
            problem = headers_problem(integration) if isinstance(integration, Email) else None
            if problem is not None:
                yield error(keyword_location(integration.location, "headers"), "OAC508", f"receiver {receiver.name!r}: {problem}")
            for extra_said in extra_problems(integration):
                yield error(keyword_location(integration.location, "extra"), "OAC508", f"receiver {receiver.name!r}: {extra_said}")
            for key in _URL_FIELDS.get(type(integration), ()):
                value = getattr(integration, key)
                url_said = _url_said(f"{integration.kind} {key}", value) if isinstance(value, str) and value else None
                if url_said is not None:
                    yield error(keyword_location(integration.location, key), "OAC508", f"receiver {receiver.name!r}: {url_said}")
            for said, hint in integration_problems(integration, config.global_):
                yield error(integration.location, "OAC508", f"receiver {receiver.name!r}: {said}", hint=hint)
            if integration.since > version:
                need = ".".join(str(n) for n in integration.since)
                yield error(integration.location, "OAC508",
                            f"{integration.kind} needs Alertmanager {need} or later; the config targets {config.version}",
                            hint=f'set AlertmanagerConfig(version="{need}") if you deploy that, or use a webhook bridge')


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    configs = ctx.project.all(AlertmanagerConfig)
    for extra in configs[1:]:
        yield error(extra.location, "OAC508",
                    f"a second AlertmanagerConfig (the first is at {configs[0].location}): a project has one")
    if configs:
        yield from check_config(ctx, configs[0])


CHECK = Check("OAC508", "alertmanager-structure", "the Alertmanager config references only what it defines", run)
