"""The LogQL parser (obs_as_code.lint.logql) against Loki 2.9.8, and against
Loki v3.7.6 for a Loki 3 target: pinned cases written here, one or more per
grammar rule, valid and invalid (CI runs these); and, where a snapshot of Loki's
repository is present, every case of Loki's own parser tests at each tag, each
verdict compared with Loki's, and the grammar compared with Loki's generated
parse tables on thousands of token sequences."""

from __future__ import annotations

import random
import time
from typing import Any

import pytest

from obs_as_code.lint.logql import _Lexer, grammar_problem, logql_problem, tokens
from tests.lint.loki_lalr import loki_tables
from tests.lint.loki_parser_cases import (
    LOKI3_TAG,
    LOKI_TAG,
    is_function_cases,
    lexer_cases,
    parser_cases,
)

V3 = (3, 7)

VALID = [
    # Stream selectors: the four matchers, spaces, a comma list.
    '{app="x"}',
    '{ app = "x" , env != "dev" }',
    '{app=~"api|web", env!~"dev.*"}',
    "{app=`x`}",
    '{app="x"} # a comment to the end of the line',
    '{app="x"} // a Go comment',
    '({app="x"})',
    # Line filters, chained; ip().
    '{app="x"} |= "error" != "timeout" |~ "5.." !~ "healthz"',
    '{app="x"} |= ip("10.0.0.0/8") != ip("::1")',
    '{app="x"} |= ""',
    '{app="x"} |~ "time(?=out)"',  # a line filter's regex is compiled when the query runs
    # Parsers.
    '{app="x"} | json',
    '{app="x"} | json status="response.status", method',
    '{app="x"} | logfmt',
    '{app="x"} | logfmt --strict --keep-empty',
    '{app="x"} | logfmt --strict level, msg="message"',
    '{app="x"} | unpack',
    '{app="x"} | regexp `(?P<status>\\d{3}) (?P<path>\\S+)`',
    '{app="x"} | pattern "<ip> - <_> \\"<method> <uri>\\" <status>"',
    # Label filters: strings, numbers, durations, sizes, ip; and, or, comma, juxtaposition, parentheses.
    '{app="x"} | json | level="error"',
    '{app="x"} | json | status >= 500 and status < 600',
    '{app="x"} | json | status == 500 or status != 404',
    '{app="x"} | logfmt | duration > 1.5s, size <= 10MB',
    '{app="x"} | logfmt | duration > 1h30m size > 1KiB',
    '{app="x"} | logfmt | (level="error" or level="warn") and duration >= 250ms',
    '{app="x"} | logfmt | addr = ip("192.168.0.0/16")',
    '{app="x"} | logfmt | n > 1e3 | m > .5',
    '{app="x"} | json | rate="a"',  # a function name as a label when no ( follows
    # Formatting and label stages.
    '{app="x"} | line_format "{{.level}} {{.msg}}"',
    '{app="x"} | label_format level=lvl, msg="{{.message}}"',
    '{app="x"} | drop level, __error__="JSONParserErr"',
    '{app="x"} | keep level, status=~"5.."',
    '{app="x"} | decolorize',
    # Range aggregations, with offset, the range before or after the pipeline, parentheses.
    'count_over_time({app="x"}[5m])',
    'rate({app="x"} |= "error" [1m])',
    'rate({app="x"}[1m] |= "error")',
    'bytes_rate({app="x"}[1m] offset 1h | json)',
    'bytes_over_time(({app="x"} | json)[1h] offset -5m)',
    'absent_over_time({app="x"}[5m])',
    'rate((({app="x"} |= "a")[5m]))',
    'rate_counter({app="x"} | logfmt | unwrap n [5m])',
    'count_over_time({app="x"}[1y2w3d4h5m6s7ms])',
    # Unwrap: with conversions, post filters, before or after the range.
    'sum_over_time({app="x"} | logfmt | unwrap bytes [5m])',
    'avg_over_time({app="x"} | logfmt | unwrap duration(latency) | __error__="" [5m]) by (host)',
    'max_over_time({app="x"} | json | unwrap duration_seconds(t) [5m]) without (pod)',
    'min_over_time({app="x"}[5m] | json | unwrap n)',
    'first_over_time({app="x"} | unwrap n [5m])',
    'last_over_time({app="x"}[5m] offset 1m | unwrap bytes(size))',
    'stddev_over_time(({app="x"} | unwrap n)[5m])',
    'quantile_over_time(0.99, {app="x"} | json | unwrap latency [5m]) by (route)',
    # Vector aggregations: by/without before or after, parameters, sort.
    'sum(count_over_time({app="x"}[5m]))',
    'sum by (level) (count_over_time({app="x"} | logfmt [5m]))',
    'sum(count_over_time({app="x"} | logfmt [5m])) without (pod, node)',
    'count by () (rate({app="x"}[1m]))',
    'topk(5, sum by (path) (rate({app="x"} | json [5m])))',
    'bottomk by (path) (3, rate({app="x"}[5m]))',
    'sort_desc(sum by (a) (rate({app="x"}[5m])))',
    "sum(1)",
    # Binary operations: precedence, bool, vector matching, literals.
    'sum(rate({app="x"} |= "error" [5m])) / sum(rate({app="x"}[5m]))',
    'count_over_time({app="x"}[5m]) > bool 10',
    'rate({app="x"}[5m]) * on (pod) group_left (node) rate({app="y"}[5m])',
    'rate({app="x"}[5m]) / ignoring (level) group_right rate({app="y"}[5m])',
    'rate({app="x"}[5m]) + on () rate({app="y"}[5m])',
    'rate({app="x"}[5m]) or vector(0)',
    'rate({app="x"}[5m]) unless rate({app="y"}[5m]) and rate({app="z"}[5m])',
    "1 + 2 * 3 ^ 2 ^ -1 % 4 - - 1",
    "2 >= bool 1 == 1",
    "(1)",
    "vector(1) + vector(2)",
    # label_replace.
    'label_replace(rate({app="x"}[5m]), "dst", "$1", "src", "(.*)")',
    'label_replace(vector(1), "a", "b", "c", "")',
]

