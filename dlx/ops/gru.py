"""Fused GRU (Cho et al. 2014) over a whole sequence: one node on the tape, BPTT by hand.

The shared machinery (masks, truncation, return_state, grad_norms, the weight
gradients as one product over all steps) is described in ``dlx.ops.recurrent``
and lives in ``dlx.ops.sequence``.
"""
from __future__ import annotations

import numpy as np

from dlx.ops.base import operation
from dlx.ops.sequence import Sequence, recurrence_example, record_norms, sigmoid_into, tanh_into, tape_parents
from dlx.tensor import Tensor, from_op


def _gru_example(rng):
    args, kwargs = recurrence_example(3)(rng)
    x, w_x, w_h, b_x, h0, mask = args
    return [x, w_x, w_h, b_x, rng.standard_normal(b_x.shape) * 0.1, h0, mask], kwargs


@operation("gru_sequence", _gru_example)
def gru_sequence(x: Tensor, w_x: Tensor, w_h: Tensor, b_x: Tensor, b_h: Tensor, h0: Tensor | None = None,
                 mask=None, truncate: int | None = None, return_state: bool = False,
                 grad_norms: list | None = None) -> Tensor:
    """GRU with reset gate r and update gate z, gates in the order (r, z, n) along the last axis:

        r = sigma(x_t W_xr + b_xr + h_{t-1} W_hr + b_hr)
        z = sigma(x_t W_xz + b_xz + h_{t-1} W_hz + b_hz)
        n = tanh(x_t W_xn + b_xn + r * (h_{t-1} W_hn + b_hn))
        h_t = (1 - z) * n + z * h_{t-1}

    The reset gate scales the recurrent part of the candidate after the product
    with W_hn (Cho et al. 2014, v3; PyTorch's and cuDNN's form), so the two biases
    of n are separate. Backward, with dh_t the gradient on the state and
    q = h_{t-1} W_hn + b_hn:

        dn = dh_t (1 - z),  dz = dh_t (h_{t-1} - n),  da_n = dn (1 - n^2)
        da_r = da_n q r (1 - r),  da_z = dz z (1 - z)
        input side da_x = (da_r, da_z, da_n),  recurrent side da_h = (da_r, da_z, da_n r)
        dL/dh_{t-1} = dh_t z + da_h W_h^T

    Args:
        x (N, T, D), w_x (D, 3H), w_h (H, 3H), b_x (3H,), b_h (3H,), h0 (N, H) or
        None (zeros), mask (N, T) or None, truncate, return_state, grad_norms: as
        in ``dlx.ops.recurrent``. PyTorch's nn.GRU has the same gate order.

    Shape:
        output (N, T, H), or (N, T + 1, H) with the final state appended.
    """
    seq = Sequence("gru_sequence", x, mask, truncate)
    H = w_h.shape[0]
    gates = seq.project(w_x.data, b_x.data)  # (T, N, 3H): input side, then the activated r, z, n
    dtype = gates.dtype
    q = np.empty((seq.T, seq.N, H), dtype)  # h_{t-1} W_hn + b_hn, needed for da_r
    hs = np.empty((seq.T + 1, seq.N, H), dtype)
    hs[0] = seq.initial(h0, H, dtype)
    for t in range(seq.T):
        a, recurrent = gates[t], hs[t] @ w_h.data + b_h.data  # (N, 3H) each
        a[:, :2 * H] += recurrent[:, :2 * H]
        sigmoid_into(a[:, :2 * H])
        q[t] = recurrent[:, 2 * H:]
        n = a[:, 2 * H:]
        n += a[:, :H] * q[t]
        tanh_into(n, n)
        new = hs[t + 1]
        np.subtract(hs[t], n, out=new)
        new *= a[:, H:2 * H]
        new += n  # n + z (h_{t-1} - n)
        seq.hold(t, new, hs[t])

    def backward(grad):
        gy, (dh,) = seq.output_gradient(grad, 1, return_state)
        da_h = np.empty_like(gates)  # recurrent side (da_r, da_z, da_n r)
        da_n = np.empty((seq.T, seq.N, H), dtype)
        norms = [] if grad_norms is not None else None
        for t in range(seq.T - 1, -1, -1):
            d_new, d_carry = seq.state_gradient(t, gy[t], dh, norms)
            r, z, n = gates[t, :, :H], gates[t, :, H:2 * H], gates[t, :, 2 * H:]
            np.multiply(d_new, 1.0 - z, out=da_n[t])
            da_n[t] *= 1.0 - n * n
            dr, dz, dn_h = da_h[t, :, :H], da_h[t, :, H:2 * H], da_h[t, :, 2 * H:]
            np.multiply(da_n[t], q[t], out=dr)
            dr *= r * (1.0 - r)
            np.multiply(d_new, hs[t] - n, out=dz)
            dz *= z * (1.0 - z)
            np.multiply(da_n[t], r, out=dn_h)
            if seq.cut(t):
                dh = np.zeros_like(dh)
                continue
            dh = da_h[t] @ w_h.data.T
            dh += d_new * z
            if d_carry is not None:
                dh += d_carry
        record_norms(grad_norms, norms)
        da_x = np.concatenate([da_h[:, :, :2 * H], da_n], axis=2)  # (T, N, 3H)
        dw_x, dx = seq.input_gradients(da_x, seq.xs, w_x.data, x.requires_grad)
        dw_h, _ = seq.input_gradients(da_h, hs[:-1], w_h.data, False)
        grads = (dx, dw_x, dw_h, da_x.sum(axis=(0, 1)), da_h.sum(axis=(0, 1)))
        return grads + ((dh,) if h0 is not None else ())

    out = seq.output(hs, [hs[-1]], return_state)
    return from_op(out, tape_parents((x, w_x, w_h, b_x, b_h), (h0,)), backward, "gru_sequence")
