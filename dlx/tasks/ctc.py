"""CTC labelling (Graves et al. 2006): frames in, a shorter label sequence out, no alignment given.

The model gives (N, T, C) logits per frame, class 0 the blank; the targets are (N, U) labels
padded with 0 after each target's length (``Dataset.target_lengths``). The loss is
``dlx.ops.ctc_loss``; decoding reads labels from the frames by best path (the most likely
class per frame, repeats merged, blanks dropped) or by prefix beam search (Hannun et al.
2014), which sums the probability of all paths that read to a prefix. The metric is the label
error rate: edit distance to the target over the target's length, summed over the data set.
"""
from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from dlx.errors import ConfigError
from dlx.ops.activation import log_softmax_array
from dlx.ops.ctc import ctc_loss
from dlx.registry import tasks
from dlx.tasks.base import predict_outputs
from dlx.tasks.sequence import Tagging
from dlx.tensor import Tensor

BEAM_WIDTH = 8


def best_path(log_probs: np.ndarray, length: int | None = None, blank: int = 0) -> list[int]:
    """The most likely class per frame, repeats merged and blanks dropped: (T, C) -> labels."""
    path = np.argmax(log_probs[:length], axis=-1)
    keep = np.ones(len(path), dtype=bool)
    keep[1:] = path[1:] != path[:-1]
    return [int(k) for k in path[keep] if k != blank]


def prefix_beam_search(log_probs: np.ndarray, width: int = BEAM_WIDTH, length: int | None = None,
                       blank: int = 0) -> list[int]:
    """The most likely labelling among ``width`` prefixes kept per frame (Hannun et al. 2014).

    Each prefix carries log p_b (its paths end in a blank) and log p_nb (they end in its last
    label). At a frame, a prefix extends by blank (stays, into p_b), by its last label (stays,
    into p_nb: a repeat merges), or by a new label k (grows, into p_nb; when k repeats the last
    label only the paths ending in a blank count, as a blank separates them).
    """
    if width < 1:
        raise ValueError(f"prefix beam search: width must be at least 1, got {width}")
    beams = {(): (0.0, -math.inf)}  # prefix -> (log p_b, log p_nb)
    for frame in log_probs[:length].tolist():  # Python floats: scalar math is many times faster than NumPy's
        grown = defaultdict(lambda: [-math.inf, -math.inf])
        for prefix, (p_b, p_nb) in beams.items():
            total = log_add(p_b, p_nb)
            stay = grown[prefix]
            stay[0] = log_add(stay[0], total + frame[blank])
            if prefix:
                stay[1] = log_add(stay[1], p_nb + frame[prefix[-1]])
            for k, log_p in enumerate(frame):
                if k != blank:
                    entry = grown[prefix + (k,)]
                    entry[1] = log_add(entry[1], (p_b if prefix and k == prefix[-1] else total) + log_p)
        ranked = sorted(grown.items(), key=lambda item: -log_add(*item[1]))
        beams = {prefix: tuple(p) for prefix, p in ranked[:width]}
    return list(max(beams.items(), key=lambda item: log_add(*item[1]))[0])


def log_add(a: float, b: float) -> float:
    """log(e^a + e^b) of two Python floats, -inf allowed."""
    if a < b:
        a, b = b, a
    return a if b == -math.inf else a + math.log1p(math.exp(b - a))


def edit_distance(a, b) -> int:
    """Levenshtein distance: insertions, deletions and substitutions that turn a into b."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]


@tasks.register("ctc")
class CTCLabelling(Tagging):
    """Label sequences read from frames with the CTC loss; label error rate by best path and by prefix beam.

    As tagging, the model gives (T, C) logits per sample; the targets are shorter sequences."""

    name = "ctc"
    metrics = ("label_error_rate", "beam_label_error_rate")

    def default_loss(self, final_activation: str) -> str:
        return "ctc"

    def outputs(self, ds, loss) -> int:
        return len(ds.class_names)

    def check_loss(self, loss, where):
        if loss.family != "ctc":
            raise ConfigError(f"{where}: the frames have no labels of their own, only unaligned targets: "
                              f"train with loss: ctc (or leave loss out), not '{loss.registry_name}'")

    def loss_value(self, loss, outputs, targets, mask=None):
        lengths = None if mask is None else np.asarray(mask).sum(axis=1)
        return ctc_loss(outputs, targets, target_lengths=lengths, reduction=loss.reduction,
                        zero_infinity=loss.zero_infinity)

    def decide(self, outputs, loss):
        """Best-path labels per sample, padded with 0 (blank) to T: (N, T, C) logits -> (N, T)."""
        decided = np.zeros(outputs.shape[:2], dtype=np.int64)
        for row, frames in enumerate(outputs):
            labels = best_path(frames)
            decided[row, :len(labels)] = labels
        return decided

    def measure(self, ds, decisions):
        return {"label_error_rate": label_error_rate([row[row != 0] for row in decisions], ds)}

    def evaluate(self, model, ds, loss, n_outputs, batch_size: int = 256) -> dict:
        """CTC loss and the label error rates of best path and of prefix beam search (width 8)."""
        if len(ds) == 0:
            return {}
        logits = predict_outputs(model, ds.X, batch_size, ds.lengths)  # (N, T, C)
        value = ctc_loss(Tensor(logits), ds.y, ds.lengths, ds.target_lengths, reduction=loss.reduction,
                         zero_infinity=loss.zero_infinity).data
        log_probs = log_softmax_array(logits.astype(np.float64), axis=-1)
        lengths = ds.lengths if ds.lengths is not None else np.full(len(ds), logits.shape[1])
        greedy = [best_path(frames, int(t)) for frames, t in zip(log_probs, lengths)]
        beam = [prefix_beam_search(frames, length=int(t)) for frames, t in zip(log_probs, lengths)]
        return {"loss": float(np.mean(value)), "label_error_rate": label_error_rate(greedy, ds),
                "beam_label_error_rate": label_error_rate(beam, ds)}


def label_error_rate(decoded, ds) -> float:
    """Edit distance of the decoded label sequences to the targets, over the targets' total length."""
    lengths = ds.target_lengths if ds.target_lengths is not None else (ds.y != 0).sum(axis=1)
    errors = sum(edit_distance(list(labels), list(target[:n])) for labels, target, n in zip(decoded, ds.y, lengths))
    return errors / max(int(np.sum(lengths)), 1)
