"""Grad-CAM (Selvaraju et al. 2017): where a CNN's last feature maps see the explained class.

For the feature maps A (K, h, w) of a convolutional layer and the explained output y_c,
each map's weight is its mean gradient, α_k = mean_ij ∂y_c/∂A_kij, and the map is

    L = ReLU(Σ_k α_k A_k)                                   (h, w)

upsampled bilinearly to the input's height and width (as ``torch.nn.functional.interpolate``
with ``align_corners=False``). captum's ``LayerGradCam(..., relu_attributions=True)`` computes
the same (h, w) map. The layer defaults to the last convolution, taken after the
activation that follows it (its non-negative maps, as the paper uses)::

    result = grad_cam(target, X[3])
    result.arrays["cam"]            # (h, w) before upsampling
    result.arrays["attribution"]    # (C, H, W): the upsampled map shared by the channels (their sum is the map)
"""
from __future__ import annotations

import numpy as np

from dlx.errors import DlxError
from dlx.explain.base import Explanation, explainer
from dlx.explain.featvis import layer_choices, split_at
from dlx.explain.gradients import _checked, _prepare, attribution_explanation, write_attribution
from dlx.explain.target import ExplainTarget
from dlx.tensor import Tensor


def default_layer(model) -> int:
    """The last Conv2D of a Sequential, or the activation right after it."""
    from dlx.nn.activation import ReLU
    from dlx.nn.conv import Conv2D
    positions = [i for i, layer in enumerate(model.layers) if isinstance(layer, Conv2D)]
    if not positions:
        raise DlxError("Grad-CAM needs a convolutional layer; this model has none (use saliency or "
                       "integrated_gradients)")
    last = positions[-1]
    follows = last + 1 < len(model.layers) and isinstance(model.layers[last + 1], ReLU)
    return last + 1 if follows else last


def cam_map(target: ExplainTarget, x: np.ndarray, class_index: int, layer, output: str) -> tuple[np.ndarray, int]:
    """((h, w) Grad-CAM map of one input, the layer's index)."""
    if target.model is None or not hasattr(target.model, "layers"):
        raise DlxError("Grad-CAM needs a Sequential CNN; this run's model is not one")
    head, tail, position = split_at(target, default_layer(target.model) if layer is None else layer, "Grad-CAM")
    maps = head(Tensor(np.asarray(x, np.float64)[None]))
    if maps.ndim != 4:
        raise DlxError(f"layer {position} gives outputs of shape {tuple(maps.shape[1:])}, not feature maps "
                       f"(channels, height, width); choose a convolutional layer: {', '.join(layer_choices(target.model))}")
    leaf = Tensor(np.asarray(maps.data, np.float64), requires_grad=True)
    target.explained(tail(leaf), class_index, output).sum().backward()
    target.model.zero_grad()
    A, grad = leaf.data[0], np.asarray(leaf.grad, np.float64)[0]
    alpha = grad.mean(axis=(1, 2))                                   # (K,)
    return np.maximum(np.tensordot(alpha, A, axes=1), 0.0), position


def bilinear_weights(size_in: int, size_out: int) -> np.ndarray:
    """(size_out, size_in) the bilinear interpolation matrix of one axis (``align_corners=False``)."""
    source = np.maximum((np.arange(size_out) + 0.5) * size_in / size_out - 0.5, 0.0)
    low = np.minimum(np.floor(source).astype(int), size_in - 1)
    high = np.minimum(low + 1, size_in - 1)
    share = source - low
    weights = np.zeros((size_out, size_in))
    np.add.at(weights, (np.arange(size_out), low), 1.0 - share)
    np.add.at(weights, (np.arange(size_out), high), share)
    return weights


def upsample(cam: np.ndarray, height: int, width: int) -> np.ndarray:
    """The (h, w) map resized to (height, width) bilinearly."""
    return bilinear_weights(cam.shape[0], height) @ cam @ bilinear_weights(cam.shape[1], width).T


@explainer("grad_cam", "local, gradient, model-specific", models=("binary", "multiclass"), data=("image",),
           writer=write_attribution)
def grad_cam(target: ExplainTarget, x, index: int = 0, class_index: int | None = None, layer: int | None = None,
             output: str = "logit", check: bool = True, rng: np.random.Generator | None = None) -> Explanation:
    """Grad-CAM: a convolutional layer's maps weighted by their mean gradient, ReLU, upsampled to the image."""
    x, class_index = _prepare(target, x, class_index)

    def again() -> np.ndarray:
        cam, _ = cam_map(target, x, class_index, layer, output)
        return np.repeat(upsample(cam, *x.shape[1:])[None] / x.shape[0], x.shape[0], axis=0)   # sums to the map
    cam, position = cam_map(target, x, class_index, layer, output)
    result = attribution_explanation("grad_cam", target, x, again(), index, class_index,
                                     {"output": output, "layer": position, "cam_shape": list(cam.shape)})
    result.arrays["cam"] = cam
    return _checked(result, target, x, again, check, rng)
