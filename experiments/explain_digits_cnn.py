"""Explanations of a small digits CNN: are they any good, and how fragile is the model?

Trains a small CNN (conv 8x3x3 - relu - max pool - dense 10) on 8x8 digits with
dlx layers, then over the first ``--images`` test images reports

* for IG, saliency, occlusion and LIME: the mean deletion-curve area against a random
  order's, how often the attribution falls faster, and the rank correlation with the
  attributions of a copy with randomised weights (the check passes below 0.5);
* the one-pixel attack (differential evolution): its success rate over the correctly
  classified images; FGSM at epsilon 0.1 and 0.2; a 3x3 adversarial patch for class 0.

Run from the repository root::

    nice python -m experiments.explain_digits_cnn --images 50 --seed 0
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np

from dlx.explain import (ExplainTarget, adversarial_patch, fgsm, integrated_gradients, lime, occlusion,
                         one_pixel_success_rate, saliency)
from dlx.nn import Conv2D, Dense, Flatten, MaxPool2D, ReLU, Sequential
from dlx.ops import cross_entropy
from dlx.optim import Adam
from dlx.tensor import Tensor

METHODS = {"integrated_gradients": integrated_gradients, "saliency": saliency, "occlusion": occlusion, "lime": lime}


def digits_split(seed: int = 0):
    """(X_train, y_train, X_test, y_test): images (N, 1, 8, 8) in [0, 1], a stratified 80/20 split."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    data = load_digits()
    X = (data.data / 16.0).reshape(-1, 1, 8, 8)
    return train_test_split(X, data.target, test_size=0.2, random_state=seed, stratify=data.target)


def train_cnn(X, y, epochs: int = 12, lr: float = 0.01, seed: int = 0) -> Sequential:
    """Adam on cross-entropy, batches of 64."""
    rng = np.random.default_rng(seed)
    net = Sequential([Conv2D(8, 3, padding=1), ReLU(), MaxPool2D(2), Flatten(), Dense(10)])
    net.build((1, 8, 8), rng)
    optimiser = Adam(net.parameters(), lr=lr)
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), 64):
            rows = order[start:start + 64]
            loss = cross_entropy(net(Tensor(X[rows].astype(np.float32))), y[rows])
            net.zero_grad()
            loss.backward()
            optimiser.step()
    return net.eval()


def attribution_quality(target, X, y, method, seed) -> dict:
    """Mean deletion areas, how often the curve falls faster, and the randomisation correlations."""
    rows, completeness = [], []
    for i in range(len(X)):
        s = METHODS[method](target, X[i], index=i, class_index=int(y[i]), rng=np.random.default_rng(seed + i)).summary
        completeness.append(s.get("completeness_error", np.nan))
        rows.append((s["deletion"]["area"], s["deletion"]["random_area"], s["deletion"]["falls_faster"],
                     s["randomisation"]["rank_correlation"], s["randomisation"]["rank_correlation_all_units"]))
    a = np.array(rows, dtype=np.float64)
    return {"images": len(X), "deletion_area": a[:, 0].mean(), "random_area": a[:, 1].mean(),
            "falls_faster": a[:, 2].mean(), "rank_correlation_mean": a[:, 3].mean(),
            "rank_correlation_max": a[:, 3].max(), "passes_randomisation": float((a[:, 3] < 0.5).mean()),
            "rank_correlation_all_units_mean": a[:, 4].mean(), "completeness_error_max": float(np.max(completeness))}


def main(images: int = 50, seed: int = 0, methods=tuple(METHODS), attack: bool = True) -> dict:
    X_train, X_test, y_train, y_test = digits_split(seed)
    start = time.perf_counter()
    net = train_cnn(X_train, y_train, seed=seed)
    target = ExplainTarget(forward=net, kind="multiclass", input_shape=(1, 8, 8), train_X=X_train,
                           train_y=y_train, model=net, class_names=[str(d) for d in range(10)])
    report = {"test_accuracy": float((target.predict(X_test) == y_test).mean()),
              "train_seconds": time.perf_counter() - start}
    print(f"digits CNN: test accuracy {report['test_accuracy']:.3f}")
    for method in methods:
        report[method] = attribution_quality(target, X_test[:images], y_test[:images], method, seed)
        r = report[method]
        print(f"{method:22s} deletion area {r['deletion_area']:.3f} vs random {r['random_area']:.3f} "
              f"(faster in {r['falls_faster']:.0%}); rank correlation with randomised weights "
              f"{r['rank_correlation_mean']:.3f} mean, {r['rank_correlation_max']:.3f} max "
              f"(passes in {r['passes_randomisation']:.0%}; all units {r['rank_correlation_all_units_mean']:.3f})"
              + (f"; completeness error <= {r['completeness_error_max']:.4f}" if method == "integrated_gradients" else ""))
    if attack:
        report["one_pixel"] = one_pixel_success_rate(target, X_test[:images], y_test[:images],
                                                     rng=np.random.default_rng(seed))
        o = report["one_pixel"]
        print(f"one-pixel attack: {o['successes']} of {o['attacked']} correctly classified images fooled "
              f"({o['success_rate']:.1%}), {o['images']} test images")
        report.update(other_attacks(target, X_test[:images], y_test[:images], seed))
    return report


def other_attacks(target, X, y, seed) -> dict:
    """FGSM (epsilon 0.1 and 0.2) success rates and a 3x3 adversarial patch for class 0."""
    report = {}
    for epsilon in (0.1, 0.2):
        fooled = [fgsm(target, x, label=int(label), epsilon=epsilon).summary["success"] for x, label in zip(X, y)]
        report[f"fgsm_{epsilon}"] = float(np.mean(fooled))
        print(f"FGSM, epsilon {epsilon}: {np.mean(fooled):.1%} of {len(X)} test images misclassified")
    patch = adversarial_patch(target, goal=0, size=3, steps=200, test_X=X, rng=np.random.default_rng(seed)).summary
    report["patch_success_rate"] = patch["success_rate"]
    print(f"adversarial 3x3 patch for class 0: {patch['success_rate']:.1%} of {patch['images']} other test images "
          f"become 0")
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--json", default=None, help="also write the figures to this JSON file")
    args = parser.parse_args()
    result = main(args.images, args.seed, [m for m in args.methods.split(",") if m])
    if args.json:
        with open(args.json, "w") as file:
            json.dump(result, file, indent=2)
