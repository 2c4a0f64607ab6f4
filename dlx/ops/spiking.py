"""Leaky integrate-and-fire (LIF) neurons over T time steps: one node on the tape, BPTT by hand.

The spike is a Heaviside step, whose derivative is zero almost everywhere; training uses a
surrogate gradient (Neftci, Mostafa & Zenke 2019): the forward pass fires with the step, the
backward pass uses the derivative of a smooth stand-in in its place.

Surrogates, x = v - threshold, k the ``slope``:

    fast_sigmoid  dS/dx = 1 / (1 + k |x|)^2                       (SuperSpike, Zenke & Ganguli 2018)
                  S(x)  = 1/2 + x / (1 + k |x|)                    (its antiderivative)
    arctan        dS/dx = (k / 2) / (1 + (pi k x / 2)^2)           (Fang et al. 2021)
                  S(x)  = 1/2 + arctan(pi k x / 2) / pi
    sigmoid       dS/dx = k s (1 - s),  s = S(x) = 1 / (1 + exp(-k x))

With ``smooth=True`` the forward pass fires ``S(x)`` instead of the step: the whole recurrence is
then differentiable and its hand-derived backward is exactly its derivative (what gradcheck checks).
"""
from __future__ import annotations

import numpy as np

from dlx.ops.base import operation
from dlx.tensor import Tensor, from_op

SURROGATES = ("fast_sigmoid", "arctan", "sigmoid")
RESETS = ("subtract", "zero")


def surrogate_value(x: np.ndarray, name: str, slope: float) -> np.ndarray:
    """S(x), the smooth stand-in of the step (see the module docstring)."""
    if name == "fast_sigmoid":
        return 0.5 + x / (1.0 + slope * np.abs(x))
    if name == "arctan":
        return 0.5 + np.arctan(np.pi * slope * x / 2) / np.pi
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-slope * x))
    raise ValueError(f"unknown surrogate '{name}'; known: {', '.join(SURROGATES)}")


def surrogate_derivative(x: np.ndarray, name: str, slope: float) -> np.ndarray:
    """dS/dx, the gradient the backward pass gives the step (see the module docstring)."""
    if name == "fast_sigmoid":
        return 1.0 / (1.0 + slope * np.abs(x)) ** 2
    if name == "arctan":
        return (slope / 2) / (1.0 + (np.pi * slope * x / 2) ** 2)
    if name == "sigmoid":
        s = surrogate_value(x, name, slope)
        return slope * s * (1.0 - s)
    raise ValueError(f"unknown surrogate '{name}'; known: {', '.join(SURROGATES)}")


def _lif_example(rng):
    current = rng.standard_normal((2, 5, 3)) * 0.8 + 0.5
    return [current], {"beta": 0.8, "threshold": 1.0, "surrogate": "arctan", "slope": 2.0, "smooth": True}


@operation("lif_sequence", _lif_example)
def lif_sequence(current: Tensor, beta: float = 0.9, threshold: float | None = 1.0, reset: str = "subtract",
                 surrogate: str = "fast_sigmoid", slope: float = 25.0, smooth: bool = False,
                 detach_reset: bool = False, output: str = "spikes") -> Tensor:
    """Leaky integrate-and-fire neurons driven by ``current`` over its T steps, from rest (u_0 = 0):

        v_t = beta u_{t-1} + I_t                      charge (leak beta in [0, 1])
        s_t = H(v_t - theta)                          fire (S(v_t - theta) when smooth)
        u_t = v_t - theta s_t       (reset subtract)  or   u_t = v_t (1 - s_t)   (reset zero)

    ``threshold=None`` never fires: a leaky integrator u_t = beta u_{t-1} + I_t (a membrane readout;
    its output is the membrane whatever ``output`` says).
    Backward (BPTT), with g_t = dS/dx at v_t - theta, gs_t and gu_t the gradients arriving on the
    outputs and du_t = gu_t + beta dv_{t+1} the gradient on the membrane:

        ds_t = gs_t - theta du_t               (subtract)    ds_t = gs_t - v_t du_t         (zero)
        dv_t = du_t + g_t ds_t                 (subtract)    dv_t = (1 - s_t) du_t + g_t ds_t (zero)
        dI_t = dv_t

    ``detach_reset`` drops the reset's term (-theta du_t or -v_t du_t) from ds_t, as snnTorch
    does by default: the reset is then treated as a constant in the backward pass.

    Args:
        current (N, T, H): input currents. beta, threshold: leak and firing threshold.
        reset: ``subtract`` (keep the excess over the threshold) or ``zero``.
        surrogate, slope: the stand-in of the step's derivative (module docstring).
        smooth: fire S(v - theta) in the forward pass too (a differentiable model, for gradchecks).
        output: ``spikes`` (s) or ``membrane`` (u after the reset).

    Shape:
        output (N, T, H).
    """
    if reset not in RESETS:
        raise ValueError(f"unknown reset '{reset}'; known: {', '.join(RESETS)}")
    if output not in ("spikes", "membrane"):
        raise ValueError(f"unknown output '{output}'; use spikes or membrane")
    I = current.data  # noqa: E741  (N, T, H)
    dtype, (N, T, H) = I.dtype, I.shape
    fires = threshold is not None
    theta = dtype.type(threshold if fires else 0.0)
    v, s, u = np.empty_like(I), np.zeros_like(I), np.empty_like(I)
    previous = np.zeros((N, H), dtype)
    for t in range(T):
        v[:, t] = beta * previous + I[:, t]
        if fires:
            x = v[:, t] - theta
            s[:, t] = surrogate_value(x, surrogate, slope) if smooth else (x > 0)
            u[:, t] = v[:, t] - theta * s[:, t] if reset == "subtract" else v[:, t] * (1 - s[:, t])
        else:
            u[:, t] = v[:, t]
        previous = u[:, t]
    g = surrogate_derivative(v - theta, surrogate, slope).astype(dtype) if fires else None

    def backward(grad):
        gs, gu = (grad, None) if output == "spikes" and fires else (None, grad)
        dI = np.empty_like(I)
        carry = np.zeros((N, H), dtype)
        for t in range(T - 1, -1, -1):
            du = carry if gu is None else carry + gu[:, t]
            if not fires:
                dv = du
            else:
                ds = np.zeros_like(du) if gs is None else gs[:, t].copy()
                if not detach_reset:
                    ds -= theta * du if reset == "subtract" else v[:, t] * du
                dv = (du if reset == "subtract" else (1 - s[:, t]) * du) + g[:, t] * ds
            dI[:, t] = dv
            carry = beta * dv
        return (dI,)

    out = s if output == "spikes" and fires else u
    return from_op(out, (current,), backward, "lif_sequence")