INVALID = [
    # Lexing: strings, ranges, durations.
    ('{app="x}', "literal not terminated"),
    ('{app="x"} |= "\\d"', "invalid char escape"),
    ("{app='x'}", "expecting a string"),
    ('rate({app="x"}[5minutes])', 'unknown unit "minutes"'),
    ('rate({app="x"}[1.5m])', 'unknown unit "." in duration "1.5m"'),
    ('rate({app="x"}[5m)', "missing closing ']'"),
    ('rate({app="x"}[ 5m])', "not a valid duration"),
    # Selectors.
    ('{app="x"', "expecting } or ,"),
    ('{app="x",}', "expecting a label name"),
    ("{app=x}", "expecting a string"),
    ("{}", "at least one regexp or equality matcher"),
    ('{app=~".*"}', "at least one regexp or equality matcher"),
    ('{app!="x"}', "at least one regexp or equality matcher"),
    ('{app=~"(?<n>x)"}', "error parsing regexp"),
    ('{json="x"}', "expecting a label name"),  # a keyword is no label name
    # Line filters.
    ('{app="x"} |= ', "expecting a string or ip"),
    ('{app="x"} |= 5', "expecting a string or ip"),
    ('{app="x"} "x"', "unexpected string"),
    ('{app="x"} |= "a" or "b"', 'unexpected string "b"'),  # Loki 3's or in line filters
    ('{app="x"} |> "a <_> b"', "unexpected"),  # Loki 3's pattern line filter
    # Parsers and stages.
    ('{app="x"} | regexp "(\\\\d+)"', "named capture"),
    ('{app="x"} | regexp "(?P<1a>x)"', "invalid extracted label name"),
    ('{app="x"} | regexp "(?P<a>x)(?P<a>y)"', "duplicate extracted label name"),
    ('{app="x"} | pattern "no captures"', "at least one capture"),
    ('{app="x"} | pattern "<a><b>"', "consecutive capture"),
    ('{app="x"} | pattern "<a> <a>"', "duplicate capture name"),
    ('{app="x"} | logfmt --lenient', "unexpected"),
    ('{app="x"} | json status=response', "expecting a string"),
    ('{app="x"} | distinct level', "unexpected name level, expecting a comparison"),  # no release has distinct
    ('{app="x"} | line_format', "expecting a string"),
    ('{app="x"} | label_format a', "expecting ="),
    ('{app="x"} | label_format a=b,', "expecting a label name"),
    ('{app="x"} | drop', "expecting a label name"),
    ('{app="x"} |', "unexpected end of the query"),
    ('{app="x"} | json | ', "unexpected end of the query"),
    # Label filters.
    ('{app="x"} | json | status >= "5"', "expecting a number, a duration or a size"),
    ('{app="x"} | json | status == "5"', "expecting a number"),
    ('{app="x"} | json | status > -1', "unexpected"),
    ('{app="x"} | json | status =~ 5', "expecting a string"),
    ('{app="x"} | json | addr > ip("1.2.3.4")', "expecting a number"),
    ('{app="x"} | json | status > 5 and', "expecting a label name or ("),
    ('{app="x"} | json | (status > 5', "expecting )"),
    ('{app="x"} | json | status', "expecting a comparison"),
    # Range aggregations.
    ('rate({app="x"})', "expecting a range"),
    ('rate({app="x"} | json)', "expecting a range"),
    ('{app="x"}[5m]', "unexpected range"),
    ('count_over_time({app="x"}[5m]) offset 5m', "unexpected 'offset'"),
    ('rate({app="x"}[5m] offset 5)', "expecting a duration"),
    ('sum_over_time({app="x"} | json [5m])', "without unwrap"),
    ('count_over_time({app="x"} | json | unwrap n [5m])', "with unwrap"),
    ('rate({app="x"}[5m]) by (pod)', "grouping not allowed for rate"),
    ('quantile_over_time({app="x"} | unwrap n [5m])', "parameter required"),
    ('avg_over_time(0.5, {app="x"} | unwrap n [5m])', "parameter 0.5 not supported"),
    ('rate by (pod) ({app="x"}[5m])', "unexpected 'by'"),
    ('rate(({app="x"}) |= "a" [5m])', "unexpected"),
    ('rate(({app="x"} | json)[5m] | json)', "expecting )"),
    ('rate((({app="x"} |= "a"))[5m])', "expecting a range"),  # a selector is parenthesized once
    ('sum_over_time({app="x"} | unwrap [5m])', "expecting a label name"),
    ('sum_over_time({app="x"} | unwrap n | json [5m])', "expecting a label name or ("),
    ('unknown({app="x"}[5m])', "unexpected name unknown"),
    # Vector aggregations.
    ('sum(rate({app="x"}[5m]) by (level)', "expecting )"),
    ('sum({app="x"})', "a log query where a metric query is expected"),
    ('sum(({app="x"}))', "a log query where a metric query is expected"),
    ('topk(rate({app="x"}[5m]))', "parameter required for operation topk"),
    ('topk(0, rate({app="x"}[5m]))', "must be greater than 0"),
    ('topk(1.5, rate({app="x"}[5m]))', "invalid parameter topk"),
    ('sum(5, rate({app="x"}[5m]))', "unsupported parameter"),
    ('sort(rate({app="x"}[5m])) by (a)', "sort and sort_desc"),
    ('sum by (a) (rate({app="x"}[5m])) by (b)', "unexpected 'by'"),
    ('sum by (a,) (rate({app="x"}[5m]))', "expecting a label name"),
    ('count without (rate({app="x"}[5m]))', "expecting a label name"),
    # Binary operations.
    ('{app="x"} + 1', "a log query on the left of +"),
    ('1 - {app="x"}', "a log query on the right of -"),
    ('rate({app="x"}[5m]) or 1', "unexpected literal for right leg"),
    ('1 and rate({app="x"}[5m])', "unexpected literal for left leg"),
    ('rate({app="x"}[5m]) * on pod rate({app="y"}[5m])', "expecting ("),
    ('rate({app="x"}[5m]) * group_left rate({app="y"}[5m])', "unexpected 'group_left'"),
    ('bool 1 > 1', "unexpected 'bool'"),
    ('1 +', "unexpected end of the query"),
    ('- rate({app="x"}[5m])', "expecting a number"),
    ('1 -0', "unexpected duration -0"),
    # Literals, vector(), label_replace.
    ("vector(x)", "expecting a number"),
    ("vector(-1)", "expecting a number"),
    ('label_replace(rate({app="x"}[5m]), "a", "b", "c")', "expecting ,"),
    ('label_replace(rate({app="x"}[5m]), "a", "b", "c", "(")', "invalid regex in label_replace"),
    ('label_replace(1, "a", "b", "c", "")', "at least one regexp or equality matcher"),
    ('label_replace({app="x"}, "a", "b", "c", "")', "a log query where a metric query is expected"),
    ("08", "invalid digit '8' in octal literal"),
    ("1e", "exponent has no digits"),
    ('{app="x"} | json | n > 0x1F', "unable to parse float"),
    # The whole query.
    ('{app="x"} |= "' + "a" * 5200 + '"', "input size too long"),
    ("", "unexpected end of the query"),
    ('sum(rate({app="x"}[5m])))', "unexpected ')'"),
]


