"""The addressing and memory operations of the Neural Turing Machine (Graves et al. 2014, TOPICS [X]).

A head emits, at every step, a key k (M,), a key strength beta > 0, an interpolation
gate g in (0, 1), a shift distribution s over the offsets -1, 0, +1 and a sharpening
exponent gamma >= 1. Its weighting over the N memory rows is built in four stages
(eqs. 5-9 of the paper); the model (``dlx.nn.ntm``) composes them on the tape:

    w_c = softmax(beta * K(k, M_i))                  content: cosine similarity K
    w_g = g w_c + (1 - g) w_{t-1}                    interpolation (existing ops)
    w~_i = sum_j s_j w_g[(i - o_j) mod N]            circular convolution, offsets o_j
    w_i = w~_i^gamma / sum_k w~_k^gamma              sharpening

A write head also emits an erase vector e in (0, 1)^M and an add vector a:
M_t(i) = M_{t-1}(i) (1 - w_i e) + w_i a. Each operation below works on a batch and on
several heads at once, (B, H, ...), and has its derivative written out next to it.
"""
from __future__ import annotations

import numpy as np

from dlx.ops.activation import sigmoid_array
from dlx.ops.base import operation
from dlx.tensor import Tensor, as_tensor, from_op

COSINE_EPS = 1e-8  # inside the norms: |k| = sqrt(k.k + eps), so that a zero key or row has a derivative
SHARPEN_EPS = 1e-12  # added to the weights before the power, so that w = 0 has a finite log for d/dgamma


@operation("softplus", lambda rng: [rng.standard_normal((3, 4)) * 3])
def softplus(x: Tensor) -> Tensor:
    """log(1 + e^x), computed as logaddexp(0, x) (no overflow); d/dx = sigma(x)."""
    x = as_tensor(x)

    def backward(g):
        return (g * sigmoid_array(x.data),)

    return from_op(np.logaddexp(0.0, x.data), (x,), backward, "softplus")


def _cosine_example(rng):
    return [rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4))]


@operation("cosine_similarity", _cosine_example)
def cosine_similarity(keys: Tensor, memory: Tensor) -> Tensor:
    """K(k_h, M_i) = k_h . M_i / (|k_h| |M_i|) for every head h and memory row i.

    With s = k . m, |k| = sqrt(k . k + eps) and |m| likewise, K = s / (|k| |m|) and

        dK/dk = m / (|k| |m|) - K k / |k|^2,     dK/dm = k / (|k| |m|) - K m / |m|^2

    so for an upstream gradient G (B, H, N): dL/dk = (G / (|k||m|)) M - (sum_i G K) k / |k|^2
    and dL/dM = (G / (|k||m|))^T k - (sum_h G K) m / |m|^2.

    Shape:
        keys (B, H, M), memory (B, N, M) -> (B, H, N).
    """
    keys, memory = as_tensor(keys), as_tensor(memory)
    k, m = keys.data, memory.data
    k_norm = np.sqrt((k * k).sum(axis=-1, keepdims=True) + COSINE_EPS)  # (B, H, 1)
    m_norm = np.sqrt((m * m).sum(axis=-1) + COSINE_EPS)[:, None, :]  # (B, 1, N)
    scale = 1.0 / (k_norm * m_norm)  # (B, H, N)
    cos = (k @ np.swapaxes(m, -1, -2)) * scale

    def backward(g):
        gs, gc = g * scale, g * cos  # (B, H, N)
        dk = gs @ m - gc.sum(axis=-1, keepdims=True) * k / (k_norm * k_norm)
        dm = np.swapaxes(gs, -1, -2) @ k - (gc.sum(axis=1) / (m_norm[:, 0] ** 2))[..., None] * m
        return dk, dm

    return from_op(cos, (keys, memory), backward, "cosine_similarity")


def _shift_example(rng):
    w = rng.uniform(0.1, 1.0, (2, 3, 6))
    s = rng.uniform(0.1, 1.0, (2, 3, 3))
    return [w / w.sum(-1, keepdims=True), s / s.sum(-1, keepdims=True)]


