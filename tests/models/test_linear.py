"""Linear and ridge regression: closed form vs formulas, scikit-learn, and the gradient-descent twin."""
import numpy as np
import pytest

from dlx.config import parse_config
from dlx.models.linear import normal_equation
from dlx.runs import load_checkpoint
from dlx.train.runner import start_run


@pytest.fixture
def regression_file(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 4))
    y = X @ np.array([1.5, -2.0, 0.3, 0.0]) + 0.7 + 0.1 * rng.standard_normal(120)
    path = tmp_path / "lin.npz"
    np.savez(path, X=X, y=y)
    return path, X, y


def test_normal_equation_matches_least_squares(regression_file):
    _, X, y = regression_file
    A = np.hstack([X, np.ones((len(X), 1))])
    expected = np.linalg.inv(A.T @ A) @ A.T @ y  # the normal equation written out
    np.testing.assert_allclose(normal_equation(X, y)[:, 0], expected, atol=1e-10)


def test_ridge_matches_the_penalised_closed_form_and_scikit_learn(regression_file):
    _, X, y = regression_file
    alpha, n = 0.05, len(X)
    A = np.hstack([X, np.ones((n, 1))])
    P = np.diag([1.0, 1, 1, 1, 0])  # bias unpenalised
    expected = np.linalg.solve(A.T @ A + n * alpha * P, A.T @ y)
    theta = normal_equation(X, y, alpha)[:, 0]
    np.testing.assert_allclose(theta, expected, atol=1e-10)
    sklearn = pytest.importorskip("sklearn.linear_model")
    reference = sklearn.Ridge(alpha=n * alpha).fit(X, y)  # sklearn: ||y - Xw||^2 + a ||w||^2
    np.testing.assert_allclose(theta[:-1], reference.coef_, atol=1e-8)
    np.testing.assert_allclose(theta[-1], reference.intercept_, atol=1e-8)


def config(path, model, extra=""):
    return f"""\
description: linear model
dataset: {{name: npz, options: {{path: '{path}'}}, validation: 0, test: 0}}
model: {model}
loss: mse
training: {{epochs: 1, batch_size: full, train_metrics: true}}
{extra}"""


def fitted_weights(tmp_path, text):
    result = start_run(parse_config(text, "lin.yaml", ["output.plots=false"], default_run_name="lin"),
                       results_dir=str(tmp_path / "r"))
    arrays, _ = load_checkpoint(result.run_dir / "model.npz")
    return np.concatenate([arrays["model/layer.weight"][:, 0], arrays["model/layer.b"]]), result


@pytest.mark.parametrize("name,alpha", [("linear_regression", 0.0), ("ridge", 0.05)])
def test_registry_models_store_the_closed_form_within_1e_6(regression_file, tmp_path, name, alpha):
    path, X, y = regression_file
    theta, result = fitted_weights(tmp_path, config(path, f"{{name: {name}, options: {{alpha: {alpha}}}}}"))
    np.testing.assert_allclose(theta, normal_equation(X, y, alpha)[:, 0], atol=1e-6)
    assert result.summary["epochs_completed"] == 1


@pytest.mark.parametrize("name,alpha", [("linear_regression", 0.0), ("ridge", 0.05)])
def test_gradient_descent_twin_reaches_the_closed_form_within_1e_3(regression_file, tmp_path, name, alpha):
    path, X, y = regression_file
    model = f"{{name: {name}, options: {{alpha: {alpha}, solver: gradient_descent}}}}"
    text = config(path, model, "optimiser: {name: sgd, lr: 0.2}").replace("epochs: 1", "epochs: 400") \
        .replace("train_metrics: true", "train_metrics: false")
    theta, _ = fitted_weights(tmp_path, text)
    np.testing.assert_allclose(theta, normal_equation(X, y, alpha)[:, 0], atol=1e-3)
