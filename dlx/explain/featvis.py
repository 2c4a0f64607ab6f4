"""Feature visualisation: the input that a unit likes most (activation maximisation).

Climb the objective

    J(x) = a(T(x)) - l2 ||r||^2 - tv sum (neighbour differences of r)^2 - blur ||r - blur(r)||^2
           - diversity * mean pairwise similarity of the images' activations

with Adam, where x = P(c) is produced from optimised coefficients c by a
parameterisation (``dlx.explain.featvis_image``: Fourier with decorrelated
channels, squashed into the training data's range), T is a random shift, zoom
and rotation drawn afresh at every step (transformation robustness), and
r = (x - background) / spread is the image in the data's units (background: the
training images' border colour, or the training mean for tabular data; spread:
the per-channel range, or the per-feature standard deviation). This is what
makes the pictures readable (Olah et al. 2017; lucid/lucent); plain gradient ascent
on the pixels (Erhan et al. 2009) returns noise over the average training image.

The objective a is a conv channel at the central position, or a dense unit
(``"neuron"``, the default), a conv channel's mean over positions (``"channel"``),
the mean square of the whole layer (``"layer"``, DeepDream), or a class logit
(``layer=-1``). "neuron" is the default because on small images the channel mean of
a first-layer unit, the mean of one linear filter over positions, is maximised by
a uniform image: true, but it shows nothing of the filter.
Several ``images`` of one unit are pushed apart by the cosine similarity of
their Gram matrices (lucid's diversity objective). The learning rate follows a
cosine decay over ``steps``. The search is converged when a(P(c)) on the
untransformed image changed by less than ``tolerance`` (relative) over the last 10%
of the steps; it may stop there after ``min_steps``. By default it runs the whole
schedule: on the digits CNN, stopping at the first such plateau (after 100 or 256
steps) ended 5-25% below the objective that the full 1024 steps reach.

For a linear score a(x) = w . x with ``parameterisation="pixel"``, ``data_range=False``
and no transforms, J is concave with its maximum at x* = background + w spread^2 / (2 l2).

Example::

    result = feature_visualisation(target, layer=0, unit=3, rng=np.random.default_rng(0))
    result.arrays["images"], result.summary["converged"]
"""
from __future__ import annotations

import math

import numpy as np

from dlx.errors import DlxError
from dlx.explain.base import MODEL_KINDS, Explanation, explainer
from dlx.explain.featvis_image import (ImageParameterisation, binomial_blur, border_colour, random_warp_matrix,
                                       warp)
from dlx.explain.pictures import image_row, line_plot
from dlx.explain.target import ExplainTarget
from dlx.tensor import Tensor, no_grad

OBJECTIVES = ("channel", "neuron", "layer")
PARAMETERISATIONS = ("fourier", "pixel")

def layer_choices(model) -> list[str]:
    """The layers a user can name: indices of a Sequential's layers, or dotted module names."""
    if hasattr(model, "layers"):
        return [f"{i} ({type(layer).__name__})" for i, layer in enumerate(model.layers)]
    return [name for name, _ in model.named_modules() if name]


def truncated_forward(target: ExplainTarget, layer):
    """A function raw input -> the output of ``layer`` (an index into the model's layers)."""
    head, _, position = split_at(target, layer, "feature visualisation")
    return head, position


def split_at(target: ExplainTarget, layer, method: str):
    """(head: raw input -> the output of ``layer``, tail: that output -> the model's output, the layer's
    index) of a Sequential model; ``method`` names who asks in the messages."""
    model = target.model
    if model is None or not hasattr(model, "layers"):
        raise DlxError(f"{method} needs a Sequential model; this target has none")
    count = len(model.layers)
    try:
        position = None if isinstance(layer, bool) else int(layer)
    except (TypeError, ValueError):
        position = None
    if position is None or not -count <= position < count:
        raise DlxError(f"layer '{layer}' does not exist; choose one of: {', '.join(layer_choices(model))}")
    position %= count
    preprocess = target.preprocess or (lambda x: x)

    def head(x: Tensor) -> Tensor:
        h = preprocess(x)
        for part in model.layers[:position + 1]:
            h = part(h)
        return h

    def tail(h: Tensor) -> Tensor:
        for part in model.layers[position + 1:]:
            h = part(h)
        return h
    return head, tail, position


