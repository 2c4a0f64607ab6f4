"""Connectionist temporal classification (Graves et al. 2006): the loss by the log-space forward-backward recursion.

A target l (length U, labels 1..C-1) is extended with blanks (label 0) to l' = (0, l1, 0, l2,
..., lU, 0) of length S = 2U + 1. A path of T frames reads to l by merging repeats and
dropping blanks; p(l | x) = sum over those paths of prod_t y_t(path_t), with y_t = softmax(z_t).

Forward variables, in logs (Graves et al. 2006, eq. 5-8), with a_t(s) = log alpha_t(s):

    a_0(0) = log y_0(0),  a_0(1) = log y_0(l1),  else -inf
    a_t(s) = log y_t(l'_s) + logsumexp(a_{t-1}(s), a_{t-1}(s-1), [a_{t-1}(s-2)])

where the bracketed term counts only when l'_s is a label different from l'_{s-2} (a blank
must separate two equal labels). log p = logsumexp(a_{T-1}(S-1), a_{T-1}(S-2)). The backward
variables b_t(s) run the same recursion from the end. Both include y_t(l'_s), so

    alpha_t(s) beta_t(s) / y_t(l'_s) = p(paths through l'_s at t),  summing to p over s.

Gradient (eq. 16), fused with the log-softmax: the loss is -log p, and for t < T

    dL/dz_{t,k} = y_t(k) - (1/p) sum_{s: l'_s = k} alpha_t(s) beta_t(s) / y_t(l'_s),

the softmax minus the posterior probability that frame t emits k; frames past a sample's
input length get 0. A target that no path of T frames reads (T < U + repeats) has p = 0 and
an infinite loss: its gradient is 0; ``zero_infinity`` also makes the loss 0 (PyTorch's option).
Reductions as PyTorch: "none" (N,), "sum", and "mean", the mean over the batch of
loss_n / max(U_n, 1).
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ShapeError
from dlx.ops.activation import log_softmax_array
from dlx.ops.base import operation
from dlx.tensor import Tensor, from_op

REDUCTIONS = ("none", "sum", "mean")


def extended_targets(targets: np.ndarray, target_lengths: np.ndarray, blank: int = 0):
    """l' with blanks around every label, (N, 2 Umax + 1), and where a skip from s-2 to s is allowed."""
    n, width = targets.shape
    extended = np.full((n, 2 * width + 1), blank, dtype=np.int64)
    extended[:, 1::2] = np.where(np.arange(width)[None, :] < target_lengths[:, None], targets, blank)
    skip = np.zeros(extended.shape, dtype=bool)
    skip[:, 2:] = (extended[:, 2:] != blank) & (extended[:, 2:] != extended[:, :-2])
    return extended, skip


def _logsumexp3(a, b, c):
    return np.logaddexp(np.logaddexp(a, b), c)


def forward_variables(frame: np.ndarray, skip: np.ndarray) -> np.ndarray:
    """a_t(s) for every sample, (N, T, S); ``frame[n, t, s] = log y_t(l'_s)``; each sample reads its own last frame."""
    n, steps, width = frame.shape
    alpha = np.full(frame.shape, -np.inf)
    alpha[:, 0, :2] = frame[:, 0, :2]
    for t in range(1, steps):
        previous = alpha[:, t - 1]
        one = np.concatenate([np.full((n, 1), -np.inf), previous[:, :-1]], axis=1)
        two = np.concatenate([np.full((n, 2), -np.inf), previous[:, :-2]], axis=1)
        alpha[:, t] = frame[:, t] + _logsumexp3(previous, one, np.where(skip, two, -np.inf))
    return alpha


def backward_variables(frame, skip, input_lengths, ends) -> np.ndarray:
    """b_t(s), (N, T, S): started at each sample's last frame from its last two states ``ends``."""
    n, steps, width = frame.shape
    beta = np.full(frame.shape, -np.inf)
    rows = np.arange(n)
    skip_from = np.concatenate([skip[:, 2:], np.zeros((n, 2), dtype=bool)], axis=1)  # s+2 -> s allowed
    for t in range(steps - 1, -1, -1):
        if t < steps - 1:
            following = beta[:, t + 1]
            one = np.concatenate([following[:, 1:], np.full((n, 1), -np.inf)], axis=1)
            two = np.concatenate([following[:, 2:], np.full((n, 2), -np.inf)], axis=1)
            beta[:, t] = frame[:, t] + _logsumexp3(following, one, np.where(skip_from, two, -np.inf))
        last = input_lengths - 1 == t  # samples whose last frame is t start here
        beta[last, t] = -np.inf
        for end in ends:
            beta[rows[last], t, end[last]] = frame[rows[last], t, end[last]]
    return beta


def _example(rng):
    targets = np.array([[1, 2, 2], [3, 0, 0], [0, 0, 0]])
    return [rng.standard_normal((3, 6, 4))], {"targets": targets, "input_lengths": np.array([6, 4, 5]),
                                               "target_lengths": np.array([3, 1, 0])}


