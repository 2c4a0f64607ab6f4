"""LIME: explain one prediction by a weighted linear model fitted around it (Ribeiro et al. 2016).

Tabular data (``lime_tabular``): draw ``n_samples`` points from a Gaussian with
the training mean and standard deviation (or, with ``discretize=True``, from
the training quartile bins), standardise them, weight each by the kernel of its
Euclidean distance to the instance (width sqrt(d) * 0.75), and fit the weighted
ridge surrogate to the model's score of the explained class. Without
discretisation the surrogate works on standardised features, so a linear model
y = x . w gets the weights w_j * std_j. A weight is a slope; what feature j adds to
this prediction is its contribution, weight_j * (z_j - z'_j), with z the instance and
z' the baseline (the training mean) in the surrogate's features: for a linear model
w_j * (x_j - mean_j). The deletion check ranks features by contribution.

Images (``lime_image``): split the image into superpixels, switch random subsets
off (a hidden superpixel shows its mean colour), weight each sample by the
kernel of its cosine distance to "all on" (width 0.25), and fit the surrogate on
the on/off pattern.

Example::

    result = lime(target, X_test[0], index=0, rng=np.random.default_rng(0))
    result.summary["weights"]      # {"petal length (cm)": 0.31, ...}
"""
from __future__ import annotations

import numpy as np

from dlx.explain.base import MODEL_KINDS, Explanation, explainer, top_weights
from dlx.explain.gradients import baseline_for
from dlx.explain.pictures import bar_chart, overlay
from dlx.explain.superpixels import masked_images, segment_means, superpixels
from dlx.explain.surrogate import exponential_kernel, fit_surrogate
from dlx.explain.target import ExplainTarget

TABULAR_SAMPLES, IMAGE_SAMPLES = 5000, 1000
IMAGE_KERNEL_WIDTH = 0.25


def tabular_samples(target: ExplainTarget, x: np.ndarray, n: int, rng: np.random.Generator,
                    around_instance: bool = False):
    """(raw samples (n, d), standardised samples (n, d)); row 0 is the instance itself.

    Samples are N(mean, std^2) of the training data (LIME's default), or centred on the
    instance with ``around_instance``; both are standardised with the training statistics."""
    mean, scale = target.train_X.mean(axis=0), target.train_X.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    raw = rng.standard_normal((n, x.size)) * scale + (x if around_instance else mean)
    raw[0] = x
    return raw, (raw - mean) / scale


def quartile_bins(train_X: np.ndarray) -> np.ndarray:
    """(d, 3) the 25th, 50th and 75th percentile of every feature."""
    return np.percentile(train_X, [25, 50, 75], axis=0).T


def discretized_samples(target: ExplainTarget, x: np.ndarray, n: int, rng: np.random.Generator):
    """(raw samples, binary 'same quartile as the instance' (n, d), feature names of the bins).

    Each feature's bin is drawn with the training frequencies, and a value is drawn
    uniformly between the smallest and largest training value of that bin."""
    train = target.train_X.astype(np.float64)
    edges = quartile_bins(train)
    raw, same, names = np.empty((n, x.size)), np.empty((n, x.size)), []
    for j, name in enumerate(target.names()):
        bins = np.searchsorted(edges[j], train[:, j], side="left")
        own = int(np.searchsorted(edges[j], x[j], side="left"))
        counts = np.bincount(bins, minlength=4).astype(np.float64)
        drawn = rng.choice(4, size=n, p=counts / counts.sum())
        low = np.array([train[bins == b, j].min() if counts[b] else 0.0 for b in range(4)])
        high = np.array([train[bins == b, j].max() if counts[b] else 0.0 for b in range(4)])
        raw[:, j] = rng.uniform(low[drawn], high[drawn])
        same[:, j] = drawn == own
        names.append(_bin_name(name, edges[j], own))
    raw[0], same[0] = x, 1.0
    return raw, same, names


