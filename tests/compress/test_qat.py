"""Quantisation-aware training: the forward sees q(W), the step updates W with the gradient at q(W)."""
import numpy as np

from dlx.compress.qat import QuantisedTraining, fake_quantised
from dlx.nn import Dense, Sequential
from dlx.nn.quantised import quantised_codes
from dlx.optim.sgd import SGD
from dlx.tensor import Tensor


def test_fake_quantised_weights_are_codes_times_the_channel_scale(rng):
    w = rng.standard_normal((6, 3)).astype(np.float32)
    q = fake_quantised(w, 4, (0,))
    scale = np.abs(w).max(axis=0) / 7
    np.testing.assert_allclose(q, quantised_codes(w, scale, 4) * scale, rtol=1e-6)
    assert len(np.unique(q[:, 0])) <= 15


def test_a_step_updates_the_shadow_weights_with_the_gradient_at_the_quantised_ones(rng):
    model = Sequential([Dense(3, in_features=5, rng=rng)])
    shadow = model[0].weight.data.copy()
    x, lr = rng.standard_normal((8, 5)).astype(np.float32), 0.1
    training = QuantisedTraining(SGD(model.parameters(), lr=lr), model, bits=4)
    q = fake_quantised(shadow, 4, (0,))
    np.testing.assert_array_equal(model[0].weight.data, q)  # the forward sees q(W)
    loss = (model(Tensor(x)) ** 2).sum()
    training.zero_grad()
    loss.backward()
    gradient = model[0].weight.grad.copy()
    np.testing.assert_allclose(gradient, 2 * x.T @ (x @ q + model[0].b.data), rtol=1e-4)  # taken at q(W)
    training.step()
    np.testing.assert_allclose(training.shadows[0], shadow - lr * gradient, rtol=1e-5)  # straight through
    np.testing.assert_array_equal(model[0].weight.data, fake_quantised(training.shadows[0], 4, (0,)))
