"""What the fused recurrences share: time-major inputs, masks, truncation, states, outputs.

The recurrent operations (``dlx.ops.recurrent``) walk a sequence step by step in
NumPy and record ONE node on the tape. Everything that is not the cell itself
lives here: the input (N, T, D) turned time-major (T, N, D) so that each step
reads a contiguous block, the input projection X @ W for all steps in one matrix
product, the mask as boolean columns, where the truncated backward cuts the
state, the output sequence (with the final states appended when asked for), and
the gradients of the input weights, again one matrix product over all steps.

Mask semantics (every recurrence): at a step where ``mask[n, t]`` is False the
state of sequence n carries over unchanged, h_t = h_{t-1} (and c_t = c_{t-1}),
and the output there is zero. So a padded step contributes nothing: its output
is 0 and the gradient reaching its input and the weights from it is 0.
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ShapeError
from dlx.tensor import Tensor


def sigmoid_into(a: np.ndarray) -> np.ndarray:
    """sigma(a) = 1 / (1 + exp(-a)), in place. For very negative a, exp(-a) overflows to inf and
    sigma is exactly 0, as it should be (the overflow warning is silenced). NumPy's float32 exp is
    vectorised and several times faster than its tanh."""
    np.negative(a, out=a)
    with np.errstate(over="ignore"):
        np.exp(a, out=a)
    a += 1.0
    return np.divide(1.0, a, out=a)  # float32: faster than np.reciprocal (6.6 against 9.7 us for 64 x 512)


def tanh_into(a: np.ndarray, out: np.ndarray) -> np.ndarray:
    """tanh(a) = 2 / (1 + exp(-2a)) - 1 into ``out`` (absolute error about one unit of roundoff;
    exp(-2a) = inf gives -1 exactly)."""
    np.multiply(a, -2.0, out=out)
    with np.errstate(over="ignore"):
        np.exp(out, out=out)
    out += 1.0
    np.divide(2.0, out, out=out)
    out -= 1.0
    return out


class Sequence:
    """One recurrence's view of its input.

    Args:
        name (str): the operation, for error messages.
        x (Tensor): the input, shape (N, T, D).
        mask: None or (N, T) bool / 0-1; False (0) marks a padded step, anything else a valid one.
        truncate (int, default None): cut the gradient through the state every
            ``truncate`` steps (truncated backpropagation through time).
    """

    def __init__(self, name: str, x: Tensor, mask, truncate: int | None):
        if x.ndim != 3:
            raise ShapeError(f"{name}: expects input of shape (N, T, features), i.e. (T, features) per sample, "
                             f"got {x.shape}; give every sample a time axis (e.g. reshape to (N, T, 1))")
        self.name = name
        self.N, self.T, self.D = x.shape
        self.xs = np.ascontiguousarray(x.data.transpose(1, 0, 2))  # (T, N, D)
        self.keep = None if mask is None else self._keep_columns(mask)  # (T, N, 1) bool
        self.truncate = self._checked_truncate(truncate)

    def _keep_columns(self, mask) -> np.ndarray:
        mask = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
        if mask.shape != (self.N, self.T):
            raise ShapeError(f"{self.name}: mask must have shape (N, T) = {(self.N, self.T)}, got {mask.shape}")
        return np.ascontiguousarray((mask != 0).T)[:, :, None]

    def _checked_truncate(self, truncate):
        if truncate is None:
            return None
        if isinstance(truncate, bool) or int(truncate) != truncate or truncate < 1:
            raise ShapeError(f"{self.name}: truncate must be a positive number of steps, got {truncate!r}")
        if truncate > self.T:
            raise ShapeError(f"{self.name}: truncate={truncate} is longer than the sequence (T={self.T}); "
                             f"use truncate <= {self.T}, or None for full backpropagation through time")
        return int(truncate)

    def cut(self, t: int) -> bool:
        """True where the truncated backward stops: no gradient from step t into the state h_{t-1}."""
        return self.truncate is not None and t > 0 and t % self.truncate == 0

    def initial(self, state: Tensor | None, hidden: int, dtype) -> np.ndarray:
        """The initial state (N, H): the given one or zeros."""
        if state is None:
            return np.zeros((self.N, hidden), dtype=dtype)
        if state.shape != (self.N, hidden):
            raise ShapeError(f"{self.name}: initial state must have shape (N, H) = {(self.N, hidden)}, "
                             f"got {state.shape}")
        return state.data

    def project(self, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
        """X @ W (+ b) for all steps at once: (T, N, D) -> (T, N, K)."""
        out = self.xs.reshape(self.T * self.N, self.D) @ w
        if b is not None:
            out += b
        return out.reshape(self.T, self.N, -1)

    def hold(self, t: int, new: np.ndarray, previous: np.ndarray) -> None:
        """At the masked steps t of some sequences, overwrite their new state with the previous one."""
        if self.keep is not None:
            np.copyto(new, previous, where=~self.keep[t])

    def split_gradient(self, d: np.ndarray, d_carried: np.ndarray, t: int):
        """Route the gradient ``d`` on state h_t: (to the step's new state, straight back to h_{t-1})."""
        if self.keep is None:
            return d, None
        return np.where(self.keep[t], d, 0.0), np.where(self.keep[t], 0.0, d_carried)

    def state_gradient(self, t: int, g_out: np.ndarray, d_state: np.ndarray, norms: list | None):
        """The gradient on h_t (the output's plus what came back from step t+1), split as in
        ``split_gradient``; appends its norm to ``norms`` unless that is None."""
        d_new, d_carry = self.split_gradient(g_out + d_state, d_state, t)
        if norms is not None:
            norms.append(float(np.linalg.norm(d_new if d_carry is None else d_new + d_carry)))
        return d_new, d_carry

    def output(self, hs: np.ndarray, finals: list[np.ndarray], return_state: bool) -> np.ndarray:
        """(N, T, H) from the states hs (T+1, N, H), zero at masked steps; finals appended along time."""
        out = hs[1:] if self.keep is None else np.where(self.keep, hs[1:], 0.0).astype(hs.dtype, copy=False)
        if return_state:
            out = np.concatenate([out] + [f[None] for f in finals], axis=0)
        return np.ascontiguousarray(out.transpose(1, 0, 2))

    def output_gradient(self, g: np.ndarray, n_states: int, return_state: bool):
        """Split the upstream gradient: (T, N, H) for the outputs and one (N, H) per final state."""
        g = g.transpose(1, 0, 2)  # (T[+S], N, H)
        if not return_state:
            return g, [np.zeros_like(g[0]) for _ in range(n_states)]
        return g[:self.T], [np.array(g[self.T + i]) for i in range(n_states)]

    def input_gradients(self, da: np.ndarray, inputs: np.ndarray, w: np.ndarray, need_input: bool):
        """From da (T, N, K), the gradients of the pre-activations at every step, and the
        inputs (T, N, D) that met W (D, K): dL/dW = sum_t inputs_t^T da_t (one product over
        all steps) and, if ``need_input``, dL/dinputs = da W^T as (N, T, D)."""
        flat = da.reshape(-1, da.shape[-1])
        dw = inputs.reshape(flat.shape[0], -1).T @ flat
        if not need_input:
            return dw, None
        return dw, (flat @ w.T).reshape(self.T, self.N, -1).transpose(1, 0, 2)


def recurrence_example(gates: int, with_cell: bool = False):
    """Example inputs for the registry-wide gradcheck: 5 steps, one sequence of length 3."""

    def example(rng):
        n, t, d, h = 2, 5, 3, 2
        mask = np.ones((n, t), dtype=bool)
        mask[1, 3:] = False  # the second sequence has length 3
        states = [rng.standard_normal((n, h)) * 0.5 for _ in range(2 if with_cell else 1)]
        args = [rng.standard_normal((n, t, d)), rng.standard_normal((d, gates * h)) * 0.5,
                rng.standard_normal((h, gates * h)) * 0.5, rng.standard_normal(gates * h) * 0.1, *states, mask]
        return args, {"return_state": True}  # truncation is no true derivative: see the tests
    return example


def tape_parents(required: tuple, optional: tuple) -> tuple:
    """The parents of a recurrence's node: the required inputs and the initial states given."""
    return required + tuple(s for s in optional if s is not None)


def record_norms(grad_norms: list | None, norms: list[float] | None) -> None:
    """Append the per-step gradient norms ||dL/dh_t|| (collected backwards) in time order."""
    if grad_norms is not None and norms is not None:
        grad_norms.extend(reversed(norms))
