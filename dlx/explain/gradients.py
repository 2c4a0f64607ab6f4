"""Attributions from gradients and from occlusion: saliency, integrated gradients, occlusion.

* Saliency (Simonyan et al. 2014): |d f_c / d x|; for a linear model f = x . w it is |w|.
* Integrated gradients (Sundararajan et al. 2017): along the straight path from a
  baseline x' to x,  IG_i = (x_i - x'_i) * integral_0^1 d f_c(x' + a (x - x')) / d x_i da,
  computed with the trapezoid rule over ``steps`` points. Completeness: sum_i IG_i = f_c(x) - f_c(x').
* Occlusion (Zeiler & Fergus 2014): f_c(x) - f_c(x with a window replaced by the baseline),
  averaged over the windows that cover each pixel (each feature alone for tabular data).

f_c is the class logit by default (``output="score"``: the probability); for regression the output.

Example::

    result = integrated_gradients(target, X_test[0], index=0)
    result.summary["completeness_error"]     # |sum IG - (f(x) - f(x'))| / |f(x) - f(x')|
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ConfigError
from dlx.explain.base import MODEL_KINDS, Explanation, explainer, top_weights
from dlx.explain.pictures import bar_chart, overlay
from dlx.explain.target import ExplainTarget

MAX_STEPS = 10_000  # points on the integration path; the path holds (steps + 1) copies of the input


def baseline_for(target: ExplainTarget, baseline="auto") -> np.ndarray:
    """The reference input: "zeros", "mean" (of the training inputs), an array, or "auto"
    (zeros for images, the training mean for tabular data)."""
    if isinstance(baseline, np.ndarray):
        return baseline.astype(np.float64).reshape(target.input_shape)
    if baseline == "auto":
        baseline = "zeros" if target.is_image else "mean"
    if baseline == "zeros":
        return np.zeros(target.input_shape)
    return target.train_X.mean(axis=0).astype(np.float64).reshape(target.input_shape)


def attribution_explanation(method: str, target: ExplainTarget, x, attribution, index, class_index,
                            extra: dict) -> Explanation:
    """An Explanation holding an attribution of x's shape (weights by feature name for tabular data)."""
    summary = {"index": index, "class": class_index, "class_name": target.class_name(class_index), **extra}
    if not target.is_image:
        summary["weights"] = top_weights(dict(zip(target.names(), map(float, attribution.reshape(-1)))))
    return Explanation(method, summary, {"instance": np.asarray(x, np.float64), "attribution": attribution})


UNSIGNED_METHODS = ("saliency", "grad_cam")   # never negative: drawn on a scale from zero


def write_attribution(result: Explanation, folder):
    """A bar chart (tabular) or an overlay (image) of the attribution, and the deletion curve if any."""
    from dlx.explain.quality import write_checks
    s = result.summary
    title = f"{result.method}, instance {s['index']}, class {s['class_name']}"
    signed = result.method not in UNSIGNED_METHODS
    if "weights" in s:
        meaning = "attribution: share of the class score (green: for the class, red: against)" if signed \
            else "|gradient|: how fast the class score moves with the feature"
        paths = [bar_chart(s["weights"], folder / "attribution.png", title, meaning=meaning)]
    else:
        heat = result.arrays["attribution"].sum(axis=0)
        paths = [overlay(result.arrays["instance"], heat, folder / "attribution.png", title, signed=signed)]
    return paths + write_checks(result, folder)


def _prepare(target, x, class_index):
    x = np.asarray(x, dtype=np.float64).reshape(target.input_shape)
    class_index = target.default_class(x) if class_index is None else target.check_class(class_index)
    return x, class_index


def saliency_map(target, x, class_index, output="logit") -> np.ndarray:
    return np.abs(target.input_gradient(x[None], class_index, output)[1][0])


def integrated_gradients_map(target, x, class_index, baseline, steps=64, output="logit"):
    """(attribution of x's shape, f at the path points (steps + 1,))."""
    alphas = np.linspace(0.0, 1.0, steps + 1)
    path = baseline[None] + alphas.reshape(-1, *[1] * x.ndim) * (x - baseline)[None]   # (steps+1, *shape)
    values, grads = target.input_gradient(path, class_index, output)
    trapezoid = (grads[:-1] + grads[1:]).sum(axis=0) / (2.0 * steps)                      # mean gradient
    return (x - baseline) * trapezoid, values


