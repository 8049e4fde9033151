"""The Alertmanager configuration: route tree, receivers, inhibit rules, time intervals.

A project declares at most one :class:`AlertmanagerConfig` (``alerts/routing.py``).
Secrets are never written inline: every integration has a ``*_file`` field where
Alertmanager 0.25 reads the secret from a file, and the fields that hold a secret
directly accept only ``${ENV}`` placeholders, resolved at deploy time (check
OAC501 rejects anything else, without ever printing the value).

Secrets per integration in Alertmanager 0.25 (checked against ``amtool 0.25``):

=============  ===========================  =========================================
integration    file field (0.25)            otherwise
=============  ===========================  =========================================
PagerDuty      ``routing_key_file``,        ``routing_key``/``service_key`` = ``${ENV}``
               ``service_key_file``
Slack          ``api_url_file``             ``api_url`` = URL containing ``${ENV}``
email          ``auth_password_file``       ``auth_password`` = ``${ENV}``
Opsgenie       ``api_key_file``             ``api_key`` = ``${ENV}``
webhook        none (``url_file`` is 0.26+) ``url`` containing ``${ENV}``, or a bearer
                                            token in ``credentials_file``
MS Teams       none (the integration is     ``webhook_url`` containing ``${ENV}``;
               0.26+)                       needs ``version="0.26"`` or later
=============  ===========================  =========================================
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal
from zoneinfo import ZoneInfo

from obs_as_code.durations import Duration
from obs_as_code.goregex import go_fullmatch
from obs_as_code.model.base import (
    Definition,
    FieldValueError,
    require_field_types,
    require_known_extra,
    require_sequence,
    require_strings,
)

MatchOp = Literal["=", "!=", "=~", "!~"]

_ALERTMANAGER = "Alertmanager 0.25"


# Alertmanager 0.25's pkg/labels: a label name may hold colons, the value runs
# over newlines, and Go's \s is ASCII whitespace only.
_MATCHER_RE = re.compile(r'^[\t\n\f\r ]*([a-zA-Z_:][a-zA-Z0-9_:]*)[\t\n\f\r ]*(=~|=|!=|!~)[\t\n\f\r ]*(.*?)[\t\n\f\r ]*\Z', re.S)
#: A label name as Alertmanager's matchers read it (its group_by, equal and
#: Prometheus' label names do not take the colon).
MATCHER_LABEL_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


#: What Go's strings.TrimSpace trims (unicode.IsSpace).
_GO_SPACE = " \t\n\v\f\r\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


class MatcherError(ValueError):
    """A matcher string that is not ``name<op>"value"``."""


@dataclass(frozen=True)
class Matcher:
    """One label matcher, rendered as Alertmanager writes it: ``severity="critical"``."""

    name: str
    value: str
    op: MatchOp = "="

    def __post_init__(self) -> None:
        # Matcher("severity", 5) crashed the renderer with a traceback.
        require_field_types(self)

    @classmethod
    def parse(cls, text: str) -> Matcher:
        """Parse ``name="value"`` (also ``!=``, ``=~``, ``!~``; quotes optional) as
        Alertmanager 0.25 reads one matcher (pkg/labels ``ParseMatcher``): ``\\"``,
        ``\\\\`` and ``\\n`` are unescaped, another backslash is kept, and a
        double quote must be escaped but for the closing one. The regular
        expression of ``=~``/``!~`` is not judged here (OAC508 does)."""
        match = _MATCHER_RE.match(text)
        if match is None:
            raise MatcherError(f"bad matcher format: {text}")
        name, op, raw = match.groups()
        quoted = raw.startswith('"')
        body = raw[1:] if quoted else raw
        value: list[str] = []
        escaped = False
        for i, char in enumerate(body):
            if escaped:
                escaped = False
                value.append("\n" if char == "n" else char if char in '"\\' else "\\" + char)
            elif char == "\\" and i < len(body) - 1:
                escaped = True
            elif char == '"':
                if not quoted or i < len(body) - 1:
                    raise MatcherError(f"matcher value contains unescaped double quote: {raw}")
                quoted = False
            else:
                value.append(char)
        if quoted:
            raise MatcherError(f"matcher value contains unescaped double quote: {raw}")
        return cls(name, "".join(value), op)  # type: ignore[arg-type]

    @classmethod
    def parse_all(cls, text: str) -> list[Matcher]:
        """The matchers of one string as Alertmanager 0.25 reads a ``matchers``
        entry (pkg/labels ``ParseMatchers``): braces around it are dropped and
        commas outside quotes separate matchers, so ``'{a="1",b="2"}'`` is two
        and ``""`` none."""
        text = text.removeprefix("{").removesuffix("}")
        tokens: list[str] = []
        token: list[str] = []
        inside = escaped = False
        for char in text:
            if char == "," and not inside:
                tokens.append("".join(token))
                token = []
                continue
            if char == '"':
                if escaped:
                    escaped = False
                else:
                    inside = not inside
            elif char == "\\":
                escaped = not escaped
            elif char != ",":
                escaped = False
            token.append(char)
        last = "".join(token).strip(_GO_SPACE)
        if last:
            tokens.append(last)
        return [cls.parse(t) for t in tokens]

    def __str__(self) -> str:
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"')
        return f'{self.name}{self.op}"{escaped}"'

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether a label set satisfies this matcher (a missing label is ``""``)."""
        value = labels.get(self.name, "")
        if self.op == "=":
            return value == self.value
        if self.op == "!=":
            return value != self.value
        # Alertmanager compiles ^(?:value)$ with Go's regexp: Python's re reads
        # \\d, \\w, \\s, \\b and $ otherwise, and refuses \\pL, \\Q...\\E, a(?i)b.
        found = go_fullmatch(self.value, value)
        return found if self.op == "=~" else not found


