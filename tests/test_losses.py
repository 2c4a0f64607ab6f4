"""Losses: registry-wide gradcheck, closed forms, and the lecture's pairing table."""
import warnings

import numpy as np
import pytest

from dlx import Tensor, ops
from dlx.losses import PairingWarning, check_pairing
from dlx.registry import losses
from dlx.tensor import gradcheck


@pytest.mark.parametrize("name", sorted(losses.canonical()))
def test_loss_gradcheck(name, rng):
    loss = losses.create(name)
    prediction, target = loss.example(rng)
    assert gradcheck(lambda p: loss(p, target), [prediction]) < 1e-6


@pytest.mark.parametrize("name", sorted(losses.canonical()))
def test_loss_has_description_and_family(name):
    assert losses.describe(name)
    assert losses.get(name).family in ("mse", "bce", "cross_entropy", "ctc")


def test_losses_equal_their_definitions(rng):
    p = rng.uniform(0.05, 0.95, (5, 2))
    t = (rng.random((5, 2)) > 0.5).astype(float)
    z = rng.standard_normal((5, 2))
    np.testing.assert_allclose(ops.mse_loss(Tensor(p), t).item(), np.mean((p - t) ** 2))
    bce = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))
    np.testing.assert_allclose(ops.binary_cross_entropy(Tensor(p), t).item(), bce)
    s = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(ops.bce_with_logits(Tensor(z), t).item(),
                               -np.mean(t * np.log(s) + (1 - t) * np.log(1 - s)))
    labels = rng.integers(0, 2, 5)
    soft = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    np.testing.assert_allclose(ops.cross_entropy(Tensor(z), labels).item(),
                               -np.mean(np.log(soft[np.arange(5), labels])))
    one_hot = np.eye(2)[labels]
    np.testing.assert_allclose(ops.cross_entropy(Tensor(z), one_hot).item(),
                               ops.cross_entropy(Tensor(z), labels).item())


def test_bce_with_logits_is_finite_for_huge_logits():
    z = Tensor(np.array([[1e4, -1e4]], dtype=np.float32), requires_grad=True)
    loss = ops.bce_with_logits(z, np.array([[0.0, 1.0]], dtype=np.float32))
    loss.backward()
    assert np.isfinite(loss.item()) and np.all(np.isfinite(z.grad))
    np.testing.assert_allclose(loss.item(), 1e4, rtol=1e-6)


def test_cross_entropy_rejects_labels_out_of_range():
    with pytest.raises(ValueError, match=r"\[0, 2\]"):
        ops.cross_entropy(Tensor(np.zeros((2, 3))), np.array([0, 3]))


@pytest.mark.parametrize("activation,loss,problem", [
    ("linear", "mse", "regression"), ("sigmoid", "bce", "binary"), ("linear", "bce_with_logits", "binary"),
    ("linear", "cross_entropy", "multiclass"), ("sigmoid", "bce", "multilabel"),
])
def test_the_lectures_pairs_give_no_warning(activation, loss, problem):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_pairing(activation, loss, problem) is None


@pytest.mark.parametrize("activation,loss,problem,recommended", [
    ("sigmoid", "mse", "binary", "sigmoid output with loss 'bce'"),
    ("linear", "mse", "multiclass", "linear output with loss 'cross_entropy'"),
    ("softmax", "cross_entropy", "multiclass", "remove the final activation"),
    ("softmax", "bce", "multilabel", "sigmoid output with loss 'bce'"),
    ("tanh", "cross_entropy", None, "remove the final activation"),
    ("relu", "mse", "regression", "linear output with loss 'mse'"),
])
def test_a_mismatched_pair_warns_with_the_recommended_pair(activation, loss, problem, recommended):
    with pytest.warns(PairingWarning, match=recommended):
        check_pairing(activation, loss, problem)
