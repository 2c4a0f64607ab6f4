"""A generated CTC task: noisy frames of symbols, each held 1-3 frames with random gaps, and the symbols alone.

As in speech, the target (the symbols, shorter than the frames) is given without its
alignment: the model must learn where each symbol lies, that a symbol held for three frames
is one symbol, and that two equal symbols in a row are separated by a gap.
"""
from __future__ import annotations

import numpy as np

from dlx.data.checks import register_task_name
from dlx.data.dataset import Dataset
from dlx.errors import ConfigError
from dlx.registry import datasets

CTC = register_task_name("ctc")  # frames in, a shorter label sequence out (blank 0)


def _checked(what: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError(f"ctc_frames: {what} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def ctc_frames_task(n: int, symbols: int = 8, min_length: int = 3, max_length: int = 6, noise: float = 0.25,
                    rng: np.random.Generator | None = None):
    """``n`` frame sequences and their label sequences.

    Each target has U ~ U{min_length..max_length} symbols from 1..symbols. Before each symbol
    come 0-2 gap frames (at least 1 when it repeats the previous symbol), then the symbol for
    1-3 frames; gap frames fill the rest. A frame is the one-hot vector of its symbol (gap:
    class 0) plus Gaussian noise of standard deviation ``noise``. T = 5 max_length + 2.

    Returns:
        frames (n, T, symbols + 1) float32, targets (n, max_length) int64 padded with 0,
        target lengths (n,) int64.
    """
    n, symbols = _checked("n", n, 1), _checked("symbols", symbols, 1)
    min_length, max_length = _checked("min_length", min_length, 1), _checked("max_length", max_length, 1)
    if min_length > max_length or not noise >= 0:
        raise ConfigError(f"ctc_frames: needs min_length <= max_length and noise >= 0, got {min_length}, "
                          f"{max_length}, {noise}")
    rng = rng if rng is not None else np.random.default_rng(0)
    steps = 5 * max_length + 2
    classes = np.zeros((n, steps), dtype=np.int64)  # the clean symbol per frame, 0 in gaps
    targets = np.zeros((n, max_length), dtype=np.int64)
    lengths = rng.integers(min_length, max_length + 1, n)
    for row in range(n):
        t, previous = 0, 0
        for u in range(lengths[row]):
            symbol = int(rng.integers(1, symbols + 1))
            t += int(rng.integers(1 if symbol == previous else 0, 3))  # the gap
            hold = int(rng.integers(1, 4))
            classes[row, t:t + hold] = symbol
            targets[row, u], previous, t = symbol, symbol, t + hold
    frames = np.eye(symbols + 1)[classes] + rng.normal(0.0, noise, (n, steps, symbols + 1))
    return frames.astype(np.float32), targets, lengths.astype(np.int64)


@datasets.register("ctc_frames", "ctc_symbols")
def ctc_frames(rng: np.random.Generator | None = None, n: int = 4000, symbols: int = 8, min_length: int = 3,
               max_length: int = 6, noise: float = 0.25) -> Dataset:
    """Noisy frames (T, symbols + 1) and their unaligned symbols (task "ctc"; class 0 is the blank)."""
    frames, targets, target_lengths = ctc_frames_task(n, symbols, min_length, max_length, noise, rng)
    names = ["blank"] + [f"s{k}" for k in range(1, symbols + 1)]
    return Dataset(frames, targets, CTC, "ctc-frames", class_names=names,
                   lengths=np.full(n, frames.shape[1], dtype=np.int64), target_lengths=target_lengths)
