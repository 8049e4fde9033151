"""OAC210's reader of Go templates against promtool itself.

promtool check rules parses each annotation and label of an alerting rule with
Go's text/template (Prometheus 2.42: Go 1.19 and Prometheus' template
functions) and refuses the file at the first parse error. Each template of the
table is checked by both, on the same inputs: the verdict (and the message,
without promtool's "template: NAME:LINE: " head and its "in action started at"
tail) is pinned in the table, promtool must still say it, and so must we.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from obs_as_code.lint.rules._gotemplate import parse_error
from tests.lint.template_variants import generate
from tests.oac_testing import need_binary

#: (template, promtool's error or None): what promtool 2.42 said of each
#: (TEMPLATES with ``promtool check rules``, then pinned here).
TEMPLATES: list[tuple[str, str | None]] = [
    ('{{ $labels.job ', 'unclosed action'),
    ('{{', 'unclosed action'),
    ('{{ $labels.job }}', None),
    ('plain }} text', None),
    ('}}', None),
    ('{{ }}', 'missing value for command'),
    ('{{/* c */}}', None),
    ('{{ /* c */ }}', 'unexpected "/" in command'),
    ('{{- /* c */ -}}', None),
    ('{{ "abc }}', 'unterminated quoted string'),
    ("{{ 'a' }}", None),
    ("{{ 'ab' }}", "malformed character constant: 'ab'"),
    ('{{ `x }}', 'unterminated raw quoted string'),
    ('{{ humanise $value }}', 'function "humanise" not defined'),
    ('{{ $value | humanize }}', None),
    ('{{ tmpl "x" . }}', 'function "tmpl" not defined'),
    ('{{ now }}', 'function "now" not defined'),
    ('{{ toDuration 1 }}', 'function "toDuration" not defined'),
    ('{{ urlQueryEscape "a" }}', 'function "urlQueryEscape" not defined'),
    ('{{ $lables.job }}', 'undefined variable "$lables"'),
    ('{{ if $value }}x', 'unexpected EOF'),
    ('{{ end }}', 'unexpected {{end}}'),
    ('{{ if 1 }}a{{ else }}b{{ end }}', None),
    ('{{ range $i, $v := .Labels }}{{ $v }}{{ end }}', None),
    ('{{ $v }}', 'undefined variable "$v"'),
    ('{{ with $x := 1 }}{{ $x }}{{ end }}{{ $x }}', 'undefined variable "$x"'),
    ('{{ .Labels.job }}', None),
    ('{{ .Value | printf "%.2f" }}', None),
    ('{{ 1.5e3 }}', None),
    ('{{ 0x1F }}', None),
    ('{{ 1_000 }}', None),
    ('{{ 1abc }}', 'bad number syntax: "1a"'),
    ('{{ - }}', 'illegal number syntax: "-"'),
    ('{{ $labels.job | }}', None),
    ('{{ | x }}', 'unexpected "|" in command'),
    ('{{ (1 }}', 'unclosed left paren'),
    ('{{ 1) }}', 'unexpected ")" in command'),
    ('{{ define "x" }}a{{ end }}', None),
    ('{{ template "x" }}', None),
    ('{{ block "y" . }}b{{ end }}', None),
    ('{{ break }}', '{{break}} outside {{range}}'),
    ('{{ range .Labels }}{{ break }}{{ end }}', None),
    ('{{ nil }}', None),
    ('{{ true }}', None),
    ('{{ $ }}', None),
    ('{{ . }}', None),
    ('{{ .Labels.job.x }}', None),
    ('{{ $labels.job.x }}', None),
    ('{{ (.Labels).job }}', None),
    ('{{ "a".x }}', 'unexpected . after term "\\"a\\""'),
    ('{{ 1.x }}', 'bad number syntax: "1.x"'),
    ('{{ index $labels "job" }}', None),
    ('{{ $x := 1 }}{{ $x = 2 }}{{ $x }}', None),
    ('{{ $y = 2 }}', None),
    ('{{ else }}', 'unexpected {{else}}'),
    ('{{ if 1 }}{{ else if 2 }}{{ end }}', None),
    ('{{ if 1 }}{{ else with 2 }}{{ end }}', 'unexpected <with> in else'),
    ('{{ @ }}', 'unexpected "@" in command'),
    ('{{ # }}', 'unexpected "#" in command'),
    ('{{ a.b }}', 'function "a" not defined'),
    ('{{ humanize }}', None),
    ('{{ -1 }}', None),
    ('{{ +1 }}', None),
    ("{{ 'x' | printf }}", None),
    ('{{.}}', None),
    ('{{- . -}}', None),
    ('{{-. -}}', 'illegal number syntax: "-."'),
    ('{{ .  -}}', None),
    ('{{ 1i }}', None),
    ("{{ '\\n' }}", None),
    ('{{ "\\q" }}', 'invalid syntax'),
    ('{{ "a\nb" }}', 'unterminated quoted string'),
    ('{{ `a\nb` }}', None),
    ('{{ $labels. }}', 'unexpected <.> in operand'),
    ('{{ .a..b }}', 'unexpected <.> in operand'),
    ('{{ $1 }}', 'undefined variable "$1"'),
    ('{{ x:=1 }}', 'function "x" not defined'),
    ('{{ $x := }}', 'missing value for command'),
    ('{{ := 1 }}', 'unexpected ":=" in command'),
    ('{{ $x := 1 2 }}', None),
    ('{{ 1 2 }}', None),
    ('{{ printf 1 2 }}', None),
    ('{{ $a, $b := 1 }}', 'too many declarations in command'),
    ('{{ range $a, $b := .Labels }}{{ end }}', None),
    ('{{ if }}{{ end }}', 'missing value for if'),
    ('{{ end 1 }}', 'unexpected "1" in end'),
    ('{{ else 1 }}', 'unexpected "1" in else'),
    ('{{ with }}{{ end }}', 'missing value for with'),
    ('{{- $labels.job -}}', None),
    ('{{-$labels.job-}}', 'illegal number syntax: "-"'),
    ('{{- 3}}', None),
    ('{{-3}}', None),
    ('{{ 3 -}}', None),
    ('{{ 3-}}', 'bad number syntax: "3-"'),
    ('{{-}}', 'illegal number syntax: "-"'),
    ('{{- -}}', 'illegal number syntax: "-"'),
    ('{{ .-}}', "bad character U+002D '-'"),
    ('{{/* a */}}', None),
    ('{{- /* a */ -}}', None),
    ('{{/* a */ }}', 'comment ends before closing delimiter'),
    ('{{/* a', 'unclosed comment'),
    ('{{/* a */x}}', 'comment ends before closing delimiter'),
    ('{{ /*a*/}}', 'unexpected "/" in command'),
    ('{{- /* a */}}', None),
    ('{{/* a */ -}}', None),
    ('{{ $labels.job\n}}', None),
    ('{{\n$labels.job\n}}', None),
    ("{{ 'a\n' }}", 'unterminated character constant'),
    ('{{ 08 }}', 'integer overflow: "08"'),
    ('{{ 089 }}', 'integer overflow: "089"'),
    ('{{ 07 }}', None),
    ('{{ 0o17 }}', None),
    ('{{ 0b101 }}', None),
    ('{{ 0x1p-2 }}', None),
    ('{{ 0x1.8p3 }}', None),
    ('{{ 0x1.8 }}', 'illegal number syntax: "0x1.8"'),
    ('{{ 1_000.5 }}', None),
    ('{{ 1__0 }}', 'illegal number syntax: "1__0"'),
    ('{{ 1_ }}', 'illegal number syntax: "1_"'),
    ('{{ 0x_1F }}', None),
    ('{{ 99999999999999999999 }}', 'integer overflow: "99999999999999999999"'),
    ('{{ 18446744073709551615 }}', None),
    ('{{ 18446744073709551616 }}', 'integer overflow: "18446744073709551616"'),
    ('{{ -9223372036854775808 }}', None),
    ('{{ -9223372036854775809 }}', 'integer overflow: "-9223372036854775809"'),
    ('{{ 1e400 }}', 'illegal number syntax: "1e400"'),
    ('{{ 1e }}', 'illegal number syntax: "1e"'),
    ('{{ 1e+ }}', 'illegal number syntax: "1e+"'),
    ('{{ 0x }}', 'illegal number syntax: "0x"'),
    ('{{ .5 }}', None),
    ('{{ 5. }}', None),
    ('{{ +. }}', 'illegal number syntax: "+."'),
    ('{{ 1+2i }}', None),
    ('{{ 1+2 }}', 'bad number syntax: "1+2"'),
    ('{{ 2i }}', None),
    ('{{ 0x1i }}', 'illegal number syntax: "0x1i"'),
    ('{{ 1.5i }}', None),
    ("{{ '\xe9' }}", None),
    ("{{ '\\x41' }}", None),
    ("{{ '\\u00e9' }}", None),
    ("{{ '\\U0001F525' }}", None),
    ("{{ '\\uD800' }}", 'invalid syntax'),
    ("{{ '\\777' }}", 'invalid syntax'),
    ("{{ '\\101' }}", None),
    ("{{ '\\'' }}", None),
    ('{{ \'"\' }}', None),
    ('{{ \'\\"\' }}', 'invalid syntax'),
    ("{{ '' }}", 'invalid syntax'),
    ("{{ '\\z' }}", 'invalid syntax'),
    ('{{ "\\\'" }}', 'invalid syntax'),
    ('{{ "\\"" }}', None),
    ('{{ "\\x4" }}', 'invalid syntax'),
    ('{{ "\\u00e9" }}', None),
    ('{{ "\xe9" }}', None),
    ('{{ `a\\q` }}', None),
    ('{{ range $i, $v := $labels }}{{ $i }}={{ $v }}{{ end }}', None),
    ('{{ range $labels }}{{ continue }}{{ end }}', None),
    ('{{ range $labels }}{{ else }}{{ break }}{{ end }}', '{{break}} outside {{range}}'),
    ('{{ range $labels }}{{ if . }}{{ break }}{{ end }}{{ end }}', None),
    ('{{ break 1 }}', 'unexpected "1" in {{break}}'),
    ('{{ range $labels }}{{ break 1 }}{{ end }}', 'unexpected "1" in {{break}}'),
    ('{{ if 1 }}a{{ else if 2 }}b{{ else if 3 }}c{{ else }}d{{ end }}', None),
    ('{{ if 1 }}{{ else }}{{ else }}{{ end }}', 'expected end; found {{else}}'),
    ('{{ range $labels }}{{ else if 1 }}{{ end }}', 'unexpected <if> in input'),
    ('{{ with $labels }}{{ else }}x{{ end }}', None),
    ('{{ if 1 }}{{ $z := 1 }}{{ end }}{{ $z }}', 'undefined variable "$z"'),
    ('{{ $z := 1 }}{{ if 1 }}{{ $z }}{{ end }}', None),
    ('{{ define "a" }}{{ $labels }}{{ end }}', 'undefined variable "$labels"'),
    ('{{ define "a" }}{{ $ }}{{ end }}', None),
    ('{{ define "a" }}x{{ end }}{{ define "a" }}y{{ end }}', 'template: multiple definition of template "a"'),
    ('{{ define a }}{{ end }}', 'unexpected "a" in define clause'),
    ('{{ define "a" x }}{{ end }}', 'unexpected "x" in define clause'),
    ('{{ define "a" }}', 'unexpected EOF'),
    ('{{ define "a" }}{{ else }}{{ end }}', 'unexpected {{else}} in define clause'),
    ('{{ if 1 }}{{ define "a" }}{{ end }}{{ end }}', 'unexpected <define> in command'),
    ('{{ block "b" . }}{{ $labels }}{{ end }}', 'undefined variable "$labels"'),
    ('{{ block "b" }}{{ end }}', 'missing value for block clause'),
    ('{{ block b . }}{{ end }}', 'unexpected "b" in block clause'),
    ('{{ template "x" $labels }}', None),
    ('{{ template x }}', 'unexpected "x" in template clause'),
    ('{{ template "x" | }}', 'unexpected "|" in template clause'),
    ('{{ $value | humanize | printf "%s" }}', None),
    ('{{ $value | 1 }}', 'non executable command in pipeline stage 2'),
    ('{{ 1 | printf }}', None),
    ('{{ $value | "a" }}', 'non executable command in pipeline stage 2'),
    ('{{ $value | . }}', 'non executable command in pipeline stage 2'),
    ('{{ $value | nil }}', 'non executable command in pipeline stage 2'),
    ('{{ $value | true }}', 'non executable command in pipeline stage 2'),
    ('{{ $value | $labels }}', None),
    ('{{ $value | .X }}', None),
    ('{{ $value | (printf "a") }}', None),
    ('{{ (printf "a").X }}', None),
    ('{{ nil.X }}', 'unexpected . after term "nil"'),
    ('{{ true.X }}', 'unexpected . after term "true"'),
    ('{{ ..X }}', 'unexpected . after term "."'),
    ('{{ .X.Y.Z }}', None),
    ('{{ $.X }}', None),
    ('{{ $labels.job | toUpper }}', None),
    ('{{ with $x := $labels.job }}{{ $x }}{{ end }}', None),
    ('{{ $x := 1 }}{{ $x := 2 }}', None),
    ('{{ $x = 1 }}', None),
    ('{{ $x, $y := 1 }}', 'too many declarations in command'),
    ('{{ range $x, $y, $z := . }}{{ end }}', 'too many declarations in range'),
    ('{{ range $x, 1 }}{{ end }}', 'range can only initialize variables'),
    ('{{ range $x, }}{{ end }}', 'missing value for range'),
    ('{{ $x := $y := 1 }}', 'undefined variable "$y"'),
    ('{{ \xfcn\xef }}', 'function "\xfcn\xef" not defined'),
    ('{{ $\xfcn\xef }}', 'undefined variable "$\xfcn\xef"'),
    ('{{ .\xfcn\xef }}', None),
    ('\xfcn\xef\u202e\U0001f525', None),
    ('{{ \u202e }}', 'unrecognized character in action: U+202E'),
    ('{{ \x01 }}', 'unrecognized character in action: U+0001'),
    ('{{ ~ }}', 'unexpected "~" in command'),
    ('{{ ! }}', 'unexpected "!" in command'),
    ('{{ , }}', 'unexpected "," in command'),
    ('{{ = }}', 'unexpected "=" in command'),
    ('{{ : }}', 'expected :='),
    ('{{ 1 , 2 }}', 'unexpected "," in operand'),
    ('{{ (1) }}', None),
    ('{{ ((1)) }}', None),
    ('{{ () }}', 'missing value for parenthesized pipeline'),
    ('{{ ( ) }}', 'missing value for parenthesized pipeline'),
    ('{{ (1 | printf) }}', None),
    ('$$', None),
    ('{{}}', 'missing value for command'),
    ('x{{', 'unclosed action'),
    ('{{ }} }}', 'missing value for command'),
    ('{{{ x }}}', 'unexpected "{" in command'),
    ('{{{{ }}', 'unexpected "{" in command'),
    ('{{ "}}" }}', None),
    ('{{ `}}` }}', None),
    ("{{ '}' }}", None),
    ('{{ query "up" | first | value | humanize }}', None),
    ('{{ range query "up" }}{{ .Labels.instance }} {{ .Value }}{{ end }}', None),
    ('{{ with query "up" }}{{ . | first | label "job" }}{{ end }}', None),
    ('{{ args 1 2 }}', None),
    ('{{ reReplaceAll "a" "b" $labels.job }}', None),
    ('{{ safeHtml "x" }}', None),
    ('{{ match "a" "b" }}', None),
    ('{{ title "x" }}', None),
    ('{{ graphLink "up" }}', None),
    ('{{ tableLink "up" }}', None),
    ('{{ sortByLabel "job" (query "up") }}', None),
    ('{{ stripPort "a:1" }}', None),
    ('{{ stripDomain "a.b" }}', None),
    ('{{ humanize1024 1 }}', None),
    ('{{ humanizeDuration 1 }}', None),
    ('{{ humanizePercentage 1 }}', None),
    ('{{ humanizeTimestamp 1 }}', None),
    ('{{ toTime 1 }}', None),
    ('{{ pathPrefix }}', None),
    ('{{ externalURL }}', None),
    ('{{ parseDuration "1m" }}', None),
    ('{{ strvalue . }}', None),
    ('{{ call . }}', None),
    ('{{ html . }}', None),
    ('{{ js . }}', None),
    ('{{ urlquery . }}', None),
    ('{{ slice . }}', None),
    ('{{ len . }}', None),
    ('{{ println }}', None),
    ('{{ and 1 2 }}', None),
    ('{{ or 1 2 }}', None),
    ('{{ not 1 }}', None),
    ('{{ ge 1 2 }}', None),
    ('{{ $externalLabels.cluster }}', None),
    ('{{ $externalURL }}', None),
    ('{{ .ExternalURL }}', None),
    ('{{ $labels.job }} is {{ if gt $value 0.5 }}high{{ else }}low{{ end }}', None),
    ('{{ if }}', 'missing value for if'),
    ('{{ if 1 }}', 'unexpected EOF'),
    ('{{ end }}{{ if 1 }}', 'unexpected {{end}}'),
    ('{{ range }}{{ end }}', 'missing value for range'),
    ('{{ with 1 }}{{ else if 1 }}{{ end }}', 'unexpected <if> in input'),
    ('{{ define "a" }} {{ end }}{{ define "a" }}y{{ end }}', None),
    ('{{ define "a" }}x{{ end }}{{ define "a" }} {{/* c */}} {{ end }}', None),
    ('{{ define "a" }}x{{ end }}{{ block "a" . }}y{{ end }}', 'template: multiple definition of template "a"'),
    ('{{ block "a" . }}y{{ end }}{{ block "a" . }}z{{ end }}', 'template: multiple definition of template "a"'),
    ('{{ define "a" }}{{ 1 }}{{ end }}{{ define `a` }}{{ 2 }}{{ end }}', 'template: multiple definition of template "a"'),
    ('{{ define "a" }}x{{ end }}{{ define "b" }}y{{ end }}', None),
    ('{{ define "__alert_A6" }}x{{ end }}', None),
    # One "}" ends no word: only the right delimiter "}}" does (lex.go's atTerminator).
    ('{{ .x}', "bad character U+007D '}'"),
    ('{{ titl}', "bad character U+007D '}'"),
    ('{{ $labels.job}x}}', "bad character U+007D '}'"),
    ('{{ an}d 1 }}', "bad character U+007D '}'"),
    ('{{ .x}}', None),
    ('{{ $}}', None),
    # A complex number is read by fmt.Sscan: its real and imaginary parts by strconv.ParseFloat.
    ('{{ 12+i }}', 'syntax error scanning complex number'),
    ('{{ 0b1+1i }}', 'syntax error scanning complex number'),
    ('{{ 1e400+1i }}', 'strconv.ParseFloat: parsing "1e400": value out of range'),
    ('{{ 1+1e400i }}', 'strconv.ParseFloat: parsing "+1e400": value out of range'),
    ('{{ 0x1+1i }}', 'strconv.ParseFloat: parsing "0x1": invalid syntax'),
    ('{{ 1+1__0i }}', 'strconv.ParseFloat: parsing "+1__0": invalid syntax'),
    ('{{ 1+1e+i }}', 'strconv.ParseFloat: parsing "+1e+": invalid syntax'),
    ('{{ 1_0+2_0i }}', None),
    ('{{ 0x1p2+0x_1.8p1i }}', None),
    ('{{ 08+1e-400i }}', None),
]


def _promtool(tmp_path: Path, templates: list[str]) -> dict[int, str]:
    """promtool's error for each template that has one, by index (the template
    as the only annotation of its own alert, all in one rule file)."""
    promtool = need_binary("promtool")
    rules = [{"alert": f"A{i}", "expr": "up", "annotations": {"s": t}} for i, t in enumerate(templates)]
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": rules}]}), encoding="utf-8")
    proc = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True, check=False)
    found: dict[int, str] = {}
    for line in (proc.stdout + proc.stderr).splitlines():
        match = re.search(r'"A(\d+)": annotation "s": template: __alert_A\d+:\d+: (.*)', line)
        if match:
            found[int(match.group(1))] = re.sub(r" ?(in action )?started at __alert_A\d+:\d+$", "", match.group(2))
    assert proc.returncode == (1 if found else 0), proc.stdout + proc.stderr
    return found


def _ours(template: str) -> str | None:
    found = parse_error(template)
    return None if found is None else found[1]


@pytest.mark.integration
def test_promtool_and_oac210_agree_on_every_template_of_the_table(tmp_path: Path) -> None:
    templates = [t for t, _ in TEMPLATES]
    theirs = _promtool(tmp_path, templates)
    assert [(t, theirs.get(i)) for i, t in enumerate(templates)] == TEMPLATES  # promtool says what the table says
    assert [(t, _ours(t)) for t in templates] == TEMPLATES  # and so do we


def test_the_table_holds_what_promtool_accepts_and_refuses() -> None:
    """Both kinds, and the mistakes of the brief: an unclosed action, a lone {{,
    an unclosed string, an unknown function."""
    refused = dict(TEMPLATES)
    assert sum(v is None for v in refused.values()) >= 100 and sum(v is not None for v in refused.values()) >= 100
    assert refused["{{ $labels.job "] == refused["{{"] == "unclosed action"
    assert refused['{{ "abc }}'] == "unterminated quoted string"
    assert refused["{{ humanise $value }}"] == 'function "humanise" not defined'
    assert refused["{{ $value | humanize }}"] is None


_TOKENS = [
    "{{", "}}", "{{- ", " -}}", " ", "\n", "$labels", "$value", "$x", "$", ".", ".Labels", ".job", "(", ")", "|", ":=",
    "=", ",", '"a"', '"b', "'c'", "'cd'", "`r`", "1", "-1", "0x1F", "1.5", "1e3", "08", "if", "else", "end", "range",
    "with", "define", "block", "template", "break", "continue", "nil", "true", "humanize", "printf", "humanise", "tmpl",
    "x", "/*", "*/", "#", "@", "\u00fc", "\t",
]  # fmt: skip


@pytest.mark.integration
def test_promtool_and_oac210_agree_on_random_token_soups(tmp_path: Path) -> None:
    """Templates made of random tokens, most of them errors of some kind: the
    same verdict and message from both (9,000 such agreed while writing it)."""
    rng = random.Random(20261127)
    templates = sorted({("{{ " if rng.random() < 0.7 else "") + "".join(rng.choice(_TOKENS) for _ in range(rng.randint(1, 12)))
                        + (" }}" if rng.random() < 0.7 else "") for _ in range(600)})
    theirs = _promtool(tmp_path, templates)
    assert len(theirs) > 100 and len(templates) - len(theirs) > 20
    disagree = [(t, theirs.get(i), _ours(t)) for i, t in enumerate(templates) if theirs.get(i) != _ours(t)]
    assert disagree == []


@pytest.mark.integration
def test_promtool_and_oac210_agree_on_templates_of_the_grammar(tmp_path: Path) -> None:
    """Seeded templates from text/template's grammar with Prometheus' functions
    and variables (tests/lint/template_variants.py), half of them broken by a
    mutation: the same verdict and message from both. ``OAC_TEMPLATE_VARIANTS=20000``
    runs a large sample (one promtool call per 2,000) to look for new disagreements."""
    count = int(os.environ.get("OAC_TEMPLATE_VARIANTS", "400"))
    templates = [t.replace("\r", "") for t in generate(20261128, count)]  # a "\r" splits promtool's message
    theirs: dict[int, str] = {}
    for start in range(0, len(templates), 2000):
        (tmp_path / str(start)).mkdir()
        theirs.update({start + i: m for i, m in _promtool(tmp_path / str(start), templates[start : start + 2000]).items()})
    assert len(theirs) > count // 4 and len(templates) - len(theirs) > count // 4
    disagree = [(t, theirs.get(i), _ours(t)) for i, t in enumerate(templates) if theirs.get(i) != _ours(t)]
    assert disagree == []


def test_a_define_named_as_the_top_level_with_content_is_a_second_definition() -> None:
    # Go's Tree.add after the parse: the top level is added last, under its name.
    assert parse_error('{{ define "n" }}x{{ end }}y', name="n") == (27, 'template: multiple definition of template "n"')  # at the end, as Go's
    assert parse_error('{{ define "n" }}x{{ end }}y') is None  # promtool's annotations: no name can clash
    assert parse_error('{{ define "n" }}x{{ end }}{{- /* c */}} ', name="n") is None
    assert parse_error('{{ define "n" }}{{ end }}{{ 1 }}', name="n") is None
