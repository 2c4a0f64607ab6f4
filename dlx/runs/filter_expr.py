"""The filter language of ``dlx runs --filter`` and ``dlx compare --filter``: its own tokenizer and
recursive-descent parser into a small tree of comparisons; nothing is ever evaluated as Python.

Grammar (keywords in any case)::

    expression := conjunction ("or" conjunction)*
    conjunction := negation ("and" negation)*
    negation   := "not" negation | "(" expression ")" | comparison
    comparison := KEY OP value | KEY ["not"] "in" "(" value ("," value)* ")" | KEY "exists"
    OP         := = == != < <= > >= ~          (~: the text contains the value)
    KEY        := letters, digits, _ - . (a metric, a dotted config key, or name/kind/stamp/status/epochs)
    value      := a number, 'quoted' or "quoted" text, or a bare word (adam, finished, 1e-3)

Example::

    match = parse_filter("status=finished and val_accuracy>0.97 and optimiser.name in (adam, sgd)")
    match({"status": "finished", "val_accuracy": 0.98, "optimiser.name": "adam"})   # True
    match.keys                                                                       # {'status', ...}
    parse_filter("val_accuracy >")   # FilterError: ... expected a value after '>' at column 15 ...
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Callable

from dlx.errors import DlxError

OPERATORS = ("==", "!=", "<=", ">=", "=", "<", ">", "~")
KEYWORDS = {"and", "or", "not", "in", "exists"}
TOKEN = re.compile(r"""\s*(?:(?P<string>'[^']*'|"[^"]*")|(?P<op>==|!=|<=|>=|=|<|>|~)|(?P<punct>[(),])"""
                   r"""|(?P<word>[A-Za-z0-9_.+\-:/*]+)|(?P<bad>\S))""")
EXAMPLE = "e.g. status=finished and val_accuracy>0.97 and optimiser.name in (adam, sgd)"


class FilterError(DlxError):
    """A filter expression that does not parse; the message points at the column."""


@dataclass(frozen=True)
class Token:
    kind: str  # word, string, op, punct, end
    text: str
    column: int


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, ending with an ``end`` token; FilterError on a character the language lacks."""
    tokens, position = [], 0
    while position < len(text):
        found = TOKEN.match(text, position)
        if found is None or found.lastgroup is None:  # only blanks are left
            break
        column = found.start(found.lastgroup) + 1
        if found.lastgroup == "bad":
            raise FilterError(f"filter {text!r}: unexpected character {found.group('bad')!r} at column {column}; "
                              f"{EXAMPLE}")
        tokens.append(Token(found.lastgroup, found.group(found.lastgroup), column))
        position = found.end()
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


@dataclass
class Filter:
    """A parsed expression: call it on a flat record (key -> value); ``keys``: the keys it reads."""
    test: Callable[[dict], bool]
    keys: set[str] = field(default_factory=set)
    text: str = ""

    def __call__(self, record: dict) -> bool:
        return self.test(record)


class _Parser:
    def __init__(self, text: str):
        self.text, self.tokens, self.position, self.keys = text, tokenize(text), 0, set()

    def peek(self) -> Token:
        return self.tokens[self.position]

    def take(self) -> Token:
        token = self.tokens[self.position]
        self.position += min(1, len(self.tokens) - 1 - self.position)
        return token

    def is_word(self, *words: str) -> bool:
        token = self.peek()
        return token.kind == "word" and token.text.lower() in words

    def fail(self, what: str, token: Token | None = None) -> FilterError:
        token = token or self.peek()
        seen = f"'{token.text}'" if token.kind != "end" else "the end"
        return FilterError(f"filter {self.text!r}: expected {what} at column {token.column}, found {seen}; {EXAMPLE}")

    def expression(self) -> Callable[[dict], bool]:
        parts = [self.conjunction()]
        while self.is_word("or"):
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else (lambda record: any(part(record) for part in parts))

    def conjunction(self) -> Callable[[dict], bool]:
        parts = [self.negation()]
        while self.is_word("and"):
            self.take()
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else (lambda record: all(part(record) for part in parts))

    def negation(self) -> Callable[[dict], bool]:
        if self.is_word("not"):
            self.take()
            inner = self.negation()
            return lambda record: not inner(record)
        if self.peek().text == "(" and self.peek().kind == "punct":
            self.take()
            inner = self.expression()
            if self.take().text != ")":
                raise self.fail("')'", self.tokens[self.position - 1])
            return inner
        return self.comparison()

    def comparison(self) -> Callable[[dict], bool]:
        key = self.take()
        if key.kind != "word" or key.text.lower() in KEYWORDS or _number(key.text) is not None:
            raise self.fail("a key (a metric, a config key, status, kind, name, stamp or epochs)", key)
        name = key.text
        self.keys.add(name)
        if self.is_word("exists"):
            self.take()
            return lambda record: record.get(name) is not None
        negated = self.is_word("not")
        if negated:
            self.take()
        if self.is_word("in"):
            self.take()
            values = self.value_list()
            return lambda record: (_member(record.get(name), values)) != negated
        if negated:
            raise self.fail("'in' after 'not'")
        operator = self.take()
        if operator.kind != "op":
            raise self.fail(f"an operator ({' '.join(OPERATORS)}), 'in' or 'exists' after '{name}'", operator)
        value = self.value(f"a value after '{operator.text}'")
        return lambda record: _compare(record.get(name), operator.text, value)

    def value(self, what: str):
        token = self.take()
        if token.kind == "string":
            return token.text[1:-1]
        if token.kind != "word" or token.text.lower() in KEYWORDS:
            raise self.fail(what, token)
        number = _number(token.text)
        return token.text if number is None else number

    def value_list(self) -> list:
        if self.take().text != "(":
            raise self.fail("'(' after 'in'", self.tokens[self.position - 1])
        values = [self.value("a value in the list")]
        while self.peek().text == ",":
            self.take()
            values.append(self.value("a value after ','"))
        if self.take().text != ")":
            raise self.fail("',' or ')' in the list", self.tokens[self.position - 1])
        return values


def parse_filter(text: str) -> Filter:
    """``text`` parsed into a Filter; FilterError (one line, with the column) if it is malformed."""
    if not text or not text.strip():
        raise FilterError(f"the filter is empty; {EXAMPLE}")
    parser = _Parser(text)
    test = parser.expression()
    if parser.peek().kind != "end":
        raise parser.fail("'and', 'or' or the end")
    return Filter(test, parser.keys, text)


def _number(text: str) -> float | None:
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(inf|nan)", text, re.IGNORECASE):
        return None
    return float(text)


def _comparable(actual, wanted):
    """(actual, wanted) as two numbers when both read as numbers, else as two texts."""
    if isinstance(actual, bool):
        actual = str(actual).lower()
    number = actual if isinstance(actual, (int, float)) else _number(str(actual))
    if isinstance(wanted, float) and number is not None:
        return float(number), wanted
    return str(actual), str(wanted)


def _compare(actual, operator: str, wanted) -> bool:
    if actual is None:
        return operator == "!="
    left, right = _comparable(actual, wanted)
    if operator == "~":
        return str(right).lower() in str(actual).lower()
    if isinstance(left, float) and (math.isnan(left) or math.isnan(right)):
        return operator == "!="
    return {"=": left == right, "==": left == right, "!=": left != right, "<": left < right,
            "<=": left <= right, ">": left > right, ">=": left >= right}[operator]


def _member(actual, values: list) -> bool:
    return actual is not None and any(_compare(actual, "=", value) for value in values)
