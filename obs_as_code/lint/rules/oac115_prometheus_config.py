"""OAC115: a Prometheus config that promtool 2.42 refuses.

``oac build`` wrote these into ``build/prometheus/prometheus.yml`` and only
``oac validate`` (``promtool check config``) refused them, one at a time (promtool
stops at its first error) and at the generated file. Each is reported here, all
of them, at the user's line: what Prometheus 2.42's ``config/config.go``,
prometheus/common v0.39's ``HTTPClientConfig.Validate``, promtool's
``checkTLSConfig`` and the targets promtool builds from static configs
(``scrape.PopulateLabels``) refuse, for what the model writes.

Left to other checks: durations (OAC103), label names (OAC104), duplicate and
blank job names (OAC107), literal secrets (OAC109), relabel configs (refused when
built, but for their source_labels and regex, judged here: the regex with
:mod:`obs_as_code.goregex`, Go's RE2 syntax). Left to ``oac validate``: the
targets of a job whose relabel configs may drop them or rewrite their address or
scheme, service discoveries other than file and DNS, and ``extra=`` values of
shapes promtool's YAML decoding refuses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from obs_as_code.diagnostics import Diagnostic, error, warning
from obs_as_code.durations import DurationError, parse_ms
from obs_as_code.goregex import anchored_regex_problem
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.model.base import Definition
from obs_as_code.model.prometheus import (
    AlertmanagerTarget,
    Authorization,
    BasicAuth,
    PrometheusConfig,
    RelabelConfig,
    ScrapeJob,
    StaticConfig,
    TLSConfig,
)
from obs_as_code.source import SourceLocation, keyword_location

#: Prometheus' default global scrape_interval (config.DefaultGlobalConfig), in ms.
#: (A job without scrape_timeout gets the smaller of the global one and its
#: interval: no mistake.)
_DEFAULT_INTERVAL_MS = 60_000
#: prometheus/common v0.39's TLSVersions.
_TLS_VERSIONS = ("TLS10", "TLS11", "TLS12", "TLS13")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
#: The string fields of prometheus/common's OAuth2 that Validate reads.
_OAUTH2_STRINGS = ("client_id", "client_secret", "client_secret_file", "token_url")
#: Prometheus' patRulePath: a glob only in the file name.
_RULE_PATH = re.compile(r"[^*]*(?:\*[^/]*)?", re.S)

#: One finding: where, what, the fix.
_Problem = tuple[SourceLocation, str, str]


def _ms(value: Any) -> int | None:
    """A duration in milliseconds, 0 for none (Prometheus' zero value: the
    default applies), None when it is no duration (OAC103 reports it)."""
    if value is None:
        return 0
    try:
        return parse_ms(value)
    except DurationError:
        return None


def _shown(ms: int) -> str:
    """Milliseconds as Prometheus prints a duration (1m30s, 500ms)."""
    if ms == 0:
        return "0s"
    out = ""
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)):
        if ms >= size:
            out += f"{ms // size}{unit}"
            ms %= size
    return out


def _q(text: str) -> str:
    """``text`` quoted as Go's %q prints it, as promtool's messages do."""
    return json.dumps(text, ensure_ascii=False)


def _set(value: Any) -> bool:
    """Whether a string-like ``extra=`` value is set, as go-yaml reads it into a Go
    string (a YAML null and ``""`` are the empty string)."""
    return value is not None and value != ""


def _at(owner: Definition, keyword: str) -> SourceLocation:
    return keyword_location(owner.location, keyword)


def _global_timing(config: PrometheusConfig | None) -> tuple[SourceLocation, int | None, int | None, str]:
    """Where the global block is written, its scrape_interval and scrape_timeout
    in ms as given (0: not given; None: not known), and the keyword they are at."""
    if config is None:
        # The build writes PrometheusConfig()'s defaults.
        return SourceLocation("<default>"), _ms(PrometheusConfig.scrape_interval), 0, ""
    if "global" in config.extra:
        # extra={"global": {...}} replaces the block the arguments write.
        block = config.extra["global"]
        if block is None:
            return config.location, 0, 0, "extra"
        if not isinstance(block, Mapping):
            return config.location, None, None, "extra"
        interval = block.get("scrape_interval")
        timeout = block.get("scrape_timeout")
        return (
            config.location,
            _ms(interval) if interval is None or isinstance(interval, str) else None,
            _ms(timeout) if timeout is None or isinstance(timeout, str) else None,
            "extra",
        )
    return config.location, _ms(config.scrape_interval), _ms(config.scrape_timeout), "scrape_timeout"


def _global_problems(config: PrometheusConfig | None) -> tuple[list[_Problem], int | None]:
    """The global block's problems, and the scrape interval jobs inherit (None
    when not known)."""
    where, interval, timeout, keyword = _global_timing(config)
    problems: list[_Problem] = []
    if interval is not None and interval == 0:
        interval = _DEFAULT_INTERVAL_MS
    if interval is not None and timeout is not None and timeout > interval and config is not None:
        problems.append((
            keyword_location(where, keyword),
            f"the global scrape_timeout {_shown(timeout)} is greater than the global scrape_interval {_shown(interval)} "
            "(promtool: global scrape timeout greater than scrape interval)",
            "make scrape_timeout at most scrape_interval",
        ))
    if config is not None and "rule_files" not in config.extra:
        for path in config.rule_files:
            if not _RULE_PATH.fullmatch(path):
                problems.append((
                    _at(config, "rule_files"),
                    f"rule file path {path!r} has a * before its last / (promtool: invalid rule file path {_q(path)})",
                    "Prometheus globs rule files in the file name only: write dir/*.yml",
                ))
    return problems, interval


def _job_timing(job: ScrapeJob, global_interval: int | None) -> Iterator[_Problem]:
    interval = _ms(job.scrape_interval)
    timeout = _ms(job.scrape_timeout)
    if interval is None or timeout is None:
        return
    inherited = interval == 0
    if inherited:
        if global_interval is None:
            return
        interval = global_interval
    if timeout > interval:
        whose = "the global scrape_interval" if inherited else "its scrape_interval"
        yield (
            _at(job, "scrape_timeout"),
            f"scrape job {job.name!r}: scrape_timeout {_shown(timeout)} is greater than {whose} {_shown(interval)} "
            f"(promtool: scrape timeout greater than scrape interval for scrape config with job name {_q(job.name)})",
            "make scrape_timeout at most scrape_interval",
        )


def _http_client(owner: ScrapeJob | AlertmanagerTarget, what: str) -> Iterator[_Problem]:
    """``HTTPClientConfig.Validate`` of prometheus/common v0.39, and the TLS
    versions it reads: each conflict it refuses."""
    extra = owner.extra
    basic: BasicAuth | None = owner.basic_auth
    authorization: Authorization | None = owner.authorization
    oauth2 = extra.get("oauth2")
    bearer = [key for key in ("bearer_token", "bearer_token_file") if _set(extra.get(key))]
    if len(bearer) == 2:
        yield (_at(owner, "extra"), f"{what}: both bearer_token and bearer_token_file are set "
               "(promtool: at most one of bearer_token & bearer_token_file must be configured)", "keep bearer_token_file")
    if (basic is not None or oauth2 is not None) and bearer and authorization is None:
        other = "basic_auth" if basic is not None else "oauth2"
        yield (_at(owner, "extra"), f"{what}: {other} and {bearer[0]} are both set "
               "(promtool: at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured)",
               "keep one way to authenticate")
    if authorization is not None:
        if bearer:
            yield (_at(owner, "extra"), f"{what}: authorization and {bearer[0]} are both set "
                   "(promtool: authorization is not compatible with bearer_token & bearer_token_file)",
                   "keep authorization=Authorization(credentials_file=...)")
        if authorization.type.strip().lower() == "basic":
            yield (_at(authorization, "type"), f"{what}: Authorization type {authorization.type!r} "
                   "(promtool: authorization type cannot be set to \"basic\", use \"basic_auth\" instead)",
                   "write basic_auth=BasicAuth(username=..., password_file=...)")
        if basic is not None or oauth2 is not None:
            other = "basic_auth" if basic is not None else "oauth2"
            yield (_at(owner, "authorization"), f"{what}: authorization and {other} are both set "
                   "(promtool: at most one of basic_auth, oauth2 & authorization must be configured)",
                   "keep one way to authenticate")
    if isinstance(oauth2, Mapping):
        if basic is not None and authorization is None:
            yield (_at(owner, "basic_auth"), f"{what}: basic_auth and oauth2 are both set "
                   "(promtool: at most one of basic_auth, oauth2 & authorization must be configured)",
                   "keep one way to authenticate")
        for problem in _oauth2(oauth2):
            yield (_at(owner, "extra"), f"{what}: {problem}", "oauth2 needs client_id, token_url and one of client_secret, client_secret_file")
    headers = extra.get("proxy_connect_header")
    if isinstance(headers, Mapping) and headers and not _set(extra.get("proxy_url")):
        yield (_at(owner, "extra"), f"{what}: proxy_connect_header without proxy_url "
               "(promtool: if proxy_connect_header is configured proxy_url must also be configured)", "set proxy_url")
    tls: TLSConfig | None = owner.tls_config
    if tls is not None:
        for key in ("min_version", "max_version"):
            version = getattr(tls, key)
            if version is not None and version not in _TLS_VERSIONS:
                yield (_at(tls, key), f"{what}: TLS {key} {version!r} (promtool: unknown TLS version: {version})",
                       f"write one of {', '.join(_TLS_VERSIONS)}")


def _oauth2(oauth2: Mapping[str, Any]) -> Iterator[str]:
    if not all(isinstance(oauth2.get(key), (str, type(None))) for key in _OAUTH2_STRINGS):
        # promtool refuses the YAML first ("cannot unmarshal !!map into string"),
        # which oac validate puts at the job: a finding here would say less.
        return
    if not _set(oauth2.get("client_id")):
        yield "oauth2 has no client_id (promtool: oauth2 client_id must be configured)"
    secret, secret_file = _set(oauth2.get("client_secret")), _set(oauth2.get("client_secret_file"))
    if not secret and not secret_file:
        yield ("oauth2 has neither client_secret nor client_secret_file "
               "(promtool: either oauth2 client_secret or client_secret_file must be configured)")
    if not _set(oauth2.get("token_url")):
        yield "oauth2 has no token_url (promtool: oauth2 token_url must be configured)"
    if secret and secret_file:
        yield ("oauth2 has both client_secret and client_secret_file "
               "(promtool: at most one of oauth2 client_secret & client_secret_file must be configured)")


def _client_tls(job: ScrapeJob) -> Iterator[_Problem]:
    """promtool's ``checkTLSConfig``, which it runs on scrape configs only."""
    tls = job.tls_config
    if tls is None:
        return
    if tls.cert_file and not tls.key_file:
        yield (_at(tls, "cert_file"), f"scrape job {job.name!r}: TLS cert_file without key_file "
               f"(promtool: client cert file {_q(tls.cert_file)} specified without client key file)", "set key_file too")
    if tls.key_file and not tls.cert_file:
        yield (_at(tls, "key_file"), f"scrape job {job.name!r}: TLS key_file without cert_file "
               f"(promtool: client key file {_q(tls.key_file)} specified without client cert file)", "set cert_file too")


