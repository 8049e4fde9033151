"""Datasource credentials: secure fields render as references, OAC111 rejects
literal ones, and a secret given to the build reaches no file and no output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from obs_as_code import Datasource
from obs_as_code.lint.api import lint
from obs_as_code.model.datasource import secure_reference
from obs_as_code.redact import is_secret_key
from obs_as_code.render.grafana import datasource_entry
from tests.oac_testing import write_files

REPO = Path(__file__).resolve().parents[2]
TOKEN = "s3cr3t-XYZZY"
DATASOURCES_YAML = "build/grafana/provisioning/datasources/datasources.yaml"

# The reported repro: the token read from the environment into url and jsonData.
REPRO = """\
import os
from obs_as_code import Datasource
mimir = Datasource("Mimir", "prometheus", f"https://svc:{os.environ['MIMIR_TOKEN']}@mimir.example.com/prometheus", uid="mimir", json_data={"httpHeaderName1": "Authorization", "basicAuthPassword": os.environ["MIMIR_TOKEN"]})
"""
SECURE = """\
from obs_as_code import Datasource
mimir = Datasource(
    "Mimir", "prometheus", "https://mimir.example.com/prometheus", uid="mimir",
    basic_auth_user="svc",
    json_data={"httpHeaderName1": "X-Scope-OrgID"},
    secure_json_data={"basicAuthPassword": "${MIMIR_TOKEN}", "httpHeaderValue1": "$__file{/run/secrets/tenant}"},
)
"""


# --- rendering ------------------------------------------------------------------


def test_secure_fields_render_as_grafana_spells_them() -> None:
    d = Datasource(
        "Mimir",
        "prometheus",
        "https://mimir.example.com",
        uid="mimir",
        basic_auth_user="svc",
        json_data={"httpHeaderName1": "X-Scope-OrgID"},
        secure_json_data={
            "basicAuthPassword": "${MIMIR_TOKEN}",
            "httpHeaderValue1": "$__file{/run/secrets/t}",
        },
    )
    entry = datasource_entry(d)
    assert entry["basicAuth"] is True and entry["basicAuthUser"] == "svc"
    assert entry["jsonData"] == {"httpHeaderName1": "X-Scope-OrgID"}
    assert entry["secureJsonData"] == {
        "basicAuthPassword": "${MIMIR_TOKEN}",
        "httpHeaderValue1": "$__file{/run/secrets/t}",
    }


def test_without_secure_fields_the_entry_is_unchanged() -> None:
    entry = datasource_entry(Datasource("P", "prometheus", "http://p:9090", uid="p"))
    assert list(entry) == ["name", "type", "uid", "url", "access", "isDefault", "editable"]


def test_basic_auth_user_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="basic_auth_user"):
        Datasource("P", "prometheus", "http://p", uid="p", basic_auth_user=7)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("${MIMIR_TOKEN}", ("env", "MIMIR_TOKEN")),
        # Grafana's own spelling of an environment variable (pkg/setting expanders).
        ("$__env{MIMIR_TOKEN}", ("env", "MIMIR_TOKEN")),
        ("$__file{/run/secrets/x}", ("file", "/run/secrets/x")),
        ("$__env{/run/secrets/x}", None),
        ("$__vault{x}", None),
        ("hunter2", None),
        ("Bearer ${TOKEN}", None),
        ("${TOKEN}x", None),
        ("$TOKEN", None),
        ("", None),
        (7, None),
    ],
)
def test_secure_reference(value: object, expected: tuple[str, str] | None) -> None:
    assert secure_reference(value) == expected


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("basicAuthPassword", True),
        ("password", True),
        ("httpHeaderValue1", True),
        ("httpHeaderValue12", True),
        ("token", True),
        ("accessToken", True),
        ("apiKey", True),
        ("api_key", True),
        ("clientSecret", True),
        ("tlsClientKey", True),
        ("sigV4SecretKey", True),
        ("privateKey", True),
        ("httpHeaderName1", False),
        ("httpMethod", False),
        ("timeInterval", False),
        ("tokenUri", False),
        ("tlsAuth", False),
        ("maxLines", False),
        ("implementation", False),
    ],
)
def test_secret_keys(key: str, secret: bool) -> None:
    assert is_secret_key(key) is secret


# --- the check ------------------------------------------------------------------


BAD = """\
from obs_as_code import Datasource
a = Datasource("A", "prometheus", "https://svc:hunter2-url@a.example.com", uid="a")
b = Datasource("B", "loki", "http://b", uid="b",
               json_data={"httpHeaderName1": "Authorization", "nested": {"password": "hunter2-nested"}})
