"""KernelSHAP (Lundberg and Lee 2017): Shapley values of one row by a weighted linear regression.

A coalition z ∈ {0, 1}^M keeps the features with z_j = 1 at the row's values and
takes the others from each background row (interventional expectation), so its value is
v(z) = mean_b f(x_z, b_z̄). The Shapley values φ are the weighted least-squares fit of
v(z) − φ₀ ≈ Σ_j φ_j z_j with the Shapley kernel weight

    π(z) = (M − 1) / (C(M, |z|) |z| (M − |z|))

under the constraint Σ_j φ_j = f(x) − φ₀, φ₀ = mean_b f(b) (the last φ is eliminated, as
the shap package does). With ``samples`` ≥ 2^M − 2 every coalition is enumerated and the
values are exact; otherwise coalitions are drawn by size with probability ∝ the kernel's
mass on that size, uniformly within a size, each with its complement (weights then equal).
For a linear model φ_j = w_j (x_j − mean_b b_j)::

    result = kernel_shap(target, X[0], background=50, rng=np.random.default_rng(0))
    result.summary["weights"]       # {feature: φ_j}, largest first; they sum to f(x) − φ₀
"""
from __future__ import annotations

from math import comb

import numpy as np

from dlx.errors import ConfigError
from dlx.explain.base import MODEL_KINDS, Explanation, explainer
from dlx.explain.gradients import _checked, _prepare, attribution_explanation, write_attribution
from dlx.explain.target import ExplainTarget


def all_coalitions(m: int) -> np.ndarray:
    """(2^M − 2, M) every coalition except the empty and the full one."""
    codes = np.arange(1, 2 ** m - 1)
    return ((codes[:, None] >> np.arange(m)) & 1).astype(np.float64)


def kernel_weights(z: np.ndarray) -> np.ndarray:
    m, sizes = z.shape[1], z.sum(axis=1).astype(int)
    return np.array([(m - 1) / (comb(m, s) * s * (m - s)) for s in sizes])


def sampled_coalitions(m: int, samples: int, rng: np.random.Generator) -> np.ndarray:
    """``samples`` coalitions (in complementary pairs) drawn by size ∝ (M − 1) / (s (M − s))."""
    sizes = np.arange(1, m)
    mass = (m - 1) / (sizes * (m - sizes))
    drawn = rng.choice(sizes, size=(samples + 1) // 2, p=mass / mass.sum())
    z = np.zeros((len(drawn), m))
    for row, size in enumerate(drawn):
        z[row, rng.choice(m, size=size, replace=False)] = 1.0
    return np.concatenate([z, 1.0 - z])[:samples]


def coalition_values(target: ExplainTarget, x: np.ndarray, z: np.ndarray, background: np.ndarray,
                     class_index: int, output: str) -> np.ndarray:
    """(len(z),) v(z): the explained output averaged over the background with z's features from x."""
    from dlx.explain.fidelity import explained_values
    flat, b = x.reshape(-1), background.reshape(len(background), -1)
    mixed = np.where(z[:, None, :] > 0, flat[None, None, :], b[None, :, :])      # (Z, B, M)
    values = explained_values(target, mixed.reshape(-1, *x.shape), class_index, output)
    return values.reshape(len(z), len(b)).mean(axis=1)


def solve(z: np.ndarray, weights: np.ndarray, values: np.ndarray, total: float) -> np.ndarray:
    """φ minimising Σ π(z) (v(z) − φ₀ − zᵀφ)² subject to Σ φ = total (``values`` are v − φ₀)."""
    last = z[:, -1:]
    design = z[:, :-1] - last
    target = values - last[:, 0] * total
    sw = np.sqrt(weights)[:, None]
    head, *_ = np.linalg.lstsq(design * sw, target * sw[:, 0], rcond=None)
    return np.append(head, total - head.sum())


@explainer("kernel_shap", "local, model-agnostic", models=MODEL_KINDS, data=("tabular",), writer=write_attribution)
def kernel_shap(target: ExplainTarget, x, index: int = 0, class_index: int | None = None, background: int = 50,
                samples: int | None = None, output: str = "score", check: bool = True,
                rng: np.random.Generator | None = None) -> Explanation:
    """KernelSHAP: Shapley values of the class score from a kernel-weighted linear regression on coalitions."""
    for name, value in (("background", background), ("samples", samples)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ConfigError(f"kernel_shap: {name} must be a positive whole number, got {value!r}; "
                              f"e.g. -o {name}={50 if name == 'background' else 2048}")
    x, class_index = _prepare(target, x, class_index)
    rng = rng if rng is not None else np.random.default_rng(0)
    m = x.size
    samples = samples or 2 * m + 2048
    train = np.asarray(target.train_X, np.float64)
    rows = train if len(train) <= background else train[rng.choice(len(train), background, replace=False)]
    z = all_coalitions(m) if 2 ** m - 2 <= samples else sampled_coalitions(m, samples, rng)
    weights = kernel_weights(z) if 2 ** m - 2 <= samples else np.ones(len(z))
    from dlx.explain.fidelity import explained_values

    def ends() -> tuple[float, float]:      # φ₀ = mean_b f(b) and f(x)
        return (float(explained_values(target, rows, class_index, output).mean()),
                float(explained_values(target, x[None], class_index, output)[0]))

    def again() -> np.ndarray:
        base, full = ends()
        values = coalition_values(target, x, z, rows, class_index, output) - base
        return solve(z, weights, values, full - base).reshape(x.shape)
    phi = again()
    base, full = ends()
    extra = {"output": output, "base_value": base, "f_x": full, "coalitions": int(len(z)),
             "exact": bool(2 ** m - 2 <= samples), "background_rows": int(len(rows))}
    result = attribution_explanation("kernel_shap", target, x, phi, index, class_index, extra)
    return _checked(result, target, x, again, check, rng)
