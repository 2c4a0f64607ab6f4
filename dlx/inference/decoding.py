"""Decoding an encoder-decoder without targets: greedy, and beam search with length normalisation.

Greedy decoding takes the most probable token at each step (``Seq2Seq.greedy``). Beam
search keeps the ``width`` most probable prefixes: each step extends every live prefix
by every token, keeps the ``width`` best sums of log-probabilities, and sets aside a
prefix that wrote the end token. When ``width`` prefixes have ended (or at the length
limit) the one of the highest normalised score log p(y) / |y|^alpha wins: alpha = 0 is the
plain probability, which favours short outputs; alpha = 1 the mean log-probability per
token (Wu et al. 2016 use a smoothed form). Width 1 is greedy decoding.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlx.errors import DlxError
from dlx.ops.activation import log_softmax_array
from dlx.tensor import no_grad


@dataclass
class Hypothesis:
    """An output sequence: its tokens (the end token included when it was written), its total
    log-probability, and the attention weights of each step (L, T_s) or None."""

    tokens: list[int]
    log_probability: float
    weights: np.ndarray | None

    def score(self, alpha: float) -> float:
        """The length-normalised score log p / |y|^alpha."""
        return self.log_probability / max(len(self.tokens), 1) ** alpha


def check_width(width) -> int:
    if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 1:
        raise DlxError(f"beam width must be a positive integer (1 is greedy decoding), got {width!r}")
    return int(width)


@no_grad()
def beam_search(net, source: np.ndarray, width: int = 4, alpha: float = 1.0,
                max_length: int | None = None) -> Hypothesis:
    """The best hypothesis for one source sequence ``source`` (T_s,) of tokens.

    Args:
        net: a ``dlx.nn.seq2seq.Seq2Seq`` (in eval mode).
        width (default 4): prefixes kept at each step.
        alpha (default 1.0): the length normalisation exponent.
        max_length (default None): the longest output (None: the model's ``max_output_length``).
    """
    width, max_length = check_width(width), int(max_length or net.max_output_length)
    memory = net.encode(np.asarray(source)[None, :])
    tokens = np.array([net.start_token])
    state, scores = memory.state, np.zeros(1)
    prefixes: list[list[int]] = [[]]
    attention: list[list[np.ndarray]] = [[]]
    finished: list[Hypothesis] = []
    for _ in range(max_length):
        logits, state, weights = net.step(tokens, state, memory.rows(np.zeros(len(tokens), dtype=np.int64)))
        total = scores[:, None] + log_softmax_array(logits.data.astype(np.float64), axis=-1)  # (k, V)
        keep_rows, keep_tokens = [], []
        for flat in np.argsort(-total, axis=None, kind="stable"):
            row, token = divmod(int(flat), total.shape[1])
            steps = attention[row] + ([weights.data[row]] if weights is not None else [])
            if token == net.end_token:
                finished.append(Hypothesis(prefixes[row] + [token], float(total[row, token]), _stacked(steps)))
            else:
                keep_rows.append(row), keep_tokens.append(token)
            if len(keep_rows) == width or len(finished) >= width:
                break
        if len(finished) >= width or not keep_rows:
            break
        rows = np.array(keep_rows)
        state = tuple(s[rows] for s in state)
        scores = total[rows, keep_tokens]
        prefixes = [prefixes[r] + [t] for r, t in zip(keep_rows, keep_tokens)]
        attention = [attention[r] + ([weights.data[r]] if weights is not None else []) for r in keep_rows]
        tokens = np.array(keep_tokens)
    else:  # the length limit: the live prefixes compete too
        finished += [Hypothesis(p, float(s), _stacked(a)) for p, s, a in zip(prefixes, scores, attention)]
    return max(finished, key=lambda h: h.score(alpha))


def _stacked(steps: list[np.ndarray]) -> np.ndarray | None:
    return np.stack(steps) if steps else None
