"""Tagging and language-model tasks, masks through the model, and the n-gram baselines."""
import math

import numpy as np
import pytest

import dlx.data  # noqa: F401  (registers the data sets and task names)
from dlx.config import load_config
from dlx.data import Dataset
from dlx.nn import GRU, LSTM, Dense, Embedding, Sequential, TimeDense
from dlx.registry import datasets, losses
from dlx.tasks import get_task, predict_outputs
from dlx.tensor import Tensor
from dlx.train.runner import start_run


def tagger(vocab: int, tags: int, seed: int = 0) -> Sequential:
    model = Sequential([Embedding(vocab, 4), GRU(5, return_sequences=True, bidirectional=True), TimeDense(tags)])
    model.build((6,), np.random.default_rng(seed))
    return model


def test_tagging_evaluation_ignores_whatever_lies_in_the_padding():
    """The mask reaches the (bidirectional) GRU and the loss: changing padded tokens changes nothing."""
    rng = np.random.default_rng(0)
    lengths = np.array([6, 2, 4, 1])
    tokens, tags = rng.integers(1, 9, (4, 6)), rng.integers(0, 3, (4, 6))
    noisy = np.where(np.arange(6) < lengths[:, None], tokens, rng.integers(1, 9, (4, 6)))
    task, loss, model = get_task("tagging"), losses.create("cross_entropy"), tagger(9, 3)
    clean_result = task.evaluate(model, Dataset(tokens * (np.arange(6) < lengths[:, None]), tags, "tagging", "t",
                                                class_names=list("abc"), lengths=lengths), loss, 3)
    noisy_result = task.evaluate(model, Dataset(noisy, tags, "tagging", "t", class_names=list("abc"),
                                                lengths=lengths), loss, 3)
    assert clean_result == pytest.approx(noisy_result)
    # reference: mean over the 13 real steps of -log softmax, each sequence run alone at its own length
    nats, correct = [], []
    for row, n in enumerate(lengths):
        z = model(Tensor(tokens[row:row + 1, :n])).data[0]
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        nats += list(-logp[np.arange(n), tags[row, :n]])
        correct += list(z.argmax(axis=1) == tags[row, :n])
    assert clean_result["loss"] == pytest.approx(np.mean(nats), rel=1e-5)
    assert clean_result["token_accuracy"] == pytest.approx(np.mean(correct))


def test_many_to_one_outputs_of_padded_sequences_equal_each_sequence_alone():
    ds = datasets.get("parity")(rng=np.random.default_rng(1), n=5, steps=8, min_steps=2)
    model = Sequential([LSTM(4), Dense(1)])
    model.build((8, 1), np.random.default_rng(0))
    padded = predict_outputs(model, ds.X, lengths=ds.lengths)
    alone = [model(Tensor(ds.X[i:i + 1, :n])).data[0] for i, n in enumerate(ds.lengths)]
    np.testing.assert_allclose(padded, np.array(alone), rtol=1e-5, atol=1e-6)


def test_language_model_baselines_match_counts_by_hand():
    """V = 2. Train pairs 0->1, 1->0, 0->1; test pairs 0->1, 1->1. Add-one smoothing:
    bigram p(1|0) = 3/4, p(1|1) = 1/3; unigram of the next tokens p(1) = 3/5."""
    def windows(x, y):
        return Dataset(np.array([x]), np.array([y]), "language_model", "lm", class_names=["a", "b"],
                       lengths=np.array([len(x)]))
    splits = {"train": windows([0, 1, 0], [1, 0, 1]), "validation": windows([0], [1]),
              "test": windows([0, 1], [1, 1])}
    result = get_task("language_model").references(splits)
    assert result["bigram_bits_per_char"] == pytest.approx(-(math.log2(3 / 4) + math.log2(1 / 3)) / 2)
    assert result["unigram_bits_per_char"] == pytest.approx(-math.log2(3 / 5))


def test_tagging_refuses_a_loss_other_than_cross_entropy():
    with pytest.raises(Exception, match="cross_entropy"):
        get_task("tagging").check_loss(losses.create("mse"), "loss")


def test_a_variable_length_many_to_one_config_trains_with_masks(tmp_path):
    """Parity with lengths 4..12: the loop cuts each batch to its longest sequence and masks the rest."""
    text = """
description: parity of variable-length bit strings
dataset: {name: parity, options: {n: 200, steps: 12, min_steps: 4}, validation: 0.1, test: 0.1}
model: {layers: [{gru: {units: 8}}, {dense: {units: outputs}}]}
optimiser: {name: adam, lr: 0.01}
training: {epochs: 2, batch_size: 32, checkpoint: false}
output: {plots: false}
"""
    path = tmp_path / "parity.yaml"
    path.write_text(text)
    result = start_run(load_config(path), results_dir=str(tmp_path / "results"))
    assert result.status == "finished" and 0 <= result.summary["test"]["test_accuracy"] <= 1


def test_time_dense_is_the_same_dense_layer_at_every_step():
    rng = np.random.default_rng(0)
    layer, x = TimeDense(4, in_features=3, rng=rng), rng.standard_normal((2, 5, 3)).astype(np.float32)
    dense = Dense(4, in_features=3, rng=rng)
    dense.weight.data[...], dense.b.data[...] = layer.weight.data, layer.b.data
    expected = np.stack([dense(Tensor(x[:, t])).data for t in range(5)], axis=1)
    np.testing.assert_allclose(layer(Tensor(x)).data, expected, rtol=1e-6)
