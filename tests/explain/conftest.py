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
