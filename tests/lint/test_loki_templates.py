"""The templates of LogQL's ``line_format`` and ``label_format`` stages (OAC321):
Loki parses each with Go's text/template and its own functions when it builds
the query's pipeline (``pkg/logql/log/fmt.go``), and fails the query when Go
refuses it. Pinned cases with Go's messages as Loki wraps them; where a snapshot
of Loki's repository is present, Loki's function map and the templates of its
own tests (``fmt_test.go``) at each modelled tag."""

from __future__ import annotations

import re

import pytest

from obs_as_code.lint.logql import LOKI_TEMPLATE_FUNCTIONS, logql_problem, template_problem
from obs_as_code.lint.rules.oac321_loki_query_syntax import query_problem
from tests.lint.loki_parser_cases import LOKI3_TAG, LOKI_TAG, go_string, loki_source

V2, V3 = (2, 9), (3, 7)

PARSE = [
    "{{ .msg }}",
    "{{ .msg | ToLower }} {{ .msg | lower }} {{ .msg | upper | trunc 10 }}",
    '{{ __line__ | count "error" }} at {{ __timestamp__ | date "15:04" }}',
    '{{ .status | default "-" }} {{ div .bytes 1024 }} {{ .ts | unixToTime | unixEpochMillis }}',
    '{{ if eq .level "error" }}E{{ else if eq .level "warn" }}W{{ else }}-{{ end }}',
    '{{ range $k, $v := .  }}{{ $k }}={{ $v }} {{ end }}',
    '{{ regexReplaceAll "(\\\\d+)" .msg "N" }} {{ .body | fromJson }} {{ alignLeft 5 .x }}',
    "plain text, no action",
    "{{/* a comment */}}{{ .a }}",
]

#: (template, label (None: line_format), Go's error as Loki returns it)
REFUSE = [
    ("{{ .msg | tolower }}", None, 'invalid line template: template: line:1: function "tolower" not defined'),
    ("{{ .level | upper", "lvl", "invalid template for label 'lvl': template: label:1: unclosed action"),
    ("{{ if .a }}x", None, "invalid line template: template: line:1: unexpected EOF"),
    ("x{{ end }}", None, "invalid line template: template: line:1: unexpected {{end}}"),
    ("{{ }}", "x", "invalid template for label 'x': template: label:1: missing value for command"),
    ("{{ $x }}", None, 'invalid line template: template: line:1: undefined variable "$x"'),
    # sprig functions Loki does not register, Prometheus' and Go's misspelt.
    ("{{ .a | toJson }}", None, 'invalid line template: template: line:1: function "toJson" not defined'),
    ("{{ .a | sha256sum }}", None, 'invalid line template: template: line:1: function "sha256sum" not defined'),
    ("{{ .a | toUpper }}", None, 'invalid line template: template: line:1: function "toUpper" not defined'),
    ("{{ .a | Printf }}", None, 'invalid line template: template: line:1: function "Printf" not defined'),
    # Over lines: Go counts its line, and says where an unclosed action began.
    ("a\n{{ .a \n", None, "invalid line template: template: line:3: unclosed action started at line:2"),
    ("a\n{{ if .a }}\nb", None, "invalid line template: template: line:3: unexpected EOF"),
]


@pytest.mark.parametrize("template", PARSE)
@pytest.mark.parametrize("version", [V2, V3])
def test_loki_parses_the_template(template: str, version: tuple[int, int]) -> None:
    assert template_problem(template, None, version) is None
    assert template_problem(template, "x", version) is None


@pytest.mark.parametrize(("template", "label", "said"), REFUSE)
@pytest.mark.parametrize("version", [V2, V3])
def test_loki_refuses_the_template(template: str, label: str | None, said: str, version: tuple[int, int]) -> None:
    found = template_problem(template, label, version)
    assert found is not None and found[1] == said


def test_else_with_is_loki_3s_go() -> None:
    """Loki 3.7.6 is built with Go 1.26, which takes ``{{else with}}`` (Go
    1.23); Loki 2.9.8 with Go 1.21, which does not. The functions are the same."""
    template = "{{ with .a }}{{ . }}{{ else with .b }}{{ . }}{{ end }}"
    assert template_problem(template, None, V3) is None
    assert template_problem(template, None, V2) == (
        template.index("with .b"), "invalid line template: template: line:1: unexpected <with> in else")
    # and what neither takes: {{else with}} after an if
    assert template_problem("{{ if .a }}{{ else with .b }}{{ end }}", None, V3) is not None


def test_a_query_with_a_bad_template_is_refused_at_the_template() -> None:
    query = '{app="x"} | json | line_format `{{ .msg | tolower }}`'
    problem = logql_problem(query)
    assert problem is not None and problem.kind == "template"
    assert query[problem.offset:].startswith("tolower")
    query = '{app="x"} | label_format a=b, level="{{ .level | upper"'
    problem = logql_problem(query)
    assert problem is not None
    assert problem.message == "invalid template for label 'level': template: label:1: unclosed action"
    assert query[problem.offset:].startswith("{{ .level")
    # A string with escapes: at its opening quote.
    query = '{app="x"} | line_format "\\t{{ .msg | tolower }}"'
    problem = logql_problem(query)
    assert problem is not None and query[problem.offset:].startswith('"\\t')


