"""Fused recurrences (notes ch. 5, TOPICS [R]): a simple RNN and an LSTM over a whole sequence.

Each call walks the T steps in NumPy and records ONE node on the tape; its
backward is backpropagation through time written out by hand. What the cells
share (masks, truncation, the input projection for all steps at once, the weight
gradients as one product over all steps) is in ``dlx.ops.sequence``; the GRU is
in ``dlx.ops.gru``.

Notation: x_t (N, D) the input at step t, h_t (N, H) the state, W_x (D, K),
W_h (H, K), b (K,); a_t = x_t W_x + h_{t-1} W_h + b are the pre-activations.
BPTT: let dh_t be the gradient of the loss on the state h_t, the output's
gradient g_t plus what flows back from step t+1. Then for each step, from the
last to the first, the cell's local derivative gives da_t, and

    dL/dh_{t-1} = da_t W_h^T (+ the cell's direct path, e.g. the LSTM's c)
    dL/dW_x = sum_t x_t^T da_t,  dL/dW_h = sum_t h_{t-1}^T da_t,  dL/db = sum_t da_t,
    dL/dx_t = da_t W_x^T

where the three sums and dL/dx are single matrix products over all steps.
Truncation (``truncate=k``) sets dL/dh_{t-1} (and dL/dc_{t-1}) to zero at
t = k, 2k, ...: the state entering a block of k steps is treated as a constant.
``return_state=True`` appends the final state(s) to the output along the time
axis, (N, T + 1, H) (LSTM: h_T then c_T, (N, T + 2, H)), so that a following
model (e.g. a decoder) can use and differentiate them; this stays one node.
``grad_norms``: a list that the backward extends with ||dL/dh_t|| (Frobenius
norm over the batch) for t = 0..T-1, to make vanishing gradients visible.
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ShapeError
from dlx.ops.base import operation
from dlx.ops.sequence import Sequence, recurrence_example, record_norms, tanh_into, tape_parents
from dlx.tensor import Tensor, from_op


@operation("rnn_sequence", recurrence_example(1))
def rnn_sequence(x: Tensor, w_x: Tensor, w_h: Tensor, b: Tensor, h0: Tensor | None = None, mask=None,
                 activation: str = "tanh", truncate: int | None = None, return_state: bool = False,
                 grad_norms: list | None = None) -> Tensor:
    """Simple (Elman) RNN: h_t = f(x_t W_x + h_{t-1} W_h + b), f = tanh or relu.

    Backward: da_t = dh_t * f'(a_t) with tanh' = 1 - h_t^2 and relu' = [h_t > 0].

    Args:
        x (N, T, D), w_x (D, H), w_h (H, H), b (H,), h0 (N, H) or None (zeros),
        mask (N, T) or None, activation ("tanh" | "relu"), truncate, return_state,
        grad_norms: see the module docstring.

    Shape:
        output (N, T, H), or (N, T + 1, H) with the final state appended.

    Example::

        >>> y = rnn_sequence(Tensor(np.ones((4, 10, 3))), w_x, w_h, b)   # y.shape == (4, 10, H)
    """
    if activation not in ("tanh", "relu"):
        raise ShapeError(f"rnn_sequence: activation must be 'tanh' or 'relu', got {activation!r}")
    seq = Sequence("rnn_sequence", x, mask, truncate)
    H = w_h.shape[0]
    acts = seq.project(w_x.data, b.data)  # (T, N, H): a_t without the recurrence, then f(a_t) in place
    hs = np.empty((seq.T + 1, seq.N, H), dtype=acts.dtype)  # states h_0 .. h_T
    hs[0] = seq.initial(h0, H, acts.dtype)
    for t in range(seq.T):
        a = acts[t]
        a += hs[t] @ w_h.data
        if activation == "tanh":
            tanh_into(a, a)
        else:
            np.maximum(a, 0.0, out=a)
        hs[t + 1] = a  # acts keeps the new state, before masking, for the backward
        seq.hold(t, hs[t + 1], hs[t])

    def backward(g):
        gy, (dh,) = seq.output_gradient(g, 1, return_state)
        da = np.empty_like(acts)
        norms = [] if grad_norms is not None else None
        for t in range(seq.T - 1, -1, -1):
            d_new, d_carry = seq.state_gradient(t, gy[t], dh, norms)
            np.multiply(d_new, 1.0 - acts[t] * acts[t] if activation == "tanh" else acts[t] > 0, out=da[t])
            if seq.cut(t):
                dh = np.zeros_like(dh)
                continue
            dh = da[t] @ w_h.data.T
            if d_carry is not None:
                dh += d_carry
        record_norms(grad_norms, norms)
        dw_x, dx = seq.input_gradients(da, seq.xs, w_x.data, x.requires_grad)
        dw_h, _ = seq.input_gradients(da, hs[:-1], w_h.data, False)
        return (dx, dw_x, dw_h, da.sum(axis=(0, 1))) + ((dh,) if h0 is not None else ())

    out = seq.output(hs, [hs[-1]], return_state)
    return from_op(out, tape_parents((x, w_x, w_h, b), (h0,)), backward, "rnn_sequence")


def lstm_scaled_weights(w_x: Tensor, w_h: Tensor, b: Tensor) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(W_x s, W_h s, b s) with s = -1 on the i, f, o blocks and -2 on g: what ``lstm_sequence``'s steps use.

    sigma(a) = 1 / (1 + exp(-a)) and tanh(a) = 2 sigma(2a) - 1: with the weights scaled by -1
    (i, f, o) and -2 (g), each step needs one exp over all four blocks, nothing else.
    """
    scale = np.repeat(np.array([-1.0, -1.0, -1.0, -2.0], dtype=w_h.dtype), w_h.shape[0])  # (4H,)
    return w_x.data * scale, w_h.data * scale, b.data * scale