#: What Loki 3 (v3.7.6) takes that Loki 2.9 refuses.
VALID_3 = [
    # or between line filters: strings, ip(), any filter.
    '{app="x"} |= "a" or "b"',
    '{app="x"} |= "a" or "b" or "c" != "d" or "e"',
    '{app="x"} |~ "a.*" or "b" |= ip("10.0.0.0/8") or "c"',
    '{app="x"} != "a" or ip("::1") or "b"',
    # The pattern line filters.
    '{app="x"} |> "<_> error <_>"',
    '{app="x"} !> "<_> debug <_>" or "<_> trace <_>"',
    'count_over_time({app="x"} |> "<_> 500 <_>" [5m])',
    # approx_topk.
    'approx_topk(5, sum by (path) (rate({app="x"} | json [5m])))',
    # Keywords in any case.
    'SUM BY (level) (Count_Over_Time({app="x"} | JSON [5m]))',
    'Rate({app="x"} | LogFmt | Unwrap Bytes(size) [5m])',
    'rate({app="x"}[5m]) OR Vector(0)',
    # Signed numbers in label filters; a number's value is not checked.
    '{app="x"} | json | status > -1',
    '{app="x"} | json | n >= +2 and m != -0.5',
    '{app="x"} | json | n > 0x1F',
    # label_replace over a number; variants (3.5).
    'label_replace(1, "a", "b", "c", "")',
    'variants(count_over_time({app="x"}[5m]), rate({app="x"}[5m])) of ({app="x"} |= "a" [5m])',
    'variants(sum_over_time({app="x"} | unwrap n [5m])) of ({app="x"} | logfmt [5m]) + 1',
    # A longer query: Loki 3 takes 128 KiB.
    '{app="x"} |= "' + "a" * 5200 + '"',
]

