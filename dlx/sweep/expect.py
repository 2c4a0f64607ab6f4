"""Claims about a sweep (``adam.val_loss < sgd.val_loss``): a small grammar of our own, never ``eval``.

Grammar (lowest precedence first)::

    claim       := disjunction
    disjunction := conjunction ("or" conjunction)*
    conjunction := negation ("and" negation)*
    negation    := "not" negation | comparison
    comparison  := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum ("at" NUMBER "%")?)?
    sum         := product (("+" | "-") product)*
    product     := unary (("*" | "/") unary)*
    unary       := "-" unary | primary
    primary     := NUMBER | "(" disjunction ")" | ("min" | "max" | "mean") "(" ref ")" | ref | WORD
    ref         := selector "." METRIC
    selector    := part ("&" part)*
    part        := NAME | NAME "[" (NUMBER | NAME) "]"

A selector picks groups of trials: ``adam`` the groups where some parameter has the
value ``adam``; ``lr[0.1]`` those where the parameter ``lr`` (the last part of its
path, or the whole path) is 0.1; ``sgd&lr[0.1]`` those where both hold. ``sel.metric`` is the mean over the selected trials
(every seed); ``min(sel.metric)``/``max(...)`` the best group mean among them (e.g. SGD
at its best learning rate); ``sel.status`` is the status all the trials share, else
``mixed``. A bare WORD (``diverged``) is a string. A missing number (a failed trial)
is NaN, so a comparison with it does not hold.

A claim that is one comparison with a level, ``adam.val_loss < sgd.val_loss at 95%``, is a
statistical claim over the seeds: both sides per seed, a paired one-sided t-test, and the
verdict held, failed or not shown (``dlx.sweep.significance``); the sweep needs at least
three seeds for it. Without a level a claim compares the means over seeds.

Example::

    claim = parse_claim("momentum.steps_to_target < 0.5 * min(sgd.steps_to_target)")
    verdict = evaluate_claim("momentum_faster", claim, lookup)   # lookup: a GroupLookup
    verdict.held, verdict.numbers
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from dlx.errors import ConfigError

TOKEN = re.compile(r"\s*(?:(?P<number>\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)"
                   r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op><=|>=|==|!=|[<>+\-*/().\[\]&%]))")
COMPARISONS = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
               ">=": lambda a, b: a >= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b}
AGGREGATES = ("min", "max", "mean")
KEYWORDS = ("and", "or", "not", "at")
ORDERINGS = ("<", "<=", ">", ">=")     # the comparisons a test "at N%" can judge
MAX_NESTING = 32  # brackets, "not" and "-" inside each other; a claim needs two or three
MAX_TOKENS = 256  # a claim is one comparison or a few; this keeps every tree walk far from the recursion limit


def tokenize(text: str) -> list[tuple[str, str]]:
    """(kind, text) pairs: number, name or op; ConfigError at the first character that is none."""
    tokens, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ConfigError(f"unexpected character {text[position:].strip()[:1]!r} at position {position + 1}")
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


@dataclass(frozen=True)
class Ref:
    """``selector.metric`` with an optional aggregate over groups (min, max, mean).

    ``parts`` are the selector's (name, key) pairs; key None means "some parameter is name".
    """

    parts: tuple[tuple[str, str | float | None], ...]
    metric: str
    aggregate: str = "mean"

    def text(self) -> str:
        selector = "&".join(name if key is None else f"{name}[{key:g}]" if isinstance(key, float)
                            else f"{name}[{key}]" for name, key in self.parts)
        inner = f"{selector}.{self.metric}"
        return inner if self.aggregate == "mean" else f"{self.aggregate}({inner})"


class Parser:
    """Recursive descent over the tokens; each method parses one rule of the grammar."""

    def __init__(self, text: str):
        self.text, self.tokens, self.at, self.depth = text, tokenize(text), 0, 0
        if len(self.tokens) > MAX_TOKENS:
            raise ConfigError(f"the claim has {len(self.tokens)} tokens, more than {MAX_TOKENS}; "
                              f"split it into several shorter claims")

    def nested(self, rule):
        """``rule()`` one level deeper; a claim nested more than MAX_NESTING levels is refused."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise ConfigError(f"the claim is nested more than {MAX_NESTING} levels deep (brackets, 'not', '-'); "
                              f"write it flatter or split it into several claims")
        node = rule()
        self.depth -= 1
        return node

    def parse(self):
        if not self.tokens:
            raise ConfigError("the claim is empty; write e.g. adam.val_loss < sgd.val_loss")
        node = self.disjunction()
        if self.at < len(self.tokens):
            raise ConfigError(f"unexpected '{self.tokens[self.at][1]}' after a complete claim")
        tests = tests_in(node)
        if tests and (node[0] != "test" or len(tests) > 1):
            raise ConfigError("a claim with 'at N%' must be a single comparison (a statistical test); write the "
                              "other parts as claims of their own")
        return node

    def peek(self, *texts) -> bool:
        return self.at < len(self.tokens) and self.tokens[self.at][1] in texts

    def take(self, kind: str | None = None, text: str | None = None) -> str:
        if self.at >= len(self.tokens):
            raise ConfigError(f"the claim ends early; expected {text or kind}")
        got_kind, got = self.tokens[self.at]
        if (kind and got_kind != kind) or (text and got != text):
            raise ConfigError(f"expected {text or kind} but found '{got}'")
        self.at += 1
        return got

    def disjunction(self):
        node = self.conjunction()
        while self.peek("or"):
            self.take()
            node = ("or", node, self.conjunction())
        return node

    def conjunction(self):
        node = self.negation()
        while self.peek("and"):
            self.take()
            node = ("and", node, self.negation())
        return node

    def negation(self):
        if self.peek("not"):
            self.take()
            return ("not", self.nested(self.negation))
        return self.comparison()

    def comparison(self):
        node = self.sum()
        if self.peek(*COMPARISONS):
            op = self.take()
            node = ("compare", op, node, self.sum())
            if self.peek("at"):
                node = ("test", *node[1:], self.level(op))
        return node

    def level(self, op: str) -> float:
        """``at NUMBER %``: the confidence level of a statistical claim, as a fraction."""
        self.take()
        value = float(self.take("number"))
        self.take(text="%")
        if op not in ORDERINGS:
            raise ConfigError(f"a test 'at {value:g}%' judges <, <=, > or >=, not '{op}'")
        if not 50.0 < value < 100.0:
            raise ConfigError(f"the level 'at {value:g}%' must lie between 50% and 100%, e.g. at 95%")
        return value / 100.0

    def sum(self):
        node = self.product()
        while self.peek("+", "-"):
            node = ("arith", self.take(), node, self.product())
        return node

    def product(self):
        node = self.unary()
        while self.peek("*", "/"):
            node = ("arith", self.take(), node, self.unary())
        return node

    def unary(self):
        if self.peek("-"):
            self.take()
            return ("neg", self.nested(self.unary))
        return self.primary()

    def primary(self):
        if self.at >= len(self.tokens):
            raise ConfigError("the claim ends early; expected a number or a group.metric")
        kind, text = self.tokens[self.at]
        if kind == "number":
            self.at += 1
            return ("number", float(text))
        if text == "(":
            self.take()
            node = self.nested(self.disjunction)
            self.take(text=")")
            return node
        if kind != "name" or text in KEYWORDS:
            raise ConfigError(f"expected a number or a group.metric but found '{text}'")
        self.at += 1
        if text in AGGREGATES and self.peek("("):
            self.take()
            ref = self.ref(self.take("name"))
            self.take(text=")")
            return ("ref", Ref(ref.parts, ref.metric, text))
        if self.peek(".", "[", "&"):
            return ("ref", self.ref(text))
        return ("word", text)

    def ref(self, name: str) -> Ref:
        parts = [self.part(name)]
        while self.peek("&"):
            self.take()
            parts.append(self.part(self.take("name")))
        self.take(text=".")
        return Ref(tuple(parts), self.take("name"))

    def part(self, name: str) -> tuple[str, str | float | None]:
        if not self.peek("["):
            return name, None
        self.take()
        kind, text = self.tokens[self.at] if self.at < len(self.tokens) else ("", "")
        if kind not in ("number", "name"):
            raise ConfigError(f"expected a value inside {name}[...] but found '{text}'")
        self.at += 1
        self.take(text="]")
        return name, (float(text) if kind == "number" else text)


