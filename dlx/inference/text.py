"""Text from a trained character language model (one-to-many: generation from a seed).

The run's vocabulary is its ``class_names`` (saved as JSON in model.npz's record and in
model.json), so a fresh process needs nothing but the run folder::

    text = sample_text("results/char-lm/<run>", length=300, temperature=0.8, seed_text="The ")

Each new character is drawn from softmax(z / temperature) of the model's last output,
given the last T characters (the training window) as context. Temperature 1 samples the
model's own distribution; lower values are more conservative (towards argmax), higher
ones more varied.
"""
from __future__ import annotations

import math
from collections import deque
from pathlib import Path
from typing import Iterator

import numpy as np

from dlx.errors import DlxError
from dlx.inference.loaded import load_run
from dlx.ops.activation import softmax_array
from dlx.tasks import predict_outputs


def sample_text(run_dir: Path | str, length: int = 300, temperature: float = 0.8, seed_text: str | None = None,
                seed: int = 0) -> str:
    """``seed_text`` followed by ``length`` characters drawn from the language model of ``run_dir``.

    Args:
        run_dir: the folder of a run whose task is ``language_model``.
        length (default 300): characters to generate.
        temperature (default 0.8): > 0; divides the logits before the softmax.
        seed_text (default None): the text to continue; None starts after a newline
            (or the vocabulary's first character if the text had no newline).
        seed (default 0): seeds the draws; the same seed gives the same text.
    """
    return "".join(stream_text(run_dir, length, temperature, seed_text, seed))


def stream_text(run_dir: Path | str, length: int = 300, temperature: float = 0.8, seed_text: str | None = None,
                seed: int = 0, chunk: int = 64) -> Iterator[str]:
    """``sample_text`` in pieces of ``chunk`` characters as they are drawn (``seed_text`` first), keeping
    only the context window in memory, so ``--length 1000000000`` prints from the start and Ctrl-C stops it.
    Everything is checked before the first piece."""
    run, start, temperature = _text_model(run_dir, length, temperature, seed_text)
    return _draw(run, start, seed_text or "", length, temperature, np.random.default_rng(seed), chunk)


def _text_model(run_dir, length: int, temperature: float, seed_text: str | None):
    """The loaded run and the text to start from; DlxError for anything a user could get wrong."""
    if isinstance(length, bool) or not isinstance(length, int) or length < 1:
        raise DlxError(f"--length must be at least 1, got {length}")
    if not temperature > 0 or not math.isfinite(temperature):
        raise DlxError(f"--temperature must be a finite number above 0, got {temperature}")
    run = load_run(run_dir)
    if run.task.name != "language_model":
        raise DlxError(f"'{run_dir}' is a {run.task.name} run; text samples need a language_model run "
                       f"(e.g. dlx train configs/char_lm.yaml)")
    index = {c: i for i, c in enumerate(run.class_names)}
    start = seed_text if seed_text else ("\n" if "\n" in index else run.class_names[0])
    unknown = sorted(set(start) - set(index))
    if unknown:
        raise DlxError(f"--seed-text has characters that the model never saw: {''.join(unknown)!r}; "
                       f"use characters of its training text")
    return run, start, temperature


def _draw(run, start: str, shown: str, length: int, temperature: float, rng, chunk: int) -> Iterator[str]:
    vocabulary = list(run.class_names)
    index = {c: i for i, c in enumerate(vocabulary)}
    window = int(run.input_shape[0])
    context = deque((index[c] for c in start), maxlen=window)  # the last T characters, all the model sees
    yield shown
    pieces = []
    for _ in range(length):
        logits = predict_outputs(run.network, np.array(context, dtype=np.int64)[None, :])[0, -1]  # (V,) next char
        probabilities = softmax_array(logits.astype(np.float64) / temperature, axis=-1)
        token = int(rng.choice(len(vocabulary), p=probabilities / probabilities.sum()))
        context.append(token)
        pieces.append(vocabulary[token])
        if len(pieces) == chunk:
            yield "".join(pieces)
            pieces = []
    yield "".join(pieces)