def _split_host_port(address: str) -> tuple[str, str] | None:
    """Go's ``net.SplitHostPort``: (host, port), None when it fails."""
    i = address.rfind(":")
    if i < 0:
        return None
    j = k = 0
    if address.startswith("["):
        end = address.find("]")
        if end < 0 or end + 1 != i:
            return None
        host = address[1:end]
        j, k = 1, end + 1
    else:
        host = address[:i]
        if ":" in host:
            return None
    if "[" in address[j:] or "]" in address[k:]:
        return None
    return host, address[i + 1:]


def _needs_port(address: str) -> bool:
    """Whether Prometheus adds the scheme's default port to ``address``
    (``addPort`` of scrape.PopulateLabels)."""
    return _split_host_port(address) is None and _split_host_port(address + ":1234") is not None


def _groups(job: ScrapeJob) -> list[tuple[Definition, Sequence[str], Mapping[str, str]]]:
    """The static configs the build writes: (where, targets, labels)."""
    groups: list[tuple[Definition, Sequence[str], Mapping[str, str]]] = []
    if job.targets:
        groups.append((job, job.targets, job.labels))
    groups.extend((s, s.targets, s.labels) for s in job.static_configs if isinstance(s, StaticConfig))
    return groups


def _hostnames(owner: Definition, targets: Sequence[str], what: str, path: str) -> Iterator[_Problem]:
    for target in targets:
        if "/" in target:
            yield (_at(owner, "targets"), f"{what}: target {target!r} holds a /, where Prometheus takes host:port "
                   f"(promtool: {_q(target)} is not a valid hostname)",
                   f"write the target as host:port; the scheme and path go in scheme= and {path}=")