def parse_claim(text: str):
    """The syntax tree of a claim; ConfigError (one line) if it does not parse."""
    return Parser(str(text)).parse()


def tests_in(node) -> list:
    """Every statistical comparison ("at N%") in a tree."""
    found = [node] if node[0] == "test" else []
    return found + [t for child in node[1:] if isinstance(child, tuple) for t in tests_in(child)]


def refs_of(node) -> list[Ref]:
    """Every ``group.metric`` reference in a tree, in order."""
    if node[0] == "ref":
        return [node[1]]
    return [ref for child in node[1:] if isinstance(child, tuple) for ref in refs_of(child)]


@dataclass
class Verdict:
    """One claim after the sweep: held, failed or (a statistical claim the seeds do not decide) not shown,
    with the numbers it compared and, for a test, its statistics."""

    name: str
    claim: str
    outcome: str
    numbers: dict = field(default_factory=dict)
    statistics: dict | None = None

    @property
    def held(self) -> bool:
        return self.outcome == "held"

    @property
    def failed(self) -> bool:
        return self.outcome == "failed"

    def record(self) -> dict:
        record = {"name": self.name, "claim": self.claim, "verdict": self.outcome, "numbers": self.numbers}
        if self.statistics is not None:
            record["statistics"] = self.statistics
        return record


