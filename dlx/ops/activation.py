"""Activation functions with their derivatives (notes ch. 3): linear, sigmoid, tanh, ReLU,
leaky ReLU, softmax and log-softmax."""
from __future__ import annotations

import numpy as np

from dlx import buffers
from dlx.ops.base import away_from_zero, operation
from dlx.tensor import Tensor, from_op


def _random(rng):
    return [rng.standard_normal((4, 5))]


def _kinked(rng):
    return [away_from_zero(rng, (4, 5))]


@operation("identity", _random)
def identity(x: Tensor) -> Tensor:
    """f(x) = x (the linear activation); f'(x) = 1."""
    def backward(g):
        return (g,)

    return from_op(x.data, (x,), backward, "identity")


def sigmoid_array(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-z) without overflow for large |z|."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)


@operation("sigmoid", _random)
def sigmoid(x: Tensor) -> Tensor:
    """f(x) = 1 / (1 + e^-x); f'(x) = f(x) (1 - f(x))."""
    out = sigmoid_array(x.data)

    def backward(g):
        return (g * out * (1.0 - out),)

    return from_op(out, (x,), backward, "sigmoid")


@operation("tanh", _random)
def tanh(x: Tensor) -> Tensor:
    """f(x) = tanh(x); f'(x) = 1 - f(x)^2."""
    out = np.tanh(x.data)

    def backward(g):
        return (g * (1.0 - out * out),)

    return from_op(out, (x,), backward, "tanh")


@operation("relu", _kinked)
def relu(x: Tensor) -> Tensor:
    """f(x) = max(0, x); f'(x) = 1 for x > 0, else 0."""
    out = np.maximum(x.data, 0, out=buffers.empty(x.shape, x.dtype))  # big ones reused: dlx.buffers

    def backward(g):
        return (np.multiply(g, out > 0, out=buffers.empty(g.shape, g.dtype)),)

    return from_op(out, (x,), backward, "relu")


@operation("leaky_relu", _kinked)
def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """f(x) = x for x > 0, else negative_slope * x; f'(x) = 1 or negative_slope."""
    slope = np.where(x.data > 0, 1.0, negative_slope).astype(x.dtype)

    def backward(g):
        return (g * slope,)

    return from_op(x.data * slope, (x,), backward, "leaky_relu")


def softmax_array(z: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax_array(z: np.ndarray, axis: int = -1) -> np.ndarray:
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


@operation("softmax", lambda rng: ([rng.standard_normal((3, 5))], {"axis": -1}))
def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """s_i = e^x_i / sum_j e^x_j, shifted by the maximum for stability.

    Jacobian ds_i/dx_j = s_i (delta_ij - s_j), so the vector-Jacobian product is
    s * (g - sum_j g_j s_j).
    """
    s = softmax_array(x.data, axis)

    def backward(g):
        return (s * (g - (g * s).sum(axis=axis, keepdims=True)),)

    return from_op(s, (x,), backward, "softmax")


@operation("log_softmax", lambda rng: ([rng.standard_normal((3, 5))], {"axis": -1}))
def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """x_i - log sum_j e^x_j (log-sum-exp, stable for logits of any magnitude).

    d/dx_j = delta_ij - s_j, so the vector-Jacobian product is g - s * sum(g).
    """
    out = log_softmax_array(x.data, axis)

    def backward(g):
        return (g - np.exp(out) * g.sum(axis=axis, keepdims=True),)

    return from_op(out, (x,), backward, "log_softmax")