def _leaves_targets_alone(cfg: RelabelConfig) -> bool:
    """Whether a relabel config only writes a label of its own (``env``, not
    ``__address__``, ``__scheme__`` or a ``$1`` that may become one), keeping
    every target: what promtool judges of the targets stays as written."""
    target = cfg.target_label or ""
    return (cfg.action or "replace").lower() in ("replace", "lowercase", "uppercase", "hashmod") and bool(
        _LABEL_NAME.fullmatch(target)) and not target.startswith("__")


def _targets(job: ScrapeJob) -> Iterator[_Problem]:
    """What promtool refuses in the targets it builds from the job's static
    configs. A job with other relabel_configs than ones that leave the targets
    alone is left to oac validate: they may drop targets or rewrite their
    address and scheme before Prometheus judges them."""
    if not all(_leaves_targets_alone(cfg) for cfg in job.relabel_configs):
        return
    what = f"scrape job {job.name!r}"
    scheme = "http" if job.scheme is None else job.scheme
    for owner, targets, labels in _groups(job):
        yield from _hostnames(owner, targets, what, "metrics_path")
        # A __scheme__ (__address__ ...) label would change what follows: OAC104 refuses it.
        if any(name.startswith("__") for name in labels):
            continue
        for target in targets:
            if target == "":
                yield (_at(owner, "targets"), f"{what}: an empty target (promtool: no address)", "remove it, or write host:port")
            elif "/" not in target and _needs_port(target) and scheme not in ("http", "https", ""):
                yield (_at(job, "scheme"), f"{what}: scheme {scheme!r} with target {target!r}, which has no port "
                       f"(promtool: invalid scheme: {_q(scheme)})", "use scheme 'http' or 'https'")