c = Datasource("C", "tempo", "http://c", uid="c",
               secure_json_data={"httpHeaderValue1": "Bearer hunter2-secure"})
d = Datasource("D", "prometheus", "https://svc:${PASSWORD}@d.example.com", uid="d",
               json_data={"basicAuthPassword": "${PASSWORD}"})
"""
GOOD = """\
from obs_as_code import Datasource
a = Datasource("A", "prometheus", "https://a.example.com", uid="a", basic_auth_user="svc",
               secure_json_data={"basicAuthPassword": "${A_PASSWORD}"})
b = Datasource("B", "loki", "http://svc@b", uid="b", json_data={"httpHeaderName1": "Authorization"},
               secure_json_data={"httpHeaderValue1": "$__file{/run/secrets/b}", "tlsCACert": "${CA}"})
c = Datasource("C", "prometheus", "https://c.example.com", uid="c", basic_auth_user="svc",
               secure_json_data={"basicAuthPassword": "$__env{C_PASSWORD}"})
"""


def test_bad_cases_are_flagged_at_their_keyword_without_the_value(tmp_path: Path) -> None:
    root = write_files(tmp_path, {"datasources/bad.py": BAD})
    found = lint(root, select=["OAC111"])
    assert [(d.location.file, d.location.line, d.location.col) for d in found] == [
        ("datasources/bad.py", 2, 5),  # url given by position: the call
        ("datasources/bad.py", 4, 26),  # the value of json_data=
        ("datasources/bad.py", 6, 33),  # the value of secure_json_data=
        ("datasources/bad.py", 7, 5),  # a ${ENV} password in the url: still shown to viewers
        ("datasources/bad.py", 8, 26),  # a ${ENV} in jsonData: still shown to viewers
    ]
    assert [d.message for d in found] == [
        "datasource 'a' has a password in the url (user:password@host): the value is not shown",
        "datasource 'b' has a secret in json_data[nested.password]: the value is not shown",
        "datasource 'c' has a literal value in secure_json_data[httpHeaderValue1]: the value is not shown",
        "datasource 'd' has a password in the url (user:password@host): the value is not shown",
        "datasource 'd' has a secret in json_data[basicAuthPassword]: the value is not shown",
    ]
    for d in found:
        assert d.code == "OAC111" and not d.show_source
        assert "hunter2" not in f"{d.message} {d.hint}"


QUERY_SECRETS = """\
from obs_as_code import Datasource
a = Datasource("A", "prometheus", "https://a.example.com/api/prom?api_key=hunter2-url&orgId=1", uid="a")
b = Datasource("B", "prometheus", "http://b", uid="b",
               json_data={"customQueryParameters": "max_source_resolution=5m&access_token=hunter2-custom"})
