"""Sequence-to-sequence data sets (TOPICS [N]): a source string in, a target string out, generated.

- ``reverse_digits``, ``sort_digits``, ``copy_digits``: digit strings and their reverse, sorted
  copy or copy (the attention heatmap of reversing is the anti-diagonal);
- ``addition``: sums written as text, ``"12+345"`` -> ``"357"``;
- ``dates``: dates in many human formats -> ISO 8601, with format combinations held out
  (``dlx.data.dates``).

Every set has the task "seq2seq" and one character vocabulary for source and target,
saved as its ``class_names``: token 0 is padding, 1 the start token the decoder reads
first, 2 the end token it must write last, then one token per character. X (N, T_s) holds
the source tokens padded with 0 and ``lengths`` their lengths; y (N, T_t) the target
tokens followed by the end token, ``target_lengths`` counting it::

    ds = datasets.get("reverse_digits")(rng=rng, n=1000, length=10)
    decode_tokens(ds.X[0], ds.class_names), decode_tokens(ds.y[0], ds.class_names)   # '8012...', '...2108'
"""
from __future__ import annotations

import numpy as np

from dlx.data.batching import pad_sequences
from dlx.data.checks import register_task_name
from dlx.data.dataset import Dataset
from dlx.data.dates import date_alphabet, date_pairs, formats_of
from dlx.errors import ConfigError, DataError
from dlx.registry import datasets

SEQ2SEQ = register_task_name("seq2seq")  # a target sequence of its own length for each source sequence
PAD, START, END = 0, 1, 2
SPECIAL = ["<pad>", "<s>", "</s>"]
DIGITS = "0123456789"


def vocabulary(alphabet: str) -> list[str]:
    """The token names: the three special tokens, then each character of ``alphabet``."""
    return SPECIAL + list(alphabet)


def encode_text(text: str, names: list[str]) -> np.ndarray:
    """The tokens of ``text`` in the vocabulary ``names``; DataError names a character it lacks."""
    index = {name: i for i, name in enumerate(names) if i >= len(SPECIAL)}
    unknown = sorted({c for c in text if c not in index})
    if unknown:
        known = "".join(names[len(SPECIAL):])
        raise DataError(f"unknown character{'s' if len(unknown) > 1 else ''} {''.join(unknown)!r} in "
                        f"{text!r}; this model knows only {known!r}")
    return np.array([index[c] for c in text], dtype=np.int64)


def decode_tokens(tokens, names: list[str]) -> str:
    """The text of ``tokens`` up to the first end token; padding and the start token are skipped."""
    chars = []
    for token in np.asarray(tokens).tolist():
        if token == END:
            break
        if token >= len(SPECIAL):
            chars.append(names[token])
    return "".join(chars)


def text_pairs_dataset(pairs: list[tuple[str, str]], alphabet: str, name: str) -> Dataset:
    """A "seq2seq" Dataset of (source, target) strings over ``alphabet`` (the layout of the module docstring)."""
    names = vocabulary(alphabet)
    sources, lengths = pad_sequences([encode_text(s, names) for s, _ in pairs])
    targets, target_lengths = pad_sequences([np.append(encode_text(t, names), END) for _, t in pairs])
    return Dataset(sources, targets, SEQ2SEQ, name, class_names=names, lengths=lengths,
                   target_lengths=target_lengths)


def _count(what: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError(f"{what} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _digit_strings(rng, n: int, length: int, min_length: int | None) -> list[str]:
    n, length = _count("n", n), _count("length", length)
    low = length if min_length is None else _count("min_length", min_length)
    if low > length:
        raise ConfigError(f"min_length={low} is more than length={length}; use min_length <= length")
    rng = rng if rng is not None else np.random.default_rng(0)
    sizes = rng.integers(low, length + 1, n)
    return ["".join(DIGITS[d] for d in rng.integers(0, 10, size)) for size in sizes]


@datasets.register("reverse_digits", "reverse")
def reverse_digits(rng: np.random.Generator | None = None, n: int = 1000, length: int = 10,
                   min_length: int | None = None) -> Dataset:
    """Digit strings and the same digits reversed ("1234" -> "4321"); lengths min_length..length (seq2seq)."""
    strings = _digit_strings(rng, n, length, min_length)
    return text_pairs_dataset([(s, s[::-1]) for s in strings], DIGITS, "reverse-digits")


@datasets.register("sort_digits")
def sort_digits(rng: np.random.Generator | None = None, n: int = 1000, length: int = 10,
                min_length: int | None = None) -> Dataset:
    """Digit strings and their digits sorted ("3141" -> "1134") (seq2seq)."""
    strings = _digit_strings(rng, n, length, min_length)
    return text_pairs_dataset([(s, "".join(sorted(s))) for s in strings], DIGITS, "sort-digits")


@datasets.register("copy_digits")
def copy_digits(rng: np.random.Generator | None = None, n: int = 1000, length: int = 10,
                min_length: int | None = None) -> Dataset:
    """Digit strings and the same string ("1234" -> "1234") (seq2seq)."""
    strings = _digit_strings(rng, n, length, min_length)
    return text_pairs_dataset([(s, s) for s in strings], DIGITS, "copy-digits")


@datasets.register("addition", "text_addition")
def addition(rng: np.random.Generator | None = None, n: int = 1000, digits: int = 3) -> Dataset:
    """Sums written as text, "12+345" -> "357": two numbers of 1..digits digits each (seq2seq)."""
    n, digits = _count("n", n), _count("digits", digits)
    rng = rng if rng is not None else np.random.default_rng(0)
    sizes = rng.integers(1, digits + 1, (n, 2))
    numbers = rng.integers(0, 10 ** sizes)  # a number of up to ``size`` digits
    return text_pairs_dataset([(f"{a}+{b}", str(a + b)) for a, b in numbers.tolist()], DIGITS + "+", "addition")


@datasets.register("dates", "date_formats")
def dates(rng: np.random.Generator | None = None, n: int = 1000, formats: str = "seen") -> Dataset:
    """Dates in human formats ("3rd of March 2021", "03/03/21", "March 3, 2021") -> ISO 8601 (seq2seq).

    Args:
        n (default 1000): number of dates, uniform over 1950-2049.
        formats (default "seen"): "seen" draws from every format but the held-out combinations
            (``dlx.data.dates.HELD_OUT``), "held_out" from those alone, "all" from both.
    """
    if formats not in ("seen", "held_out", "all"):
        raise ConfigError(f"dates: formats must be seen, held_out or all, got {formats!r}")
    rng = rng if rng is not None else np.random.default_rng(0)
    pairs = date_pairs(_count("n", n), formats_of(formats), rng)
    return text_pairs_dataset(pairs, date_alphabet(), f"dates-{formats}".replace("_", "-"))
