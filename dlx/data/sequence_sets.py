"""Sequence data sets in the registry (TOPICS [R], [N]): the generators of ``sequences`` and a character corpus.

Each loader wraps a pure generator of ``dlx.data.sequences`` (or ``characters``) as a
``Dataset`` with declared shapes, so that a config can say::

    dataset: {name: adding, options: {n: 10000, steps: 100}}

The lecture's sequence shapes:

- many-to-one: ``adding`` and ``sine`` (regression), ``parity`` (binary, variable lengths);
- many-to-many: ``copy`` and ``tagging`` (a label per time step, task "tagging");
- next-character prediction: ``characters`` (task "language_model"; the model samples text
  from a seed, one-to-many, with ``dlx sample``).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from dlx.data.characters import CharCorpus, default_text
from dlx.data.checks import register_task_name
from dlx.data.dataset import Dataset
from dlx.data.sequences import TAGS, adding_problem, copy_task, parity, sine_forecast, tagging_task
from dlx.data.sources import note_data_file
from dlx.errors import ConfigError, DataError
from dlx.registry import datasets

TAGGING = register_task_name("tagging")  # a label per time step
LANGUAGE_MODEL = register_task_name("language_model")  # the next token at every step


def _rng(rng):
    return rng if rng is not None else np.random.default_rng(0)


def _full_lengths(x: np.ndarray) -> np.ndarray:
    return np.full(len(x), x.shape[1], dtype=np.int64)


@datasets.register("adding", "adding_problem")
def adding(rng: np.random.Generator | None = None, n: int = 10000, steps: int = 100) -> Dataset:
    """The adding problem (regression): x (steps, 2) of values and two markers, y the sum of the marked values.

    Predicting the mean gives MSE 1/6 ~= 0.167 (``dlx.data.sequences.adding_problem``).
    """
    x, y = adding_problem(n, steps, rng=_rng(rng))
    return Dataset(x, y, "regression", f"adding-{steps}")


@datasets.register("sine", "sine_forecast")
def sine(rng: np.random.Generator | None = None, n: int = 2000, steps: int = 50, horizon: int = 1,
         noise: float = 0.05) -> Dataset:
    """Noisy sine waves (steps, 1) and their next ``horizon`` clean values (regression)."""
    x, y = sine_forecast(n, steps, horizon, noise, rng=_rng(rng))
    return Dataset(x, y, "regression", "sine")


@datasets.register("parity")
def parity_set(rng: np.random.Generator | None = None, n: int = 2000, steps: int = 20,
               min_steps: int | None = None) -> Dataset:
    """Bit strings (steps, 1), padded after their length; label 1 if the number of ones is odd (binary)."""
    x, y, mask = parity(n, steps, min_steps, rng=_rng(rng))
    return Dataset(x, y, "binary", "parity", class_names=["even", "odd"],
                   lengths=mask.sum(axis=1))


@datasets.register("copy", "copy_task")
def copy(rng: np.random.Generator | None = None, n: int = 2000, length: int = 10, delay: int = 50,
         symbols: int = 8) -> Dataset:
    """Copy memory (tagging): integer tokens (T,), T = 2 length + delay; the target token at every step."""
    x, y = copy_task(n, length, delay, symbols, rng=_rng(rng))
    names = ["blank"] + [f"s{i}" for i in range(1, symbols + 1)] + ["write"]
    return Dataset(x, y, TAGGING, "copy", class_names=names, lengths=_full_lengths(x))


@datasets.register("tagging", "entity_tagging")
def tagging(rng: np.random.Generator | None = None, n: int = 2000) -> Dataset:
    """Sentences of a small grammar as word tokens (T,), padded, with a BIO entity tag per word (tagging).

    Token i is word i of ``dlx.data.sequences.tagging_vocabulary()`` (41 words, 0 the padding).
    """
    tokens, tags, mask, _ = tagging_task(n, rng=_rng(rng))
    return Dataset(tokens, tags, TAGGING, "tagging", class_names=list(TAGS), lengths=mask.sum(axis=1))


@datasets.register("characters", "char_corpus", "text")
def characters(rng: np.random.Generator | None = None, path: str | None = None, length: int = 64,
               limit: int | None = 200_000) -> Dataset:
    """A character corpus as windows for next-character prediction (task "language_model").

    Args:
        path (default None): a UTF-8 text file; None uses Python's own help topics
            (``pydoc_data.topics``), so nothing is downloaded.
        length (default 64): characters per window T; the windows tile the text (stride T),
            so a random split of windows holds out text that no training window contains.
        limit (default 200000): at most this many characters of the text (None: all).

    ``class_names`` holds the vocabulary (token i is character i); it is saved with the run.
    """
    text = _read_text(path, limit)
    corpus = CharCorpus(text)
    if not isinstance(length, int) or length < 1 or len(text) < 2 * (length + 1):
        raise ConfigError(f"characters: length must be a positive integer of at most {len(text) // 2 - 1} "
                          f"(half the text), got {length!r}")
    x, y = corpus.windows(length)
    return Dataset(x, y, LANGUAGE_MODEL, Path(path).stem if path else "python-help",
                   class_names=corpus.vocabulary, lengths=_full_lengths(x))


def _read_text(path: str | None, limit: int | None) -> str:
    if path is None:
        return default_text(limit)
    file = Path(path).expanduser()
    if not file.is_file():
        raise DataError(f"characters: no text file '{path}'; give dataset.options.path of a UTF-8 text file, "
                        f"or leave it out for the built-in text")
    try:
        text = file.read_text(encoding="utf-8")
        note_data_file(file)
    except UnicodeDecodeError:
        raise DataError(f"characters: '{path}' is not UTF-8 text; convert it, e.g. iconv -t utf-8") from None
    return text if limit is None else text[:limit]
