"""Paired timing: two sides timed in alternating short pairs, judged by the median of the per-pair ratios.

A machine shared with other work drifts: a run where one side happened to meet a busy
minute can fake a ratio if each side's times are summarised on their own (the README's
MNIST CNN once read 1.29 because PyTorch met such a minute). Here every pair times one
epoch of each side back to back (the order alternating from pair to pair), so both meet
nearly the same load, and the figure is the median of the pairs' ratios with its spread:

    >>> stats = ratio_statistics([1.9, 2.0, 2.1, 1.95, 2.05])
    >>> stats["median"], stats["spread"], stats["judged"]
    (2.0, 0.1, True)

``spread`` is the interquartile range of the ratios divided by their median; a run whose
spread exceeds ``NOISY`` is flagged "too noisy to judge" rather than compared with a target.
"""
from __future__ import annotations

import statistics
import time
from typing import Callable

NOISY = 0.15      # interquartile range / median of the per-pair ratios above which no verdict is given


def quartiles(values: list[float]) -> tuple[float, float]:
    """(first, third) quartile by linear interpolation (NumPy's default method)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0], ordered[0]

    def at(q: float) -> float:
        position = q * (len(ordered) - 1)
        low = int(position)
        high = min(low + 1, len(ordered) - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
    return at(0.25), at(0.75)


def ratio_statistics(ratios: list[float]) -> dict:
    """Median of the per-pair ratios, their interquartile range relative to it, and whether it can be judged."""
    median = statistics.median(ratios)
    low, high = quartiles(ratios)
    spread = (high - low) / median if median > 0 else float("inf")
    return {"median": median, "q1": low, "q3": high, "spread": round(spread, 12), "pairs": len(ratios),
            "judged": spread <= NOISY}


def timed(fn: Callable[[], object], clock: Callable[[], float] = time.perf_counter) -> float:
    start = clock()
    fn()
    return clock() - start


def paired_times(ours: Callable[[], object], theirs: Callable[[], object], pairs: int, warmup: int = 2,
                 clock: Callable[[], float] = time.perf_counter) -> tuple[list[float], list[float]]:
    """(our times, their times) of ``pairs`` alternating pairs, after ``warmup`` untimed runs of each
    (first calls, caches, PyTorch's oneDNN primitives); ``clock`` measures (``time.process_time``:
    processor seconds of this process, what each side spent rather than waited on a shared machine)."""
    for _ in range(warmup):
        ours()
        theirs()
    mine, other = [], []
    for pair in range(pairs):
        if pair % 2 == 0:
            mine.append(timed(ours, clock))
            other.append(timed(theirs, clock))
        else:
            other.append(timed(theirs, clock))
            mine.append(timed(ours, clock))
    return mine, other