def unit_activation(output: Tensor, unit: int, objective: str = "channel") -> Tensor:
    """(N,) the objective on a layer's output: a column or a channel's mean over positions ("channel"),
    the channel at the central position ("neuron"), or the mean square of the layer ("layer")."""
    count = output.shape[0]
    if objective == "layer":
        return (output * output).reshape(count, -1).mean(axis=1)
    if not 0 <= unit < output.shape[1]:
        raise DlxError(f"unit {unit} does not exist in this layer; choose 0..{output.shape[1] - 1}")
    picked = output[:, unit]
    if picked.ndim > 1 and objective == "neuron":
        return picked[(slice(None), *[size // 2 for size in picked.shape[1:]])]
    return picked.reshape(count, -1).mean(axis=1) if picked.ndim > 1 else picked


def similarity(output: Tensor) -> Tensor:
    """The mean cosine similarity of the images' Gram matrices (dense layers: activation vectors), over pairs."""
    count = output.shape[0]
    if output.ndim > 2:
        features = output.reshape(count, output.shape[1], -1)
        output = features @ features.transpose(0, 2, 1)                   # (N, C, C)
    flat = output.reshape(count, -1)
    unit = flat / ((flat * flat).sum(axis=1, keepdims=True) + 1e-12).sqrt()
    cosine = unit @ unit.T                                                  # (N, N)
    return (cosine.sum() - (unit * unit).sum()) / (count * (count - 1))


def total_variation(x: Tensor) -> Tensor:
    """Sum of squared differences between vertical and horizontal neighbours (images)."""
    return (((x[:, :, 1:, :] - x[:, :, :-1, :]) ** 2).sum() + ((x[:, :, :, 1:] - x[:, :, :, :-1]) ** 2).sum())


class _Search:
    """One feature-visualisation search: the objective with its penalties for a batch of coefficients."""

    def __init__(self, target, forward, parameterisation, unit, objective, penalties, transforms):
        self.target, self.forward, self.parameterisation = target, forward, parameterisation
        self.unit, self.objective, self.penalties, self.transforms = unit, objective, penalties, transforms
        train = np.asarray(target.train_X, dtype=np.float64)
        if target.is_image:
            self.background = border_colour(train)
            center, spread = self.background.reshape(1, -1, 1, 1), parameterisation.high - parameterisation.low
        else:
            center, spread = train.mean(axis=0)[None], train.std(axis=0)[None]
        self.center, self.spread = center, np.where(spread > 0, spread, 1.0)

    def total(self, coefficients: Tensor, rng: np.random.Generator) -> Tensor:
        """J summed over the images (see the module doc), with a freshly drawn transform."""
        x = self.parameterisation(coefficients)
        seen = x
        if self.transforms is not None:
            seen = warp(x, *random_warp_matrix(*self.target.input_shape[1:], rng, *self.transforms), self.background)
        output = self.forward(seen)
        total = unit_activation(output, self.unit, self.objective).sum()
        l2, tv, blurring, diversity = self.penalties
        r = (x - Tensor(self.center)) / Tensor(self.spread)
        if l2:
            total = total - (r * r).sum() * l2
        if tv and self.target.is_image:
            total = total - total_variation(r) * tv
        if blurring and self.target.is_image:
            difference = r - Tensor(binomial_blur(r.data))
            total = total - (difference * difference).sum() * blurring
        if diversity and coefficients.shape[0] > 1:
            total = total - similarity(output) * (diversity * coefficients.shape[0])
        return total

    def activation(self, coefficients: np.ndarray) -> tuple[float, np.ndarray]:
        """(the mean objective a on the untransformed images, the images)."""
        with no_grad():
            x = self.parameterisation(Tensor(coefficients))
            value = unit_activation(self.forward(x), self.unit, self.objective).data
        return float(np.mean(value)), np.asarray(x.data, dtype=np.float64)


def last_tenth_change(trace: list[float]) -> float:
    """|a_t - a_(t - ceil(t/10))| / |a_t|: the relative change over the last 10% of the steps."""
    t = len(trace) - 1
    if t < 1:
        return math.inf
    before = trace[t - max(1, math.ceil(0.1 * t))]
    return abs(trace[-1] - before) / max(abs(trace[-1]), 1e-12)


def mean_correlation(images: np.ndarray, train_X: np.ndarray) -> list[float]:
    """Pearson's correlation of every image with the mean training input (0 for a constant image)."""
    mean = np.asarray(train_X, dtype=np.float64).mean(axis=0).reshape(-1)
    values = []
    for image in images.reshape(len(images), -1):
        values.append(float(np.corrcoef(image, mean)[0, 1]) if image.std() > 0 and mean.std() > 0 else 0.0)
    return values


def write_featvis(result: Explanation, folder):
    s, a = result.summary, result.arrays
    name = f"layer {s['layer']}, unit {s['unit']} ({s['objective']})"
    curve = line_plot({"objective on the untransformed image": (np.arange(len(a["activations"])), a["activations"])},
                      folder / "activation.png", f"{name}: converged {s['converged']}", "step", "activation")
    images = [image if image.ndim == 3 else image.reshape(1, 1, -1) for image in a["images"]]
    titles = [f"image {i} (r={c:.2f} with mean)" for i, c in enumerate(s["correlation_with_mean"])]
    return [image_row(images, titles, folder / "image.png", name), curve]


@explainer("featvis", "global, model-specific", models=MODEL_KINDS, data=("tabular", "image"),
           writer=write_featvis)
def activation_maximisation(target: ExplainTarget, layer=-1, unit: int = 0, objective: str = "neuron",
                            images: int = 1, diversity: float = 0.0, parameterisation: str = "fourier",
                            data_range: bool = True, decay_power: float = 1.0, jitter: float = 1.0,
                            scale: float = 0.1, rotate: float = 10.0, l2: float = 0.05, tv: float = 0.0,
                            blur: float = 0.0, lr: float = 0.05, steps: int = 1024, min_steps: int | None = None,
                            tolerance: float = 0.01, rng: np.random.Generator | None = None) -> Explanation:
    """Feature visualisation: Adam on a unit's activation through a Fourier image, random transforms and
    regularisers, until it converges (see the module doc).

    Args:
        layer (default -1, the output), unit (default 0): what to visualise; objective (default "neuron"):
            "neuron", "channel", "layer" (DeepDream).
        images (default 1), diversity (default 0): several images, pushed apart with this weight.
        parameterisation (default "fourier"), decay_power (default 1), data_range (default True): how the
            image is made from the optimised numbers (``dlx.explain.featvis_image``).
        jitter (default 1 pixel), scale (default 0.1), rotate (default 10 degrees): the random transforms.
        l2 (default 0.05), tv (default 0), blur (default 0): penalty weights, in the data's units.
        lr (default 0.05), steps (default 1024), min_steps (default None: all the steps), tolerance
            (default 0.01): Adam's rate (cosine decay), and when the search counts as converged.
    """
    from dlx.nn import Parameter
    from dlx.optim import Adam
    rng = rng if rng is not None else np.random.default_rng(0)
    for name, value, choices in (("objective", objective, OBJECTIVES),
                                 ("parameterisation", parameterisation, PARAMETERISATIONS)):
        if value not in choices:
            raise DlxError(f"featvis {name} '{value}' is unknown; use one of {', '.join(choices)}")
    forward, position = truncated_forward(target, layer)
    image_map = ImageParameterisation(target.train_X, target.input_shape, parameterisation, data_range, decay_power)
    transforms = (jitter, scale, rotate) if target.is_image and (jitter or scale or rotate) else None
    search = _Search(target, forward, image_map, unit, objective, (l2, tv, blur, diversity), transforms)
    coefficients = Parameter(image_map.initial(int(images), rng))
    optimiser = Adam([coefficients], lr=lr)
    trace, _ = search.activation(coefficients.data)
    trace = [trace]
    for step in range(1, steps + 1):
        optimiser.lr = lr * 0.5 * (1.0 + math.cos(math.pi * (step - 1) / steps))
        optimiser.zero_grad()
        (-search.total(coefficients, rng)).backward()
        optimiser.step()
        trace.append(search.activation(coefficients.data)[0])
        if step >= (steps if min_steps is None else min_steps) and last_tenth_change(trace) < tolerance:
            break
    if target.model is not None:
        target.model.zero_grad()
    final, pictures = search.activation(coefficients.data)
    change = last_tenth_change(trace)
    summary = {"layer": position, "unit": int(unit), "objective": objective, "images": int(images),
               "steps": len(trace) - 1, "max_steps": steps, "lr": lr, "parameterisation": parameterisation,
               "data_range": data_range, "jitter": jitter, "scale": scale, "rotate": rotate, "l2": l2, "tv": tv,
               "blur": blur, "diversity": diversity, "start_activation": trace[0], "final_activation": final,
               "last_tenth_change": change, "converged": bool(change < tolerance),
               "correlation_with_mean": mean_correlation(pictures, target.train_X)}
    return Explanation("featvis", summary, {"images": pictures, "image": pictures[0],
                                            "activations": np.array(trace)})


feature_visualisation = activation_maximisation