@operation("circular_shift", _shift_example)
def circular_shift(w: Tensor, shift: Tensor) -> Tensor:
    """Circular convolution of each weighting with its shift distribution (eq. 8).

    The S entries of ``shift`` weigh the offsets o_j = j - S // 2 (S = 3: -1, 0, +1):
    out_i = sum_j s_j w[(i - o_j) mod N], i.e. out = sum_j s_j roll(w, o_j). Backward:
    dL/dw = sum_j s_j roll(G, -o_j),  dL/ds_j = sum_i G_i roll(w, o_j)_i.

    Shape:
        w (B, H, N), shift (B, H, S) with S odd -> (B, H, N).
    """
    w, shift = as_tensor(w), as_tensor(shift)
    size = shift.shape[-1]
    offsets = [j - size // 2 for j in range(size)]
    rolled = np.stack([np.roll(w.data, o, axis=-1) for o in offsets], axis=-2)  # (B, H, S, N)
    out = (shift.data[..., None] * rolled).sum(axis=-2)

    def backward(g):
        dw = sum(shift.data[..., j, None] * np.roll(g, -o, axis=-1) for j, o in enumerate(offsets))
        ds = (rolled * g[..., None, :]).sum(axis=-1)
        return dw, ds

    return from_op(out, (w, shift), backward, "circular_shift")


def _sharpen_example(rng):
    w = rng.uniform(0.1, 1.0, (2, 3, 5))
    return [w / w.sum(-1, keepdims=True), rng.uniform(1.0, 3.0, (2, 3, 1))]


@operation("sharpen", _sharpen_example)
def sharpen(w: Tensor, gamma: Tensor) -> Tensor:
    """w_i^gamma / sum_k w_k^gamma along the last axis (eq. 9), with v = w + eps inside the power.

    The power is taken of v / max_k v_k, which leaves the result unchanged and keeps it from
    underflowing (a spread weighting of 128 rows to the power 20 is below float32's range).
    With p = (v / c)^gamma, Z = sum p and out = p / Z: dL/dp = (G - sum_k G_k out_k) / Z, then
    dL/dw = dL/dp gamma p / v and dL/dgamma = sum_i dL/dp_i p_i log v_i. The scale c drops out
    of both: out does not depend on it, and sum_i dL/dp_i p_i = 0.

    Shape:
        w (B, H, N) non-negative, gamma (B, H, 1) -> (B, H, N).
    """
    w, gamma = as_tensor(w), as_tensor(gamma)
    v = w.data + SHARPEN_EPS
    p = (v / v.max(axis=-1, keepdims=True)) ** gamma.data
    z = p.sum(axis=-1, keepdims=True)
    out = p / z

    def backward(g):
        dp = (g - (g * out).sum(axis=-1, keepdims=True)) / z
        return dp * gamma.data * p / v, (dp * p * np.log(v)).sum(axis=-1, keepdims=True)

    return from_op(out, (w, gamma), backward, "sharpen")


def _write_example(rng):
    w = rng.uniform(0.1, 1.0, (2, 5))
    return [rng.standard_normal((2, 5, 4)), w / w.sum(-1, keepdims=True), rng.uniform(0.1, 0.9, (2, 4)),
            rng.standard_normal((2, 4))]


@operation("memory_write", _write_example)
def memory_write(memory: Tensor, w: Tensor, erase: Tensor, add: Tensor) -> Tensor:
    """M'(i) = M(i) (1 - w_i e) + w_i a: erase, then add, at the rows the write weighting selects (eqs. 3-4).

    Backward, with G = dL/dM' (B, N, M):
        dL/dM = G (1 - w e^T),  dL/dw_i = sum_m G_im (a_m - M_im e_m),
        dL/de_m = -sum_i G_im M_im w_i,  dL/da_m = sum_i G_im w_i.

    Shape:
        memory (B, N, M), w (B, N), erase and add (B, M) -> (B, N, M).
    """
    memory, w, erase, add = (as_tensor(t) for t in (memory, w, erase, add))
    m, wv, e, a = memory.data, w.data[..., None], erase.data[:, None, :], add.data[:, None, :]
    keep = 1.0 - wv * e  # (B, N, M)
    out = m * keep + wv * a

    def backward(g):
        gm = g * m
        dw = (g * a).sum(axis=-1) - (gm * e).sum(axis=-1)
        return g * keep, dw, -(gm * wv).sum(axis=1), (g * wv).sum(axis=1)

    return from_op(out, (memory, w, erase, add), backward, "memory_write")
