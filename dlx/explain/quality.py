"""Are the explanations any good? Deletion curves and the model-randomisation sanity check.

* Deletion curve (Petsiuk et al. 2018): remove features (pixels) in order of
  attributed importance, replacing them by the baseline, and record the class
  score after each step; its area (the mean over the removed fractions 0..1) is
  small when the attribution found what the model relies on. The same curve for
  random orders (their mean) is the reference: a useful attribution falls faster.
  The order is each method's own estimate of what removing a unit takes from the
  score: integrated gradients and occlusion are that estimate already; LIME's is
  its contribution, weight x (standardised value - the baseline's), not the weight
  (a slope); saliency's, which has no sign, is |gradient| x |x - baseline| (a unit
  at the baseline loses nothing when it is "removed").
* Model randomisation (Adebayo et al. 2018): re-draw every weight of the model
  and attribute again. An explanation that still looks the same does not depend on
  what the model learned. We report Spearman's rank correlation of |attribution|
  between the trained and the randomised model; the check passes below 0.5.
  Integrated gradients are (x - x') times the gradient averaged along the path, and
  the factor (x - x') is the same for every model: on tabular data, where features
  lie at very different distances from the baseline, it alone can keep the rank
  correlation above 0.5 however the weights are drawn. So can the slope 1/std of a
  run's scaler, which every gradient with respect to the raw input carries (saliency
  on breast cancer: rho 0.79-0.91). For such a method the check carries that caveat,
  and a complementary check compares the gradients with respect to the model's own
  input (the attribution divided by the factor, same randomised model).

Example::

    result = assess(result, target, x, lambda: saliency_map(target, x, c), rng)
    result.summary["deletion"]["area"], result.summary["randomisation"]["passed"]
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable

import numpy as np

from dlx.explain.base import Explanation
from dlx.explain.pictures import line_plot
from dlx.explain.target import ExplainTarget

RANK_CORRELATION_LIMIT = 0.5
DELETION_STEPS = 20


def importance_units(target: ExplainTarget, attribution: np.ndarray) -> np.ndarray:
    """One importance per removable unit: per feature, or per pixel (summed over channels)."""
    return attribution.sum(axis=0).reshape(-1) if target.is_image else attribution.reshape(-1)


def deletion_scores(target, x, baseline, order, class_index, steps=DELETION_STEPS) -> np.ndarray:
    """(steps + 1,) class scores after removing the first k/steps of ``order`` (units) for k = 0..steps."""
    counts = np.round(np.linspace(0, len(order), steps + 1)).astype(int)
    batch = np.repeat(x[None], len(counts), axis=0)
    for row, count in enumerate(counts):
        removed = order[:count]
        if target.is_image:
            flat, base = batch[row].reshape(x.shape[0], -1), baseline.reshape(x.shape[0], -1)
            flat[:, removed] = base[:, removed]
        else:
            batch[row, removed] = baseline[removed]
    return target.score_array(batch)[:, class_index]


def area(curve: np.ndarray) -> float:
    """Trapezoid area under a curve sampled at equal fractions of 0..1."""
    return float((curve[:-1] + curve[1:]).sum() / (2 * (len(curve) - 1)))


def deletion_curve(target, x, attribution, class_index, rng, baseline=None, random_orders=5,
                   steps=DELETION_STEPS) -> dict:
    """The deletion curve of the attribution, and the mean curve of random orders, with their areas."""
    from dlx.explain.gradients import baseline_for
    baseline = baseline_for(target) if baseline is None else baseline
    units = importance_units(target, attribution)
    ordered = deletion_scores(target, x, baseline, np.argsort(-units, kind="stable"), class_index, steps)
    randoms = np.mean([deletion_scores(target, x, baseline, rng.permutation(len(units)), class_index, steps)
                       for _ in range(random_orders)], axis=0)
    return {"fractions": np.linspace(0, 1, steps + 1), "scores": ordered, "random_scores": randoms,
            "area": area(ordered), "random_area": area(randoms), "falls_faster": area(ordered) < area(randoms)}


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rho: Pearson's correlation of the ranks (ties get their mean rank)."""
    ra, rb = _ranks(np.ravel(a)), _ranks(np.ravel(b))
    if ra.std() == 0 or rb.std() == 0:
        return 0.0
    return float(np.corrcoef(ra, rb)[0, 1])


def _ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values), dtype=np.float64)
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    return (sums / counts)[inverse]


@contextmanager
def randomised_weights(model, rng: np.random.Generator):
    """Inside the block every parameter is re-drawn from N(0, its trained std) (constant ones kept)."""
    saved = model.state_dict()
    try:
        for parameter in model.parameters():
            spread = float(parameter.data.std())
            if spread > 0:
                parameter.data = rng.normal(0.0, spread, parameter.shape).astype(parameter.dtype)
        yield model
    finally:
        model.load_state_dict(saved)


def preprocess_slope(target, x: np.ndarray) -> np.ndarray:
    """d z / d x of the run's fixed, elementwise input scaler z = preprocess(x) (ones without one)."""
    if target.preprocess is None:
        return np.ones_like(x, dtype=np.float64)
    from dlx.tensor import Tensor
    leaf = Tensor(np.array(x, dtype=np.float64)[None], requires_grad=True)
    target.preprocess(leaf).sum().backward()
    return np.asarray(leaf.grad[0], dtype=np.float64)


def integrated_gradients_factor(target, x: np.ndarray, baseline: np.ndarray) -> tuple[np.ndarray, str]:
    """IG = (x - x') * (the scaler's slope) * (gradient w.r.t. the model's input): the model-free factor and
    its caveat."""
    return (np.asarray(x - baseline, dtype=np.float64) * preprocess_slope(target, x),
            "caveat: integrated gradients are (x - baseline) x an averaged gradient, and (x - baseline) "
            "does not depend on the model, so part of the correlation is the input's; see the gradient check")