#: What Loki 3 refuses (and why), in its new syntax and the rest.
INVALID_3 = [
    ('{app="x"} |= "a" or', "expecting a string or ip"),
    ('{app="x"} |= "a" or 5', "expecting a string or ip"),
    ('{app="x"} |= "a" or rate({app="y"}[5m])', "unexpected 'rate', expecting a string or ip"),
    ('{app="x"} | json | level="a" or "b"', "expecting a label name or ("),
    ('{app="x"} |> ', "expecting a string or ip"),
    # Parsed, then refused where Loki builds the pipeline: ip() filters lines with |= and != only.
    ('{app="x"} |> ip("10.0.0.0/8")', "ip: invalid operation"),
    ('{app="x"} | json | n > - 1s', "expecting a number"),
    ('{app="x"} | json | n > -"1"', "expecting a number"),
    ('approx_topk(rate({app="x"}[5m]))', "parameter required for operation approx_topk"),
    ('approx_topk(0, rate({app="x"}[5m]))', "must be greater than 0"),
    ('approx_topk by (a) (5, rate({app="x"}[5m]))', "grouping not allowed for approx_topk"),
    ('approx_topk(5, rate({app="x"}[5m])) without ()', "grouping not allowed for approx_topk"),
    ('SUM_OVER_TIME({app="x"}[5m])', "invalid aggregation sum_over_time without unwrap"),
    ('{JSON="x"}', "expecting a label name"),
    ('{of="x"}', "expecting a label name"),  # a keyword from 3.5
    ('(variants(rate({app="x"}[5m])) of ({app="x"}[5m]))', "unexpected ')'"),
    ('sum(variants(rate({app="x"}[5m])) of ({app="x"}[5m]))', "unexpected ')'"),
    ('variants(rate({app="x"}[5m])) of ({app=~".*"}[5m])', "at least one regexp or equality matcher"),
    ('variants({app="x"}) of ({app="x"}[5m])', "a log query where a metric query is expected"),
    ('{app="x"} | distinct level', "expecting a comparison"),  # no distinct stage in any 3.x release
    ('{app="x"} |= "' + "a" * 131100 + '"', "input size too long"),
]

