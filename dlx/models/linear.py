"""Linear and ridge regression in closed form, next to their gradient-descent twins.

Both minimise the same objective as ``dlx train`` with ``loss: mse`` and
``regularisation.l2: alpha`` on a single dense layer::

    J(W, b) = (1 / (N K)) * ||X W + b - Y||^2 + alpha * ||W||^2     (the bias is not penalised)

Setting the gradient to zero gives the normal equation with A = [X, 1]:

    (A^T A + N K alpha P) theta = A^T Y,   P = diag(1, ..., 1, 0),   theta = [W; b]

``solver: normal_equation`` solves it directly (alpha = 0 is ordinary least
squares, alpha > 0 is ridge regression); ``solver: gradient_descent`` trains the
same layer with the training loop, its weight penalised with ``alpha``.
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ConfigError, ShapeError
from dlx.nn import Dense, Module
from dlx.registry import models

SOLVERS = ("normal_equation", "gradient_descent")


class OneDenseLayer(Module):
    """A model that is one dense layer ``self.layer`` (built from the input shape)."""

    def output_shape(self, input_shape):
        return self.layer.output_shape(input_shape)

    def build(self, input_shape, rng):
        self.layer.build(input_shape, rng)
        self.built = True

    def forward(self, x):
        return self.layer(x)


class LinearRegression(OneDenseLayer):
    """y = x W + b fitted by the normal equation (or by gradient descent); ridge when alpha > 0.

    Args:
        output_size (int): number of targets K (given by the data set).
        alpha (float, default 0): weight of the L2 penalty alpha * ||W||^2 (ridge regression).
        solver (str, default "normal_equation"): or "gradient_descent" to train with the loop.

    Shape:
        input (N, D), output (N, K).
    """

    def __init__(self, output_size: int, alpha: float = 0.0, solver: str = "normal_equation"):
        super().__init__()
        if solver not in SOLVERS:
            raise ConfigError(f"linear regression: unknown solver '{solver}'; use one of {', '.join(SOLVERS)}")
        if alpha < 0:
            raise ConfigError(f"linear regression: alpha must be >= 0, got {alpha}")
        self.output_size, self.alpha, self.solver = output_size, float(alpha), solver
        self.layer = Dense(output_size, init="zeros")
        self.layer.penalty = {"l2": self.alpha}
        self.built = False

    @property
    def closed_form(self) -> bool:
        return self.solver == "normal_equation"

    def fit_closed_form(self, X: np.ndarray, Y: np.ndarray) -> None:
        """Solve the normal equation in float64 and store W and b."""
        theta = normal_equation(X, Y, self.alpha)
        self.layer.weight.data = theta[:-1].astype(self.layer.weight.dtype)
        self.layer.b.data = theta[-1].astype(self.layer.b.dtype)

    def get_config(self) -> dict:
        return {"name": "linear_regression", "output_size": self.output_size, "alpha": self.alpha,
                "solver": self.solver}


def normal_equation(X: np.ndarray, Y: np.ndarray, alpha: float = 0.0) -> np.ndarray:
    """theta = [W; b] solving (A^T A + N K alpha P) theta = A^T Y with A = [X, 1] (see the module doc)."""
    X = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    Y = np.asarray(Y, dtype=np.float64).reshape(len(X), -1)
    if len(X) == 0:
        raise ShapeError("the normal equation needs at least one training sample")
    A = np.hstack([X, np.ones((len(X), 1))])
    penalty = np.eye(A.shape[1]) * (len(X) * Y.shape[1] * alpha)
    penalty[-1, -1] = 0.0  # the bias is not penalised
    gram = A.T @ A + penalty
    try:
        return np.linalg.solve(gram, A.T @ Y)
    except np.linalg.LinAlgError:  # singular: collinear features and alpha = 0; the minimum-norm solution
        return np.linalg.lstsq(A, Y, rcond=None)[0]


@models.register("linear_regression")
def linear_regression(output_size: int, solver: str = "normal_equation", alpha: float = 0.0) -> LinearRegression:
    """Ordinary least squares by the normal equation, or its gradient-descent twin (solver)."""
    return LinearRegression(output_size, alpha=alpha, solver=solver)


@models.register("ridge")
def ridge(output_size: int, alpha: float = 1.0, solver: str = "normal_equation") -> LinearRegression:
    """Ridge regression (L2-penalised least squares) in closed form, or its gradient-descent twin."""
    return LinearRegression(output_size, alpha=alpha, solver=solver)
