"""Feature visualisation: the input that a unit likes most (activation maximisation).

Start from random noise and climb the gradient of

    J(x) = a_u(x) - l2 * ||x||^2 - tv * sum (neighbour differences)^2

with small steps x <- x + lr * dJ/dx (Erhan et al. 2009; Simonyan et al. 2014 for
class scores with the L2 penalty; Olah et al. 2017 for transformation robustness:
at every step the image is randomly jittered, scaled and rotated before the
forward pass, and optionally blurred every few steps). a_u is a dense unit, or the
mean of a convolution channel over its positions. Class-model visualisation is the
same search on an output unit (``layer=-1``).

For a linear score a(x) = w . x with the L2 penalty, J is concave with its
maximum at x* = w / (2 l2), where gradient ascent converges for lr < 1 / l2.

Example::

    result = feature_visualisation(target, layer=0, unit=3, steps=200, rng=np.random.default_rng(0))
    result.arrays["image"], result.arrays["activations"]
"""
from __future__ import annotations

import numpy as np

from dlx.errors import DlxError
from dlx.explain.base import MODEL_KINDS, Explanation, explainer
from dlx.explain.pictures import image_row, line_plot
from dlx.explain.target import ExplainTarget
from dlx.tensor import Tensor, no_grad


def layer_choices(model) -> list[str]:
    """The layers a user can name: indices of a Sequential's layers, or dotted module names."""
    if hasattr(model, "layers"):
        return [f"{i} ({type(layer).__name__})" for i, layer in enumerate(model.layers)]
    return [name for name, _ in model.named_modules() if name]


def truncated_forward(target: ExplainTarget, layer):
    """A function raw input -> the output of ``layer`` (an index into the model's layers)."""
    model = target.model
    if model is None or not hasattr(model, "layers"):
        raise DlxError("feature visualisation needs a Sequential model; this target has none")
    count = len(model.layers)
    try:
        position = int(layer)
    except (TypeError, ValueError):
        position = None
    if position is None or not -count <= position < count:
        raise DlxError(f"layer '{layer}' does not exist; choose one of: {', '.join(layer_choices(model))}")
    position %= count
    preprocess = target.preprocess or (lambda x: x)

    def forward(x: Tensor) -> Tensor:
        h = preprocess(x)
        for part in model.layers[:position + 1]:
            h = part(h)
        return h
    return forward, position


def unit_activation(output: Tensor, unit: int) -> Tensor:
    """(N,) the unit's activation: a column, or a channel's mean over its positions."""
    if not 0 <= unit < output.shape[1]:
        raise DlxError(f"unit {unit} does not exist in this layer; choose 0..{output.shape[1] - 1}")
    picked = output[:, unit]
    return picked.reshape(output.shape[0], -1).mean(axis=1) if picked.ndim > 1 else picked


def random_warp(shape, rng, jitter: int, scale: float, rotate: float) -> np.ndarray:
    """Flat source indices (H*W,) of a random shift, zoom and rotation (nearest neighbour, edges clamped)."""
    _, height, width = shape
    angle = np.deg2rad(rng.uniform(-rotate, rotate))
    zoom = rng.uniform(1.0 - scale, 1.0 + scale)
    shift = rng.integers(-jitter, jitter + 1, size=2) if jitter else np.zeros(2)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    cy, cx = (height - 1) / 2.0, (width - 1) / 2.0
    dy, dx = ys - cy - shift[0], xs - cx - shift[1]
    src_y = (np.cos(angle) * dy + np.sin(angle) * dx) / zoom + cy
    src_x = (-np.sin(angle) * dy + np.cos(angle) * dx) / zoom + cx
    rows = np.clip(np.rint(src_y), 0, height - 1).astype(int)
    cols = np.clip(np.rint(src_x), 0, width - 1).astype(int)
    return (rows * width + cols).reshape(-1)


def total_variation(x: Tensor) -> Tensor:
    """Sum of squared differences between vertical and horizontal neighbours (images)."""
    return (((x[:, :, 1:, :] - x[:, :, :-1, :]) ** 2).sum() + ((x[:, :, :, 1:] - x[:, :, :, :-1]) ** 2).sum())


