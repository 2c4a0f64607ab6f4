"""Every registered operation's forward value against an independent reference.

Gradcheck compares the backward with the forward, so an operation wrong in both
(``where`` with its branches swapped in forward and backward) passes it. Here each
forward is compared, on its registered example input in float64, with

* a formula written out in NumPy (always), and
* PyTorch (where installed),

and an operation registered without a reference fails ``test_every_operation_has_a_reference``.
"""
import numpy as np
import pytest

from dlx import Tensor
from dlx.registry import operations
from tests.conftest import example_call


def softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(x, axis):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def correlate2d(x, w, b, stride, padding, dilation):
    """Cross-correlation by its definition: out[n,o,i,j] = b[o] + sum_{c,p,q} w[o,c,p,q] x[n,c,i s + p d, j s + q d]."""
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n, _, h, wd = xp.shape
    o, _, kh, kw = w.shape
    ho, wo = (h - dilation * (kh - 1) - 1) // stride + 1, (wd - dilation * (kw - 1) - 1) // stride + 1
    out = np.empty((n, o, ho, wo))
    for i in range(ho):
        for j in range(wo):
            patch = xp[:, :, i * stride:i * stride + dilation * (kh - 1) + 1:dilation,
                       j * stride:j * stride + dilation * (kw - 1) + 1:dilation]
            out[:, :, i, j] = np.einsum("ncpq,ocpq->no", patch, w) + b
    return out


def pool2d(x, pool_size, stride, padding, reduce, fill):
    """Windows by their definition; ``fill`` pads (-inf for max, 0 for a mean that counts padding)."""
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)), constant_values=fill)
    ho = (xp.shape[2] - pool_size) // stride + 1
    wo = (xp.shape[3] - pool_size) // stride + 1
    return np.array([[[[reduce(xp[n, c, i * stride:i * stride + pool_size, j * stride:j * stride + pool_size])
                        for j in range(wo)] for i in range(ho)] for c in range(x.shape[1])] for n in range(len(x))])


def batch_norm(x, gamma, beta, eps=1e-5):
    axes = (0, 2, 3)
    mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)  # biased, as the paper
    return gamma[None, :, None, None] * (x - mean) / np.sqrt(var + eps) + beta[None, :, None, None]


def bce_with_logits(z, t):  # -mean(t log s(z) + (1 - t) log(1 - s(z))), written stably
    return np.mean(np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z))))


def conv1d_formula(x, w, b, stride, padding, dilation):
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    return correlate2d(x[:, :, None, :], w[:, :, None, :], b, stride, 0, dilation)[:, :, 0, :]


def mean_formula(a, axis=None, keepdims=False):
    total = np.add.reduce(a, axis=axis, keepdims=keepdims)
    return total / (a.size // total.size)


def concatenate_formula(tensors, axis=0):
    """Each part assigned to its slice of an empty result."""
    shape = list(tensors[0].shape)
    shape[axis] = sum(t.shape[axis] for t in tensors)
    out, start = np.empty(shape), 0
    for t in tensors:
        index = [slice(None)] * len(shape)
        index[axis] = slice(start, start + t.shape[axis])
        out[tuple(index)] = t
        start += t.shape[axis]
    return out


FORMULAS = {
    "identity": lambda x: x,
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "tanh": lambda x: (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x)),
    "relu": lambda x: np.where(x > 0, x, 0.0),
    "leaky_relu": lambda x, negative_slope=0.01: np.where(x > 0, x, negative_slope * x),
    "softmax": lambda x, axis=-1: softmax(x, axis),
    "log_softmax": lambda x, axis=-1: log_softmax(x, axis),
    "conv2d": lambda x, w, b, stride, padding, dilation: correlate2d(x, w, b, stride, padding, dilation),
    "conv1d": lambda x, w, b, stride, padding, dilation: conv1d_formula(x, w, b, stride, padding, dilation),
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "neg": lambda a: -a,
    "pow": lambda a, p: np.exp(p * np.log(a)),
    "exp": lambda a: np.e ** a,
    "log": lambda a: np.log(a),
    "sqrt": lambda a: a ** 0.5,
    "abs": lambda a: np.sqrt(a * a),
    "clip": lambda a, low=None, high=None: np.minimum(np.maximum(a, low), high),
    "where": lambda condition, a, b: condition * a + (1 - condition) * b,
    "matmul": lambda a, b: np.einsum("bij,jk->bik", a, b),
    "mse_loss": lambda p, t: np.mean((p - t) ** 2),
    "binary_cross_entropy": lambda p, t: -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p)),
    "bce_with_logits": bce_with_logits,
    "cross_entropy": lambda z, y: -np.mean(log_softmax(z, -1)[np.arange(len(y)), y]),
    "batch_norm": batch_norm,
    "max_pool2d": lambda x, pool_size, stride, padding: pool2d(x, pool_size, stride, padding, np.max, -np.inf),
    "avg_pool2d": lambda x, pool_size, stride, padding: pool2d(x, pool_size, stride, padding, np.mean, 0.0),
    "sum": lambda a, axis=None, keepdims=False: np.add.reduce(a, axis=axis, keepdims=keepdims),
    "mean": mean_formula,
    "max": lambda a, axis=-1, keepdims=False: np.sort(a, axis=axis).take([-1] if keepdims else -1, axis=axis),
    "reshape": lambda a, shape: a.ravel().reshape(shape),
    "transpose": lambda a, axes: np.einsum(a, [0, 1, 2], list(axes)),  # out[axes] = a[0, 1, 2]
    "getitem": lambda a, index: np.array([[a[i][j] for j in range(*index[1].indices(a.shape[1]))] for i in index[0]]),
    "concatenate": concatenate_formula,
    "stack": lambda tensors, axis=0: np.moveaxis(np.array(tensors), 0, axis),
}


