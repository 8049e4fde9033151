"""Secrets never printed with a diagnostic: the source line the text renderer
echoes is masked (columns kept), and so are values a type-check message quotes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from obs_as_code.diagnostics import error, render_text
from obs_as_code.source import SourceLocation
from tests.oac_testing import ProjectFactory, run_oac

SECRET = "hunter2-Xq9-do-not-print"

# Line 3: a literal secret in a dict first, then the call that raises (OAC101 at
# ``BasicAuth``, after the first secret on the line); line 5 holds no secret.
BASIC_AUTH = (
    "from obs_as_code.model.prometheus import BasicAuth\n"
    "\n"
    f'cfg = {{"password": "{SECRET}"}}; auth = BasicAuth(username="u", password="{SECRET}")\n'
)


def _build(root: Path, fmt: str) -> tuple[int, str]:
    result = run_oac("build", "-C", str(root), "--format", fmt)
    return result.exit_code, result.stdout + result.stderr


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
def test_basic_auth_password_never_printed(make_project: ProjectFactory, fmt: str) -> None:
    root = make_project({"scrape/s.py": BASIC_AUTH})
    code, out = _build(root, fmt)
    assert code == 1
    assert "OAC101" in out
    assert SECRET not in out
    assert "hunter2" not in out


def test_basic_auth_caret_still_under_the_call(make_project: ProjectFactory) -> None:
    root = make_project({"scrape/s.py": BASIC_AUTH})
    _, out = _build(root, "text")
    lines = out.split("\n")
    head = next(i for i, line in enumerate(lines) if "OAC101" in line)
    col = int(lines[head].split(":")[2])
    original = BASIC_AUTH.split("\n")[2]
    shown, caret = lines[head + 1], lines[head + 2]
    assert original[col - 1 :].startswith("BasicAuth(")
    # Same length, same characters outside the masked values, caret under ``B``.
    assert shown == "    " + original.replace(SECRET, "*" * len(SECRET))
    assert caret == "    " + " " * (col - 1) + "^"
    assert shown[caret.index("^") :].startswith("BasicAuth(")


def test_line_without_secret_shown_unchanged(make_project: ProjectFactory) -> None:
    line = 'g = RuleGroup(name="password", rules=[AlertRule(name="tokens", expr="sum(rate(x[5m])")])'
    root = make_project({"alerts/a.py": f"from obs_as_code import AlertRule, RuleGroup\n{line}\n"})
    _, out = _build(root, "text")
    assert "OAC108" in out
    assert f"    {line}\n" in out


def test_type_check_message_does_not_quote_a_secret(make_project: ProjectFactory) -> None:
    # labels={"api_key": <int>}: require_string_maps' message quoted the value.
    root = make_project(
        {"scrape/s.py": 'from obs_as_code import ScrapeJob\nj = ScrapeJob(name="j", targets=["a:1"], labels={"api_key": 987654321})\n'}
    )
    for fmt in ("text", "json", "github", "sarif"):
        code, out = _build(root, fmt)
        assert code == 1
        assert "api_key" in out
        assert "987654321" not in out
    _, out = _build(root, "json")
    assert "<redacted>" in json.loads(out.split("\noac build")[0])[0]["message"]


def test_type_check_message_masks_url_password() -> None:
    from obs_as_code.model.base import require_strings

    class Obj:
        url = b"http://bob:hunter2@grafana:3000/?api_key=zzz999&orgId=1"
        password = 12345678

    with pytest.raises(TypeError) as url_err:
        require_strings(Obj(), ("url",))
    assert "hunter2" not in str(url_err.value) and "zzz999" not in str(url_err.value)
    assert "grafana:3000" in str(url_err.value) and "orgId=1" in str(url_err.value)
    with pytest.raises(TypeError) as pw_err:
        require_strings(Obj(), ("password",))
    assert "12345678" not in str(pw_err.value)


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        ('f(password="hunter2")', 'f(password="*******")'),
        ("f(bearer_token='abc', x='y')", "f(bearer_token='***', x='y')"),
        ('d = {"secret": "abc", "user": "bob"}', 'd = {"secret": "***", "user": "bob"}'),
        ('api_key: str = "abc"', 'api_key: str = "***"'),
        ('u = "https://bob:pw@h/x?token=abc&q=1"', 'u = "https://bob:**@h/x?token=***&q=1"'),
        ("  password: hunter2  # yaml", "  password: *******  # yaml"),
        ('secure_json_data={"basicAuthPassword": "abc"}', 'secure_json_data={"basicAuthPassword": "***"}'),
        ('f(token="a\\"b")', 'f(token="****")'),
        ('x = F(credentials="""abc', 'x = F(credentials="""***'),
        ('labels={"api_key": 987654321, "n": 5}', 'labels={"api_key": *********, "n": 5}'),
    ],
)
def test_redact_line(line: str, masked: str) -> None:
    from obs_as_code.redact import redact_line

    assert redact_line(line) == masked


@pytest.mark.parametrize(
    "line",
    [
        'f(password_file="/run/secrets/pw", username="bob")',
        'url = "http://prometheus:9090/api/v1/query?query=up"',
        'AlertRule(name="TokenBudget", expr="sum(rate(llm_tokens_total[5m])) > 1")',
        'if token == "x": pass',
    ],
)
def test_redact_line_leaves_other_lines(line: str) -> None:
    from obs_as_code.redact import redact_line

    assert redact_line(line) == line


KEYS = st.sampled_from(["password", "bearer_token", "credentials", "api_key", "client_secret", "auth_token",
                        "webhook_url", "basicAuthPassword", "X_API_TOKEN", "secret"])
FILLER = st.text(alphabet="abcxyz_(), 0123456789", max_size=12).map(lambda s: f"{s} ")
URL_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%"


@st.composite
def secret_lines(draw: st.DrawFn) -> tuple[str, str]:
    """A source line holding a secret in one of the forms, and the secret as written."""
    form = draw(st.sampled_from(["kwarg", "dict", "assign", "userinfo", "query"]))
    key = draw(KEYS)
    if form in ("userinfo", "query"):
        written = draw(st.text(alphabet=URL_SAFE, min_size=8, max_size=24))
        value = f'"https://bob:{written}@host:1/p"' if form == "userinfo" else f'"https://host/p?a=1&{key}={written}&b=2"'
        middle = f"url={value}"
    else:
        secret = draw(st.text(alphabet=st.characters(exclude_categories=["Cs"]), min_size=8, max_size=24))
        literal = repr(secret)
        written = literal[1:-1]
        middle = {"kwarg": f"F({key}={literal})", "dict": f'{{"{key}": {literal}}}', "assign": f"{key} = {literal}"}[form]
    return draw(FILLER) + middle + draw(st.text(alphabet=" ,)]}#abc", max_size=8)), written


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=secret_lines(), where=st.integers(min_value=0, max_value=200))
def test_secret_never_rendered(tmp_path: Path, case: tuple[str, str], where: int) -> None:
    line, written = case
    (tmp_path / "m.py").write_text(f"x = 1\n{line}\n", encoding="utf-8")
    col = where % len(line) + 1
    out = render_text([error(SourceLocation("m.py", 2, col), "OAC999", "here")], tmp_path)
    head, shown, caret = out.split("\n")[:3]
    assume(written not in head and line.count(written) == 1)
    assert written not in shown
    assert caret.strip() == "^"  # the third line is only the caret
    # Column kept: the shown line is as long and differs only inside the secret.
    start = line.index(written)
    assert len(shown) == len(line) + 4
    assert shown[4:start + 4] == line[:start] and shown[start + len(written) + 4 :] == line[start + len(written) :]


def test_user_exception_message_masks_url_secrets(make_project: ProjectFactory) -> None:
    # OAC101 quotes the exception a user's module raised: its URL secrets are masked.
    root = make_project(
        {"scrape/s.py": 'raise ValueError("cannot reach http://bob:hunter2zz@grafana:3000/?api_key=k3y999&orgId=1")\n'}
    )
    for fmt in ("text", "json", "github", "sarif"):
        code, out = _build(root, fmt)
        assert code == 1 and "OAC101" in out and "grafana:3000" in out
        assert "hunter2zz" not in out and "k3y999" not in out


# -- lists of secrets, and secrets that go on over several lines -------------------


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        ('api_keys=["abc123", "def456"]', 'api_keys=["******", "******"]'),
        ('passwords = ("a", "b")', 'passwords = ("*", "*")'),
        ('tokens: ["x", "y"]', 'tokens: ["*", "*"]'),
        ("tokens: [xyz, abc-def/+=]  # two", "tokens: [***, **********]  # two"),
        ("- secrets: {a: hunter2, user: bob}", "- secrets: {a: *******, user: ***}"),
        ("auth: {password: hunter2, user: bob}", "auth: {password: *******, user: bob}"),
        ('d = {"tokens": ["x", "y"], "user": "bob"}', 'd = {"tokens": ["*", "*"], "user": "bob"}'),
        ('d = {"api_key": ["ab", 12], "n": [1]}', 'd = {"api_key": ["**", **], "n": [1]}'),
        ('f(password="abc" "def", user="bob")', 'f(password="***" "***", user="bob")'),
        ('f(password=("abc"', 'f(password=("***"'),
        ('x = {"secrets": [f"a{b}", r"c-d"], "k": "v"}', 'x = {"secrets": [f"****", r"***"], "k": "v"}'),
        # Inside a secret's value a dict keeps its keys, masks its values.
        ('secure_json_data={"basicAuthPassword": "abc", "httpHeaderValue1": "d"}',
         'secure_json_data={"basicAuthPassword": "***", "httpHeaderValue1": "*"}'),
        ('extra={"http_headers": {"X-K": {"secrets": ["s1", "s2"]}}}',
         'extra={"http_headers": {"X-K": {"secrets": ["**", "**"]}}}'),
        ('password: Final[str] = "abc"', 'password: Final[str] = "***"'),
        ('cfg.password = "abc"', 'cfg.password = "***"'),
        ('password=os.environ.get("X", "dflt")', 'password=os.environ.get("*", "****")'),
        ('tokens = [AlertRule(name="a", expr="up"), "abc"]', 'tokens = [AlertRule(name="a", expr="up"), "***"]'),
    ],
)
def test_redact_line_masks_lists_of_secrets(line: str, masked: str) -> None:
    from obs_as_code.redact import redact_line

    assert redact_line(line) == masked


@pytest.mark.parametrize(
    "line",
    [
        'labels=["password", "token"], names=("a", "b")',
        'rules=[AlertRule(name="tokens", expr="sum(rate(llm_tokens_total[5m]))")]',
        "targets: [a:9090, b:9090]",
        'x: str = "vis"; y = ["a", "b"]',
        # A call's keyword arguments are named: an alert on token use is no secret.
        'tokens = AlertRule(name="TokenBudget", expr="sum(rate(llm_tokens_total[5m])) > 1")',
    ],
)
def test_redact_line_leaves_lists_that_hold_no_secret(line: str) -> None:
    from obs_as_code.redact import redact_line

    assert redact_line(line) == line


MULTILINE = '''\
auth = BasicAuth(
    password=(
        "hunter2-one"
        "hunter2-two"
    ),
)
api_keys = [
    "hunter2-three",
    4242424242,
]
token = "hunter2-four" \\
    "hunter2-five"
note = "visible"; cfg = {"passwords": (
  "hunter2-six",), "n": "visible too"}
credentials = """
hunter2-seven
"""
after = ["visible", "also visible"]
'''


def test_redact_source_masks_secrets_continued_on_later_lines() -> None:
    from obs_as_code.redact import redact_line, redact_source

    shown = redact_source(MULTILINE)
    original = MULTILINE.split("\n")
    assert len(shown) == len(original)
    assert [len(s) for s in shown] == [len(o) for o in original]
    assert "hunter2" not in "\n".join(shown) and "4242" not in "\n".join(shown)
    assert shown[17] == original[17] and "visible too" in shown[13] and 'note = "visible"' in shown[12]
    # One line alone cannot tell: "hunter2-one" is the value of a key two lines up.
    assert redact_line(original[2]) == original[2]


SECRET_NAMES = st.sampled_from(["api_keys", "passwords", "tokens", "secrets", "password", "bearer_token",
                                "basicAuthPassword", "client_secrets", "credentials", "auth_tokens"])
PLAIN_NAMES = st.sampled_from(["name", "labels", "targets", "expr", "title", "uid", "rules", "tags", "names"])
SAFE = st.text(alphabet="ABCXYZabcxyz0123456789-_./+=", min_size=1, max_size=16)


@st.composite
def secret_list_lines(draw: st.DrawFn) -> tuple[str, str]:
    """A line giving a list (tuple, YAML flow list, dict of lists ...) of secrets to a
    secret name, and the same line with every secret masked as it must be."""
    key = draw(SECRET_NAMES)
    secrets = draw(st.lists(SAFE, min_size=1, max_size=4))
    form = draw(st.sampled_from(["kwarg", "assign_tuple", "yaml_quoted", "yaml_plain", "dict", "concat", "nested"]))
    plain = form == "yaml_plain"

    def items(values: list[str]) -> str:
        return ", ".join(v if plain else f'"{v}"' for v in values)

    masks = ["*" * len(s) for s in secrets]
    if form == "kwarg":
        shape = "F({k}=[{v}], name=\"n\")"
    elif form == "assign_tuple":
        shape = "{k} = ({v},)"
    elif form in ("yaml_quoted", "yaml_plain"):
        shape = "  {k}: [{v}]  # c"
    elif form == "dict":
        shape = 'd = {{"{k}": [{v}], "title": "t"}}'
    elif form == "concat":
        return (f"{key} = (" + " ".join(f'"{v}"' for v in secrets) + ")",
                f"{key} = (" + " ".join(f'"{v}"' for v in masks) + ")")
    else:
        shape = 'cfg = {{"a": {{"{k}": [{v}]}}, "b": ["x"]}}'
    lead = draw(st.sampled_from(["", "    "] if form.startswith("yaml") else ["", "    ", "x = 1; "]))
    return lead + shape.format(k=key, v=items(secrets)), lead + shape.format(k=key, v=items(masks))


@settings(max_examples=300, deadline=None)
@given(case=secret_list_lines())
def test_property_lists_of_secrets_masked_in_place(case: tuple[str, str]) -> None:
    from obs_as_code.redact import redact_line

    line, expected = case
    masked = redact_line(line)
    assert len(masked) == len(line)
    assert masked == expected  # every secret masked, every other character kept


@st.composite
def plain_lines(draw: st.DrawFn) -> str:
    """A line of keyword arguments, lists and dicts with no secret-named key and no URL."""
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        key = draw(PLAIN_NAMES)
        values = draw(st.lists(SAFE, max_size=3))
        shape = draw(st.sampled_from(['{k}=[{v}]', '{k}=({v},)', '"{k}": [{v}]', '{k}="{s}"', '{k}: [{v}]']))
        parts.append(shape.format(k=key, v=", ".join(f'"{v}"' for v in values), s=values[0] if values else ""))
    return "F(" + ", ".join(parts) + ")"


@settings(max_examples=200, deadline=None)
@given(line=plain_lines())
def test_property_lines_without_secret_unchanged(line: str) -> None:
    from obs_as_code.redact import redact_line

    assert redact_line(line) == line


def test_secret_list_never_printed(make_project: ProjectFactory) -> None:
    # A list given to a secret-named label: the type-check message quoted it, the
    # source line echoed it (redact_line masked only a single string).
    root = make_project(
        {"scrape/s.py": 'from obs_as_code import ScrapeJob\n'
                        'j = ScrapeJob(name="j", targets=["a:1"], labels={"api_keys": ["hunter2-Xq9", "zz-secret-77"]})\n'}
    )
    for fmt in ("text", "json", "github", "sarif"):
        code, out = _build(root, fmt)
        assert code == 1 and "OAC101" in out and "api_keys" in out
        assert "hunter2-Xq9" not in out and "zz-secret-77" not in out
    _, out = _build(root, "text")
    assert '{"api_keys": ["***********", "************"]})' in out


def test_secret_continued_on_next_line_never_printed(make_project: ProjectFactory) -> None:
    # The failing expression starts on a line that holds only the secret: the key
    # is on the line above, so the text renderer must read the lines before it.
    source = (
        "from obs_as_code import ScrapeJob\n"
        "\n"
        "j = ScrapeJob(\n"
        '    name="j",\n'
        '    targets=["a:1"],\n'
        "    labels={\n"
        '        "api_key":\n'
        f'            "{SECRET}" + 5,\n'
        "    },\n"
        ")\n"
    )
    root = make_project({"scrape/s.py": source})
    code, out = _build(root, "text")
    assert code == 1 and "scrape/s.py:8:13: OAC101" in out
    assert SECRET not in out and "hunter2" not in out
    shown, caret = out.split("\n")[1:3]
    assert shown == "    " + f'            "{"*" * len(SECRET)}" + *,'
    assert caret == "    " + " " * 12 + "^"


def test_exception_quoting_a_secret_written_elsewhere_is_redacted(make_project: ProjectFactory) -> None:
    # int() quotes the string it was given: the secret written two lines up,
    # which the line the error points at does not show.
    root = make_project(
        {"scrape/s.py": "from obs_as_code import ScrapeJob\n"
                        f'api_tokens = ["x", "{SECRET}"]\n'
                        "port = int(api_tokens[1])\n"
                        'j = ScrapeJob(name="j", targets=[f"a:{port}"])\n'}
    )
    for fmt in ("text", "json", "github", "sarif"):
        code, out = _build(root, fmt)
        assert code == 1 and "OAC101" in out and "invalid literal for int()" in out
        assert SECRET not in out and "hunter2" not in out
    _, out = _build(root, "text")
    assert "invalid literal for int() with base 10: '<redacted>'" in out


def test_datasource_secure_json_data_of_the_wrong_type_never_printed(make_project: ProjectFactory) -> None:
    # secure_json_data="..." (a string, not a dict): the type-check message quoted
    # it and the source line showed it; secure_json_data was no secret name.
    root = make_project(
        {"datasources/d.py": "from obs_as_code import Datasource\n"
                             f'ds = Datasource("P", "prometheus", "http://p:9090", uid="p", secure_json_data="{SECRET}")\n'}
    )
    for fmt in ("text", "json", "github", "sarif"):
        code, out = _build(root, fmt)
        assert code == 1 and "OAC101" in out and "secure_json_data" in out
        assert SECRET not in out and "hunter2" not in out


@st.composite
def multiline_secrets(draw: st.DrawFn) -> tuple[str, str]:
    """Python source giving secrets to a secret name over several lines, and the
    same source with every secret masked as it must be shown."""
    key = draw(SECRET_NAMES)
    secrets = draw(st.lists(SAFE, min_size=1, max_size=3))
    form = draw(st.sampled_from(["list", "call_paren", "dict_value_next_line", "backslash", "triple"]))

    def source(values: list[str]) -> str:
        if form == "list":
            return f"{key} = [\n" + "".join(f'    "{v}",\n' for v in values) + "]\n"
        if form == "call_paren":
            return f"x = F(\n    {key}=(\n" + "".join(f'        "{v}"\n' for v in values) + '    ),\n    name="n",\n)\n'
        if form == "dict_value_next_line":
            return 'd = {\n    "title": "t",\n' + f'    "{key}":\n' + "".join(f'        "{v}"\n' for v in values) + "    ,\n}\n"
        if form == "backslash":
            return f'{key} = "{values[0]}"' + "".join(f' \\\n    "{v}"' for v in values[1:]) + '\nafter = "visible"\n'
        return f'{key} = """\n' + "\n".join(values) + '\n"""\nafter = "visible"\n'

    return source(secrets), source(["*" * len(v) for v in secrets])


@settings(max_examples=200, deadline=None)
@given(case=multiline_secrets())
def test_property_secrets_over_several_lines_masked_in_place(case: tuple[str, str]) -> None:
    from obs_as_code.redact import redact_source

    text, expected = case
    shown = redact_source(text)
    assert [len(line) for line in shown] == [len(line) for line in text.split("\n")]
    assert shown == expected.split("\n")


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
def test_build_check_never_quotes_a_secret_written_into_build(make_project: ProjectFactory, fmt: str) -> None:
    # Someone wrote a literal into build/ by hand: `oac build --check` (the CI
    # gate) quoted the differing line, old and new, into the CI log.
    root = make_project(
        {"datasources/d.py": "from obs_as_code import Datasource\n"
                             'ds = Datasource("Tempo", "tempo", "http://tempo:3200", uid="tempo",\n'
                             '                secure_json_data={"httpHeaderValue1": "${TEMPO_TOKEN}"})\n'}
    )
    assert run_oac("build", "-C", str(root)).exit_code == 0
    built = root / "build/grafana/provisioning/datasources/datasources.yaml"
    text = built.read_text(encoding="utf-8")
    assert "httpHeaderValue1: ${TEMPO_TOKEN}" in text
    built.write_text(text.replace("${TEMPO_TOKEN}", SECRET), encoding="utf-8")
    result = run_oac("build", "-C", str(root), "--check", "--format", fmt)
    out = result.stdout + result.stderr
    assert result.exit_code == 1 and "datasources.yaml" in out, out
    assert SECRET not in out and "hunter2" not in out
    if fmt == "text":
        assert "line " in out and "httpHeaderValue1: " in out  # where, and which key, still said


def test_watch_crash_message_masks_secrets(make_project: ProjectFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # `oac watch` prints a crashing build's exception text as it was.
    import obs_as_code.pipeline

    def crash(*_args: object, **_kwargs: object) -> None:
        raise ValueError('cannot reach http://bob:hunter2zz@grafana:3000/?api_key=k3y999, {"password": "pw-Xq9-123"}')

    monkeypatch.setattr(obs_as_code.pipeline, "build", crash)
    root = make_project({"scrape/s.py": "x = 1\n"})
    result = run_oac("watch", "-C", str(root), "--max-cycles", "1")
    out = result.stdout + result.stderr
    assert "crashed: ValueError: cannot reach http://bob:" in out and "grafana:3000" in out, out
    assert "hunter2zz" not in out and "k3y999" not in out and "pw-Xq9-123" not in out
