"""Text from a trained character language model (one-to-many: generation from a seed).

The run's vocabulary is its ``class_names`` (saved as JSON in model.npz's record and in
model.json), so a fresh process needs nothing but the run folder::

    text = sample_text("results/char-lm/<run>", length=300, temperature=0.8, seed_text="The ")

Each new character is drawn from softmax(z / temperature) of the model's last output.
A network of recurrent layers and per-step layers (embedding, dense per step, activations,
dropout) reads the seed text once and then only each new character, carrying its
recurrent states (``StatefulReader``): the work per character is one step, whatever the
context's length. A causal Transformer (configs/char_transformer.yaml) does the same with a
key-value cache, within its training window of T characters (see ``_next_logits``). Any
other network is rerun over the last T characters for each new one. Temperature 1 samples the model's own distribution; lower
values are more conservative (towards argmax), higher ones more varied.
"""
from __future__ import annotations

import math
from collections import deque
from pathlib import Path
from typing import Iterator

import numpy as np

from dlx.errors import DlxError
from dlx.inference.loaded import load_run
from dlx.nn import Sequential
from dlx.nn.embedding import Embedding
from dlx.ops.activation import softmax_array
from dlx.tasks import predict_outputs
from dlx.tensor import Tensor, no_grad


class StatefulReader:
    """A sequence model read a few steps at a time, each stateful layer carrying its state to the next call.

    ``read(tokens)`` returns the output of the last of ``tokens``' steps, the same as running the
    network over everything read so far; the work is that of the new steps alone. It applies to a
    ``Sequential`` of layers that read on from a state (``forward_stateful`` and ``carries_state``:
    unidirectional recurrent layers that return sequences, causal Transformer layers with their
    key-value caches, positional encodings) and of per-step layers (``Module.per_step``), in eval
    mode (``fits``). What each layer can compute once from its weights (``prepare_steps``, e.g. the
    LSTM's scaled weights) is computed when the reader is made: the weights must not change while
    it is in use.

    Example::

        reader = StatefulReader(run.network)
        logits = reader.read(np.array([[3, 1, 4]]))   # (V,) after the seed
        logits = reader.read(np.array([[1]]))         # after one more token: one step of work
    """

    def __init__(self, network):
        self.layers = list(network)
        self.tokens_in = isinstance(self.layers[0], Embedding)
        self.prepared = [layer.prepare_steps() if hasattr(layer, "prepare_steps") else None for layer in self.layers]
        self.reset()

    def reset(self) -> None:
        """Forget everything read (the next ``read`` starts a new sequence)."""
        self.states: list = [None] * len(self.layers)
        self.steps = 0

    @staticmethod
    def fits(network) -> bool:
        if not isinstance(network, Sequential):
            return False
        stateful = [layer for layer in network if hasattr(layer, "forward_stateful")]
        return bool(stateful) and all(layer.carries_state for layer in stateful) \
            and all(layer.per_step for layer in network if not hasattr(layer, "forward_stateful"))

    @staticmethod
    def bounded(network) -> bool:
        """Whether the network must keep to its training window: a layer's state grows with every step
        (a key-value cache) or it codes absolute positions. Recurrent layers carry on without a bound."""
        return any(getattr(layer, "bounded_context", False) for layer in network)

    def read(self, tokens: np.ndarray) -> np.ndarray:
        """The output of the last step of ``tokens`` (1, t), after everything read before."""
        x = tokens if self.tokens_in else Tensor(tokens)  # the embedding looks integers up as they are
        with no_grad():
            for i, layer in enumerate(self.layers):
                if hasattr(layer, "forward_stateful"):
                    x, self.states[i] = layer.forward_stateful(x, self.states[i], self.prepared[i])
                else:
                    x = layer(x)
        self.steps += tokens.shape[1]
        return x.data[0, -1]


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
    next_logits = _next_logits(run.network, [index[c] for c in start], int(run.input_shape[0]))
    yield shown
    pieces, token = [], None
    for _ in range(length):
        probabilities = softmax_array(next_logits(token).astype(np.float64) / temperature, axis=-1)  # (V,)
        token = draw_index(rng, probabilities / probabilities.sum())
        pieces.append(vocabulary[token])
        if len(pieces) == chunk:
            yield "".join(pieces)
            pieces = []
    yield "".join(pieces)


def draw_index(rng: np.random.Generator, p: np.ndarray) -> int:
    """``int(rng.choice(len(p), p=p))`` for probabilities ``p`` that sum to 1, by the same steps (the
    cumulative sums, scaled by their last, searched for one uniform draw): the same index from the same
    generator state, without choice's checks of ``p`` (a third of a character's time in ``dlx sample``)."""
    cdf = np.cumsum(p)
    cdf /= cdf[-1]
    return int(cdf.searchsorted(rng.random(), side="right"))


def _next_logits(network, start: list[int], window: int, carry: bool = True):
    """``next_logits(token)``: the logits (V,) of the character after the one just drawn (None: after
    ``start``). Memory stays constant in each case:

    - a recurrent network carries its states (one step of work per character, the context unbounded);
    - a causal Transformer keeps a key-value cache of at most ``window`` steps, the training window (its
      positions go no further): when it is full, it starts again from the last ``window // 2``
      characters (one pass over them), so the context is between ``window // 2`` and ``window``
      characters and the work per character does not grow with the text's length;
    - any other network (or ``carry`` False) is rerun over the last ``window`` characters for each one.

    Each distribution equals that of a full pass over the context kept (tests/nn/test_cached_generation.py).
    """
    if carry and StatefulReader.fits(network):
        network.eval()
        reader = StatefulReader(network)
        if not StatefulReader.bounded(network):
            def carried(token: int | None) -> np.ndarray:
                return reader.read(np.array(start if token is None else [token], dtype=np.int64)[None, :])
            return carried
        kept = deque(start, maxlen=window)

        def cached(token: int | None) -> np.ndarray:
            if token is None:
                return reader.read(np.array(kept, dtype=np.int64)[None, :])
            kept.append(token)
            if reader.steps < window:
                return reader.read(np.array([[token]], dtype=np.int64))
            reader.reset()  # the cache is full: read the last half window again, from position 0
            return reader.read(np.array(list(kept)[-max(window // 2, 1):], dtype=np.int64)[None, :])
        return cached
    context = deque(start, maxlen=window)  # the last T characters, all the model sees

    def rerun(token: int | None) -> np.ndarray:
        if token is not None:
            context.append(token)
        return predict_outputs(network, np.array(context, dtype=np.int64)[None, :])[0, -1]
    return rerun
