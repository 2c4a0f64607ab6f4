"""Spiking layers: input coding into spike trains, leaky integrate-and-fire neurons, readouts over time.

A spiking classifier reads (N, features) -> spike trains (N, T, features) -> time_dense -> lif ->
... -> time_readout (spike counts or membrane) -> cross-entropy. The spikes are trained by the
surrogate gradient of ``dlx.ops.spiking.lif_sequence`` (backpropagation through the T steps).

Coding (inputs scaled to [0, 1], e.g. ``scaling: minmax``):
- rate coding: at each step a Bernoulli spike with probability = intensity (Poisson-like trains);
- latency coding: one spike per input, brighter fires earlier: t = round((1 - x) (T - 1)).
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ConfigError, ShapeError
from dlx.nn.module import Module
from dlx.ops.reduce import mean, sum
from dlx.ops.shape import getitem
from dlx.ops.spiking import RESETS, SURROGATES, lif_sequence
from dlx.registry import layers
from dlx.tensor import Tensor, from_op


def _spike_trains(x, spikes: np.ndarray, name: str) -> Tensor:
    """``spikes`` as the result of coding ``x``: piecewise constant in x, so its derivative is zero
    (almost everywhere); on the tape with that zero gradient, so a model's input may require grad."""
    spikes = spikes.astype(x.data.dtype if isinstance(x, Tensor) and x.data.dtype.kind == "f" else np.float32)
    if not isinstance(x, Tensor):
        return Tensor(spikes)
    return from_op(spikes, (x,), lambda grad: (np.zeros_like(x.data),), name)


def _check_steps(name: str, steps: int) -> int:
    if int(steps) < 1:
        raise ConfigError(f"{name}: steps must be a positive number of time steps, got {steps}")
    return int(steps)


@layers.register("rate_coding", "poisson_coding")
class RateCoding(Module):
    """Rate coding: T steps of Bernoulli spikes, each with probability = the input's intensity.

    The intensity is clipped to [0, 1] (scale the data with ``scaling: minmax``). In training the
    spikes are drawn from ``self.rng`` (seeded when the model is built); in evaluation from a
    generator seeded with ``eval_seed`` at each call, so predictions repeat. No gradient flows to
    the input (a random draw).

    Args:
        steps (int, default 20): time steps T.
        gain (float, default 1.0): probability = clip(gain x, 0, 1).
        eval_seed (int, default 0): seed of the spikes drawn in evaluation mode.

    Shape:
        input (N, *F), output (N, T, *F) of 0/1.
    """

    def __init__(self, steps: int = 20, gain: float = 1.0, eval_seed: int = 0):
        super().__init__()
        self.steps, self.gain, self.eval_seed = _check_steps("rate_coding", steps), float(gain), int(eval_seed)
        self.rng: np.random.Generator | None = None
        self.built = False

    @staticmethod
    def example():
        return {"steps": 4}, (3,)

    def build(self, input_shape, rng):
        self.rng = np.random.default_rng(rng.integers(2 ** 63))
        self.built = True

    def output_shape(self, input_shape):
        return (self.steps, *input_shape)

    def forward(self, x: Tensor) -> Tensor:
        data = x.data if isinstance(x, Tensor) else np.asarray(x)
        rng = self.rng if self.training else np.random.default_rng(self.eval_seed)
        p = np.clip(self.gain * data, 0.0, 1.0)[:, None]  # (N, 1, *F)
        draws = rng.random((data.shape[0], self.steps, *data.shape[1:]))
        return _spike_trains(x, draws < p, "rate_coding")


@layers.register("latency_coding", "time_to_first_spike")
class LatencyCoding(Module):
    """Latency coding: one spike per input, brighter fires earlier, at step round((1 - x) (T - 1)).

    Inputs at or below ``threshold`` (dark pixels) do not fire; inputs are clipped to [0, 1].

    Args:
        steps (int, default 20): time steps T.
        threshold (float, default 0.0): inputs at or below it stay silent.

    Shape:
        input (N, *F), output (N, T, *F) of 0/1.
    """

    def __init__(self, steps: int = 20, threshold: float = 0.0):
        super().__init__()
        self.steps, self.threshold = _check_steps("latency_coding", steps), float(threshold)

    @staticmethod
    def example():
        return {"steps": 4}, (3,)

    def output_shape(self, input_shape):
        return (self.steps, *input_shape)

    def forward(self, x: Tensor) -> Tensor:
        data = x.data if isinstance(x, Tensor) else np.asarray(x)
        intensity = np.clip(data, 0.0, 1.0)
        when = np.rint((1.0 - intensity) * (self.steps - 1)).astype(np.int64)  # (N, *F)
        steps = np.arange(self.steps).reshape((1, self.steps) + (1,) * (data.ndim - 1))
        spikes = (when[:, None] == steps) & (data > self.threshold)[:, None]
        return _spike_trains(x, spikes, "latency_coding")