def blur(image: np.ndarray) -> np.ndarray:
    """A 3 x 3 binomial blur of every channel (edges repeated). (C, H, W)"""
    padded = np.pad(image, ((0, 0), (1, 1), (1, 1)), mode="edge")
    kernel = np.array([1.0, 2.0, 1.0]) / 4.0
    rows = sum(k * padded[:, i:i + image.shape[1], :] for i, k in enumerate(kernel))
    return sum(k * rows[:, :, j:j + image.shape[2]] for j, k in enumerate(kernel))


def _objective(forward, x: Tensor, unit, l2, tv, warp):
    seen = x
    if warp is not None:
        seen = x.reshape(1, x.shape[1], -1)[:, :, warp].reshape(x.shape)
    activation = unit_activation(forward(seen), unit)
    objective = activation.sum()
    if l2:
        objective = objective - (x * x).sum() * l2
    if tv and x.ndim == 4:
        objective = objective - total_variation(x) * tv
    return objective


def activation_maximisation(target: ExplainTarget, layer=-1, unit: int = 0, steps: int = 200, lr: float = 0.05,
                            l2: float = 0.0, tv: float = 0.0, blur_every: int = 0, jitter: int = 0,
                            scale: float = 0.0, rotate: float = 0.0, noise: float = 0.1,
                            rng: np.random.Generator | None = None) -> Explanation:
    """Gradient ascent on one unit's activation from random noise (see the module doc)."""
    rng = rng if rng is not None else np.random.default_rng(0)
    forward, position = truncated_forward(target, layer)
    mean, spread = target.train_X.mean(axis=0), target.train_X.std(axis=0)
    image = (mean + noise * spread * rng.standard_normal(target.input_shape)).astype(np.float64)
    transforms = target.is_image and (jitter or scale or rotate)
    activations = [_activation(forward, image, unit)]
    for step in range(1, steps + 1):
        leaf = Tensor(image[None], requires_grad=True)
        warp = random_warp(target.input_shape, rng, jitter, scale, rotate) if transforms else None
        _objective(forward, leaf, unit, l2, tv, warp).backward()
        image = image + lr * leaf.grad[0]
        if blur_every and target.is_image and step % blur_every == 0:
            image = blur(image)
        activations.append(_activation(forward, image, unit))
    summary = {"layer": position, "unit": int(unit), "steps": steps, "lr": lr, "l2": l2, "tv": tv,
               "blur_every": blur_every, "jitter": jitter, "scale": scale, "rotate": rotate,
               "start_activation": activations[0], "final_activation": activations[-1]}
    if target.model is not None:
        target.model.zero_grad()
    return Explanation("featvis", summary, {"image": image, "activations": np.array(activations)})


def _activation(forward, image, unit) -> float:
    with no_grad():
        return float(unit_activation(forward(Tensor(image[None])), unit).data[0])


def write_featvis(result: Explanation, folder):
    s, a = result.summary, result.arrays
    name = f"layer {s['layer']}, unit {s['unit']}"
    curve = line_plot({"activation": (np.arange(len(a["activations"])), a["activations"])},
                      folder / "activation.png", f"activation of {name}", "step", "activation")
    image = a["image"] if a["image"].ndim == 3 else a["image"].reshape(1, 1, -1)
    return [image_row([image], [name], folder / "image.png"), curve]


@explainer("featvis", "global, model-specific", models=MODEL_KINDS, data=("tabular", "image"),
           writer=write_featvis)
def feature_visualisation(target: ExplainTarget, layer=-1, unit: int = 0, rng: np.random.Generator | None = None,
                          **options) -> Explanation:
    """Feature visualisation: activation maximisation from noise, with jitter/scale/rotation and L2/TV/blur."""
    return activation_maximisation(target, layer=layer, unit=unit, rng=rng, **options)


feature_visualisation.passes_options_to = lambda target: activation_maximisation  # its options
