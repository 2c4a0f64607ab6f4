"""The paired-timing statistics of the benchmarks (benchmarks/pairs.py) against NumPy's percentiles."""
import numpy as np

from benchmarks.pairs import NOISY, paired_times, quartiles, ratio_statistics


def test_quartiles_equal_numpys_linear_percentiles():
    rng = np.random.default_rng(0)
    for n in (1, 2, 5, 8, 13):
        values = list(rng.uniform(0.5, 2.0, n))
        assert np.allclose(quartiles(values), np.percentile(values, [25, 75]), rtol=0, atol=1e-15)


def test_a_wide_spread_gets_no_verdict_and_a_narrow_one_does():
    narrow = ratio_statistics([1.9, 2.0, 2.1, 1.95, 2.05])
    assert narrow["median"] == 2.0 and abs(narrow["spread"] - 0.05) < 1e-12 and narrow["judged"]
    wide = ratio_statistics([1.0, 2.0, 3.0, 1.5, 2.5])
    assert wide["spread"] > NOISY and not wide["judged"]


def test_pairs_alternate_their_order():
    calls = []
    ours, theirs = paired_times(lambda: calls.append("a"), lambda: calls.append("b"), pairs=3, warmup=1)
    assert calls == ["a", "b", "a", "b", "b", "a", "a", "b"] and len(ours) == len(theirs) == 3
