"""Adversarial examples by gradients: FGSM and the adversarial patch.

* FGSM (Goodfellow et al. 2015): x' = x + eps * sign(d loss / d x) with the
  cross-entropy of the true label. For logistic regression, loss = -log sigma(+-z)
  with z = x . w + b, so sign(grad) = -+sign(w) and the logit moves by exactly
  eps * ||w||_1 (away from the label).
* Adversarial patch (Brown et al. 2017): a small square image patch, trained by
  gradient ascent on log p_target(x with the patch pasted at a random place),
  averaged over training images; it is then pasted on unseen images.

Example::

    result = fgsm(target, x, label=1, epsilon=0.1)
    result.summary["success"], result.arrays["adversarial"]
"""
from __future__ import annotations

import numpy as np

from dlx.errors import DlxError
from dlx.explain.base import Explanation, explainer, top_weights
from dlx.explain.pictures import bar_chart, image_row
from dlx.explain.target import ExplainTarget
from dlx.ops import concatenate
from dlx.tensor import Tensor

CLASSIFIERS = ("binary", "multiclass")


def log_probabilities(target: ExplainTarget, x) -> Tensor:
    """(N, K') log class probabilities, stable for large logits (binary: log_softmax of [0, z])."""
    logits = target.outputs(x)
    if target.kind == "binary":
        logits = concatenate([logits * 0.0, logits], axis=1)
    return logits.log_softmax(axis=-1)


def loss_gradient(target: ExplainTarget, x: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """d/dx of the summed cross-entropy -log p_label(x) for a batch. (N, *input_shape)"""
    leaf = Tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    picked = log_probabilities(target, leaf)[np.arange(len(labels)), np.asarray(labels)]
    (picked.sum() * -1.0).backward()
    if target.model is not None:
        target.model.zero_grad()
    return np.asarray(leaf.grad, dtype=np.float64)


def data_range(target: ExplainTarget, clip):
    """(low, high) to clip adversarial inputs to: the training range for images (clip="auto"), else none."""
    if clip == "auto":
        clip = target.is_image
    if not clip:
        return None
    return float(target.train_X.min()), float(target.train_X.max())


def _requires_classifier(target, method):
    if target.kind not in CLASSIFIERS:
        raise DlxError(f"{method} attacks classifiers; this is a {target.kind} model")


def write_attack(result: Explanation, folder):
    a, s = result.arrays, result.summary
    if a["instance"].ndim == 3:
        titles = [f"original: {s['original_class']}", f"adversarial: {s['adversarial_class']}", "difference"]
        return [image_row([a["instance"], a["adversarial"], a["adversarial"] - a["instance"]], titles,
                          folder / "adversarial.png", result.method)]
    names = s.get("feature_names") or [f"x{j}" for j in range(a["instance"].size)]
    change = top_weights(dict(zip(names, map(float, (a["adversarial"] - a["instance"]).reshape(-1)))))
    return [bar_chart(change, folder / "perturbation.png", f"{result.method}: change of each feature")]


@explainer("fgsm", "local, gradient", models=CLASSIFIERS, data=("tabular", "image"), writer=write_attack)
def fgsm(target: ExplainTarget, x, label: int | None = None, epsilon: float = 0.1, clip="auto",
         index: int = 0, rng: np.random.Generator | None = None) -> Explanation:
    """FGSM: one step of size epsilon along the sign of the loss gradient."""
    _requires_classifier(target, "FGSM")
    x = np.asarray(x, dtype=np.float64).reshape(target.input_shape)
    label = target.default_class(x) if label is None else target.check_class(label)
    step = epsilon * np.sign(loss_gradient(target, x[None], np.array([label]))[0])
    adversarial = x + step
    bounds = data_range(target, clip)
    if bounds is not None:
        adversarial = np.clip(adversarial, *bounds)
    logits = target.outputs(np.stack([x, adversarial])).data.astype(np.float64)
    scores = target.score_array(np.stack([x, adversarial]))
    summary = {"index": index, "label": label, "epsilon": epsilon,
               "original_class": int(scores[0].argmax()), "adversarial_class": int(scores[1].argmax()),
               "original_probability": float(scores[0, label]), "adversarial_probability": float(scores[1, label]),
               "success": bool(scores[1].argmax() != label), "logit_change": (logits[1] - logits[0]).tolist(),
               "feature_names": None if target.is_image else target.names()}
    return Explanation("fgsm", summary, {"instance": x, "adversarial": adversarial})


def paste(images: np.ndarray, patch: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """Copies of (N, C, H, W) images with the (C, p, p) patch at each (row, col) corner."""
    out = images.copy()
    p = patch.shape[-1]
    for n, (r, c) in enumerate(corners):
        out[n, :, r:r + p, c:c + p] = patch
    return out


def _random_corners(rng, count, shape, size):
    return rng.integers(0, [shape[1] - size + 1, shape[2] - size + 1], size=(count, 2))


def train_patch(target, images, goal, size, steps, lr, batch_size, rng) -> np.ndarray:
    """Gradient ascent on the mean log p_goal over images with the patch at random places."""
    low, high = float(target.train_X.min()), float(target.train_X.max())
    patch = rng.uniform(low, high, size=(target.input_shape[0], size, size))
    for _ in range(steps):
        batch = images[rng.choice(len(images), min(batch_size, len(images)), replace=False)]
        corners = _random_corners(rng, len(batch), target.input_shape, size)
        grad = -loss_gradient(target, paste(batch, patch, corners), np.full(len(batch), goal))
        patch_grad = np.mean([grad[n, :, r:r + size, c:c + size] for n, (r, c) in enumerate(corners)], axis=0)
        patch = np.clip(patch + lr * np.sign(patch_grad), low, high)
    return patch


@explainer("adversarial_patch", "global, gradient", models=CLASSIFIERS, data=("image",), writer=None)
def adversarial_patch(target: ExplainTarget, goal: int = 0, size: int | None = None, steps: int = 200,
                      lr: float = 0.05, batch_size: int = 32, test_X: np.ndarray | None = None,
                      rng: np.random.Generator | None = None) -> Explanation:
    """Adversarial patch: a small square that makes images look like the goal class wherever it sits."""
    _requires_classifier(target, "the adversarial patch")
    if not target.is_image:
        raise DlxError("the adversarial patch needs image data (C, H, W)")
    rng = rng if rng is not None else np.random.default_rng(0)
    goal = target.check_class(goal)
    size = size or max(2, min(target.input_shape[1:]) // 3)
    patch = train_patch(target, target.train_X.astype(np.float64), goal, size, steps, lr, batch_size, rng)
    test = (test_X if test_X is not None else target.train_X).astype(np.float64)
    before = target.predict(test)
    others = before != goal
    patched = paste(test, patch, _random_corners(rng, len(test), target.input_shape, size))
    after = target.predict(patched)
    summary = {"goal": goal, "goal_name": target.class_name(goal), "size": size, "steps": steps,
               "images": int(others.sum()), "success_rate": float(np.mean(after[others] == goal))}
    return Explanation("adversarial_patch", summary, {"patch": patch, "examples": patched[:4]})


def write_patch(result: Explanation, folder):
    a = result.arrays
    titles = ["patch"] + [f"example {n}" for n in range(len(a["examples"]))]
    return [image_row([a["patch"], *a["examples"]], titles, folder / "patch.png",
                      f"patch for class {result.summary['goal_name']}: "
                      f"success {result.summary['success_rate']:.0%}")]


adversarial_patch.writer = write_patch