c = Datasource("C", "prometheus", "http://c?orgId=1&token=", uid="c", json_data={"customQueryParameters": "dedup=true"})
"""


def test_a_token_in_a_query_string_is_flagged_by_name_without_the_value(tmp_path: Path) -> None:
    # Both were written to datasources.yaml (and shown to every viewer) unflagged.
    root = write_files(tmp_path, {"datasources/q.py": QUERY_SECRETS})
    found = lint(root, select=["OAC111"])
    assert [(d.location.line, d.message) for d in found] == [
        (2, "datasource 'a' has a secret in the url's query (api_key): the value is not shown"),
        (4, "datasource 'b' has a secret in json_data[customQueryParameters] (access_token): the value is not shown"),
    ]
    assert all("hunter2" not in f"{d.message} {d.hint}" and not d.show_source for d in found)


PLURALS = """\
from obs_as_code import Datasource
a = Datasource("A", "loki", "http://a", uid="a", json_data={"apiKeys": ["hunter2-a"]})
b = Datasource("B", "loki", "http://b", uid="b", json_data={"auth": {"tokens": {"prod": "hunter2-b"}}})
c = Datasource("C", "loki", "http://c", uid="c", json_data={"passwords": "${HUNTER2}", "api_keys": ("hunter2-c",)})
d = Datasource("D", "prometheus", "http://d?api_keys=hunter2-d", uid="d")
e = Datasource("E", "loki", "http://e", uid="e",
               json_data={"maxTokens": 4096, "input_tokens": 10, "max_new_tokens": 5, "apiKeys": [], "tokens": {}})
"""


def test_a_list_of_credentials_in_json_data_is_flagged_without_the_value(tmp_path: Path) -> None:
    # Plural credential keys (apiKeys, tokens, passwords, api_keys) were not
    # flagged, and went to datasources.yaml shown to every viewer. Token counts,
    # plural too, and an empty list of keys hold no credential.
    root = write_files(tmp_path, {"datasources/p.py": PLURALS})
    found = lint(root, select=["OAC111"])
    assert [(d.location.line, d.message) for d in found] == [
        (2, "datasource 'a' has a secret in json_data[apiKeys]: the value is not shown"),
        (3, "datasource 'b' has a secret in json_data[auth.tokens]: the value is not shown"),
        (4, "datasource 'c' has a secret in json_data[api_keys]: the value is not shown"),
        (4, "datasource 'c' has a secret in json_data[passwords]: the value is not shown"),
        (5, "datasource 'd' has a secret in the url's query (api_keys): the value is not shown"),
    ]
    assert all("hunter2" not in f"{d.message} {d.hint}".lower() and not d.show_source for d in found)


AZURE = """\
from obs_as_code import Datasource
ok = Datasource("Azure", "prometheus", "https://prom.azure.example", uid="ok",
                json_data={"azureCredentials": {"authType": "clientsecret", "azureCloud": "AzureCloud",
                                                "tenantId": "t-1", "clientId": "c-1"}},
                secure_json_data={"azureClientSecret": "${AZURE_CLIENT_SECRET}"})
bad = Datasource("Azure2", "prometheus", "https://prom.azure.example", uid="bad",
                 json_data={"azureCredentials": {"authType": "clientsecret", "clientSecret": "hunter2-az"},
                            "credentials": "hunter2-flat"})
