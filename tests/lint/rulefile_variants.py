"""Rule-file variants for differential tests of ``oac lint`` against ``promtool
check rules``: a valid rule file, mutated at random (seeded: deterministic).

A file is a tree of :class:`Map` (a list of key/value pairs, so that a key can
appear twice), :class:`Seq` and raw YAML scalar text (written as is, so that
quotes, flow collections, tags and YAML 1.1 spellings reach the parsers as
written). Mutations: another value for a field (of every shape: null, numbers,
booleans, quoted strings, durations, lists, mappings), a field deleted, added
(unknown fields, fields of another level or of later Prometheus releases),
given twice or misspelt, list items replaced, repeated or deleted, invalid
label and annotation names and values, templates, record names, PromQL, and
whole-document changes (other roots, several documents).
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field


@dataclass
class Map:
    items: list[tuple[str, Node]] = field(default_factory=list)


@dataclass
class Seq:
    items: list[Node] = field(default_factory=list)


Node = Map | Seq | str


def base() -> Map:
    """A valid rule file: two groups, a recording rule and alerts using every field 2.42 reads."""
    record = Map([("record", "job:up:sum"), ("expr", "sum by (job) (up)"), ("labels", Map([("team", "infra")]))])
    alert = Map([
        ("alert", "TargetDown"),
        ("expr", "up == 0"),
        ("for", "5m"),
        ("keep_firing_for", "1m"),
        ("labels", Map([("severity", "page")])),
        ("annotations", Map([("summary", "'{{ $labels.job }} is down'"), ("value", "'{{ $value | humanize }}'")])),
    ])
    second = Map([("alert", "HighLoad"), ("expr", "&e node_load1 > 4"), ("for", "10m")])
    g1 = Map([("name", "first"), ("interval", "1m"), ("limit", "10"), ("rules", Seq([record, alert]))])
    g2 = Map([("name", "second"), ("rules", Seq([second]))])
    return Map([("groups", Seq([g1, g2]))])


SCALARS = [
    "", "~", "null", "NULL", "0", "1", "-1", "+5", "1.5", "0x10", "1_000", "9223372036854775808", "1e400", "-.inf",
    ".nan", "abc", "'3'", '"3"', "true", "false", "yes", "no", "on", "'yes'", "2001-12-14", "!!int '7'", "!!float 2",
    "5m", "0s", "'5m'", "1h30m", "30m1h", "5 minutes", "-5m", "5", "1.5m", "1y", "1w2d", "5ms", "0m", "'0'",
    "99999999999999999999y", "[]", "{}", "[a]", "[1, 2]", "{a: b}", "{a: 1}", "'{{ $labels.job }}'", "'{{ .Foo'",
    "'{{ $nope }}'", "up", "sum(", "'up{'", "vector(1)", "'rate(up[5m])'", "'{__name__=~\".*\"}'", "'up offset -5m'",
    "'a b'", "job:up:sum", "':x'", "'1abc'", "'foo-bar'", "__name__", "'é'", "'with space'", "'\"'", "'\\n'",
    '"\\t"', "&a x", "|-\n  multi", ">\n  folded",
]
DURATIONS = ["5m", "0", "0s", "1h30m", "30m1h", "5 minutes", "-5m", "5", "1.5m", "'5m'", "~", "", "1y", "1w", "5ms", "0m", "100d", "99999999999999999999y", "1d1h", "0.5h", "1ms1s"]
EXPRS = ["up", "up == 0", "sum(", "'up{'", "1", "''", "~", "vector(1)", "'rate(up[5m])'", "'{__name__=~\".*\"}'", "'up offset -5m'",
         "'rate(up[5m:1m])'", "'up @ 100'", "foo bar", "'sum by (job) (rate(x[1m]))'", "'up[5m]'", "'\"a\"'", "'absent(up)'", "'histogram_quantile(0.9, x)'",
         "'x{job=\"a\",job=\"b\"}'", "'topk(1, up)'", "'up and on() vector(1)'", "'label_replace(up, \"a\", \"$1\", \"b\", \"(.*)\")'", "'-up'", "'up > bool 1'",
         "'a =~ b'", "'{}'", "'up{job=~\"(\"}'", "'sum without() (up)'", "'count_values(\"x\", up)'", "'quantile_over_time(2, up[5m])'"]
RECORDS = ["job:up:sum", "'foo bar'", "'1abc'", "'a-b'", "':x'", "up", "'é'", "'__x'", "''", "~", "123", "true", "'a:b:c'"]
ALERTS = ["Down", "'with space'", "123", "''", "~", "true", "'{{ $labels.x }}'", "'é'", "'a-b'"]
NAMES = ["first", "second", "''", "~", "123", "true", "'a b'", "'é'", "[a]", "{a: b}"]
LABEL_KEYS = ["<<", "severity", "team", "1a", "__name__", "'a-b'", "'a b'", "''", "~", "'é'", "_x", "__meta", "a1", "A", "'{{x}}'", "true", "1"]
LABEL_VALUES = ["*e", "&l page", "*l", "{a: b}", "page", "''", "~", "'{{ $labels.job }}'", "'{{ .Foo'", "'{{ $nope }}'", "'{{ humanize $value }}'", "1", "true", "[a]", "{a: b}",
                "'{{ template \"x\" }}'", "'{{ if }}'", "'{{ $value | printf \"%.2f\" }}'", "'{{ end }}'", "'{{/* c */}}'", "'{{ $externalLabels.x }}'",
                "'{{ query \"up\" | first | value }}'", "'{{ range $i := . }}{{ end }}'", "'{{ .Labels.job }}'", "'{{ title \"x\" }}'"]

#: Values of a merge key (``<<``): mappings, lists of them, and what is neither.
MERGES = ["{expr: up}", "{for: 5m, labels: {a: b}}", "[{expr: up}, {expr: 'sum('}]", "{foo: 1}", "x", "[]", "{}", "~", "*e", "[x]", "{alert: X, record: y}"]
FIELD_VALUES: dict[str, list[str]] = {
    "<<": MERGES, "'<<'": MERGES,
    "name": NAMES, "interval": DURATIONS, "limit": SCALARS[:28], "query_offset": DURATIONS,
    "for": DURATIONS, "keep_firing_for": DURATIONS, "expr": EXPRS, "record": RECORDS, "alert": ALERTS,
}
UNKNOWN_KEYS = {
    "top": ["apiVersion", "kind", "spec", "Groups", "group", "rules", "groups"],
    "group": ["<<", "query_offset", "labels", "partial_response_strategy", "Name", "evaluation_interval", "alert", "expr", "source_tenants", "limit", "interval", "name", "rules"],
    "rule": ["<<", "<<", "'<<'", "anotations", "label", "Expr", "for", "keep_firing_for", "annotations", "labels", "name", "limit", "interval", "description", "record", "alert", "expr"],
}


def _maps(node: Node, level: str, out: list[tuple[Map, str]]) -> None:
    """Every mapping in ``node`` with its level: top, group, rule, or the field (labels, annotations) it is."""
    if isinstance(node, Map):
        out.append((node, level))
        for key, value in node.items:
            child = {"top": "groups", "group": key, "rule": key}.get(level, "other")
            if key == "groups" and level == "top":
                if isinstance(value, Seq):
                    for g in value.items:
                        _maps(g, "group", out)
            elif key == "rules" and level == "group":
                if isinstance(value, Seq):
                    for r in value.items:
                        _maps(r, "rule", out)
            else:
                _maps(value, child, out)
    elif isinstance(node, Seq):
        for item in node.items:
            _maps(item, level, out)


def _seqs(node: Node, level: str, out: list[tuple[Seq, str]]) -> None:
    if isinstance(node, Map):
        for key, value in node.items:
            if isinstance(value, Seq) and key in ("groups", "rules"):
                out.append((value, key))
            if isinstance(value, Seq | Map):
                _seqs(value, key, out)
    elif isinstance(node, Seq):
        for item in node.items:
            _seqs(item, level, out)


def _value_for(rng: random.Random, key: str, level: str) -> Node:
    if level in ("labels", "annotations"):
        return rng.choice(LABEL_VALUES)
    if key in ("labels", "annotations") and rng.random() < 0.7:
        return Map([(rng.choice(LABEL_KEYS), rng.choice(LABEL_VALUES)) for _ in range(rng.randint(0, 2))])
    if key in ("rules", "groups") and rng.random() < 0.5:
        return Seq([rng.choice(["~", "a", "[]", "{}", "{record: x, expr: up}"]) for _ in range(rng.randint(0, 2))])
    pool = FIELD_VALUES.get(key)
    if pool is not None and rng.random() < 0.7:
        return rng.choice(pool)
    return rng.choice(SCALARS)


def mutate(rng: random.Random, doc: Node) -> Node:
    """One random change to ``doc`` (changed in place when it can be; the new root returned)."""
    maps: list[tuple[Map, str]] = []
    _maps(doc, "top", maps)
    seqs: list[tuple[Seq, str]] = []
    _seqs(doc, "top", seqs)
    op = rng.choice(["set", "set", "set", "delete", "add", "twice", "rename", "item", "item", "labelkey", "root"])
    if op == "root" or not maps:
        return rng.choice(["~", "''", "[]", "{}", "foo", "[groups]", "{groups: ~}", "{groups: []}", "{groups: {}}", "{groups: [~]}", "{groups: [{name: x}]}", doc, doc])
    target, level = rng.choice(maps)
    if op == "labelkey" or level in ("labels", "annotations", "other"):
        if level in ("labels", "annotations", "other") and target.items and rng.random() < 0.5:
            i = rng.randrange(len(target.items))
            target.items[i] = (rng.choice(LABEL_KEYS), target.items[i][1])
        else:
            target.items.append((rng.choice(LABEL_KEYS), rng.choice(LABEL_VALUES)))
        return doc
    if op == "add" or not target.items:
        key = rng.choice(UNKNOWN_KEYS.get(level, ["foo"]))
        target.items.insert(rng.randint(0, len(target.items)), (key, _value_for(rng, key, level)))
        return doc
    i = rng.randrange(len(target.items))
    key, value = target.items[i]
    if op == "set":
        target.items[i] = (key, _value_for(rng, key, level))
    elif op == "delete":
        del target.items[i]
    elif op == "twice":
        target.items.insert(rng.randint(0, len(target.items)), (key, copy.deepcopy(value) if rng.random() < 0.5 else _value_for(rng, key, level)))
    elif op == "rename":
        target.items[i] = (rng.choice([key.upper(), key.capitalize(), key[:-1], key + "s", f"'{key}'", f'"{key}"', f"{key} "]), value)
    elif seqs:  # item
        seq, _what = rng.choice(seqs)
        choice = rng.random()
        if seq.items and choice < 0.35:
            seq.items.append(copy.deepcopy(rng.choice(seq.items)))  # a repeated group name, a repeated rule
        elif seq.items and choice < 0.6:
            del seq.items[rng.randrange(len(seq.items))]
        else:
            seq.items.insert(rng.randint(0, len(seq.items)), rng.choice(["~", "''", "a", "1", "[]", "{}", "[a]", "{alert: X}", "{expr: up}"]))
    return doc


def _emit(node: Node, indent: int, lines: list[str]) -> None:
    pad = " " * indent
    if isinstance(node, Map):
        for key, value in node.items:
            if isinstance(value, str):
                first, *rest = value.split("\n")
                lines.append(f"{pad}{key}: {first}".rstrip())
                lines.extend(pad + "  " + r.lstrip() for r in rest)
            elif not value.items:
                lines.append(f"{pad}{key}: {'{}' if isinstance(value, Map) else '[]'}")
            else:
                lines.append(f"{pad}{key}:")
                _emit(value, indent + 2, lines)
    elif isinstance(node, Seq):
        for item in node.items:
            if isinstance(item, str):
                first, *rest = item.split("\n")
                lines.append(f"{pad}- {first}".rstrip())
                lines.extend(pad + "    " + r.lstrip() for r in rest)
            elif not item.items:
                lines.append(f"{pad}- {'{}' if isinstance(item, Map) else '[]'}")
            else:
                start = len(lines)
                _emit(item, indent + 2, lines)
                lines[start] = pad + "- " + lines[start][indent + 2:]
    else:
        lines.append(pad + node)


def render(doc: Node) -> str:
    lines: list[str] = []
    _emit(doc, 0, lines)
    return "\n".join(lines) + "\n"


EXTRA_DOCUMENTS = ["---\nfoo: 1\n", "--- ~\n", "---\ngroups: [x]\n", "---\n", "---\ngroups:\n  - name: first\n    rules: []\n", "---\n: :\n  - [\n"]


def variant(seed: int) -> str:
    """The rule file of ``seed``: the valid file after one to three mutations."""
    rng = random.Random(seed)
    doc: Node = base()
    for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
        doc = mutate(rng, doc)
    text = render(doc)
    if rng.random() < 0.04:
        text = text + rng.choice(EXTRA_DOCUMENTS)
    if rng.random() < 0.02:
        text = "---\n" + text
    if rng.random() < 0.05:
        text = rng.choice(SPELLINGS)(text)
    return text


#: The same file written another way: line ends, a byte order mark, comments,
#: directives, the end-of-document marker, flow style, tabs (invalid).
SPELLINGS = [
    lambda t: t.replace("\n", "\r\n"),
    lambda t: "\ufeff" + t,
    lambda t: "# a comment\n" + t.replace("\n", "  # c\n", 3),
    lambda t: "%YAML 1.1\n---\n" + t,
    lambda t: "%YAML 1.3\n---\n" + t,
    lambda t: t + "...\n",
    lambda t: t + "...\nfoo: 1\n",
    lambda t: t.replace("    ", "\t", 1),
    lambda t: t.replace("  - name: first", "  - name: first\n    # comment"),
    lambda t: t.replace(": ", ":  "),
]