def evaluate_claim(name: str, text: str, lookup) -> Verdict:
    """Evaluate ``text`` with ``lookup.value(ref) -> float | str`` (see ``dlx.sweep.groups``); a statistical
    claim also needs ``lookup.seeds()`` and ``lookup.for_seed(seed)`` (the lookup of one seed's trials)."""
    tree = parse_claim(text)
    numbers: dict = {}
    if tree[0] == "test":
        return _test(name, text, tree, lookup, numbers)
    result = _evaluate(tree, lookup, numbers)
    held = bool(result) if isinstance(result, bool) else False
    return Verdict(name, text, "held" if held else "failed", numbers)


def _test(name: str, text: str, tree, lookup, numbers: dict) -> Verdict:
    """A paired test over the seeds every side has a finite number for."""
    from dlx.sweep.significance import paired_test
    _, op, left, right, level = tree
    pairs = []
    for seed in lookup.seeds():
        one = lookup.for_seed(seed)
        a, b = _number(_evaluate(left, one, {})), _number(_evaluate(right, one, {}))
        if math.isfinite(a) and math.isfinite(b):
            pairs.append((a, b))
    _evaluate(("compare", op, left, right), lookup, numbers)          # the means over seeds, for the record
    if len(pairs) < 2:
        return Verdict(name, text, "not shown", numbers, {"seeds": len(pairs), "test": "paired one-sided t-test",
                                                         "note": "fewer than two seeds with finite numbers"})
    statistics = paired_test([a for a, _ in pairs], [b for _, b in pairs], op, level)
    return Verdict(name, text, statistics.pop("outcome"), numbers, statistics)


def _evaluate(node, lookup, numbers):
    kind = node[0]
    if kind == "number" or kind == "word":
        return node[1]
    if kind == "ref":
        value = lookup.value(node[1])
        numbers[node[1].text()] = value
        return value
    if kind == "neg":
        return -_number(_evaluate(node[1], lookup, numbers))
    if kind == "not":
        return not _evaluate(node[1], lookup, numbers)
    if kind in ("and", "or"):
        left, right = _evaluate(node[1], lookup, numbers), _evaluate(node[2], lookup, numbers)
        return (left and right) if kind == "and" else (left or right)
    op, left, right = node[1], _evaluate(node[2], lookup, numbers), _evaluate(node[3], lookup, numbers)
    if kind in ("compare", "test"):
        if isinstance(left, str) or isinstance(right, str):
            return op in ("==", "!=") and COMPARISONS[op](str(left), str(right))
        return COMPARISONS[op](_number(left), _number(right))  # NaN compares False
    a, b = _number(left), _number(right)
    if op == "/":
        return a / b if b else math.nan
    return {"+": a + b, "-": a - b, "*": a * b}[op]


def _number(value) -> float:
    if isinstance(value, str):
        raise ConfigError(f"'{value}' is a word, not a number; compare words only with == or !=")
    return float(value)
