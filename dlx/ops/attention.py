"""Scaled dot-product attention (Vaswani et al. 2017) and the per-position affine map, fused with their backward.

Attention of queries Q (..., Tq, d) over keys K (..., Tk, d) and values V (..., Tk, dv):

    S = Q K^T / sqrt(d)                        (..., Tq, Tk)
    S_ij = -inf where key j is not allowed for query i (padding, or j > i when causal)
    P = softmax(S) over the keys j,   O = P V  (..., Tq, dv)

Backward. With G = dL/dO: dL/dV = P^T G and dL/dP = G V^T. The softmax of each row gives
dL/dS_ij = P_ij (dL/dP_ij - sum_k dL/dP_ik P_ik), so a masked entry (P_ij = 0) gets no
gradient. Then dL/dQ = dL/dS K / sqrt(d) and dL/dK = dL/dS^T Q / sqrt(d). A query that
may attend to no key at all (a sequence of length 0) gets P = 0 and O = 0 instead of NaN.

The affine map y = x W + b over the last axis of x (..., D) is the Transformer's projection
and feed-forward layer. It runs as one (rows, D) @ (D, E) product, forward and backward:
dL/dx = G W^T, dL/dW = x^T G, dL/db = sum of G over the rows.
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ShapeError
from dlx.ops.base import operation
from dlx.tensor import Tensor, from_op


def attention_allowed(key_mask, causal: bool, queries: int, keys: int) -> np.ndarray | None:
    """The bool mask of allowed (query, key) pairs, True where attention may look; None: all allowed.

    Args:
        key_mask: None, bool (B, Tk) True at real keys (padding mask), or any array that
            broadcasts to (..., Tq, Tk) with True where allowed.
        causal: query i may look at keys j <= i only.
    """
    allowed = None
    if key_mask is not None:
        m = np.asarray(key_mask.data if isinstance(key_mask, Tensor) else key_mask).astype(bool)
        allowed = m[:, None, None, :] if m.ndim == 2 else m  # (B, 1, 1, Tk) over heads and queries
        if allowed.shape[-1] != keys:
            raise ShapeError(f"attention: the mask covers {allowed.shape[-1]} keys but there are {keys}; "
                             f"give a (B, Tk) padding mask of the keys' length")
    if causal:
        if queries != keys:
            raise ShapeError(f"attention: a causal mask needs as many queries as keys, got {queries} and {keys}")
        lower = np.tril(np.ones((queries, keys), dtype=bool))
        allowed = lower if allowed is None else allowed & lower
    return allowed


def attention_weights(q: np.ndarray, k: np.ndarray, allowed: np.ndarray | None, scale: float) -> np.ndarray:
    """P = softmax(Q K^T scale) over the allowed keys (rows with no allowed key are 0)."""
    scores = np.matmul(q, np.swapaxes(k, -1, -2))
    scores *= scale
    if allowed is not None:
        scores = np.where(allowed, scores, -np.inf)
    top = scores.max(axis=-1, keepdims=True)
    if allowed is not None:
        top[~np.isfinite(top)] = 0.0
    np.subtract(scores, top, out=scores)
    np.exp(scores, out=scores)
    total = scores.sum(axis=-1, keepdims=True)
    if allowed is not None:
        total[total == 0] = 1.0
    scores /= total
    return scores


def _attention_example(rng):
    q, k, v = rng.standard_normal((2, 2, 3, 4)), rng.standard_normal((2, 2, 3, 4)), rng.standard_normal((2, 2, 3, 5))
    return [q, k, v], {"key_mask": np.array([[1, 1, 0], [1, 1, 1]], dtype=bool), "causal": True}


@operation("scaled_dot_product_attention", _attention_example)
def scaled_dot_product_attention(q: Tensor, k: Tensor, v: Tensor, key_mask=None, causal: bool = False) -> Tensor:
    """softmax(Q K^T / sqrt(d)) V over the allowed keys.

    Args:
        q: queries (..., Tq, d), e.g. (B, H, Tq, d) for H heads.
        k: keys (..., Tk, d).
        v: values (..., Tk, dv).
        key_mask (default None): bool (B, Tk), True at real keys (False: padding, never attended);
            or a bool array that broadcasts to (..., Tq, Tk), True where attention is allowed.
        causal (default False): query i attends to keys j <= i only (a decoder's self-attention).

    Shape:
        output (..., Tq, dv).

    Example::

        >>> q = k = v = Tensor(np.ones((2, 4, 5, 8)))             # (B, H, T, d)
        >>> scaled_dot_product_attention(q, k, v, causal=True).shape
        (2, 4, 5, 8)
    """
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ShapeError(f"attention: queries {q.shape}, keys {k.shape} and values {v.shape} do not fit; "
                         f"queries and keys need the same last axis, keys and values the same length")
    scale = 1.0 / np.sqrt(q.shape[-1])
    allowed = attention_allowed(key_mask, causal, q.shape[-2], k.shape[-2])
    p = attention_weights(q.data, k.data, allowed, scale).astype(q.dtype, copy=False)  # (..., Tq, Tk)
    out = np.matmul(p, v.data)

    def backward(g):
        gv = np.matmul(np.swapaxes(p, -1, -2), g) if v.requires_grad else None
        gs = np.matmul(g, np.swapaxes(v.data, -1, -2))  # dL/dP
        gs -= np.einsum("...ij,...ij->...i", gs, p)[..., None]
        gs *= p
        gs *= scale  # dL/dS times the scale of S
        gq = np.matmul(gs, k.data) if q.requires_grad else None
        gk = np.matmul(np.swapaxes(gs, -1, -2), q.data) if k.requires_grad else None
        return gq, gk, gv

    return from_op(out, (q, k, v), backward, "scaled_dot_product_attention")


def _affine_example(rng):
    return [rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 5)), rng.standard_normal(5)], {}


@operation("affine", _affine_example)
def affine(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x W + b over the last axis of x, as one matrix product of the rows.

    Args:
        x: (..., D).
        weight: (D, E).
        bias (default None): (E,).

    Shape:
        output (..., E).

    Example::

        >>> affine(Tensor(np.ones((2, 7, 3))), Tensor(np.ones((3, 5)))).shape
        (2, 7, 5)
    """
    if x.shape[-1] != weight.shape[0]:
        raise ShapeError(f"affine: inputs have {x.shape[-1]} features but the weight expects {weight.shape[0]}")
    rows = x.data.reshape(-1, x.shape[-1])  # (R, D)
    out = rows @ weight.data
    if bias is not None:
        out += bias.data
    shape = x.shape[:-1] + (weight.shape[1],)

    def backward(g):
        g2 = g.reshape(-1, g.shape[-1])  # (R, E)
        gx = (g2 @ weight.data.T).reshape(x.shape) if x.requires_grad else None
        gw = rows.T @ g2 if weight.requires_grad else None
        if bias is None:
            return gx, gw
        return gx, gw, (g2.sum(axis=0) if bias.requires_grad else None)

    parents = (x, weight) if bias is None else (x, weight, bias)
    return from_op(out.reshape(shape), parents, backward, "affine")