def test_the_grammar_first_then_the_templates_in_order() -> None:
    # Loki reads the query whole before it builds a pipeline.
    problem = logql_problem('{app="x"} | line_format "{{ .a | nope }}" |= ')
    assert problem is not None and problem.kind == "syntax"
    problem = logql_problem('{app="x"} | line_format "{{ .a | one }}" | label_format b="{{ .b | two }}"')
    assert problem is not None and '"one"' in problem.message


def test_oac321_reads_templates_and_leaves_grafana_variables_alone() -> None:
    found = query_problem('{app="x"} | line_format "{{ .msg | tolower }}"')
    assert found is not None
    message, hint, offset = found
    assert message.startswith('invalid line template: template: line:1: function "tolower" not defined (at column 36')
    assert "template_functions" in hint and offset == 35
    # A variable in the template: Grafana writes it in, so it is not judged.
    assert query_problem('{app="x"} | line_format "{{ .msg | $fn }}"') is None
    # At 2.9, what Loki 3's Go takes says so.
    found = query_problem('{app="x"} | line_format `{{with .a}}{{.}}{{else with .b}}{{.}}{{end}}`')
    assert found is not None and "Loki 3 takes this query" in found[1]
    assert query_problem('{app="x"} | line_format `{{with .a}}{{.}}{{else with .b}}{{.}}{{end}}`', V3) is None


TAGS = pytest.mark.parametrize(("tag", "version"), [(LOKI_TAG, V2), (LOKI3_TAG, V3)])


def _strings(text: str, start: int, count: int) -> list[str]:
    """The ``count`` Go string literals that are the first arguments of a call
    whose "(" is before ``start``."""
    out: list[str] = []
    i = start
    while len(out) < count:
        while text[i] in " \t\n,":
            i += 1
        value, i = go_string(text, i)
        out.append(value)
    return out


@TAGS
def test_the_functions_are_loki_s(tag: str, version: tuple[int, int]) -> None:
    """fmt.go's functionMap keys, the sprig names it takes, and the two per-formatter ones."""
    source = loki_source("pkg/logql/log/fmt.go", tag)
    if source is None:
        pytest.skip(f"no snapshot of Loki's repository at {tag}")
    function_map = source[source.index("functionMap = template.FuncMap{") : source.index("templateFunctions = []string{")]
    names = set(re.findall(r'^\t\t"(\w+)":', function_map, re.M))
    sprig = source[source.index("templateFunctions = []string{") :]
    names |= set(re.findall(r'^\t\t"(\w+)",$', sprig[: sprig.index("\n\t}")], re.M))
    names |= set(re.findall(r'^\tfunction(?:Line|Timestamp)Name\s+= "(\w+)"$', source, re.M))
    go = {"and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf", "println", "urlquery",
          "eq", "ge", "gt", "le", "lt", "ne"}
    assert len(names) > 60
    assert names | go == set(LOKI_TEMPLATE_FUNCTIONS)


@TAGS
def test_the_templates_of_loki_s_tests_parse(tag: str, version: tuple[int, int]) -> None:
    """Every template fmt_test.go builds a formatter of (each must parse there)."""
    source = loki_source("pkg/logql/log/fmt_test.go", tag)
    if source is None:
        pytest.skip(f"no snapshot of Loki's repository at {tag}")
    templates: list[tuple[str, str | None]] = []
    for m in re.finditer(r"(newMustLineFormatter|NewFormatter|NewTemplateLabelFmt)\(\s*(?=[`\"])", source):
        if m.group(1) == "NewTemplateLabelFmt":
            label, template = _strings(source, m.end(), 2)
            templates.append((template, label))
        else:
            templates.append((_strings(source, m.end(), 1)[0], None))
    assert len(templates) >= 70, len(templates)
    assert sum("{{" in t for t, _ in templates) >= 60
    refused = [(t, label, template_problem(t, label, version)) for t, label in templates
               if template_problem(t, label, version) is not None]
    assert refused == []


@pytest.mark.parametrize("v3", [False, True])
def test_a_label_format_stage_naming_a_label_twice_or_error_is_refused_before_its_templates(v3: bool) -> None:
    # NewLabelsFormatter's validate(), 2.9.8 and 3.7.6 alike: one label name once
    # per stage (renames included), and never __error__; before any template.
    version = (3, 7) if v3 else (2, 9)
    twice = '{a="b"} | label_format x=y, x="{{ .z | tolower }}"'
    found = logql_problem(twice, True, version)
    assert found is not None and found.message == "multiple label name 'x' not allowed in a single format operation"
    assert twice[found.offset :].startswith('x="{{')
    error = logql_problem('{a="b"} | label_format __error__="x"', True, version)
    assert error is not None and (error.message, error.offset) == ("__error__ cannot be formatted", 23)
    # One name in each of two stages is fine; the stages are built in order.
    assert logql_problem('{a="b"} | label_format x=y | label_format x=z', True, version) is None
    first = logql_problem('{a="b"} | line_format "{{ .a | tolower }}" | label_format x=y, x=z', True, version)
    assert first is not None and first.message.startswith("invalid line template:")
