"""Count-based bigram baselines: add-k and interpolated Kneser-Ney against their formulas."""
import numpy as np
import pytest

from dlx.data.ngram_counts import BigramCounts, bigram_perplexities
from dlx.data.word_lm import word_ngrams, word_windows


@pytest.mark.parametrize("k", [1.0, 0.01])
def test_every_context_gives_a_distribution(k, rng):
    words = rng.integers(0, 6, 300)
    words[words == 5] = 4  # word 5 never occurs: a context never seen, a word never predicted
    counts = BigramCounts(words[:-1], words[1:], 6)
    for v in range(6):
        context, every = np.full(6, v), np.arange(6)
        np.testing.assert_allclose(counts.kneser_ney(context, every).sum(), 1.0)
        np.testing.assert_allclose(counts.add_k(context, every, k).sum(), 1.0)
        assert counts.kneser_ney(context, every).min() > 0


def test_kneser_ney_by_hand():
    # pairs: a b, a b, a c, b a  (a=0, b=1, c=2; V = 3)
    counts = BigramCounts(np.array([0, 0, 0, 1]), np.array([1, 1, 2, 0]), 3)
    d = 0.75
    types = 3.0  # distinct pairs: ab, ac, ba
    p_cont_b = (max(1 - d, 0) + d * 3 / 3) / types  # b follows one context; 3 words follow something
    expected = (2 - d) / 3 + d * 2 / 3 * p_cont_b  # c(a b) = 2, c(a) = 3, a has 2 distinct followers
    np.testing.assert_allclose(counts.kneser_ney(np.array([0]), np.array([1]), d), [expected])
    np.testing.assert_allclose(counts.add_k(np.array([0]), np.array([1]), 1.0), [(2 + 1) / (3 + 3)])
    found = bigram_perplexities((np.array([0, 0, 0, 1]), np.array([1, 1, 2, 0])), ([0], [1]), 3)
    np.testing.assert_allclose(found["kneser_ney_bigram_perplexity"], 1 / expected)


def test_word_windows_and_ngrams_cut_the_text(tmp_path):
    path = tmp_path / "text.txt"
    path.write_text("a b c d e f g h i j " * 3)
    windows = word_windows(path=str(path), length=4, min_count=1)
    assert windows.X.shape[1] == 4 and np.array_equal(windows.X[:, 1:], windows.y[:, :-1])
    ngrams = word_ngrams(path=str(path), context=2, min_count=1)
    words = ngrams.class_names
    assert [words[i] for i in ngrams.X[0]] + [words[ngrams.y[0]]] == ["a", "b", "c"]
    assert len(ngrams) == 30 - 2