"""


def test_a_block_of_credential_settings_is_read_key_by_key(tmp_path: Path) -> None:
    # Grafana's jsonData.azureCredentials holds the tenant and client ids, its
    # secret goes to secureJsonData: it was flagged whole, a false error that
    # no way of writing it avoided. A secret inside it is still one, and a
    # flat value named credentials too.
    root = write_files(tmp_path, {"datasources/azure.py": AZURE})
    found = lint(root, select=["OAC111"])
    assert [(d.location.line, d.message) for d in found] == [
        (7, "datasource 'bad' has a secret in json_data[azureCredentials.clientSecret]: the value is not shown"),
        (7, "datasource 'bad' has a secret in json_data[credentials]: the value is not shown"),
    ]


def test_good_cases_pass(tmp_path: Path) -> None:
    root = write_files(tmp_path, {"datasources/good.py": GOOD})
    assert lint(root, select=["OAC111"]) == []


def test_shipped_datasources_pass() -> None:
    assert [d for d in lint(REPO, select=["OAC111"])] == []


# --- the CLI, end to end ----------------------------------------------------------


def _oac(root: Path, *args: str, token: str | None = TOKEN) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("MIMIR_TOKEN", None)
    if token is not None:
        env["MIMIR_TOKEN"] = token
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from obs_as_code.cli import main; sys.exit(main())",
            "build",
            "-C",
            str(root),
            *args,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _files_holding(root: Path, text: str) -> list[str]:
    return [
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and text.encode() in p.read_bytes()
    ]


@pytest.mark.parametrize("cache", [True, False], ids=["incremental", "no-cache"])
def test_repro_fails_at_the_users_line_and_the_token_goes_nowhere(
    tmp_path: Path, cache: bool
) -> None:
    root = write_files(tmp_path / "project", {"datasources/mimir.py": SECURE})
    extra = () if cache else ("--no-cache",)
    first = _oac(root, *extra)
    assert first.returncode == 0, first.stderr
    before = _tree(root / "build")
    (root / "datasources/mimir.py").write_text(REPRO, encoding="utf-8")
    proc = _oac(root, *extra)
    assert proc.returncode == 1, proc.stderr
    line = REPRO.splitlines()[2]
    call, keyword = line.index("Datasource(") + 1, line.index("json_data={") + len("json_data=") + 1
    errors = [text for text in proc.stderr.splitlines() if ": OAC" in text]
    assert errors == [
        f"datasources/mimir.py:3:{call}: OAC111 datasource 'mimir' has a password in the url (user:password@host): the value is not shown",
        f"datasources/mimir.py:3:{keyword}: OAC111 datasource 'mimir' has a secret in json_data[basicAuthPassword]: the value is not shown",
    ]
    assert proc.stderr.rstrip().endswith("oac build: 2 error(s); build/ left unchanged")
    assert _tree(root / "build") == before
    assert TOKEN not in proc.stdout + proc.stderr
    assert _files_holding(tmp_path, TOKEN) == []
    # Nor is the line holding the call echoed (it could hold a literal secret).
    assert "os.environ" not in proc.stderr


def test_env_reference_builds_and_no_secret_is_read(tmp_path: Path) -> None:
    root = write_files(tmp_path / "project", {"datasources/mimir.py": SECURE})
    proc = _oac(root)
    assert proc.returncode == 0, proc.stderr
    text = (root / DATASOURCES_YAML).read_text(encoding="utf-8")
    assert (
        "  secureJsonData:\n    basicAuthPassword: ${MIMIR_TOKEN}\n    httpHeaderValue1: $__file{/run/secrets/tenant}\n"
        in text
    )
    assert "  basicAuth: true\n  basicAuthUser: svc\n" in text
    assert _files_holding(tmp_path, TOKEN) == [] and TOKEN not in proc.stdout + proc.stderr
    # The same output whether or not the variable is set at build time.
    assert _oac(root, "--check", token=None).returncode == 0


def _grafana_reads(value: str, env: dict[str, str]) -> str:
    """What Grafana's provisioning makes of a string (values.go interpolateValue):
    split on "$$", expand ${VAR} / $VAR in each part, join with "$"."""
    import re

    def expand(part: str) -> str:
        return re.sub(r"\$\{([^}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", lambda m: env.get(m.group(1) or m.group(2), ""), part)

    return "$".join(expand(p) for p in value.split("$$"))


def test_literal_values_survive_grafanas_interpolation() -> None:
    from obs_as_code.model.datasource import literal, unliteral

    derived = {"derivedFields": [{"matcherRegex": "id=(\\w+)$", "url": "${__value.raw}", "name": "$x $$y"}]}
    d = Datasource("Loki $env", "loki", "http://loki:3100/$path", uid="loki", basic_auth_user="u$er", json_data=derived)
    entry = datasource_entry(d)
    env = {"env": "prod", "path": "p", "x": "X", "__value": "V"}
    strings = [entry["name"], entry["url"], entry["basicAuthUser"], *entry["jsonData"]["derivedFields"][0].values()]
    originals = ["Loki $env", "http://loki:3100/$path", "u$er", *derived["derivedFields"][0].values()]
    assert [_grafana_reads(s, env) for s in strings] == originals
    assert unliteral(literal(derived)) == derived
