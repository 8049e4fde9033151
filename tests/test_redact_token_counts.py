"""A count of LLM tokens (``max_tokens = 4096``, ``input_tokens``) names no secret,
so a diagnostic echoes its line as written; every credential name (``token``,
``tokens``, ``api_token``, ``X-Auth-Token`` ...) still masks its value."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obs_as_code.redact import (
    is_secret_key,
    is_secret_key_or_list,
    is_secret_name,
    is_token_count,
    redact_line,
)
from tests.oac_testing import ProjectFactory, run_oac

SECRET = "hunter2-Xq9-do-not-print"

#: Names of LLM token counts, limits and prices, as the APIs (OpenAI, Anthropic,
#: LiteLLM, Hugging Face) and the code around them spell them.
TOKEN_COUNTS = [
    "max_tokens", "max_token", "maxTokens", "MAX_TOKENS", "max-tokens", "min_tokens", "num_tokens",
    "n_tokens", "nTokens", "total_tokens", "input_tokens", "output_tokens", "prompt_tokens",
    "completion_tokens", "cache_read_tokens", "cache_write_tokens", "cache_creation_tokens",
    "cache_read_input_tokens", "cache_creation_input_tokens", "cached_tokens", "reasoning_tokens",
    "thinking_tokens", "context_tokens", "budget_tokens", "max_new_tokens", "maxNewTokens",
    "max_completion_tokens", "max_output_tokens", "max_input_tokens", "llm_max_tokens",
    "cost_per_token", "input_cost_per_token", "usd_per_1k_tokens", "price_per_million_tokens",
    "usage.total_tokens", "cfg.max_tokens", "DEFAULT_MAX_TOKENS",
]

#: Names ending in a count suffix: no secret either way.
COUNT_SUFFIXES = ["tokens_per_second", "tokens_total", "token_count", "token_budget", "opencode_llm_tokens_total"]

#: Credential names, singular: secret to both functions.
CREDENTIALS = [
    "token", "api_token", "auth_token", "access_token", "bearer_token", "refresh_token", "id_token",
    "session_token", "github_token", "slack_token", "apiToken", "accessToken", "X-Auth-Token",
    "x-auth-token", "X_API_TOKEN", "httpHeaderValue1", "password", "api_key", "client_secret",
    "basicAuthPassword",
    # A count word in the singular that also names a credential, an unknown
    # qualifier, a count word too far from ``token``: masked.
    "input_token", "output_token", "context_token", "new_token", "read_token", "cache_token",
    "per_user_token", "max_tokens.api_key", "cfg.token",
]

#: Lists of credentials: secret to is_secret_name (the plural rule).
CREDENTIAL_LISTS = ["tokens", "api_tokens", "auth_tokens", "id_tokens", "new_tokens", "read_tokens",
                    "user_tokens", "api_keys", "passwords", "_TOKENS", "cfg.tokens"]


@pytest.mark.parametrize("name", TOKEN_COUNTS + COUNT_SUFFIXES)
def test_token_counts_name_no_secret(name: str) -> None:
    assert not is_secret_key(name)
    assert not is_secret_key_or_list(name)
    assert not is_secret_name(name)


@pytest.mark.parametrize("name", TOKEN_COUNTS)
def test_token_counts_are_token_counts(name: str) -> None:
    assert is_token_count(name)


@pytest.mark.parametrize("name", CREDENTIALS)
def test_credential_names_stay_secret(name: str) -> None:
    assert is_secret_key(name)
    assert is_secret_key_or_list(name)
    assert is_secret_name(name)
    assert not is_token_count(name)


@pytest.mark.parametrize("name", CREDENTIAL_LISTS)
def test_lists_of_credentials_stay_secret(name: str) -> None:
    assert is_secret_name(name)
    assert is_secret_key_or_list(name)  # what OAC111 flags in a datasource's json_data
    assert not is_token_count(name)


def test_is_token_count_takes_strings_only() -> None:
    assert not is_token_count(None) and not is_token_count(4096) and not is_token_count("")


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        ("max_tokens = 4096", "max_tokens = 4096"),
        ('F(model="claude", max_tokens=4096, api_token="abcd")', 'F(model="claude", max_tokens=4096, api_token="****")'),
        ('usage = {"input_tokens": 12, "output_tokens": 345, "cache_read_input_tokens": 6}',
         'usage = {"input_tokens": 12, "output_tokens": 345, "cache_read_input_tokens": 6}'),
        ("  max_tokens: 8192  # yaml", "  max_tokens: 8192  # yaml"),
        ("  tokens: [abc, def]", "  tokens: [***, ***]"),
        ('u = "https://h/v1?max_tokens=64&access_token=abc"', 'u = "https://h/v1?max_tokens=64&access_token=***"'),
        ("cfg.max_tokens = 2048; cfg.token = 'xyz9'", "cfg.max_tokens = 2048; cfg.token = '****'"),
    ],
)
def test_redact_line_shows_token_counts(line: str, masked: str) -> None:
    assert redact_line(line) == masked


FORMS = ["{k}={v}", "{k} = {v}", '"{k}": {v}', "{k}: {v}", "F(x=1, {k}={v})"]


@settings(max_examples=200, deadline=None)
@given(name=st.sampled_from(TOKEN_COUNTS), form=st.sampled_from(FORMS), value=st.integers(0, 10**9))
def test_property_token_count_lines_unchanged(name: str, form: str, value: int) -> None:
    line = form.format(k=name, v=value)
    assert redact_line(line) == line


@settings(max_examples=200, deadline=None)
@given(name=st.sampled_from(CREDENTIALS + CREDENTIAL_LISTS), form=st.sampled_from(FORMS), value=st.integers(10**6, 10**9))
def test_property_credential_lines_still_masked(name: str, form: str, value: int) -> None:
    line = form.format(k=name, v=value)
    masked = redact_line(line)
    assert str(value) not in masked and len(masked) == len(line)


# A helper called with max_tokens=4096 on one line and api_token=<secret> on the
# next: each line holds a PromQL mistake (OAC108), and each is echoed.
MODULE = (
    "from obs_as_code import AlertRule, RuleGroup\n"
    "\n"
    "\n"
    'def budget(max_tokens: int, api_token: str = "") -> str:\n'
    '    return f"sum(rate(opencode_llm_tokens_total[5m])) > {max_tokens}"\n'
    "\n"
    "\n"
    'g = RuleGroup(name="llm", rules=[\n'
    '    AlertRule(name="TokenBudget", expr=budget(max_tokens=4096) + ")"),\n'
    f'    AlertRule(name="TokenProbe", expr=budget(1, api_token="{SECRET}") + ")"),\n'
    "])\n"
)


def test_build_echoes_a_max_tokens_line_unmasked(make_project: ProjectFactory) -> None:
    root = make_project({"alerts/llm.py": MODULE})
    result = run_oac("build", "-C", str(root))
    out = result.stdout + result.stderr
    assert result.exit_code == 1
    lines = out.split("\n")
    budget = MODULE.split("\n")[8]
    probe = MODULE.split("\n")[9]
    head = next(i for i, line in enumerate(lines) if line.startswith("alerts/llm.py:9:") and "OAC108" in line)
    assert lines[head + 1] == "    " + budget  # max_tokens=4096 as written
    head = next(i for i, line in enumerate(lines) if line.startswith("alerts/llm.py:10:") and "OAC108" in line)
    assert lines[head + 1] == "    " + probe.replace(SECRET, "*" * len(SECRET))
    assert SECRET not in out and "hunter2" not in out


def test_type_check_message_quotes_a_token_count(make_project: ProjectFactory) -> None:
    # labels={"max_tokens": 4096}: the message quotes the number and says how to
    # write it, as for any label that is no secret; an api_token label's is not quoted.
    root = make_project(
        {"scrape/s.py": 'from obs_as_code import ScrapeJob\nj = ScrapeJob(name="j", targets=["a:1"], labels={"max_tokens": 4096})\n'}
    )
    result = run_oac("build", "-C", str(root), "--format", "json")
    message = json.loads(result.stdout.split("\noac build")[0])[0]["message"]
    assert "labels['max_tokens'] must be a string, not int (4096): write '4096'" in message
    root = make_project(
        {"scrape/s.py": 'from obs_as_code import ScrapeJob\nj = ScrapeJob(name="j", targets=["a:1"], labels={"api_token": 987654321})\n'}
    )
    result = run_oac("build", "-C", str(root), "--format", "json")
    assert "987654321" not in result.stdout + result.stderr


def test_oac111_leaves_a_token_count_in_json_data() -> None:
    from obs_as_code.lint.rules.oac111_datasource_secret import _held_secret

    assert not _held_secret("max_token", 4096)
    assert not _held_secret("maxTokens", 4096)
    assert not _held_secret("input_tokens", 4096)  # whose singular, input_token, may be a credential
    assert _held_secret("apiToken", "${TOKEN}")
    assert _held_secret("tokens", ["${TOKEN}"])