def _lstm_cell(a, h, c, w_h_scaled, h_new, c_new, tanh_c, product) -> None:
    """One LSTM step in place: ``a`` (N, 4H) holds the scaled input side x_t W_x s + b s and becomes the
    gates (i, f, o, g); writes c_t into ``c_new``, tanh(c_t) into ``tanh_c`` and h_t into ``h_new``."""
    H = h.shape[1]
    a += h @ w_h_scaled
    np.exp(a, out=a)
    a += 1.0
    np.divide(1.0, a, out=a)  # sigma(a) for i, f, o; sigma(2 a_g) for g (faster than np.reciprocal)
    i, f, o, g = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
    g *= 2.0
    g -= 1.0
    np.multiply(f, c, out=c_new)
    c_new += np.multiply(i, g, out=product)
    tanh_into(c_new, tanh_c)
    np.multiply(o, tanh_c, out=h_new)


def lstm_step(x: np.ndarray, h: np.ndarray, c: np.ndarray, scaled: tuple) -> tuple[np.ndarray, np.ndarray]:
    """(h_t, c_t) of one LSTM step from x_t (N, D), h_{t-1} and c_{t-1} (N, H) with ``lstm_scaled_weights``:
    the arithmetic of ``lstm_sequence``'s step (the same numbers), without a sequence, a tape or a
    gradient. Generation reads one character per call with it."""
    w_x_scaled, w_h_scaled, b_scaled = scaled
    a = x @ w_x_scaled
    a += b_scaled
    h_new, c_new, tanh_c, product = (np.empty(h.shape, a.dtype) for _ in range(4))
    with np.errstate(over="ignore"):
        _lstm_cell(a, h.astype(a.dtype, copy=False), c.astype(a.dtype, copy=False), w_h_scaled, h_new, c_new,
                   tanh_c, product)
    return h_new, c_new