#: Loki 2.9 refusals that Loki 3 takes (the rest of INVALID it refuses too).
TAKEN_BY_3 = {
    '{app="x"} |= "a" or "b"', '{app="x"} |> "a <_> b"', '{app="x"} | json | status > -1',
    'label_replace(1, "a", "b", "c", "")', '{app="x"} | json | n > 0x1F', '{app="x"} |= "' + "a" * 5200 + '"',
}  # fmt: skip


@pytest.mark.parametrize("query", VALID)
def test_loki_parses(query: str) -> None:
    assert logql_problem(query) is None
    assert logql_problem(query, False, V3) is None  # Loki 3 takes what 2.9 takes, here


@pytest.mark.parametrize("query", VALID_3)
def test_loki_3_parses(query: str) -> None:
    assert logql_problem(query, False, V3) is None
    assert logql_problem(query) is not None  # and Loki 2.9 does not


@pytest.mark.parametrize(("query", "said"), INVALID_3)
def test_loki_3_refuses(query: str, said: str) -> None:
    problem = logql_problem(query, False, V3)
    assert problem is not None, query
    assert said in problem.message, problem


@pytest.mark.parametrize(("query", "said"), [(q, s) for q, s in INVALID if q not in TAKEN_BY_3])
def test_loki_3_refuses_what_2_9_refuses(query: str, said: str) -> None:
    assert logql_problem(query, False, V3) is not None, query


def test_loki_3_minors() -> None:
    # variants and of are keywords from Loki 3.5 on: a label of that name is
    # still a name for 3.0 ... 3.4.
    assert logql_problem('{of="x"} | json | variants="y"', False, (3, 4)) is None
    assert logql_problem('{of="x"}', False, (3, 5)) is not None
    assert logql_problem('variants(rate({app="x"}[5m])) of ({app="x"}[5m])', False, (3, 4)) is not None
    assert len(TAKEN_BY_3) == len([q for q, _ in INVALID if q in TAKEN_BY_3])


@pytest.mark.parametrize(("query", "said"), INVALID)
def test_loki_refuses(query: str, said: str) -> None:
    problem = logql_problem(query)
    assert problem is not None, query
    assert said in problem.message, problem


def test_the_offset_is_where_loki_stops() -> None:
    query = '{app="x"} | json | status >= "5"'
    problem = logql_problem(query)
    assert problem is not None and query[problem.offset :] == '"5"'
    problem = logql_problem('sum(rate({app="x"}[5m]) by (level)')
    assert problem is not None and problem.offset == len('sum(rate({app="x"}[5m]) by (level)')


def test_deep_nesting_is_not_judged_rather_than_crash() -> None:
    # Loki's LALR parser nests without limit; this recursive descent stops at
    # Python's recursion limit, and leaves such a query alone.
    deep = "(" * 2000 + "1" + ")" * 2000
    assert logql_problem(deep) is None
    assert logql_problem("(" * 20 + "1" + ")" * 20) is None
    assert logql_problem("(" * 20 + "1" + ")" * 19) is not None


def test_grafana_variables_in_strings_are_not_judged() -> None:
    # A regex, a pattern or an empty-compatible matcher holding a variable is
    # Grafana's to write in; judged as written without opaque_variables.
    for query in ['{app=~"$app"}', '{app="x"} | regexp "$re"', '{app="x"} | pattern "${p}"', '{app=~"[[app]]"}']:
        assert logql_problem(query, True) is None, query
    assert logql_problem('{app="x"} | regexp "$re"') is not None


TAGS = pytest.mark.parametrize(("tag", "version"), [(LOKI_TAG, (2, 9)), (LOKI3_TAG, V3)])