MatcherLike = Matcher | str


def matchers_of(items: Sequence[MatcherLike]) -> list[Matcher]:
    """``items`` as :class:`Matcher` objects (strings are parsed as Alertmanager
    reads them: one string may hold several matchers, or none)."""
    out: list[Matcher] = []
    for m in items:
        if not isinstance(m, (Matcher, str)):
            raise TypeError(f"a matcher must be a string or a Matcher, not {type(m).__name__}")
        out.extend([m] if isinstance(m, Matcher) else Matcher.parse_all(m))
    return out


# --- integrations -------------------------------------------------------------


@dataclass
class Integration(Definition):
    """One notifier of a receiver. ``extra`` keys are written as they are."""

    send_resolved: bool | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    #: Key of the list in the receiver (``pagerduty_configs``).
    config_key: ClassVar[str] = ""
    #: Fields holding a secret directly: only ``${ENV}`` placeholders are accepted.
    secret_fields: ClassVar[tuple[str, ...]] = ()
    #: Secret fields that are URLs: a placeholder may stand for part of the URL.
    secret_url_fields: ClassVar[tuple[str, ...]] = ()
    #: Rendered fields in output order (besides ``send_resolved`` and ``extra``).
    fields_out: ClassVar[tuple[str, ...]] = ()
    #: Oldest Alertmanager version that knows this integration.
    since: ClassVar[tuple[int, int]] = (0, 0)
    #: Its keys in Alertmanager 0.25 (config/notifiers.go), empty for one 0.25
    #: does not have: ``extra`` may only add those without a field here.
    yaml_keys: ClassVar[frozenset[str]] = frozenset()
    #: Its keys later releases added (upstream's notify/*/config.go, 2026-08,
    #: Alertmanager 0.34): accepted in ``extra`` for a newer Alertmanager
    #: (``AlertmanagerConfig(version=...)``); amtool judges them.
    later_keys: ClassVar[frozenset[str]] = frozenset()
    #: The YAML shape of its 0.25 keys that are no string (config/notifiers.go):
    #: go-yaml refuses another shape there ("list", "map", "bool", "uint"; see
    #: :func:`require_known_extra`).
    yaml_shapes: ClassVar[Mapping[str, str]] = {}

    def __post_init__(self) -> None:
        super().__post_init__()
        # A misspelt key was written as given; amtool refused it in oac validate.
        if self.yaml_keys or self.later_keys:
            arguments = {name.rstrip("_"): f"{type(self).__name__}({name}=...)" for name in ("send_resolved", *self.fields_out)}
            require_known_extra(type(self).__name__, self.extra, self.yaml_keys, f"an entry of {self.config_key}",
                                arguments, _ALERTMANAGER, self.yaml_shapes, self.later_keys)