@operation("ctc_loss", _example)
def ctc_loss(logits: Tensor, targets, input_lengths=None, target_lengths=None, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """The CTC loss -log p(target | x) of per-frame logits, fused with the log-softmax.

    Args:
        logits: (N, T, C) scores per frame; class ``blank`` (0) is the blank.
        targets: int (N, Umax) labels in [1, C), padded after each target's length.
        input_lengths (default None: all T): int (N,) frames of each sample.
        target_lengths (default None: the labels that are not blank): int (N,).
        reduction (default "mean"): "none" (N,), "sum", or "mean" of loss_n / max(U_n, 1) (PyTorch).
        zero_infinity (default False): a target no path reads gives loss 0 instead of inf.

    Example::

        >>> ctc_loss(Tensor(np.zeros((1, 3, 5))), np.array([[1]]), reduction="sum").item()   # 3 ln 5 - ln 6
        3.0366...
    """
    z = logits.data
    n, steps, classes = z.shape
    t_lengths, targets, in_lengths = _checked(z.shape, targets, input_lengths, target_lengths, blank, reduction)
    logp = log_softmax_array(z.astype(np.float64), axis=-1)
    extended, skip = extended_targets(targets, t_lengths, blank)
    frame = np.take_along_axis(logp, np.broadcast_to(extended[:, None, :], (n, steps, extended.shape[1])), axis=2)
    ends = (2 * t_lengths, np.where(t_lengths > 0, 2 * t_lengths - 1, 2 * t_lengths))  # the last label, last blank
    alpha = forward_variables(frame, skip)
    rows, last = np.arange(n), in_lengths - 1
    log_p = np.logaddexp(alpha[rows, last, ends[0]], np.where(t_lengths > 0, alpha[rows, last, ends[1]], -np.inf))
    per_sample = -log_p
    infinite = ~np.isfinite(per_sample)
    if zero_infinity:
        per_sample = np.where(infinite, 0.0, per_sample)
    scale = _reduction_scale(reduction, t_lengths, n)

    def backward(g):
        beta = backward_variables(frame, skip, in_lengths, ends)
        finite_log_p = np.where(infinite, 0.0, log_p)[:, None, None]  # an infinite loss's posterior is 0
        occupation = np.exp(np.where(infinite[:, None, None], -np.inf, alpha + beta - frame - finite_log_p))
        posterior = np.zeros_like(logp)  # (N, T, C): sum over the states s of label k
        np.add.at(posterior, (rows[:, None, None], np.arange(steps)[None, :, None],
                              np.broadcast_to(extended[:, None, :], frame.shape)), occupation)
        grad = np.exp(logp) - posterior
        grad[np.arange(steps)[None, :] >= in_lengths[:, None]] = 0.0
        grad[infinite] = 0.0
        weights = scale * (np.asarray(g, dtype=np.float64) if reduction == "none" else float(g))
        return ((grad * np.broadcast_to(weights, (n,))[:, None, None]).astype(z.dtype, copy=False),)

    value = per_sample if reduction == "none" else np.sum(per_sample * scale)
    return from_op(np.asarray(value, dtype=z.dtype), (logits,), backward, "ctc_loss")


def _reduction_scale(reduction: str, target_lengths: np.ndarray, n: int) -> np.ndarray:
    if reduction == "mean":
        return 1.0 / (np.maximum(target_lengths, 1) * n)
    return np.ones(n)


def _checked(shape, targets, input_lengths, target_lengths, blank, reduction):
    """(target lengths, targets, input lengths) as int64 arrays, checked against the logits' shape."""
    n, steps, classes = shape
    if reduction not in REDUCTIONS:
        raise ValueError(f"ctc_loss: reduction must be one of {', '.join(REDUCTIONS)}, got {reduction!r}")
    targets = np.asarray(targets.data if isinstance(targets, Tensor) else targets).astype(np.int64).reshape(n, -1)
    in_lengths = np.full(n, steps, np.int64) if input_lengths is None else np.asarray(input_lengths, np.int64)
    t_lengths = ((targets != blank).sum(axis=1) if target_lengths is None
                 else np.asarray(target_lengths, np.int64))
    if in_lengths.shape != (n,) or in_lengths.min(initial=1) < 1 or in_lengths.max(initial=0) > steps:
        raise ShapeError(f"ctc_loss: input lengths must be (N,) = ({n},) values in [1, {steps}]")
    if t_lengths.shape != (n,) or t_lengths.min(initial=0) < 0 or t_lengths.max(initial=0) > targets.shape[1]:
        raise ShapeError(f"ctc_loss: target lengths must be (N,) = ({n},) values in [0, {targets.shape[1]}]")
    real = np.arange(targets.shape[1])[None, :] < t_lengths[:, None]
    if real.any() and (targets[real].min() < 0 or targets[real].max() >= classes or (targets[real] == blank).any()):
        raise ShapeError(f"ctc_loss: target labels must lie in [1, {classes - 1}] (0 is the blank)")
    return t_lengths, targets, in_lengths