@operation("lstm_sequence", recurrence_example(4, with_cell=True))
def lstm_sequence(x: Tensor, w_x: Tensor, w_h: Tensor, b: Tensor, h0: Tensor | None = None,
                  c0: Tensor | None = None, mask=None, truncate: int | None = None,
                  return_state: bool = False, grad_norms: list | None = None,
                  scaled: tuple | None = None) -> Tensor:
    """LSTM, the lecture's equations, gates in the lecture's order (i, f, o, g) along the last axis:

        (i, f, o, g) = (sigma, sigma, sigma, tanh)(x_t W_x + h_{t-1} W_h + b)
        c_t = f * c_{t-1} + i * g,    h_t = o * tanh(c_t)

    Backward, with dh_t and dc_t the gradients on the states (the cell's gradient
    also flows back from step t+1 through c_{t+1} = f c_t + ...):

        dc = dc_t + dh_t * o * (1 - tanh(c_t)^2)
        do = dh_t * tanh(c_t),  di = dc * g,  dg = dc * i,  df = dc * c_{t-1}
        da = (di i(1-i), df f(1-f), do o(1-o), dg (1-g^2))      (sigma' = sigma (1 - sigma))
        dL/dc_{t-1} = dc * f,   dL/dh_{t-1} = da W_h^T

    Args:
        x (N, T, D), w_x (D, 4H), w_h (H, 4H), b (4H,), h0 and c0 (N, H) or None
        (zeros), mask (N, T) or None, truncate, return_state, grad_norms: see the
        module docstring. PyTorch's nn.LSTM orders its gates (i, f, g, o).
        scaled (default None): ``lstm_scaled_weights(w_x, w_h, b)`` of these same weights, given by a
        caller that makes many short calls with fixed weights (generation, one step per call) so
        that the scaling is done once, not per call; None scales them here.

    Shape:
        output (N, T, H) (the h_t), or (N, T + 2, H) with h_T and c_T appended.
    """
    seq = Sequence("lstm_sequence", x, mask, truncate)
    H = w_h.shape[0]
    w_x_scaled, w_h_scaled, b_scaled = lstm_scaled_weights(w_x, w_h, b) if scaled is None else scaled
    gates = seq.project(w_x_scaled, b_scaled)  # (T, N, 4H): scaled input side, then the gates
    dtype = gates.dtype
    hs, cs = np.empty((seq.T + 1, seq.N, H), dtype), np.empty((seq.T + 1, seq.N, H), dtype)
    tanh_c = np.empty((seq.T, seq.N, H), dtype)  # tanh of the step's new cell (before masking)
    hs[0], cs[0] = seq.initial(h0, H, dtype), seq.initial(c0, H, dtype)
    product = np.empty((seq.N, H), dtype)
    with np.errstate(over="ignore"):  # exp = inf gives sigma = 0 exactly (entered once, not per step)
        for t in range(seq.T):
            _lstm_cell(gates[t], hs[t], cs[t], w_h_scaled, hs[t + 1], cs[t + 1], tanh_c[t], product)
            seq.hold(t, cs[t + 1], cs[t])
            seq.hold(t, hs[t + 1], hs[t])

    def backward(grad):
        gy, (dh, dc) = seq.output_gradient(grad, 2, return_state)
        da = np.empty_like(gates)
        norms = [] if grad_norms is not None else None
        for t in range(seq.T - 1, -1, -1):
            dh_new, dh_carry = seq.state_gradient(t, gy[t], dh, norms)
            dc_new, dc_carry = seq.split_gradient(dc, dc, t)
            a, tc = gates[t], tanh_c[t]
            ifo, i, f, g = a[:, :3 * H], a[:, :H], a[:, H:2 * H], a[:, 3 * H:]
            dct = tc * tc
            np.subtract(1.0, dct, out=dct)
            dct *= a[:, 2 * H:3 * H]
            dct *= dh_new
            dct += dc_new  # dL/dc_t = dc_t + dh_t o (1 - tanh(c_t)^2)
            np.multiply(dct, g, out=da[t, :, :H])  # di
            np.multiply(dct, cs[t], out=da[t, :, H:2 * H])  # df
            np.multiply(dh_new, tc, out=da[t, :, 2 * H:3 * H])  # do
            slope = ifo * ifo
            np.subtract(ifo, slope, out=slope)  # sigma' = sigma (1 - sigma) of i, f, o at once
            da[t, :, :3 * H] *= slope
            dg = da[t, :, 3 * H:]
            np.multiply(g, g, out=dg)
            np.subtract(1.0, dg, out=dg)
            dg *= i
            dg *= dct  # dg = dc i, through tanh: (1 - g^2)
            if seq.cut(t):
                dh, dc = np.zeros_like(dh), np.zeros_like(dc)
                continue
            dh = da[t] @ w_h.data.T
            dc = dct * f
            if dh_carry is not None:
                dh += dh_carry
                dc += dc_carry
        record_norms(grad_norms, norms)
        dw_x, dx = seq.input_gradients(da, seq.xs, w_x.data, x.requires_grad)
        dw_h, _ = seq.input_gradients(da, hs[:-1], w_h.data, False)
        initial = tuple(d for d, s in ((dh, h0), (dc, c0)) if s is not None)
        return (dx, dw_x, dw_h, da.sum(axis=(0, 1))) + initial

    out = seq.output(hs, [hs[-1], cs[-1]], return_state)
    return from_op(out, tape_parents((x, w_x, w_h, b), (h0, c0)), backward, "lstm_sequence")