def _byte_units(suffix: str) -> dict[str, float]:
    """alecthomas/units' ``MakeUnitMap(suffix, "B", 1024)``."""
    units = {"B": 1.0, "K" + suffix: 1024.0}
    for power, prefix in enumerate("MGTPE", start=2):
        units[prefix + suffix] = float(1024**power)
    return units


_BYTE_UNITS = (_byte_units("iB"), _byte_units("B"))


def _leading_int(text: str) -> tuple[tuple[int, int] | None, str]:
    """alecthomas/units' ``leadingInt``: ((value, digits read), the rest), None
    for the value when it overflows."""
    value = 0
    i = 0
    while i < len(text) and "0" <= text[i] <= "9":
        if value >= (2**63 - 10) // 10:
            return None, ""
        value = value * 10 + ord(text[i]) - ord("0")
        i += 1
    return (value, i), text[i:]


def _parse_unit(text: str, units: Mapping[str, float]) -> str | None:
    """alecthomas/units' ``ParseUnit`` (2021-12-18, Prometheus 2.42's): its error,
    None when it reads ``text``."""
    rest = text
    total = 0.0
    negative = False
    if rest[:1] in ("-", "+"):
        negative, rest = rest[0] == "-", rest[1:]
    if rest == "0":
        return None
    if rest == "":
        return f"units: invalid {text}"
    while rest:
        if not (rest[0] == "." or "0" <= rest[0] <= "9"):
            return f"units: invalid {text}"
        whole, rest = _leading_int(rest)
        if whole is None:
            return f"units: invalid {text}"
        value = float(whole[0])
        fraction_digits = 0
        if rest[:1] == ".":
            fraction, rest = _leading_int(rest[1:])
            if fraction is None:
                return f"units: invalid {text}"
            scale = 1.0
            for _ in range(fraction[1]):
                scale *= 10
            value += float(fraction[0]) / scale
            fraction_digits = fraction[1]
        if not whole[1] and not fraction_digits:
            return f"units: invalid {text}"
        end = next((i for i, c in enumerate(rest) if c == "." or "0" <= c <= "9"), len(rest))
        unit, rest = rest[:end], rest[end:]
        if unit not in units:
            return f"units: unknown unit {unit} in {text}"
        total += value * units[unit]
    if negative:
        total = -total
    if total < -(2.0**63) or total > 2.0**63:
        return "units: overflow parsing unit"
    return None