@dataclass
class PagerDuty(Integration):
    """PagerDuty Events API v2 (``routing_key``) or v1 (``service_key``)."""

    routing_key_file: str | None = None
    service_key_file: str | None = None
    routing_key: str | None = None
    service_key: str | None = None
    url: str | None = None
    client: str | None = None
    client_url: str | None = None
    description: str | None = None
    severity: str | None = None
    details: Mapping[str, str] = field(default_factory=dict)

    kind: ClassVar[str] = "PagerDuty integration"
    config_key: ClassVar[str] = "pagerduty_configs"
    yaml_keys: ClassVar[frozenset[str]] = frozenset({"send_resolved", "http_config", "service_key", "service_key_file", "routing_key", "routing_key_file", "url", "client", "client_url", "description", "details", "images", "links", "source", "severity", "class", "component", "group"})
    later_keys: ClassVar[frozenset[str]] = frozenset({"timeout"})
    yaml_shapes: ClassVar[Mapping[str, str]] = {"http_config": "map", "images": "list", "links": "list"}
    secret_fields: ClassVar[tuple[str, ...]] = ("routing_key", "service_key")
    fields_out: ClassVar[tuple[str, ...]] = (
        "routing_key_file", "service_key_file", "routing_key", "service_key", "url",
        "client", "client_url", "description", "severity", "details",
    )


@dataclass
class Slack(Integration):
    """A Slack incoming webhook; the webhook URL is the secret."""

    channel: str | None = None
    api_url_file: str | None = None
    api_url: str | None = None
    username: str | None = None
    title: str | None = None
    title_link: str | None = None
    text: str | None = None
    color: str | None = None
    icon_emoji: str | None = None

    kind: ClassVar[str] = "Slack integration"
    config_key: ClassVar[str] = "slack_configs"
    yaml_keys: ClassVar[frozenset[str]] = frozenset({"send_resolved", "http_config", "api_url", "api_url_file", "channel", "username", "color", "title", "title_link", "pretext", "text", "fields", "short_fields", "footer", "fallback", "callback_id", "icon_emoji", "icon_url", "image_url", "thumb_url", "link_names", "mrkdwn_in", "actions"})
    later_keys: ClassVar[frozenset[str]] = frozenset({"app_token", "app_token_file", "app_url", "message_text", "update_message", "timeout"})
    yaml_shapes: ClassVar[Mapping[str, str]] = {"http_config": "map", "fields": "list", "short_fields": "bool", "link_names": "bool",
                                                "mrkdwn_in": "list", "actions": "list"}
    secret_url_fields: ClassVar[tuple[str, ...]] = ("api_url",)
    fields_out: ClassVar[tuple[str, ...]] = (
        "api_url_file", "api_url", "channel", "username", "title", "title_link", "text",
        "color", "icon_emoji",
    )


@dataclass
class Email(Integration):
    """Email through an SMTP smarthost (or the global ``smtp_*`` settings)."""

    to: str = ""
    from_: str | None = None
    smarthost: str | None = None
    auth_username: str | None = None
    auth_password_file: str | None = None
    auth_password: str | None = None
    require_tls: bool | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    html: str | None = None
    text: str | None = None

    kind: ClassVar[str] = "email integration"
    config_key: ClassVar[str] = "email_configs"
    yaml_keys: ClassVar[frozenset[str]] = frozenset({"send_resolved", "to", "from", "hello", "smarthost", "auth_username", "auth_password", "auth_password_file", "auth_secret", "auth_identity", "headers", "html", "text", "require_tls", "tls_config"})
    later_keys: ClassVar[frozenset[str]] = frozenset({"auth_secret_file", "force_implicit_tls", "threading"})
    yaml_shapes: ClassVar[Mapping[str, str]] = {"tls_config": "map"}
    secret_fields: ClassVar[tuple[str, ...]] = ("auth_password",)
    fields_out: ClassVar[tuple[str, ...]] = (
        "to", "from_", "smarthost", "auth_username", "auth_password_file", "auth_password",
        "require_tls", "headers", "html", "text",
    )