def saliency_factor(target, x: np.ndarray) -> tuple[np.ndarray, str] | None:
    """|d f / d x| = |slope of the scaler| * |gradient w.r.t. the model's input|: the factor and its caveat
    when the run's scaler has different slopes for different features (None otherwise: no bias)."""
    slope = np.abs(preprocess_slope(target, x))
    if np.allclose(slope, slope.reshape(-1)[0]):
        return None
    return (slope,
            "caveat: saliency is taken with respect to the raw input, so it carries the scaler's slope "
            "(1 / std per feature), which does not depend on the model; see the gradient check")


def gradient_check(target, trained: np.ndarray, randomised: np.ndarray, factor: np.ndarray) -> dict:
    """Spearman's rho of |attribution / factor|, the gradients with respect to the model's own input,
    for the trained and the randomised model, over the units where the factor is not 0; passes below 0.5.

    ``factor`` is the part of the attribution that is the same for every model: x - baseline for
    integrated gradients, and the slope of the run's fixed scaler (1 / std_j) for any gradient
    taken with respect to the raw input; either alone can keep the ranks alike."""
    safe = np.where(factor != 0, factor, 1.0)
    informative = importance_units(target, np.abs(factor)) > 0
    a = np.abs(importance_units(target, np.where(factor != 0, trained / safe, 0.0)))[informative]
    b = np.abs(importance_units(target, np.where(factor != 0, randomised / safe, 0.0)))[informative]
    rho = rank_correlation(a, b)
    passed = abs(rho) < RANK_CORRELATION_LIMIT
    message = ("passed: the model-input gradients change when the weights are randomised" if passed else
               "FAILED: the model-input gradients barely change when the weights are randomised")
    return {"rank_correlation": rho, "limit": RANK_CORRELATION_LIMIT, "passed": passed, "message": message}


def randomisation_check(target, attribute: Callable[[], np.ndarray], trained: np.ndarray, rng,
                        x: np.ndarray | None = None, baseline: np.ndarray | None = None,
                        factor: tuple[np.ndarray, str] | None = None) -> dict:
    """Spearman's rho of |attribution| for the trained and a randomised model; passes below 0.5.

    The correlation that decides is taken over the units where the input differs from the
    baseline: there integrated gradients and occlusion are zero by construction for *every*
    model, so those units show the input's shape, not what the model learned. The
    correlation over all units is reported beside it. With ``factor`` (the model-free part of the
    attribution and its caveat, e.g. ``integrated_gradients_factor``) the result carries the caveat
    and ``gradients``: the same check without that factor (``gradient_check``)."""
    if target.model is None:
        return {"passed": None, "message": "no model given: the randomisation check was skipped"}
    with randomised_weights(target.model, rng):
        randomised = attribute()
    a, b = np.abs(importance_units(target, trained)), np.abs(importance_units(target, randomised))
    informative = np.ones(len(a), dtype=bool)
    if x is not None and baseline is not None:
        informative = importance_units(target, np.abs(x - baseline)) > 0
    rho = rank_correlation(a[informative], b[informative])
    passed = abs(rho) < RANK_CORRELATION_LIMIT
    message = ("passed: the attribution changes when the weights are randomised" if passed else
               "FAILED: the attribution barely changes when the weights are randomised, "
               "so it does not show what the model learned")
    check = {"rank_correlation": rho, "rank_correlation_all_units": rank_correlation(a, b),
             "units_compared": int(informative.sum()), "limit": RANK_CORRELATION_LIMIT, "passed": passed,
             "message": message}
    if factor is not None:
        check["gradients"] = gradient_check(target, trained, randomised, factor[0])
        check["message"] += f"; {factor[1]}: {check['gradients']['message']}"
    return check


def assess(result: Explanation, target: ExplainTarget, x: np.ndarray, attribute: Callable[[], np.ndarray],
           rng: np.random.Generator, ranking: np.ndarray | None = None,
           factor: tuple[np.ndarray, str] | None = None) -> Explanation:
    """Add the deletion curve and the randomisation check to an attribution's summary and arrays.

    ``ranking`` (x's shape) orders the deletion when the attribution itself is not the method's
    estimate of what removing each unit costs (see the module doc); by default the attribution.
    ``factor``: the model-free part of the attribution and its caveat (``randomisation_check``)."""
    attribution = result.arrays["attribution"]
    order_by = attribution if ranking is None else ranking
    curve = deletion_curve(target, x, order_by, result.summary["class"], rng)
    result.summary["deletion"] = {k: curve[k] for k in ("area", "random_area", "falls_faster")}
    result.arrays.update(deletion_fractions=curve["fractions"], deletion_scores=curve["scores"],
                         deletion_random_scores=curve["random_scores"])
    from dlx.explain.gradients import baseline_for
    result.summary["randomisation"] = randomisation_check(target, attribute, attribution, rng, x,
                                                          baseline_for(target), factor)
    return result


def write_checks(result: Explanation, folder) -> list:
    """deletion.png beside the attribution's own picture (when the curve was computed)."""
    if "deletion_scores" not in result.arrays:
        return []
    a = result.arrays
    d = result.summary["deletion"]
    series = {f"by attribution (area {d['area']:.3f})": (a["deletion_fractions"], a["deletion_scores"]),
              f"random order (area {d['random_area']:.3f})": (a["deletion_fractions"], a["deletion_random_scores"])}
    return [line_plot(series, folder / "deletion.png", f"{result.method}: deletion curve",
                      "fraction of features removed", "class score")]
