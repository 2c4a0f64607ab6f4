"""Small targets for the explanation tests: linear models with set weights, tiny trained networks."""
from __future__ import annotations

import numpy as np
import pytest

from dlx.explain import ExplainTarget
from dlx.nn import Dense, Sequential
from dlx.tensor import Tensor


def dense_with(weight: np.ndarray, bias) -> Dense:
    """A Dense layer (float64) holding the given weight (D, K) and bias (K,)."""
    layer = Dense(weight.shape[1], in_features=weight.shape[0], rng=np.random.default_rng(0))
    layer.weight.data = np.asarray(weight, dtype=np.float64)
    layer.b.data = np.asarray(bias, dtype=np.float64).reshape(-1)
    return layer


def linear_target(w, b=0.0, kind="regression", train_X=None, rng=None) -> ExplainTarget:
    """y = x . w + b as a target (regression, or a binary logit), on Gaussian features of varied spread."""
    w = np.asarray(w, dtype=np.float64)
    if train_X is None:
        rng = rng or np.random.default_rng(7)
        train_X = rng.normal(loc=np.arange(len(w)), scale=np.linspace(0.5, 3.0, len(w)), size=(400, len(w)))
    net = Sequential([dense_with(w.reshape(-1, 1), [b])])
    return ExplainTarget(forward=net, kind=kind, input_shape=(len(w),), train_X=train_X, model=net)


def function_target(fn, train_X, kind="regression") -> ExplainTarget:
    """A target from a function of Tensors (N, D) -> (N, 1)."""
    return ExplainTarget(forward=fn, kind=kind, input_shape=(train_X.shape[1],), train_X=train_X)


@pytest.fixture
def linear_regression_target():
    return linear_target([2.0, -1.0, 0.5, 3.0, -0.25])


@pytest.fixture
def as_tensor():
    return lambda a: Tensor(np.asarray(a, dtype=np.float64))


def train_classifier(net, X, y, epochs=30, lr=0.01, batch_size=64, seed=0):
    """Adam on cross-entropy (or BCE with logits when the net has one output); returns the net in eval mode."""
    from dlx.ops import bce_with_logits, cross_entropy
    from dlx.optim import Adam
    rng = np.random.default_rng(seed)
    net.build(X.shape[1:], rng)
    optimiser = Adam(net.parameters(), lr=lr)
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            rows = order[start:start + batch_size]
            logits = net(Tensor(X[rows].astype(np.float32)))
            if logits.shape[1] == 1:
                loss = bce_with_logits(logits, y[rows].reshape(-1, 1).astype(np.float32))
            else:
                loss = cross_entropy(logits, y[rows])
            net.zero_grad()
            loss.backward()
            optimiser.step()
    return net.eval()


@pytest.fixture(scope="session")
def digits_mlp_target():
    """A 64-32-10 MLP trained on 1,400 digits (about 95% test accuracy), with the held-out rest."""
    from sklearn.datasets import load_digits
    from dlx.nn import ReLU
    data = load_digits()
    X, y = data.data / 16.0, data.target
    net = train_classifier(Sequential([Dense(32), ReLU(), Dense(10)]), X[:1400], y[:1400], epochs=15)
    target = ExplainTarget(forward=net, kind="multiclass", input_shape=(64,), train_X=X[:1400], train_y=y[:1400],
                           model=net, class_names=[str(d) for d in range(10)])
    target.extra.update(test_X=X[1400:], test_y=y[1400:])
    return target