@dataclass
class Webhook(Integration):
    """A generic webhook. Alertmanager 0.25 has no ``url_file``: put a token in
    ``credentials_file`` (sent as a bearer token) or a ``${ENV}`` into the URL's
    path or query (amtool checks the scheme and host as written: OAC508)."""

    url: str = ""
    credentials_file: str | None = None
    max_alerts: int | None = None

    kind: ClassVar[str] = "webhook integration"
    non_negative: ClassVar[frozenset[str]] = frozenset({"max_alerts"})
    go_integers: ClassVar[Mapping[str, str]] = {"max_alerts": "uint"}
    config_key: ClassVar[str] = "webhook_configs"
    yaml_keys: ClassVar[frozenset[str]] = frozenset({"send_resolved", "http_config", "url", "max_alerts"})
    later_keys: ClassVar[frozenset[str]] = frozenset({"url_file", "timeout", "payload"})
    yaml_shapes: ClassVar[Mapping[str, str]] = {"http_config": "map"}
    fields_out: ClassVar[tuple[str, ...]] = ("url", "max_alerts")


@dataclass
class Opsgenie(Integration):
    """Opsgenie alerts API."""

    api_key_file: str | None = None
    api_key: str | None = None
    api_url: str | None = None
    message: str | None = None
    priority: str | None = None
    tags: str | None = None

    kind: ClassVar[str] = "Opsgenie integration"
    config_key: ClassVar[str] = "opsgenie_configs"
    yaml_keys: ClassVar[frozenset[str]] = frozenset({"send_resolved", "http_config", "api_key", "api_key_file", "api_url", "message", "description", "source", "details", "entity", "responders", "actions", "tags", "note", "priority", "update_alerts"})
    yaml_shapes: ClassVar[Mapping[str, str]] = {"http_config": "map", "details": "map", "responders": "list", "update_alerts": "bool"}
    secret_fields: ClassVar[tuple[str, ...]] = ("api_key",)
    fields_out: ClassVar[tuple[str, ...]] = (
        "api_key_file", "api_key", "api_url", "message", "priority", "tags",
    )


@dataclass
class MSTeams(Integration):
    """Microsoft Teams incoming webhook (Alertmanager 0.26 and later only)."""

    webhook_url: str = ""
    title: str | None = None
    text: str | None = None

    kind: ClassVar[str] = "MS Teams integration"
    config_key: ClassVar[str] = "msteams_configs"
    secret_url_fields: ClassVar[tuple[str, ...]] = ("webhook_url",)
    fields_out: ClassVar[tuple[str, ...]] = ("webhook_url", "title", "text")
    since: ClassVar[tuple[int, int]] = (0, 26)
    later_keys: ClassVar[frozenset[str]] = frozenset({"send_resolved", "http_config", "webhook_url", "webhook_url_file", "title", "summary", "text"})


@dataclass
class Receiver(Definition):
    """A named receiver; no integrations means notifications are dropped."""

    name: str
    integrations: Sequence[Integration] = ()

    kind: ClassVar[str] = "receiver"

    def __post_init__(self) -> None:
        require_strings(self, ("name",))
        super().__post_init__()

    def key(self) -> str:
        return self.name


# --- time intervals -----------------------------------------------------------

_WEEKDAYS = {d: i for i, d in enumerate(["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"])}
_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1)}


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _value(text: str, names: Mapping[str, int]) -> int:
    text = text.strip().lower()
    return names[text] if text in names else int(text)


