"""Loki's own LogQL grammar as an oracle: the LALR tables goyacc generated from
``pkg/logql/syntax/expr.y`` (``expr.y.go`` at :data:`LOKI_TAG`), read at test
time from a snapshot of the Loki repository, driven as goyacc's ``Parse`` drives
them. It answers whether the grammar takes a token sequence (any syntax error
is a refusal: Loki's parser reports the first one even when it recovers).
Nothing of Loki is committed: the tables are read from the snapshot."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.lint.loki_parser_cases import LOKI_TAG, loki_source

_ARRAY = re.compile(r"^var (?:expr|syntax)(\w+) = \[\.\.\.\]int\{(.*?)\n\}", re.M | re.S)
_CONST = re.compile(r"^const (\w+) = (-?\d+)$", re.M)
#: The token kinds of obs_as_code.lint.logql whose yacc token is named by their text.
_BY_TEXT = {"RANGE_OP", "VECTOR_OP", "CONV"}
_CONV = {"bytes": "BYTES_CONV", "duration": "DURATION_CONV", "duration_seconds": "DURATION_SECONDS_CONV"}


@dataclass
class LokiTables:
    arrays: dict[str, list[int]]
    consts: dict[str, int]
    #: goyacc's prefix: ``expr`` (2.9's expr.y), ``syntax`` (3.5's syntax.y on).
    prefix: str = "expr"

    def code(self, kind: str, text: str) -> int:
        """The lexer's return value for one of our tokens."""
        if kind == "EOF":
            return 0
        if kind in _BY_TEXT:
            name = _CONV[text.lower()] if kind == "CONV" else text.upper()
            return self.consts[name]
        if kind == "PARSER_FLAG" and kind not in self.consts:
            return self.consts["FUNCTION_FLAG"]  # Loki 3's name
        return self.consts[kind]

    def token(self, char: int) -> int:
        """goyacc's exprlex1: the lexer's value -> the internal token number."""
        tok1, tok2, tok3 = self.arrays["Tok1"], self.arrays["Tok2"], self.arrays["Tok3"]
        private = self.consts[f"{self.prefix}Private"]
        token = 0
        if char <= 0:
            token = tok1[0]
        elif char < len(tok1):
            token = tok1[char]
        elif private <= char < private + len(tok2):
            token = tok2[char - private]
        else:
            for i in range(0, len(tok3), 2):
                if tok3[i] == char:
                    token = tok3[i + 1]
                    break
        return token or tok2[1]

    def accepts(self, chars: list[int]) -> bool:
        """Whether the grammar takes the token sequence ``chars`` (ending with 0)."""
        a = self.arrays
        pact, act, chk, dfl, exca, pgo, r1, r2 = (a[k] for k in ("Pact", "Act", "Chk", "Def", "Exca", "Pgo", "R1", "R2"))
        last, flag = self.consts[f"{self.prefix}Last"], self.consts[f"{self.prefix}Flag"]
        stack = [0]
        state = 0
        i = 0
        tok = -1
        for _ in range(100_000):
            n = pact[state]
            if n > flag:
                if tok < 0:
                    tok = self.token(chars[i])
                n += tok
                if 0 <= n < last and chk[act[n]] == tok:
                    state = act[n]
                    stack.append(state)
                    i += 1
                    tok = -1
                    continue
            n = dfl[state]
            if n == -2:
                if tok < 0:
                    tok = self.token(chars[i])
                xi = 0
                while not (exca[xi] == -1 and exca[xi + 1] == state):
                    xi += 2
                xi += 2
                while not (exca[xi] < 0 or exca[xi] == tok):
                    xi += 2
                n = exca[xi + 1]
                if n < 0:
                    return True
            if n == 0:
                return False
            del stack[len(stack) - r2[n] :]
            nt = r1[n]
            g = pgo[nt]
            j = g + stack[-1] + 1
            if j >= last:
                state = act[g]
            else:
                state = act[j]
                if chk[state] != -nt:
                    state = act[g]
            stack.append(state)
        raise AssertionError("the LALR driver did not stop")


def loki_tables(tag: str = LOKI_TAG) -> LokiTables | None:
    """The tables of expr.y.go (syntax.y.go from Loki 3.5) at ``tag``, None without a snapshot."""
    prefix = "expr"
    text = loki_source("pkg/logql/syntax/expr.y.go", tag)
    if text is None:
        prefix = "syntax"
        text = loki_source("pkg/logql/syntax/syntax.y.go", tag)
    if text is None:
        return None
    arrays = {m.group(1): [int(x) for x in re.findall(r"-?\d+", m.group(2))] for m in _ARRAY.finditer(text)}
    consts = {m.group(1): int(m.group(2)) for m in _CONST.finditer(text)}
    return LokiTables(arrays, consts, prefix)