def occlusion_map(target, x, class_index, baseline, window=2, stride=1, output="score") -> np.ndarray:
    """f(x) - f(occluded) averaged over the windows covering each pixel (features: one at a time)."""
    if not target.is_image:
        occluded = np.repeat(x[None], x.size, axis=0)
        occluded[np.arange(x.size), np.arange(x.size)] = baseline[np.arange(x.size)]
        batch = np.concatenate([x[None], occluded])
    else:
        _, height, width = x.shape
        corners = [(r, c) for r in range(0, height - window + 1, stride) for c in range(0, width - window + 1, stride)]
        batch = np.repeat(x[None], len(corners) + 1, axis=0)
        for n, (r, c) in enumerate(corners, start=1):
            batch[n, :, r:r + window, c:c + window] = baseline[:, r:r + window, c:c + window]
    values = target.score_array(batch)[:, class_index] if output == "score" else \
        target.class_output(batch, class_index, "logit").data.astype(np.float64)
    drops = values[0] - values[1:]
    if not target.is_image:
        return drops
    total, cover = np.zeros(x.shape), np.zeros(x.shape)
    for drop, (r, c) in zip(drops, corners):
        total[:, r:r + window, c:c + window] += drop
        cover[:, r:r + window, c:c + window] += 1
    return total / np.maximum(cover, 1)


@explainer("saliency", "local, gradient", models=MODEL_KINDS, data=("tabular", "image"), writer=write_attribution)
def saliency(target: ExplainTarget, x, index: int = 0, class_index: int | None = None, output: str = "logit",
             check: bool = True, rng: np.random.Generator | None = None) -> Explanation:
    """Saliency map: the absolute gradient of the class score with respect to the input."""
    x, class_index = _prepare(target, x, class_index)
    result = attribution_explanation("saliency", target, x, saliency_map(target, x, class_index, output),
                                     index, class_index, {"output": output})
    removal = result.arrays["attribution"] * np.abs(x - baseline_for(target))   # |g| |x - x'|: see quality
    return _checked(result, target, x, lambda: saliency_map(target, x, class_index, output), check, rng, removal,
                    factor=lambda quality: quality.saliency_factor(target, x))


@explainer("integrated_gradients", "local, gradient", models=MODEL_KINDS, data=("tabular", "image"),
           writer=write_attribution)
def integrated_gradients(target: ExplainTarget, x, index: int = 0, class_index: int | None = None,
                         baseline="auto", steps: int = 64, tolerance: float = 0.01, max_steps: int = 1024,
                         output: str = "logit", check: bool = True,
                         rng: np.random.Generator | None = None) -> Explanation:
    """Integrated gradients from a baseline (Sundararajan et al. 2017), with their completeness gap.

    The number of steps doubles (up to ``max_steps``) until the attributions sum to
    f(x) - f(baseline) within ``tolerance`` (relative), as the paper recommends."""
    for name, value in (("steps", steps), ("max_steps", max_steps)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_STEPS:
            raise ConfigError(f"integrated_gradients: {name} must be a whole number from 1 to {MAX_STEPS} (the "
                              f"points on the path from the baseline), got {value!r}; e.g. -o {name}=64")
    x, class_index = _prepare(target, x, class_index)
    reference = baseline_for(target, baseline)
    while True:
        attribution, values = integrated_gradients_map(target, x, class_index, reference, steps, output)
        difference = float(values[-1] - values[0])
        gap = abs(float(attribution.sum()) - difference) / max(abs(difference), 1e-12)
        if gap <= tolerance or steps * 2 > max_steps:
            break
        steps *= 2
    extra = {"output": output, "steps": steps, "f_x": float(values[-1]), "f_baseline": float(values[0]),
             "sum_attributions": float(attribution.sum()), "completeness_error": gap}
    result = attribution_explanation("integrated_gradients", target, x, attribution, index, class_index, extra)
    again = lambda: integrated_gradients_map(target, x, class_index, reference, steps, output)[0]  # noqa: E731
    return _checked(result, target, x, again, check, rng,
                    factor=lambda quality: quality.integrated_gradients_factor(target, x, reference))


@explainer("occlusion", "local, model-agnostic", models=MODEL_KINDS, data=("tabular", "image"),
           writer=write_attribution)
def occlusion(target: ExplainTarget, x, index: int = 0, class_index: int | None = None, baseline="auto",
              window: int = 2, stride: int = 1, output: str = "score", check: bool = True,
              rng: np.random.Generator | None = None) -> Explanation:
    """Occlusion: the drop of the class score when a window (or a feature) is replaced by the baseline."""
    x, class_index = _prepare(target, x, class_index)
    reference = baseline_for(target, baseline)
    again = lambda: occlusion_map(target, x, class_index, reference, window, stride, output)  # noqa: E731
    result = attribution_explanation("occlusion", target, x, again(), index, class_index,
                                     {"output": output, "window": window, "stride": stride})
    return _checked(result, target, x, again, check, rng)


def _checked(result, target, x, attribute, check, rng, ranking=None, factor=None):
    """Add the deletion curve (ordered by ``ranking``, by default the attribution) and the
    model-randomisation check (with ``factor``, a function of the quality module giving the
    attribution's model-free factor) when asked (see ``dlx.explain.quality``)."""
    if not check:
        return result
    from dlx.explain import quality
    return quality.assess(result, target, x, attribute, rng if rng is not None else np.random.default_rng(0),
                          ranking, factor(quality) if factor is not None else None)