def _in_ranges(value: int, specs: Sequence[str], names: Mapping[str, int]) -> bool:
    for spec in specs:
        start, _, end = spec.partition(":")
        low = _value(start, names)
        high = _value(end, names) if end else low
        if low <= value <= high:
            return True
    return False


def _day_in(day: int, spec: str, days_in_month: int) -> bool:
    start, _, end = spec.partition(":")
    low, high = int(start), int(end) if end else int(start)
    # Negative days count from the end of the month (-1 is the last day).
    low = low if low > 0 else days_in_month + low + 1
    high = high if high > 0 else days_in_month + high + 1
    return low <= day <= high



@dataclass
class TimeRange(Definition):
    """One ``time_intervals`` entry: all given fields must hold (Alertmanager syntax:
    ``times=[("02:00", "04:00")]``, ``weekdays=["sunday"]``, ``days_of_month=["1:7"]``)."""

    times: Sequence[tuple[str, str]] = ()
    weekdays: Sequence[str] = ()
    days_of_month: Sequence[str] = ()
    months: Sequence[str] = ()
    years: Sequence[str] = ()
    #: IANA zone name (Alertmanager's ``location``; ``location`` is taken by the source position).
    time_zone: str | None = None

    kind: ClassVar[str] = "time range"

    def contains(self, when: datetime) -> bool:
        """Whether the aware datetime ``when`` falls in this range (Alertmanager's
        semantics: every given field must hold; times are ``[start, end)``)."""
        local = when.astimezone(ZoneInfo(self.time_zone)) if self.time_zone else when.astimezone(UTC)
        if self.times:
            minute = local.hour * 60 + local.minute
            if not any(_minutes(a) <= minute < _minutes(b) for a, b in self.times):
                return False
        if self.weekdays and not _in_ranges((local.weekday() + 1) % 7, self.weekdays, _WEEKDAYS):
            return False
        if self.days_of_month:
            days = monthrange(local.year, local.month)[1]
            if not any(_day_in(local.day, spec, days) for spec in self.days_of_month):
                return False
        if self.months and not _in_ranges(local.month, self.months, _MONTHS):
            return False
        return not self.years or _in_ranges(local.year, self.years, {})


@dataclass
class TimeInterval(Definition):
    """A named time interval for ``mute_time_intervals``/``active_time_intervals``."""

    name: str
    ranges: Sequence[TimeRange]

    kind: ClassVar[str] = "time interval"

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.name:  # a str: super() checked the field types
            # amtool: "missing name in time interval", reported at the AlertmanagerConfig call.
            raise FieldValueError("TimeInterval name must not be empty", "name")

    def contains(self, when: datetime) -> bool:
        """Whether ``when`` falls in any of the ranges."""
        return any(r.contains(when) for r in self.ranges)

    def key(self) -> str:
        return self.name


# --- routing ------------------------------------------------------------------


def group_by_problem(labels: Sequence[str] | None) -> str | None:
    """What Alertmanager refuses in a route's ``group_by`` whatever its version
    (amtool reported it at the AlertmanagerConfig call; check OAC508 reports it
    at ``group_by=``): a label given twice, or ``...`` (group by every label)
    beside other labels. ``...`` twice is read as once."""
    if not labels:
        return None
    seen: set[str] = set()
    for label in labels:
        if label in seen and label != "...":
            return f"label {label!r} is given twice"
        seen.add(label)
    if "..." in seen and len(seen) > 1:
        return "'...' groups by every label: give it alone"
    return None


@dataclass
class Route(Definition):
    """A node of the route tree. ``receiver`` None inherits the parent's;
    ``continue_`` is Alertmanager's ``continue`` (a Python keyword)."""

    receiver: str | Receiver | None = None
    matchers: Sequence[MatcherLike] = ()
    group_by: Sequence[str] | None = None
    group_wait: Duration | None = None
    group_interval: Duration | None = None
    repeat_interval: Duration | None = None
    continue_: bool = False
    mute_time_intervals: Sequence[str | TimeInterval] = ()
    active_time_intervals: Sequence[str | TimeInterval] = ()
    routes: Sequence[Route] = ()

    kind: ClassVar[str] = "route"

    def __post_init__(self) -> None:
        # A matcher neither a string nor a Matcher crashed the renderer (oac
        # test, oac validate) with a traceback; a bad string is OAC508's.
        require_sequence(self, "matchers", (str, Matcher), 'matchers (strings such as \'severity="critical"\')')
        super().__post_init__()

    @property
    def receiver_name(self) -> str | None:
        """The receiver's name, whether given as a string or a :class:`Receiver`."""
        return self.receiver.name if isinstance(self.receiver, Receiver) else self.receiver