def torch_references(torch):
    F = torch.nn.functional
    return {
        "identity": lambda x: x, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
        "leaky_relu": lambda x, negative_slope=0.01: F.leaky_relu(x, negative_slope),
        "softmax": lambda x, axis=-1: torch.softmax(x, axis),
        "log_softmax": lambda x, axis=-1: torch.log_softmax(x, axis),
        "conv2d": F.conv2d, "conv1d": F.conv1d,
        "add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div, "neg": torch.neg,
        "pow": torch.pow, "exp": torch.exp, "log": torch.log, "sqrt": torch.sqrt, "abs": torch.abs,
        "clip": lambda a, low=None, high=None: torch.clamp(a, low, high),
        "where": torch.where, "matmul": torch.matmul,
        "mse_loss": F.mse_loss, "binary_cross_entropy": F.binary_cross_entropy,
        "bce_with_logits": F.binary_cross_entropy_with_logits, "cross_entropy": F.cross_entropy,
        "batch_norm": lambda x, gamma, beta: F.batch_norm(x, None, None, gamma, beta, training=True, eps=1e-5),
        "max_pool2d": lambda x, pool_size, stride, padding: F.max_pool2d(x, pool_size, stride, padding),
        "avg_pool2d": lambda x, pool_size, stride, padding: F.avg_pool2d(x, pool_size, stride, padding,
                                                                         count_include_pad=True),
        "sum": lambda a, axis=None, keepdims=False: torch.sum(a, dim=axis, keepdim=keepdims),
        "mean": lambda a, axis=None, keepdims=False: torch.mean(a, dim=axis, keepdim=keepdims),
        "max": lambda a, axis=None, keepdims=False: torch.amax(a, dim=axis, keepdim=keepdims),
        "reshape": torch.reshape, "transpose": lambda a, axes: a.permute(*axes),
        "getitem": lambda a, index: a[index],
        "concatenate": lambda tensors, axis=0: torch.cat(tensors, axis),
        "stack": lambda tensors, axis=0: torch.stack(tensors, axis),
    }


def convert(value, array):
    """Float arrays through ``array``; lists and tuples item by item; anything else unchanged."""
    if isinstance(value, list):
        return [convert(v, array) for v in value]
    if isinstance(value, tuple):
        return tuple(convert(v, array) for v in value)
    return array(value) if isinstance(value, np.ndarray) else value


def forward(name, rng):
    """The operation's output on its example (float64 tensors) and the raw example arguments."""
    args, kwargs = example_call(operations.get(name).example, rng)
    wrap = lambda a: Tensor(a, requires_grad=True) if a.dtype.kind == "f" else a  # noqa: E731
    out = operations.get(name)(*convert(args, wrap), **kwargs)
    return out.data, args, kwargs


def test_every_operation_has_a_reference():
    missing = sorted(set(operations.canonical()) - set(FORMULAS))
    assert not missing, f"operations without a forward reference in {__name__}: {missing}"


@pytest.mark.parametrize("name", sorted(operations.canonical()))
def test_forward_matches_the_formula(name):
    ours, args, kwargs = forward(name, np.random.default_rng(0))
    expected = FORMULAS[name](*args, **kwargs)
    np.testing.assert_allclose(ours, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(operations.canonical()))
def test_forward_matches_torch(name):
    torch = pytest.importorskip("torch")
    ours, args, kwargs = forward(name, np.random.default_rng(1))
    to_torch = lambda a: torch.from_numpy(a if a.dtype.kind in "fb" else a.astype(np.int64))  # noqa: E731
    expected = torch_references(torch)[name](*convert(args, to_torch), **kwargs)
    np.testing.assert_allclose(ours, expected.numpy(), rtol=1e-10, atol=1e-12)