def same_quartile(train_X: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(d,) 1.0 where a's value of a feature lies in the same training quartile bin as b's, else 0.0."""
    edges = quartile_bins(np.asarray(train_X, dtype=np.float64))
    return np.array([float(np.searchsorted(e, u, side="left") == np.searchsorted(e, v, side="left"))
                     for e, u, v in zip(edges, a, b)])


def _bin_name(name: str, edges: np.ndarray, own: int) -> str:
    if own == 0:
        return f"{name} <= {edges[0]:.3g}"
    if own == 3:
        return f"{name} > {edges[2]:.3g}"
    return f"{edges[own - 1]:.3g} < {name} <= {edges[own]:.3g}"


def _summary(target, index, class_index, names, surrogate, extra) -> dict:
    weights = {names[j]: float(c) for j, c in zip(surrogate.features, surrogate.coef)}
    return {"index": index, "class": class_index, "class_name": target.class_name(class_index),
            "weights": top_weights(weights), "intercept": surrogate.intercept, "score": surrogate.score,
            "local_prediction": surrogate.local_prediction, **extra}


def lime_tabular(target: ExplainTarget, x: np.ndarray, index: int = 0, class_index: int | None = None,
                 n_samples: int = TABULAR_SAMPLES, num_features: int = 10, feature_selection: str = "auto",
                 discretize: bool = False, sample_around_instance: bool = False, kernel_width: float | None = None,
                 rng: np.random.Generator | None = None) -> Explanation:
    """LIME for one row of tabular data (see the module doc)."""
    rng = rng if rng is not None else np.random.default_rng(0)
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    class_index = target.default_class(x) if class_index is None else target.check_class(class_index)
    if discretize:
        raw, Z, names = discretized_samples(target, x, n_samples, rng)
    else:
        (raw, Z), names = tabular_samples(target, x, n_samples, rng, sample_around_instance), target.names()
    width = kernel_width or np.sqrt(x.size) * 0.75
    weights = exponential_kernel(np.linalg.norm(Z - Z[0], axis=1), width)
    y = target.score_array(raw)[:, class_index]
    surrogate = fit_surrogate(Z, y, weights, num_features, feature_selection)
    extra = {"model_prediction": float(y[0]), "kernel_width": float(width), "n_samples": n_samples,
             "feature_selection": feature_selection, "discretize": discretize,
             "sample_around_instance": sample_around_instance}
    attribution, contribution = np.zeros(x.size), np.zeros(x.size)
    attribution[surrogate.features] = surrogate.coef
    baseline = baseline_for(target).reshape(-1)   # the deletion check's: the training mean
    z_baseline = same_quartile(target.train_X, baseline, x) if discretize else np.zeros(x.size)
    contribution[surrogate.features] = surrogate.coef * (Z[0] - z_baseline)[surrogate.features]
    summary = _summary(target, index, class_index, names, surrogate, extra)
    summary["contributions"] = top_weights({names[j]: float(contribution[j]) for j in surrogate.features})
    return Explanation("lime", summary, {"instance": x, "attribution": attribution, "contribution": contribution})


def lime_image(target: ExplainTarget, x: np.ndarray, index: int = 0, class_index: int | None = None,
               n_samples: int = IMAGE_SAMPLES, num_features: int = 100000, feature_selection: str = "auto",
               segments: np.ndarray | None = None, kernel_width: float = IMAGE_KERNEL_WIDTH,
               rng: np.random.Generator | None = None) -> Explanation:
    """LIME for one image (C, H, W) over superpixels hidden by their mean colour (see the module doc)."""
    rng = rng if rng is not None else np.random.default_rng(0)
    x = np.asarray(x, dtype=np.float64).reshape(target.input_shape)
    class_index = target.default_class(x) if class_index is None else target.check_class(class_index)
    segments = superpixels(x) if segments is None else segments
    count = int(segments.max()) + 1
    keep = rng.integers(0, 2, size=(n_samples, count)).astype(np.float64)
    keep[0] = 1.0
    hidden = segment_means(x, segments)
    y = np.concatenate([target.score_array(masked_images(x, segments, keep[i:i + 256], hidden))[:, class_index]
                        for i in range(0, n_samples, 256)])
    norms = np.linalg.norm(keep, axis=1) * np.linalg.norm(keep[0])
    cosine = np.where(norms > 0, 1.0 - keep @ keep[0] / np.where(norms > 0, norms, 1.0), 1.0)
    weights = exponential_kernel(cosine, kernel_width)
    surrogate = fit_surrogate(keep, y, weights, num_features, feature_selection)
    names = [f"superpixel {s}" for s in range(count)]
    extra = {"model_prediction": float(y[0]), "kernel_width": kernel_width, "n_samples": n_samples,
             "feature_selection": feature_selection, "n_superpixels": count}
    heat = np.zeros(segments.shape)
    for j, c in zip(surrogate.features, surrogate.coef):
        heat[segments == j] = c
    return Explanation("lime", _summary(target, index, class_index, names, surrogate, extra),
                       {"instance": x, "segments": segments,
                        "attribution": np.repeat(heat[None] / x.shape[0], x.shape[0], axis=0)})  # (C, H, W)


def write_lime(result: Explanation, folder):
    from dlx.explain.quality import write_checks
    s = result.summary
    title = f"LIME, instance {s['index']}, class {s['class_name']} (R^2 {s['score']:.3f})"
    image = "segments" in result.arrays
    meaning = ("surrogate weight of showing the superpixel" if image else "surrogate slope per standard deviation") \
        + " (green: towards the class, red: against)"
    paths = [bar_chart(s["weights"], folder / "weights.png", title, meaning=meaning)]
    if image:
        heat = result.arrays["attribution"].sum(axis=0)
        paths.append(overlay(result.arrays["instance"], heat, folder / "overlay.png",
                             "superpixel weights (numbers as in the bar chart)",
                             meaning="red: showing it raises the class score, blue: lowers it",
                             labels=result.arrays["segments"]))
    return paths + write_checks(result, folder)


@explainer("lime", "local, model-agnostic", models=MODEL_KINDS, data=("tabular", "image"), writer=write_lime)
def lime(target: ExplainTarget, x: np.ndarray, index: int = 0, class_index: int | None = None,
         check: bool = True, rng: np.random.Generator | None = None, **options) -> Explanation:
    """LIME: a weighted ridge surrogate fitted to perturbations around one instance."""
    from dlx.explain.quality import assess
    rng = rng if rng is not None else np.random.default_rng(0)
    seed = int(rng.integers(2 ** 32))
    explain = lime_image if target.is_image else lime_tabular

    def run(class_index=class_index):
        return explain(target, x, index=index, class_index=class_index, rng=np.random.default_rng(seed), **options)

    result = run()
    if not check:
        return result
    again = lambda: run(result.summary["class"]).arrays["attribution"]  # noqa: E731
    return assess(result, target, np.asarray(x, np.float64).reshape(target.input_shape), again, rng,
                  ranking=result.arrays.get("contribution"))


lime.passes_options_to = lambda target: lime_image if target.is_image else lime_tabular  # its options
