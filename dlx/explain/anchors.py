"""Anchors (Ribeiro, Singh and Guestrin 2018): an if-then rule that "anchors" a prediction.

An anchor A is a set of predicates on the row's features (its quartile bin, as the
reference implementation's default discretiser: "x_j <= q1", "q1 < x_j <= q2", ...) such
that rows satisfying A get the same prediction with precision ≥ ``threshold``:

    precision(A) = P(f(z) = f(x) | z satisfies A),    coverage(A) = P(z satisfies A)

Rows z are the training rows with the anchored features redrawn from training values in
x's bins (the reference samples the same way, feature by feature). The search is the
paper's beam search: extend each anchor in the beam by one predicate, estimate the
candidates' precision by a multi-armed bandit (KL-LUCB: draw more samples for the
candidates whose KL confidence interval still straddles the threshold, up to a budget),
keep the ``beam`` best by their lower bound, and stop at the smallest size where a
candidate's lower bound clears the threshold, choosing the one of largest coverage::

    result = anchors(target, X[0], threshold=0.95, rng=np.random.default_rng(0))
    result.summary["rules"]       # ["worst radius > 16.8", "mean texture > 21.1"]
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ConfigError
from dlx.explain.base import Explanation, explainer

BATCH, BUDGET, CONFIDENCE = 100, 2000, 0.05


def kl_bernoulli(p: float, q: float) -> float:
    p, q = min(max(p, 1e-12), 1 - 1e-12), min(max(q, 1e-12), 1 - 1e-12)
    return p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q))


def kl_bounds(mean: float, count: int, level: float) -> tuple[float, float]:
    """(lower, upper) KL confidence bounds of a Bernoulli mean from ``count`` draws (bisection)."""
    limit = level / max(count, 1)

    def search(low, high, inside) -> float:
        for _ in range(30):
            mid = (low + high) / 2
            low, high = (mid, high) if inside(mid) else (low, mid)
        return low
    upper = search(mean, 1.0, lambda q: kl_bernoulli(mean, q) <= limit)
    lower = 1.0 - search(1.0 - mean, 1.0, lambda q: kl_bernoulli(1.0 - mean, q) <= limit)
    return lower, upper


class Sampler:
    """Draws rows conditioned on an anchor and tells whether the model keeps x's prediction."""

    def __init__(self, target, x: np.ndarray, rng: np.random.Generator):
        self.target, self.rng = target, rng
        self.train = np.asarray(target.train_X, np.float64).reshape(len(target.train_X), -1)
        self.x = x.reshape(-1)
        self.edges = [np.unique(np.quantile(self.train[:, j], [0.25, 0.5, 0.75])) for j in range(self.x.size)]
        self.bins = np.array([np.searchsorted(e, self.x[j]) for j, e in enumerate(self.edges)])
        binned = np.stack([np.searchsorted(e, self.train[:, j]) for j, e in enumerate(self.edges)], axis=1)
        self.inside = binned == self.bins[None, :]               # (N, M): row's feature in x's bin
        self.label = target.predict(x[None])[0]

    def draw(self, anchor: tuple[int, ...], count: int) -> np.ndarray:
        """(count,) 1 where the model's prediction of a conditioned sample equals x's."""
        rows = self.train[self.rng.integers(len(self.train), size=count)].copy()
        for j in anchor:
            pool = self.train[self.inside[:, j], j]
            rows[:, j] = pool[self.rng.integers(len(pool), size=count)]
        return (self.target.predict(rows.reshape(count, *self.target.input_shape)) == self.label).astype(float)

    def coverage(self, anchor: tuple[int, ...]) -> float:
        return float(self.inside[:, list(anchor)].all(axis=1).mean()) if anchor else 1.0

    def rule(self, j: int, names: list[str]) -> str:
        edges, b = self.edges[j], int(self.bins[j])
        if b == 0:
            return f"{names[j]} <= {edges[0]:.4g}"
        if b == len(edges):
            return f"{names[j]} > {edges[-1]:.4g}"
        return f"{edges[b - 1]:.4g} < {names[j]} <= {edges[b]:.4g}"


def estimate(sampler: Sampler, candidates: list[tuple], threshold: float) -> dict:
    """Precision counts per candidate: a first batch each, then more for those whose KL interval holds
    the threshold (the bandit's undecided arms), until none is undecided or the budget is spent."""
    hits = {a: sampler.draw(a, BATCH).sum() for a in candidates}
    draws = {a: BATCH for a in candidates}
    level = np.log(1.0 / CONFIDENCE)
    while True:
        open_ = [a for a in candidates if draws[a] < BUDGET
                 and (lambda b: b[0] < threshold <= b[1])(kl_bounds(hits[a] / draws[a], draws[a], level))]
        if not open_:
            return {a: (hits[a] / draws[a], kl_bounds(hits[a] / draws[a], draws[a], level)[0], draws[a])
                    for a in candidates}
        for a in open_:
            hits[a] += sampler.draw(a, BATCH).sum()
            draws[a] += BATCH


@explainer("anchors", "local, model-agnostic", models=("binary", "multiclass"), data=("tabular",),
           writer=None)
def anchors(target, x, index: int = 0, threshold: float = 0.95, beam: int = 2, max_size: int | None = None,
            rng: np.random.Generator | None = None) -> Explanation:
    """Anchors: the rule on the row's feature bins under which the prediction holds with high precision."""
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold < 1:
        raise ConfigError(f"anchors: threshold must be in (0, 1) (the precision the rule must reach), got "
                          f"{threshold!r}; e.g. -o threshold=0.95")
    x = np.asarray(x, np.float64).reshape(target.input_shape)
    sampler = Sampler(target, x, rng if rng is not None else np.random.default_rng(0))
    m = x.size
    names, best, beam_now = target.names(), None, [()]
    for size in range(1, (max_size or m) + 1):
        candidates = sorted({tuple(sorted(a + (j,))) for a in beam_now for j in range(m) if j not in a})
        if not candidates:
            break
        stats = estimate(sampler, candidates, threshold)
        passing = [a for a in candidates if stats[a][1] >= threshold]
        if passing:
            best = max(passing, key=sampler.coverage)
            break
        beam_now = sorted(candidates, key=lambda a: -stats[a][1])[:beam]
        best = beam_now[0]
    precision, lower, draws = stats[best]
    summary = {"index": index, "class": int(sampler.label), "class_name": target.class_name(int(sampler.label)),
               "rules": [sampler.rule(j, names) for j in best], "features": [names[j] for j in best],
               "precision": float(precision), "precision_lower_bound": float(lower), "samples": int(draws),
               "coverage": sampler.coverage(best), "threshold": float(threshold),
               "holds": bool(lower >= threshold)}
    return Explanation("anchors", summary, {"instance": x})
