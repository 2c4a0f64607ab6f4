"""word2vec and GloVe: forward passes against their formulas, tape gradients against central differences."""
import numpy as np
import pytest

from dlx.losses import GloVeLoss, NegativeSampling
from dlx.models.word_vectors import GloVe, Word2Vec
from dlx.tensor import Tensor, gradcheck


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def build(model, columns, rng):
    model.build((columns,), rng)
    for p in model.parameters():  # random output vectors too (word2vec starts them at zero)
        p.data = rng.standard_normal(p.shape)
    return model


def with_parameters(model, fn):
    """fn() as a function of the model's parameter tensors (swapped in for the call), for gradcheck."""
    places = []
    for name, _ in model.named_parameters():
        *path, attribute = name.split(".")
        owner = model
        for part in path:
            owner = getattr(owner, part)
        places.append((owner, attribute))

    def call(*tensors):
        originals = [getattr(owner, attribute) for owner, attribute in places]
        for (owner, attribute), tensor in zip(places, tensors):
            setattr(owner, attribute, tensor)
        try:
            return fn()
        finally:
            for (owner, attribute), original in zip(places, originals):
                setattr(owner, attribute, original)
    return call


@pytest.mark.parametrize("inputs", [1, 4])  # skip-gram, CBOW
def test_negative_sampling_scores_and_loss(inputs, rng):
    model = build(Word2Vec(output_size=7, dim=3, negatives=2), inputs + 3, rng)
    x = rng.integers(0, 7, (5, inputs + 3))
    scores = model(x).data
    hidden = model.input_vectors.data[x[:, :inputs]].mean(axis=1)
    expected = np.einsum("nd,nkd->nk", hidden, model.output_vectors.data[x[:, inputs:]])
    np.testing.assert_allclose(scores, expected, rtol=1e-6)
    target = np.zeros((5, 3))
    target[:, 0] = 1
    loss = NegativeSampling()(Tensor(scores), target).item()
    by_formula = np.mean(-np.log(sigmoid(scores[:, 0])) - np.log(sigmoid(-scores[:, 1:])).sum(axis=1))
    np.testing.assert_allclose(loss, by_formula, rtol=1e-6)
    parameters = [p.data.copy() for p in model.parameters()]
    assert gradcheck(with_parameters(model, lambda: NegativeSampling()(model(x), target)), parameters) < 1e-6


def test_full_softmax_scores_every_word(rng):
    model = build(Word2Vec(output_size=6, dim=3, negatives=0), 2, rng)
    x = rng.integers(0, 6, (4, 2))
    expected = model.input_vectors.data[x].mean(axis=1) @ model.output_vectors.data.T
    np.testing.assert_allclose(model(x).data, expected, rtol=1e-6)
    parameters = [p.data.copy() for p in model.parameters()]
    assert gradcheck(with_parameters(model, lambda: model(x)), parameters) < 1e-6


def test_glove_fits_log_counts_with_its_weights(rng):
    model = build(GloVe(output_size=5, dim=3), 2, rng)
    x = rng.integers(0, 5, (6, 2))
    w, c, bw, bc = (p.data for p in model.parameters())
    expected = (w[x[:, 0]] * c[x[:, 1]]).sum(axis=1, keepdims=True) + bw[x[:, 0]] + bc[x[:, 1]]
    np.testing.assert_allclose(model(x).data, expected, rtol=1e-6)
    target = np.stack([rng.standard_normal(6), rng.uniform(0, 1, 6)], axis=1)
    loss = GloVeLoss()(model(x), target).item()
    np.testing.assert_allclose(loss, np.mean(target[:, 1] * (expected[:, 0] - target[:, 0]) ** 2), rtol=1e-6)
    parameters = [p.data.copy() for p in model.parameters()]
    assert gradcheck(with_parameters(model, lambda: GloVeLoss()(model(x), target)), parameters) < 1e-6
    np.testing.assert_allclose(model.word_vectors(), w + c)
