"""Gradient × input and SmoothGrad: two more gradient attributions on the same target interface.

Gradient × input (Shrikumar et al. 2016; captum's ``InputXGradient``) multiplies the
gradient of the explained output by the input, x ⊙ ∂f/∂x: for a linear model it is each
feature's term w_j x_j of the logit.

SmoothGrad (Smilkov et al. 2017; captum's ``NoiseTunnel`` with ``nt_type="smoothgrad"``)
averages the gradient over ``samples`` copies of the input with Gaussian noise of
standard deviation ``noise_level`` × (max − min of the input), which removes the
speckle of a single gradient on a ReLU network while keeping its large structures::

    result = smoothgrad(target, X[3], samples=50, noise_level=0.15)
    result.arrays["attribution"]        # mean gradient, the input's shape

Both write the picture and the quality checks of the other gradient methods.
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ConfigError
from dlx.explain.base import MODEL_KINDS, Explanation, explainer
from dlx.explain.gradients import _checked, _prepare, attribution_explanation, write_attribution
from dlx.explain.target import ExplainTarget

MAX_SAMPLES = 10_000


def gradient_times_input_map(target: ExplainTarget, x: np.ndarray, class_index: int, output: str) -> np.ndarray:
    return x * target.input_gradient(x[None], class_index, output)[1][0]


@explainer("gradient_x_input", "local, gradient", models=MODEL_KINDS, data=("tabular", "image"),
           writer=write_attribution)
def gradient_x_input(target: ExplainTarget, x, index: int = 0, class_index: int | None = None,
                     output: str = "logit", check: bool = True,
                     rng: np.random.Generator | None = None) -> Explanation:
    """Gradient × input: the input times the gradient of the class output (signed)."""
    x, class_index = _prepare(target, x, class_index)
    again = lambda: gradient_times_input_map(target, x, class_index, output)  # noqa: E731
    result = attribution_explanation("gradient_x_input", target, x, again(), index, class_index, {"output": output})
    return _checked(result, target, x, again, check, rng)


def noise_scale(x: np.ndarray, noise_level: float) -> float:
    """The noise's standard deviation: ``noise_level`` times the input's range (the paper's σ / (max − min))."""
    span = float(x.max() - x.min())
    return noise_level * (span if span > 0 else 1.0)


def smoothgrad_samples(target: ExplainTarget, x: np.ndarray, class_index: int, output: str, samples: int,
                       sigma: float, rng: np.random.Generator, batch_size: int = 64) -> np.ndarray:
    """(samples, *x.shape) the gradients at ``samples`` noisy copies of ``x`` (noise drawn from ``rng``)."""
    parts = []
    for start in range(0, samples, batch_size):
        count = min(batch_size, samples - start)
        noisy = x[None] + rng.normal(0.0, sigma, (count, *x.shape))
        parts.append(target.input_gradient(noisy, class_index, output)[1])
    return np.concatenate(parts, axis=0)


def _check_settings(samples, noise_level) -> None:
    if isinstance(samples, bool) or not isinstance(samples, int) or not 1 <= samples <= MAX_SAMPLES:
        raise ConfigError(f"smoothgrad: samples must be a whole number from 1 to {MAX_SAMPLES} (the noisy copies "
                          f"averaged), got {samples!r}; e.g. -o samples=50")
    if isinstance(noise_level, bool) or not isinstance(noise_level, (int, float)) or not 0 < noise_level <= 1:
        raise ConfigError(f"smoothgrad: noise_level must be in (0, 1] (the noise's standard deviation as a share of "
                          f"the input's range), got {noise_level!r}; e.g. -o noise_level=0.15")


@explainer("smoothgrad", "local, gradient", models=MODEL_KINDS, data=("tabular", "image"), writer=write_attribution)
def smoothgrad(target: ExplainTarget, x, index: int = 0, class_index: int | None = None, samples: int = 50,
               noise_level: float = 0.15, output: str = "logit", check: bool = True,
               rng: np.random.Generator | None = None) -> Explanation:
    """SmoothGrad: the gradient of the class output averaged over noisy copies of the input (signed)."""
    _check_settings(samples, noise_level)
    x, class_index = _prepare(target, x, class_index)
    rng = rng if rng is not None else np.random.default_rng(0)
    sigma = noise_scale(x, noise_level)
    seed = int(rng.integers(2**31))      # the same noise for the map and its randomisation check

    def again() -> np.ndarray:
        return smoothgrad_samples(target, x, class_index, output, samples, sigma,
                                  np.random.default_rng(seed)).mean(axis=0)
    extra = {"output": output, "samples": samples, "noise_level": float(noise_level), "noise_std": sigma}
    result = attribution_explanation("smoothgrad", target, x, again(), index, class_index, extra)
    return _checked(result, target, x, again, check, rng)
