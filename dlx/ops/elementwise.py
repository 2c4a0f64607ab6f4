"""Element-wise arithmetic with broadcasting; the engine sums gradients over broadcast axes."""
from __future__ import annotations

import numpy as np

from dlx.ops.base import away_from_zero, operation
from dlx.tensor import Tensor, as_tensor, from_op


def _pair(a, b):
    if isinstance(a, Tensor):
        return a, as_tensor(b, like=a)
    b = as_tensor(b)
    return as_tensor(a, like=b), b


def _two(rng):
    return [rng.standard_normal((3, 4)), rng.standard_normal((4,))]


@operation("add", _two)
def add(a, b) -> Tensor:
    """a + b."""
    a, b = _pair(a, b)

    def backward(g):  # d(a+b)/da = d(a+b)/db = 1
        return g, g

    return from_op(a.data + b.data, (a, b), backward, "add")


@operation("sub", _two)
def sub(a, b) -> Tensor:
    """a - b."""
    a, b = _pair(a, b)

    def backward(g):
        return g, -g

    return from_op(a.data - b.data, (a, b), backward, "sub")


@operation("mul", _two)
def mul(a, b) -> Tensor:
    """a * b."""
    a, b = _pair(a, b)

    def backward(g):  # d(ab)/da = b, d(ab)/db = a
        return (g * b.data if a.requires_grad else None,
                g * a.data if b.requires_grad else None)

    return from_op(a.data * b.data, (a, b), backward, "mul")


@operation("div", lambda rng: [rng.standard_normal((3, 4)), away_from_zero(rng, (3, 1))])
def div(a, b) -> Tensor:
    """a / b."""
    a, b = _pair(a, b)

    def backward(g):  # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2
        return (g / b.data if a.requires_grad else None,
                -g * a.data / (b.data * b.data) if b.requires_grad else None)

    return from_op(a.data / b.data, (a, b), backward, "div")


@operation("neg", lambda rng: [rng.standard_normal((2, 3))])
def neg(a) -> Tensor:
    """-a."""
    def backward(g):
        return (-g,)

    return from_op(-a.data, (a,), backward, "neg")


@operation("pow", lambda rng: [rng.uniform(0.5, 2.0, (3, 4)), rng.uniform(0.5, 3.0, (4,))])
def pow(a, exponent) -> Tensor:  # noqa: A001 - the operation's name
    """a ** exponent; the exponent may be a number or a tensor (then a must be positive)."""
    a, exponent = _pair(a, exponent)
    out = a.data ** exponent.data

    def backward(g):  # d(a^p)/da = p a^(p-1), d(a^p)/dp = a^p ln a
        ga = g * exponent.data * a.data ** (exponent.data - 1) if a.requires_grad else None
        gp = g * out * np.log(a.data) if exponent.requires_grad else None
        return ga, gp

    return from_op(out, (a, exponent), backward, "pow")


@operation("exp", lambda rng: [rng.standard_normal((3, 4))])
def exp(a) -> Tensor:
    """e ** a."""
    out = np.exp(a.data)

    def backward(g):  # d e^a / da = e^a
        return (g * out,)

    return from_op(out, (a,), backward, "exp")


@operation("log", lambda rng: [rng.uniform(0.2, 3.0, (3, 4))])
def log(a) -> Tensor:
    """Natural logarithm."""
    def backward(g):  # d ln a / da = 1/a
        return (g / a.data,)

    return from_op(np.log(a.data), (a,), backward, "log")


@operation("sqrt", lambda rng: [rng.uniform(0.2, 3.0, (3, 4))])
def sqrt(a) -> Tensor:
    """Square root."""
    out = np.sqrt(a.data)

    def backward(g):  # d sqrt(a) / da = 1 / (2 sqrt(a))
        return (g / (2.0 * out),)

    return from_op(out, (a,), backward, "sqrt")


@operation("abs", lambda rng: [away_from_zero(rng, (3, 4))])
def abs(a) -> Tensor:  # noqa: A001 - the operation's name
    """|a|; the subgradient at 0 is 0."""
    def backward(g):
        return (g * np.sign(a.data),)

    return from_op(np.abs(a.data), (a,), backward, "abs")


@operation("clip", lambda rng: ([rng.uniform(-2, 2, (4, 5))], {"low": -1.05, "high": 0.95}))
def clip(a, low=None, high=None) -> Tensor:
    """a limited to [low, high]; the gradient is zero where a was clipped."""
    def backward(g):
        inside = np.ones(a.data.shape, dtype=bool)
        if low is not None:
            inside &= a.data >= low
        if high is not None:
            inside &= a.data <= high
        return (g * inside,)

    return from_op(np.clip(a.data, low, high), (a,), backward, "clip")


@operation("where", lambda rng: [rng.random((3, 4)) > 0.5, rng.standard_normal((3, 4)),
                                 rng.standard_normal((4,))])
def where(condition, a, b) -> Tensor:
    """Elements of a where ``condition`` holds, else of b."""
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    cond = cond.astype(bool)
    a, b = _pair(a, b)

    def backward(g):
        zero = np.zeros((), dtype=g.dtype)
        return (np.where(cond, g, zero) if a.requires_grad else None,
                np.where(cond, zero, g) if b.requires_grad else None)

    return from_op(np.where(cond, a.data, b.data), (a, b), backward, "where")