@dataclass
class InhibitRule(Definition):
    """Mute alerts matching ``target_matchers`` while one matching ``source_matchers``
    fires with the same values of the ``equal`` labels."""

    source_matchers: Sequence[MatcherLike]
    target_matchers: Sequence[MatcherLike]
    equal: Sequence[str] = ()

    kind: ClassVar[str] = "inhibit rule"

    def __post_init__(self) -> None:
        for name in ("source_matchers", "target_matchers"):
            require_sequence(self, name, (str, Matcher), 'matchers (strings such as \'severity="critical"\')')
        super().__post_init__()

    def inhibits(self, source: Mapping[str, str], target: Mapping[str, str]) -> bool:
        """Whether a firing alert with labels ``source`` mutes one with ``target``.
        As Alertmanager's inhibitor decides it: when the target also matches the
        source side, a source that also matches the target side is disregarded
        (two critical alerts of ``severity="critical"`` -> ``severity="critical"``
        do not mute each other); a label missing on both counts as equal."""
        sources, targets = matchers_of(self.source_matchers), matchers_of(self.target_matchers)
        if not (all(m.matches(source) for m in sources) and all(m.matches(target) for m in targets)):
            return False
        if not all(source.get(k, "") == target.get(k, "") for k in self.equal):
            return False
        return not (all(m.matches(target) for m in sources) and all(m.matches(source) for m in targets))


@dataclass
class Template(Definition):
    """A notification template file written to ``build/alertmanager/templates/``."""

    name: str
    text: str

    kind: ClassVar[str] = "notification template"

    def key(self) -> str:
        return self.name


@dataclass
class Global(Definition):
    """Alertmanager's ``global`` block (secret settings by file only)."""

    resolve_timeout: Duration | None = None
    smtp_from: str | None = None
    smtp_smarthost: str | None = None
    smtp_hello: str | None = None
    smtp_auth_username: str | None = None
    smtp_auth_password_file: str | None = None
    smtp_require_tls: bool | None = None
    slack_api_url_file: str | None = None
    pagerduty_url: str | None = None
    opsgenie_api_url: str | None = None
    opsgenie_api_key_file: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    kind: ClassVar[str] = "global settings"
    #: Alertmanager 0.25's global keys (config/config.go).
    yaml_keys: ClassVar[frozenset[str]] = frozenset({
        "resolve_timeout", "http_config", "smtp_from", "smtp_hello", "smtp_smarthost", "smtp_auth_username",
        "smtp_auth_password", "smtp_auth_password_file", "smtp_auth_secret", "smtp_auth_identity", "smtp_require_tls",
        "slack_api_url", "slack_api_url_file", "pagerduty_url", "opsgenie_api_url", "opsgenie_api_key",
        "opsgenie_api_key_file", "wechat_api_url", "wechat_api_secret", "wechat_api_corp_id", "victorops_api_url",
        "victorops_api_key", "victorops_api_key_file", "telegram_api_url", "webex_api_url",
    })
    #: Global keys later releases added (upstream's config/config.go, 2026-08).
    later_keys: ClassVar[frozenset[str]] = frozenset({
        "jira_api_url", "smtp_auth_secret_file", "smtp_tls_config", "smtp_force_implicit_tls", "slack_app_token",
        "slack_app_token_file", "slack_app_url", "wechat_api_secret_file", "telegram_bot_token", "telegram_bot_token_file",
        "rocketchat_api_url", "rocketchat_token", "rocketchat_token_file", "rocketchat_token_id",
        "rocketchat_token_id_file", "mattermost_webhook_url", "mattermost_webhook_url_file",
    })

    def __post_init__(self) -> None:
        super().__post_init__()
        arguments = {name: f"Global({name}=...)" for name in self.fields_out}
        require_known_extra("Global", self.extra, self.yaml_keys, "the global block", arguments, _ALERTMANAGER,
                            {"http_config": "map"}, self.later_keys)

    fields_out: ClassVar[tuple[str, ...]] = (
        "resolve_timeout", "smtp_from", "smtp_smarthost", "smtp_hello", "smtp_auth_username",
        "smtp_auth_password_file", "smtp_require_tls", "slack_api_url_file", "pagerduty_url",
        "opsgenie_api_url", "opsgenie_api_key_file",
    )