@layers.register("lif", "leaky_integrate_and_fire")
class LIF(Module):
    """Leaky integrate-and-fire neurons over the T steps of their input currents (surrogate gradient).

    v_t = beta u_{t-1} + I_t, spike s_t = H(v_t - threshold), then reset by subtraction
    (u_t = v_t - threshold s_t) or to zero (u_t = v_t (1 - s_t)); ``dlx.ops.spiking.lif_sequence``
    has the backward. No parameters: put a ``time_dense`` before it for the synaptic weights.

    Args:
        beta (float, default 0.9): membrane decay per step, in [0, 1].
        threshold (float or None, default 1.0): firing threshold; None never fires (a leaky
            integrator, the membrane readout of a last layer).
        reset (str, default "subtract"): subtract or zero.
        surrogate (str, default "fast_sigmoid"): fast_sigmoid, arctan or sigmoid.
        slope (float, default 25.0): the surrogate's sharpness k.
        detach_reset (bool, default False): leave the reset out of the backward pass.
        output (str, default "spikes"): spikes or membrane.
        smooth (bool, default False): fire the surrogate's smooth S(v - threshold) instead of the step
            (a differentiable model for gradient checks, not for use).

    Shape:
        input (N, T, H), output (N, T, H).
    """

    def __init__(self, beta: float = 0.9, threshold: float | None = 1.0, reset: str = "subtract",
                 surrogate: str = "fast_sigmoid", slope: float = 25.0, detach_reset: bool = False,
                 output: str = "spikes", smooth: bool = False):
        super().__init__()
        if not 0.0 <= float(beta) <= 1.0:
            raise ConfigError(f"lif: beta must lie in [0, 1] (the share of the membrane kept per step), got {beta}")
        if threshold is not None and float(threshold) <= 0:
            raise ConfigError(f"lif: threshold must be positive, or null for a leaky integrator; got {threshold}")
        for key, value, known in (("reset", reset, RESETS), ("surrogate", surrogate, SURROGATES),
                                  ("output", output, ("spikes", "membrane"))):
            if value not in known:
                raise ConfigError(f"lif: unknown {key} '{value}'; use one of {', '.join(known)}")
        self.beta, self.threshold = float(beta), None if threshold is None else float(threshold)
        self.reset, self.surrogate, self.slope = reset, surrogate, float(slope)
        self.detach_reset, self.output, self.smooth = bool(detach_reset), output, bool(smooth)

    @staticmethod
    def example():
        return {"beta": 0.8, "surrogate": "arctan", "slope": 2.0, "smooth": True}, (5, 4)

    def output_shape(self, input_shape):
        if len(input_shape) != 2:
            raise ShapeError(f"lif expects (T, features) per sample, got {tuple(input_shape)}; code the input "
                             f"into spike trains first (rate_coding or latency_coding) and use time_dense")
        return tuple(input_shape)

    def forward(self, x: Tensor) -> Tensor:
        return lif_sequence(x, self.beta, self.threshold, self.reset, self.surrogate, self.slope, self.smooth,
                            self.detach_reset, self.output)


@layers.register("time_readout", "spike_count")
class TimeReadout(Module):
    """A readout over time: the sum (spike count), mean (rate) or last step of (N, T, H) -> (N, H).

    Args:
        reduce (str, default "sum"): sum, mean or last.

    Shape:
        input (N, T, H), output (N, H).
    """

    def __init__(self, reduce: str = "sum"):
        super().__init__()
        if reduce not in ("sum", "mean", "last"):
            raise ConfigError(f"time_readout: unknown reduce '{reduce}'; use sum, mean or last")
        self.reduce = reduce

    @staticmethod
    def example():
        return {"reduce": "sum"}, (5, 4)

    def output_shape(self, input_shape):
        if len(input_shape) < 2:
            raise ShapeError(f"time_readout expects (T, features) per sample, got {tuple(input_shape)}")
        return tuple(input_shape[1:])

    def forward(self, x: Tensor) -> Tensor:
        if self.reduce == "last":
            return getitem(x, (slice(None), -1))
        return sum(x, axis=1) if self.reduce == "sum" else mean(x, axis=1)