def body_size_problem(value: Any) -> str | None:
    """Why Prometheus 2.42 refuses ``value`` as a ``body_size_limit``
    (``units.ParseBase2Bytes`` of the YAML scalar's text), None when it reads it."""
    if value is None:
        return None
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, str):
        text = value
    else:  # a float: its text holds no unit Prometheus knows
        return f"units: unknown unit in {value}"
    first = _parse_unit(text, _BYTE_UNITS[0])
    return None if first is None else _parse_unit(text, _BYTE_UNITS[1])


def _limits(job: ScrapeJob) -> Iterator[_Problem]:
    problem = body_size_problem(job.extra.get("body_size_limit"))
    if problem is not None:
        yield (_at(job, "extra"), f"scrape job {job.name!r}: body_size_limit {job.extra['body_size_limit']!r} "
               f"(promtool: {problem})", "write a size such as '10MB' or '512KiB' (units B KB MB GB ..., 1024 apart)")


def _relabel_labels(job: ScrapeJob) -> Iterator[_Problem]:
    """Relabel configs' source_labels, each read as a label name, and regex, which
    Prometheus compiles as ``^(?:regex)$`` with Go's regexp (RE2 syntax, Go 1.19
    in the Debian build of 2.42: no lookarounds, backreferences or ``(?<name>``)."""
    for cfg in (*job.relabel_configs, *job.metric_relabel_configs):
        for name in cfg.source_labels or ():
            if not _LABEL_NAME.fullmatch(name):
                yield (_at(cfg, "source_labels"), f"relabel config: source label {name!r} is not a label name "
                       f"(promtool: {_q(name)} is not a valid label name)", "use [a-zA-Z_][a-zA-Z0-9_]*")
        if isinstance(cfg.regex, str):
            problem = anchored_regex_problem(cfg.regex)
            if problem is not None:
                yield (_at(cfg, "regex"), f"relabel config: regex {cfg.regex!r} is not one Go's regexp compiles "
                       f"(promtool: error parsing regexp: {problem})",
                       "Prometheus uses RE2 syntax: no lookarounds, backreferences or (?<name>...); write (?P<name>...)")


#: Prometheus' patFileSDName (discovery/file).
_FILE_SD_NAME = re.compile(r"[^*]*(?:\*[^/]*)?\.(?:json|yml|yaml|JSON|YML|YAML)", re.S)


def _strings(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)


def _file_sd(entry: Mapping[str, Any]) -> str | None:
    """What ``file.SDConfig.UnmarshalYAML`` refuses, None when it reads ``entry``
    (or when its keys or their types are not ones this judges: promtool's YAML
    error comes first, and oac validate reports it)."""
    if set(entry) - {"files", "refresh_interval"} or not isinstance(entry.get("refresh_interval", ""), str):
        return None
    files = entry.get("files") or []
    if not _strings(files):
        return None
    if not files:
        return "file service discovery config must contain at least one path name"
    for name in files:
        if not _FILE_SD_NAME.fullmatch(name):
            return f"path name {_q(name)} is not valid for file discovery"
    return None


def _dns_sd(entry: Mapping[str, Any]) -> str | None:
    """What ``dns.SDConfig.UnmarshalYAML`` refuses (as :func:`_file_sd`)."""
    if set(entry) - {"names", "refresh_interval", "type", "port"} or not isinstance(entry.get("refresh_interval", ""), str):
        return None
    names, kind, port = entry.get("names") or [], entry.get("type", "SRV"), entry.get("port", 0)
    if not _strings(names) or not isinstance(kind, str) or not isinstance(port, int) or isinstance(port, bool):
        return None
    if not names:
        return "DNS-SD config must contain at least one SRV record name"
    if kind.upper() in ("A", "AAAA", "MX"):
        return "a port is required in DNS-SD configs for all record types except SRV" if port == 0 else None
    return None if kind.upper() == "SRV" else f"invalid DNS-SD records type {kind}"


