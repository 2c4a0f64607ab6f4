"""Generated sequence tasks for recurrent networks (TOPICS [R], [N]); pure functions of a generator.

Each takes the number of sequences ``n``, its own options and ``rng`` (an
``np.random.Generator``) and returns NumPy arrays; the same seed gives the same data.
Nothing here is registered: the dataset registry wraps them once it supports integer
tokens and lengths. The character corpus and its n-gram baselines are in
``dlx.data.characters``.

- ``adding_problem``: the long-memory benchmark of Hochreiter & Schmidhuber (1997) and Le et al. (2015).
- ``copy_task``: recall a few symbols after a long blank stretch (Arjovsky et al. 2016).
- ``sine_forecast``: predict the next values of noisy sine waves.
- ``parity``: is the number of ones odd? (variable lengths, with a mask).
- ``tagging_task``: sentences from a small grammar with entity spans and BIO tags (as NER).
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ConfigError


def _at_least(what: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError(f"{what} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def adding_problem(n: int, steps: int = 100, rng: np.random.Generator | None = None):
    """The adding problem: the sum of the two marked values of a long sequence.

    Channel 0 holds values drawn from U[0, 1]; channel 1 is 1 at exactly two steps, one
    in each half of the sequence, and 0 elsewhere. The target is the sum of the two marked
    values. Predicting the mean 1 gives MSE Var(u1 + u2) = 2/12 = 1/6 ~= 0.167; a network
    must remember the first marked value over up to ``steps`` steps to do better.

    Returns:
        x (n, steps, 2) float32, y (n, 1) float32.
    """
    n, steps = _at_least("n", n, 1), _at_least("steps", steps, 2)
    rng = rng if rng is not None else np.random.default_rng(0)
    values = rng.uniform(0.0, 1.0, (n, steps))
    half = steps // 2
    first, second = rng.integers(0, half, n), rng.integers(half, steps, n)
    markers = np.zeros((n, steps))
    rows = np.arange(n)
    markers[rows, first] = markers[rows, second] = 1.0
    y = values[rows, first] + values[rows, second]
    return np.stack([values, markers], axis=2).astype(np.float32), y[:, None].astype(np.float32)


def copy_task(n: int, length: int = 10, delay: int = 50, symbols: int = 8,
              rng: np.random.Generator | None = None):
    """Copy memory: read ``length`` symbols, wait ``delay`` steps, then write them back.

    Tokens: 0 is blank, 1..symbols are the symbols, symbols + 1 is the marker "write now".
    Input  [s_1 .. s_L | 0 x delay | marker | 0 x (L - 1)], total T = 2 L + delay.
    Target [0 x (L + delay)                  | s_1 .. s_L].
    A network without memory can at best predict blanks and then guess uniformly:
    cross-entropy L ln(symbols) / T per step (Arjovsky et al. 2016).

    Returns:
        x (n, T) int64 tokens, y (n, T) int64 tokens; vocabulary size symbols + 2.
    """
    n, length = _at_least("n", n, 1), _at_least("length", length, 1)
    delay, symbols = _at_least("delay", delay, 0), _at_least("symbols", symbols, 2)
    rng = rng if rng is not None else np.random.default_rng(0)
    steps = 2 * length + delay
    sequence = rng.integers(1, symbols + 1, (n, length))
    x, y = np.zeros((n, steps), np.int64), np.zeros((n, steps), np.int64)
    x[:, :length] = sequence
    x[:, length + delay] = symbols + 1
    y[:, length + delay:] = sequence
    return x, y


def sine_forecast(n: int, steps: int = 50, horizon: int = 1, noise: float = 0.05,
                  rng: np.random.Generator | None = None):
    """Windows of noisy sine waves and the next ``horizon`` clean values.

    Each sequence has its own period (U[10, 40] steps), phase and amplitude (U[0.5, 1.5]):
    s_t = A sin(2 pi t / P + phi), the input adds N(0, noise^2).

    Returns:
        x (n, steps, 1) float32, y (n, horizon) float32.
    """
    n, steps, horizon = _at_least("n", n, 1), _at_least("steps", steps, 1), _at_least("horizon", horizon, 1)
    rng = rng if rng is not None else np.random.default_rng(0)
    period, phase = rng.uniform(10, 40, (n, 1)), rng.uniform(0, 2 * np.pi, (n, 1))
    amplitude = rng.uniform(0.5, 1.5, (n, 1))
    t = np.arange(steps + horizon)[None, :]
    clean = amplitude * np.sin(2 * np.pi * t / period + phase)
    x = clean[:, :steps] + rng.normal(0.0, noise, (n, steps))
    return x[:, :, None].astype(np.float32), clean[:, steps:].astype(np.float32)


def parity(n: int, steps: int = 20, min_steps: int | None = None, rng: np.random.Generator | None = None):
    """Random bit strings and whether they hold an odd number of ones (XOR over time).

    With ``min_steps`` the lengths vary uniformly in [min_steps, steps]; the bits after
    each length are 0 and ``mask`` is False there.

    Returns:
        x (n, steps, 1) float32 bits, y (n,) int64 parity, mask (n, steps) bool.
    """
    n, steps = _at_least("n", n, 1), _at_least("steps", steps, 1)
    low = steps if min_steps is None else _at_least("min_steps", min_steps, 1)
    if low > steps:
        raise ConfigError(f"min_steps={low} is more than steps={steps}; use min_steps <= steps")
    rng = rng if rng is not None else np.random.default_rng(0)
    lengths = rng.integers(low, steps + 1, n)
    mask = np.arange(steps)[None, :] < lengths[:, None]
    bits = rng.integers(0, 2, (n, steps)) * mask
    return bits[:, :, None].astype(np.float32), (bits.sum(axis=1) % 2).astype(np.int64), mask


# ---- a tagging task: sentences with entity spans, BIO tags -------------------------------------------
TAGS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]
ENTITIES = {
    "PER": [["anna"], ["max", "weber"], ["lena", "schmidt"], ["jan"], ["eva", "maria", "klein"]],
    "ORG": [["siemens"], ["deutsche", "bahn"], ["tu", "berlin"], ["acme", "labs"]],
    "LOC": [["berlin"], ["new", "york"], ["bad", "homburg"], ["paris"], ["rio", "de", "janeiro"]],
}
TEMPLATES = [  # words, or an entity type in capitals
    ["PER", "works", "at", "ORG", "in", "LOC"],
    ["PER", "lives", "in", "LOC"],
    ["ORG", "opened", "an", "office", "in", "LOC"],
    ["yesterday", "PER", "met", "PER"],
    ["PER", "left", "ORG", "for", "ORG"],
    ["the", "train", "to", "LOC", "was", "late"],
]


def tagging_vocabulary() -> list[str]:
    """Every word of the grammar, index 0 the padding token "<pad>"."""
    words = {w for template in TEMPLATES for w in template if w not in ENTITIES}
    words |= {w for names in ENTITIES.values() for name in names for w in name}
    return ["<pad>"] + sorted(words)


def tagging_task(n: int, rng: np.random.Generator | None = None):
    """Sentences from a small grammar with person, organisation and place names, tagged BIO.

    A span's first word is tagged B-TYPE, its following words I-TYPE, other words O
    (Ramshaw & Marcus 1995). Sentences have different lengths; they are padded at the end
    with token 0 and tag 0 ("O"), and ``mask`` is False there.

    Returns:
        tokens (n, T) int64, tags (n, T) int64 (indices into ``TAGS``), mask (n, T) bool,
        vocabulary (list of words, ``tagging_vocabulary()``); T is the longest sentence drawn.
    """
    n = _at_least("n", n, 1)
    rng = rng if rng is not None else np.random.default_rng(0)
    vocabulary = tagging_vocabulary()
    index = {w: i for i, w in enumerate(vocabulary)}
    sentences = [_sentence(TEMPLATES[rng.integers(len(TEMPLATES))], rng) for _ in range(n)]
    steps = max(len(words) for words, _ in sentences)
    tokens, tags, mask = np.zeros((n, steps), np.int64), np.zeros((n, steps), np.int64), np.zeros((n, steps), bool)
    for row, (words, labels) in enumerate(sentences):
        tokens[row, :len(words)] = [index[w] for w in words]
        tags[row, :len(words)] = [TAGS.index(label) for label in labels]
        mask[row, :len(words)] = True
    return tokens, tags, mask, vocabulary


def _sentence(template: list[str], rng) -> tuple[list[str], list[str]]:
    words, labels = [], []
    for slot in template:
        if slot not in ENTITIES:
            words.append(slot), labels.append("O")
            continue
        name = ENTITIES[slot][rng.integers(len(ENTITIES[slot]))]
        words += name
        labels += [f"B-{slot}"] + [f"I-{slot}"] * (len(name) - 1)
    return words, labels
