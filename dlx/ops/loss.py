"""Fused losses: forward and hand-derived backward in one node each."""
from __future__ import annotations

import numpy as np

from dlx.ops.activation import log_softmax_array, sigmoid_array
from dlx.ops.base import operation
from dlx.tensor import Tensor, as_tensor, from_op


def _target(target, like: Tensor) -> Tensor:
    target = as_tensor(target)
    if target.data.dtype.kind == "f" and target.data.dtype != like.data.dtype:
        target = Tensor(target.data.astype(like.data.dtype), requires_grad=False) \
            if not target.requires_grad else target
    return target


def _check_same_shape(name, prediction, target):
    if prediction.shape != target.shape:
        raise ValueError(f"{name}: prediction shape {prediction.shape} and target shape {target.shape} differ; "
                         f"give targets of the prediction's shape")


@operation("mse_loss", lambda rng: [rng.standard_normal((4, 3)), rng.standard_normal((4, 3))])
def mse_loss(prediction: Tensor, target) -> Tensor:
    """mean((y - t)^2); d/dy = 2 (y - t) / N."""
    target = _target(target, prediction)
    _check_same_shape("mse_loss", prediction, target)
    diff = prediction.data - target.data
    n = diff.size

    def backward(g):
        grad = g * (2.0 / n) * diff
        return (grad if prediction.requires_grad else None, -grad if target.requires_grad else None)

    return from_op(np.asarray(np.mean(diff * diff)), (prediction, target), backward, "mse_loss")


@operation("binary_cross_entropy", lambda rng: [rng.uniform(0.05, 0.95, (4, 3)), rng.uniform(0, 1, (4, 3))])
def binary_cross_entropy(probability: Tensor, target, eps: float = 1e-7) -> Tensor:
    """-mean(t log p + (1 - t) log(1 - p)) on probabilities, p clipped to [eps, 1 - eps].

    d/dp = (p - t) / (p (1 - p)) / N;  d/dt = -(log p - log(1 - p)) / N.
    """
    target = _target(target, probability)
    _check_same_shape("binary_cross_entropy", probability, target)
    p = np.clip(probability.data, eps, 1.0 - eps)
    t = target.data
    n = p.size
    loss = -np.mean(t * np.log(p) + (1.0 - t) * np.log1p(-p))

    def backward(g):
        gp = g * (p - t) / (p * (1.0 - p)) / n if probability.requires_grad else None
        gt = -g * (np.log(p) - np.log1p(-p)) / n if target.requires_grad else None
        return gp, gt

    return from_op(np.asarray(loss, dtype=probability.dtype), (probability, target), backward,
                   "binary_cross_entropy")


@operation("bce_with_logits", lambda rng: [rng.standard_normal((4, 3)) * 3, rng.uniform(0, 1, (4, 3))])
def bce_with_logits(logits: Tensor, target) -> Tensor:
    """Binary cross-entropy of sigmoid(z), computed as max(z, 0) - z t + log(1 + e^-|z|).

    d/dz = (sigmoid(z) - t) / N;  d/dt = -z / N.
    """
    target = _target(target, logits)
    _check_same_shape("bce_with_logits", logits, target)
    z, t = logits.data, target.data
    n = z.size
    loss = np.mean(np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z))))

    def backward(g):
        gz = g * (sigmoid_array(z) - t) / n if logits.requires_grad else None
        gt = -g * z / n if target.requires_grad else None
        return gz, gt

    return from_op(np.asarray(loss, dtype=logits.dtype), (logits, target), backward, "bce_with_logits")


def _labels_example(rng):
    return [rng.standard_normal((5, 4)), rng.integers(0, 4, 5)]


@operation("cross_entropy", _labels_example)
def cross_entropy(logits: Tensor, target) -> Tensor:
    """Categorical cross-entropy of softmax(logits), fused with log-softmax.

    ``target`` holds integer class labels of shape ``logits.shape[:-1]``, or class
    probabilities (e.g. one-hot) of the logits' shape. The class axis is the last.
    Loss = -mean_n sum_c t_nc log softmax(z_n)_c; d/dz = (softmax(z) - t) / N;
    with probability targets d/dt = -log softmax(z) / N.
    """
    target = target if isinstance(target, Tensor) else np.asarray(target)
    t = target.data if isinstance(target, Tensor) else target
    z = logits.data
    logp = log_softmax_array(z, axis=-1)
    n = int(np.prod(z.shape[:-1]))
    if t.dtype.kind in "iub":
        if t.shape != z.shape[:-1]:
            raise ValueError(f"cross_entropy: labels of shape {t.shape} do not match logits {z.shape}; "
                             f"give one integer label per row of logits")
        if t.size and (t.min() < 0 or t.max() >= z.shape[-1]):
            raise ValueError(f"cross_entropy: labels must lie in [0, {z.shape[-1] - 1}], "
                             f"got {t.min()}..{t.max()}")
        index = t[..., None].astype(np.intp)  # (..., 1)
        loss = -np.take_along_axis(logp, index, axis=-1).sum() / n
        parents = (logits,)

        def backward(g):  # softmax - one_hot, scaled by g / N
            grad = np.exp(logp)
            np.put_along_axis(grad, index, np.take_along_axis(grad, index, axis=-1) - 1, axis=-1)
            return (grad * (g / n),)
    else:
        target = _target(target, logits)
        _check_same_shape("cross_entropy", logits, target)
        loss = -(target.data * logp).sum() / n
        parents = (logits, target)

        def backward(g):
            s = np.exp(logp)
            rows = target.data.sum(axis=-1, keepdims=True)  # 1 for proper distributions
            gz = g * (s * rows - target.data) / n if logits.requires_grad else None
            gt = -g * logp / n if target.requires_grad else None
            return gz, gt

    return from_op(np.asarray(loss, dtype=z.dtype), parents, backward, "cross_entropy")


def _huber_example(rng):
    return ([rng.standard_normal((4, 3)) * 2, rng.standard_normal((4, 3))], {"delta": 1.0})


@operation("huber_loss", _huber_example)
def huber_loss(prediction: Tensor, target, delta: float = 1.0) -> Tensor:
    """Huber loss: quadratic for small errors, linear for large ones (robust TD loss of DQN).

    With d = y - t: l(d) = d^2 / 2 if |d| <= delta, else delta (|d| - delta / 2); the loss
    is mean(l(d)). Both pieces meet with equal value and slope at |d| = delta, so
    dl/dd = clip(d, -delta, delta): the gradient of a large error is capped at delta.
    d/dy = clip(d, -delta, delta) / N;  d/dt = -d/dy.
    """
    target = _target(target, prediction)
    _check_same_shape("huber_loss", prediction, target)
    diff = prediction.data - target.data
    size = np.abs(diff)
    loss = np.mean(np.where(size <= delta, 0.5 * diff * diff, delta * (size - 0.5 * delta)))
    n = diff.size

    def backward(g):
        grad = g * np.clip(diff, -delta, delta) / n
        return (grad if prediction.requires_grad else None, -grad if target.requires_grad else None)

    return from_op(np.asarray(loss, dtype=prediction.dtype), (prediction, target), backward, "huber_loss")
