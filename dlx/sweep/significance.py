"""Statistical verdicts for claims over seeds: a paired one-sided t-test, its interval and effect size.

A claim with a level, ``adam.val_loss < sgd.val_loss at 95%``, is judged over the seeds the
sweep ran: both sides are evaluated per seed (a reference is then the mean over the selected
groups' trials of that seed), giving differences d_s = left_s − right_s for the n seeds that
every side has. For ``<`` (or ``<=``) the test is H0: mean(d) ≥ 0 against H1: mean(d) < 0
(for ``>`` the mirror), with t = mean(d) / (sd(d) / √n) on n − 1 degrees of freedom:

- **held** when the one-sided p-value is below 1 − level;
- **failed** when the opposite one-sided test is significant at the same level;
- **not shown** otherwise: the seeds do not decide it either way.

The record gives n, the mean difference with its two-sided interval at the level, the
effect size d_z = mean(d) / sd(d) (Cohen's d for paired samples) and p. The Student t
distribution is computed here (the regularised incomplete beta function by its continued
fraction, Numerical Recipes 6.4); the tests check it against scipy.stats::

    paired_test([0.10, 0.12, 0.09], [0.20, 0.21, 0.19], "<", 0.95)["outcome"]    # 'held'
"""
from __future__ import annotations

import math

MIN_SEEDS = 3          # fewer cannot give a paired test worth reading


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    tiny, qab, qap, qam = 1e-300, a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        for numerator in (m * (b - m) * x / ((qam + m2) * (a + m2)), -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return h


def incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with ``df`` degrees of freedom."""
    if math.isinf(t):
        return 1.0 if t > 0 else 0.0
    tail = 0.5 * incomplete_beta(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t > 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The t with P(T <= t) = p (bisection on ``t_cdf``)."""
    low, high = -1e6, 1e6
    for _ in range(200):
        mid = (low + high) / 2.0
        low, high = (mid, high) if t_cdf(mid, df) < p else (low, mid)
    return (low + high) / 2.0


def paired_test(left: list[float], right: list[float], op: str, level: float) -> dict:
    """The verdict of ``left op right`` over paired seeds (see the module doc)."""
    d = [a - b for a, b in zip(left, right)]
    n = len(d)
    mean = sum(d) / n
    sd = math.sqrt(sum((x - mean) ** 2 for x in d) / (n - 1)) if n > 1 else math.nan
    if sd == 0.0:                      # identical differences: the sign decides with certainty
        t = math.copysign(math.inf, mean) if mean != 0 else 0.0
    else:
        t = mean / (sd / math.sqrt(n))
    smaller = op in ("<", "<=")
    p = t_cdf(t, n - 1) if smaller else 1.0 - t_cdf(t, n - 1)      # H1 in the claimed direction
    opposite = 1.0 - p
    alpha = 1.0 - level
    outcome = "held" if p < alpha else "failed" if opposite < alpha else "not shown"
    half = t_quantile(1.0 - alpha / 2.0, n - 1) * sd / math.sqrt(n) if sd > 0 else 0.0
    return {"outcome": outcome, "seeds": n, "mean_difference": mean, "interval": [mean - half, mean + half],
            "level": level, "p_value": p, "effect_size": (mean / sd) if sd > 0 else math.copysign(math.inf, mean)
            if mean else 0.0, "test": "paired one-sided t-test"}