_SD_JUDGED = {"file_sd_configs": _file_sd, "dns_sd_configs": _dns_sd}


def _service_discovery(owner: ScrapeJob | AlertmanagerTarget, what: str) -> Iterator[_Problem]:
    """The file and DNS service discoveries of ``extra=``; the others are left to oac validate."""
    for key, judge in _SD_JUDGED.items():
        entries = owner.extra.get(key)
        for entry in entries if isinstance(entries, (list, tuple)) else ():
            problem = judge(entry) if isinstance(entry, Mapping) else None
            if problem is not None:
                yield (_at(owner, "extra"), f"{what}: {key} (promtool: {problem})",
                       f"see Prometheus' {key.removesuffix('s')} documentation")


def _alertmanager(target: AlertmanagerTarget) -> Iterator[_Problem]:
    what = "alertmanager target"
    if target.api_version is not None and target.api_version not in ("v1", "v2"):
        yield (_at(target, "api_version"), f"{what}: api_version {target.api_version!r} "
               f"(promtool: expected Alertmanager api version to be one of [v1 v2] but got {target.api_version})",
               "write api_version='v2' or leave it out")
    yield from _http_client(target, what)
    yield from _service_discovery(target, what)
    if not target.extra.get("relabel_configs"):
        yield from _hostnames(target, target.targets, what, "path_prefix")


def problems(config: PrometheusConfig | None, jobs: Sequence[ScrapeJob]) -> Iterator[_Problem]:
    """Every problem promtool 2.42 refuses in the config ``config`` and ``jobs`` render."""
    found, interval = _global_problems(config)
    yield from found
    for job in jobs:
        if job.name == "":
            yield (_at(job, "name"), "a scrape job without a name (promtool: job_name is empty)", "name the job")
        yield from _job_timing(job, interval)
        yield from _http_client(job, f"scrape job {job.name!r}")
        yield from _client_tls(job)
        yield from _targets(job)
        yield from _limits(job)
        yield from _service_discovery(job, f"scrape job {job.name!r}")
        yield from _relabel_labels(job)
    if config is not None and "alerting" not in config.extra:
        for target in config.alertmanagers:
            yield from _alertmanager(target)


def unusable_schemes(config: PrometheusConfig | None, jobs: Sequence[ScrapeJob]) -> Iterator[_Problem]:
    """Schemes promtool accepts (every target has a port) that Prometheus cannot
    speak: Go's HTTP client knows ``http`` and ``https`` alone (in any case), so
    each scrape fails ("unsupported protocol scheme"), or each alert sent to the
    Alertmanager. A job whose relabel configs write ``__scheme__`` is left alone."""
    owners: list[tuple[ScrapeJob | AlertmanagerTarget, str, str]] = [
        (job, f"scrape job {job.name!r}", "every scrape of the job fails")
        for job in jobs
        if not any(cfg.target_label == "__scheme__" for cfg in job.relabel_configs)
    ]
    if config is not None:
        owners += [(target, "alertmanager target", "every alert sent to it fails") for target in config.alertmanagers]
    for owner, what, effect in owners:
        scheme = owner.scheme
        if isinstance(scheme, str) and scheme.lower() not in ("http", "https"):
            yield (
                _at(owner, "scheme"),
                f"{what}: scheme {scheme!r} is neither http nor https: promtool accepts it, but {effect} "
                '(Prometheus: unsupported protocol scheme)',
                "use scheme 'http' or 'https'",
            )


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    configs = ctx.project.all(PrometheusConfig)
    config = configs[0] if configs else None
    jobs = ctx.project.all(ScrapeJob)
    seen: set[tuple[SourceLocation, str]] = set()
    # The build writes the first config (OAC107 reports a second one).
    for where, message, hint in problems(config, jobs):
        # A definition shared by several jobs (one TLSConfig) is reported once.
        if (where, message) not in seen:
            seen.add((where, message))
            yield error(where, "OAC115", message, hint=hint)
    # A warning only where promtool said nothing at the scheme (a target without a port).
    refused = {where for where, _message in seen}
    for where, message, hint in unusable_schemes(config, jobs):
        if where not in refused:
            yield warning(where, "OAC115", message, hint=hint)


CHECK = Check("OAC115", "prometheus-config", "the Prometheus config must be one promtool check config accepts", run)