@dataclass
class AlertmanagerConfig(Definition):
    """The whole Alertmanager configuration; a project declares at most one.

    Receivers and time intervals referenced by object from routes are added to
    the lists automatically. ``templates`` holds :class:`Template` objects (written
    next to the config) or paths as Alertmanager sees them. ``version`` is the
    Alertmanager release the output targets (integrations newer than it are errors).
    """

    route: Route
    receivers: Sequence[Receiver] = ()
    inhibit_rules: Sequence[InhibitRule] = ()
    time_intervals: Sequence[TimeInterval] = ()
    templates: Sequence[Template | str] = ()
    global_: Global | None = None
    version: str = "0.25"

    top_level: ClassVar[bool] = True
    kind: ClassVar[str] = "Alertmanager config"

    def key(self) -> str:
        return "alertmanager"

    def all_receivers(self) -> list[Receiver]:
        """Declared receivers, then those only referenced from routes, by name."""
        out: dict[str, Receiver] = {}
        for receiver in self.receivers:
            out.setdefault(receiver.name, receiver)
        for route in walk_routes(self.route):
            if isinstance(route.receiver, Receiver):
                out.setdefault(route.receiver.name, route.receiver)
        return list(out.values())

    def all_time_intervals(self) -> list[TimeInterval]:
        """Declared time intervals, then those only referenced from routes."""
        out: dict[str, TimeInterval] = {}
        for interval in self.time_intervals:
            out.setdefault(interval.name, interval)
        for route in walk_routes(self.route):
            for ref in (*route.mute_time_intervals, *route.active_time_intervals):
                if isinstance(ref, TimeInterval):
                    out.setdefault(ref.name, ref)
        return list(out.values())

    def version_tuple(self) -> tuple[int, int]:
        """``version`` as ``(major, minor)``; unparsable versions count as the oldest."""
        parts = re.findall(r"\d+", self.version)
        if len(parts) < 2:
            return (0, 0)
        return (int(parts[0]), int(parts[1]))


def walk_routes(route: Route) -> list[Route]:
    """``route`` and every route below it, depth first in declaration order."""
    out: list[Route] = []
    stack = [route]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(list(node.routes)))
    return out


def interval_name(ref: str | TimeInterval) -> str:
    """The name of a time interval reference."""
    return ref.name if isinstance(ref, TimeInterval) else ref


def route_receivers(route: Route, labels: Mapping[str, str], inherited: str | None = None) -> list[str]:
    """Receivers an alert with ``labels`` is sent to, as Alertmanager routes it.

    The root matches everything; a node matches when all its matchers do; the
    first matching child wins unless it has ``continue_``; a node none of whose
    children match delivers itself. Children without a receiver inherit it.
    Used by checks that reason offline; ``oac test`` asks ``amtool`` itself.
    """
    matched = _match(route, labels, inherited, root=True)
    return [name for name in matched if name]


def _match(route: Route, labels: Mapping[str, str], inherited: str | None, *, root: bool) -> list[str | None]:
    if not root and not all(m.matches(labels) for m in matchers_of(route.matchers)):
        return []
    receiver = route.receiver_name or inherited
    out: list[str | None] = []
    for child in route.routes:
        found = _match(child, labels, receiver, root=False)
        out.extend(found)
        if found and not child.continue_:
            break
    return out or [receiver]
