"""Generated sequence tasks and the character corpus: shapes, the defining statistics, n-gram baselines."""
import numpy as np
import pytest

from dlx.data.characters import CharCorpus, bigram_bits_per_char, default_text, unigram_bits_per_char
from dlx.data.sequences import TAGS, adding_problem, copy_task, parity, sine_forecast, tagging_task
from dlx.errors import ConfigError, DataError


def test_adding_problem_markers_targets_and_the_one_sixth_baseline(rng):
    x, y = adding_problem(20000, steps=30, rng=rng)
    assert x.shape == (20000, 30, 2) and y.shape == (20000, 1) and x.dtype == np.float32
    markers = x[:, :, 1]
    assert np.all(markers.sum(axis=1) == 2)
    assert np.all(markers[:, :15].sum(axis=1) == 1)  # one mark in each half
    np.testing.assert_allclose(y[:, 0], (x[:, :, 0] * markers).sum(axis=1), rtol=1e-6)
    assert 0.0 <= x[:, :, 0].min() and x[:, :, 0].max() <= 1.0
    squared = (y[:, 0] - 1.0) ** 2  # predicting the mean: MSE = Var(u1 + u2) = 1/6
    assert abs(squared.mean() - 1 / 6) < 4 * squared.std() / np.sqrt(len(squared))
    np.testing.assert_array_equal(adding_problem(5, 10, np.random.default_rng(3))[0],
                                  adding_problem(5, 10, np.random.default_rng(3))[0])


def test_copy_task_target_is_the_input_symbols_after_the_marker(rng):
    x, y = copy_task(50, length=5, delay=7, symbols=4, rng=rng)
    assert x.shape == y.shape == (50, 17)
    np.testing.assert_array_equal(y[:, 12:], x[:, :5])
    assert np.all(y[:, :12] == 0) and np.all(x[:, 12] == 5)
    assert np.all((x[:, :5] >= 1) & (x[:, :5] <= 4)) and np.all(x[:, 5:12] == 0) and np.all(x[:, 13:] == 0)


def test_sine_forecast_continues_the_wave(rng):
    x, y = sine_forecast(200, steps=40, horizon=3, noise=0.0, rng=rng)
    assert x.shape == (200, 40, 1) and y.shape == (200, 3)
    assert np.abs(x).max() <= 1.5 and np.abs(y).max() <= 1.5
    # a sampled sine obeys s_{t+1} + s_{t-1} = k s_t with k = 2 cos(w): fit k on the window, continue it
    s = x[:, :, 0].astype(np.float64)
    k = ((s[:, 2:] + s[:, :-2]) * s[:, 1:-1]).sum(axis=1) / (s[:, 1:-1] ** 2).sum(axis=1)
    np.testing.assert_allclose(y[:, 0], k * s[:, -1] - s[:, -2], atol=1e-4)
    assert np.all(np.abs(k) <= 2.0)

def test_parity_with_variable_lengths(rng):
    x, y, mask = parity(300, steps=12, min_steps=4, rng=rng)
    assert x.shape == (300, 12, 1) and y.shape == (300,) and mask.shape == (300, 12)
    lengths = mask.sum(axis=1)
    assert lengths.min() >= 4 and lengths.max() <= 12 and len(set(lengths)) > 3
    assert np.all(x[:, :, 0][~mask] == 0)
    np.testing.assert_array_equal(y, x[:, :, 0].sum(axis=1) % 2)
    assert 0.4 < y.mean() < 0.6
    with pytest.raises(ConfigError, match="min_steps=13 is more than steps=12"):
        parity(3, steps=12, min_steps=13)


def test_tagging_task_bio_tags_follow_the_spans(rng):
    tokens, tags, mask, vocabulary = tagging_task(200, rng=rng)
    assert tokens.shape == tags.shape == mask.shape and vocabulary[0] == "<pad>"
    lengths = mask.sum(axis=1)
    assert len(set(lengths)) > 2 and np.all(tokens[~mask] == 0)
    names = [TAGS[t] for t in tags[mask]]
    assert {"O", "B-PER", "I-PER", "B-ORG", "B-LOC", "I-LOC"} <= set(names)
    for row, length in zip(tags, lengths):  # I-X only after B-X or I-X
        for previous, current in zip(row[:length - 1], row[1:length]):
            if TAGS[current].startswith("I-"):
                assert TAGS[previous] in ("B-" + TAGS[current][2:], TAGS[current])
    words = [vocabulary[t] for t in tokens[0, :lengths[0]]]
    assert all(w in vocabulary for w in words)


def test_char_corpus_round_trip_windows_and_split():
    corpus = CharCorpus("abracadabra, abracadabra!")
    assert corpus.vocabulary == sorted(set("abracadabra, abracadabra!"))
    assert corpus.decode(corpus.encode("cab")) == "cab"
    x, y = corpus.windows(6, n=10, rng=np.random.default_rng(0))
    assert x.shape == y.shape == (10, 6)
    np.testing.assert_array_equal(x[:, 1:], y[:, :-1])
    tiled_x, _ = corpus.windows(6)
    assert corpus.decode(tiled_x.reshape(-1)) == corpus.text[:len(tiled_x) * 6]
    train, test = corpus.split(0.2)
    assert train + test == corpus.text and len(test) == 5
    with pytest.raises(DataError, match="not in the vocabulary"):
        corpus.encode("xyz")


def test_default_text_ships_with_python_and_ngram_baselines_order():
    corpus = CharCorpus(default_text(60_000))
    assert corpus.vocab_size > 60
    train, test = corpus.split(0.1)
    unigram = unigram_bits_per_char(train, test, corpus.vocabulary)
    bigram = bigram_bits_per_char(train, test, corpus.vocabulary)
    # the entropy bound: no better than log2 V without context; context helps on English text
    assert bigram < unigram < np.log2(corpus.vocab_size)
    uniform_text = "ab" * 500  # a closed form: a 50/50 unigram is 1 bit, the bigram nearly perfectly
    assert unigram_bits_per_char(uniform_text, uniform_text, ["a", "b"]) == pytest.approx(1.0)
    # 500 times a -> b with p = 501/502 and 500 times b -> a with p = 500/501 (499 pairs + 1, over 499 + 2)
    assert bigram_bits_per_char(uniform_text, uniform_text, ["a", "b"]) == pytest.approx(
        -(np.log2(501 / 502) + np.log2(500 / 501)) / 2, rel=1e-9)