@TAGS
def test_loki_parser_tests_agree(tag: str, version: tuple[int, int]) -> None:
    """Every case of Loki's own parser tests (parser_test.go, ast_test.go ...
    at v2.9.8, and at v3.7.6 for a Loki 3 target): the same verdict, valid or
    refused."""
    cases = parser_cases(tag)
    if cases is None:
        pytest.skip(f"no snapshot of Loki's repository at {tag}")
    assert len(cases) >= 300, len(cases)
    start = time.perf_counter()
    differ = [(c.function, c.line, c.query, c.error) for c in cases
              if (logql_problem(c.query, False, version) is not None) != c.error]
    spent = time.perf_counter() - start
    assert differ == []
    assert sum(c.error for c in cases) >= 50  # refusals are compared too, not only valid queries
    assert spent / len(cases) < 0.005, spent


@TAGS
def test_the_grammar_is_loki_s_parse_tables(tag: str, version: tuple[int, int]) -> None:
    """The grammar part (what expr.y takes, values not judged) against the LALR
    tables goyacc generated for Loki v2.9.8 (syntax.y's for v3.7.6), driven as
    goyacc drives them: every query here and of Loki's tests, then token
    sequences made from them by splicing two at a token of one kind and
    inserting, deleting or repeating tokens (seeded: the same ones each run)."""
    tables = loki_tables(tag)
    cases = parser_cases(tag)
    if tables is None or cases is None:
        pytest.skip(f"no snapshot of Loki's repository at {tag}")
    queries = [c.query for c in cases] + VALID + [q for q, _ in INVALID]
    if version >= (3, 0):
        queries += VALID_3 + [q for q, _ in INVALID_3]
    base = [t for t in (tokens(q, version) for q in queries) if t[-1].kind != "ERROR"]
    pool = [tok for t in base for tok in t[:-1]]
    end = base[0][-1]

    def differs(toks: list[Any]) -> bool:
        chars = [tables.code(t.kind, t.text) for t in toks]
        return (grammar_problem(toks, version) is None) != tables.accepts(chars)

    assert [q for q, t in zip(queries, base, strict=False) if differs(t)] == []
    rng = random.Random(20261128)
    taken = 0
    for _ in range(8000):
        a = rng.choice(base)[:-1]
        toks = list(a)
        if a and rng.random() < 0.5:
            b = rng.choice(base)[:-1]
            i = rng.randrange(len(a))
            same = [j for j, t in enumerate(b) if t.kind == a[i].kind]
            toks = a[:i] + b[rng.choice(same):] if same else toks
        for _ in range(rng.randint(0, 3)):
            i = rng.randint(0, len(toks))
            r = rng.random()
            if r < 0.45:
                toks.insert(i, rng.choice(pool))
            elif r < 0.75 and toks:
                del toks[min(i, len(toks) - 1)]
            else:
                j = rng.randint(0, len(toks))
                toks[i:i] = toks[j : j + rng.randint(1, 6)]
        toks.append(end)
        assert not differs(toks), " ".join(t.text or t.kind for t in toks)
        taken += grammar_problem(toks, version) is None
    assert taken > 800  # both verdicts are compared, not only refusals


@TAGS
def test_the_lexer_is_loki_s_lexer(tag: str, version: tuple[int, int]) -> None:
    """lex_test.go's cases: the same tokens, and the same answer to "is this
    name a function" (a range or vector operation only before a parenthesis)."""
    cases = lexer_cases(tag)
    functions = is_function_cases(tag)
    if cases is None or functions is None:
        pytest.skip(f"no snapshot of Loki's repository at {tag}")
    assert len(cases) >= 40 and len(functions) >= 20
    named = {"RANGE_OP": "", "VECTOR_OP": "", "VECTOR": "", "CONV": "_CONV"}  # Loki's token: the name's, upper case
    flag = "FUNCTION_FLAG" if version >= (3, 0) else "PARSER_FLAG"  # Loki 3's name
    stopped = 0
    for line, query, expected in cases:
        toks = tokens(query, version)
        found = [t.text.upper() + named[t.kind] if t.kind in named else flag if t.kind == "PARSER_FLAG" else t.kind
                 for t in toks if t.kind not in ("EOF", "ERROR")]
        if toks[-1].kind == "ERROR" and toks[-1].error == "binary literal has no digits":
            # text/scanner reports `0B` (a size) as a binary literal without digits:
            # lex_test.go's lexer goes on (no Error handler), Loki's parser refuses
            # the query, as here.
            stopped += 1
            assert found == expected[: len(found)], (line, query)
            continue
        assert found == expected, (line, query)
    assert stopped <= 1
    for after, function in functions:
        assert _Lexer(after, version).is_function(0) is function, after
