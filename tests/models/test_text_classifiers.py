"""Text classifiers: the bag of words is logistic regression on counts; the text CNN pools over time."""
import numpy as np

from dlx.models.text_classifiers import BagOfWords, TextCNN
from dlx.tensor import gradcheck
from tests.models.test_word_vectors import with_parameters


def test_bag_of_words_is_logistic_regression_on_counts(rng):
    model = BagOfWords(output_size=3, vocab_size=6)
    model.build((4,), rng)
    model.table.weight.data = rng.standard_normal((6, 3))
    model.b.data = rng.standard_normal(3)
    ids = np.array([[2, 2, 5, 0], [1, 0, 0, 0]])  # 0 is the padding
    counts = np.zeros((2, 6))
    counts[0, 2], counts[0, 5], counts[1, 1] = 2, 1, 1
    np.testing.assert_allclose(model(ids).data, counts @ model.word_weights() + model.b.data, rtol=1e-6)
    parameters = [p.data.copy() for p in model.parameters()]
    assert gradcheck(with_parameters(model, lambda: model(ids)), parameters) < 1e-6


def test_text_cnn_takes_the_strongest_ngram_anywhere(rng):
    model = TextCNN(output_size=2, vocab_size=9, dim=3, filters=2, widths=[2, 3], dropout=0.0)
    model.build((5,), rng)
    model.eval()
    ids = rng.integers(1, 9, (4, 5))
    words = model.embedding.weight.data[ids]  # (N, T, dim)
    pooled = []
    for conv, width in zip(model.convolutions, [2, 3]):
        w, b = conv.weight.data, conv.b.data  # (filters, dim, width), (filters,)
        windows = np.stack([words[:, t:t + width, :] for t in range(5 - width + 1)], axis=1)  # (N, L, width, dim)
        scores = np.einsum("nlkd,fdk->nlf", windows, w) + b
        pooled.append(np.maximum(scores, 0).max(axis=1))
    expected = np.concatenate(pooled, axis=1) @ model.dense.weight.data + model.dense.b.data
    np.testing.assert_allclose(model(ids).data, expected, rtol=1e-5, atol=1e-6)
    assert model(ids[:, :1]).shape == (4, 2)  # a one-word text is padded to the widest filter
