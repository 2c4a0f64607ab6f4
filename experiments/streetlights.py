"""Learning a whole data set, and creating correlation (notes ch. 4; Grokking Deep Learning ch. 5-6).

The street-light data: three lights per row, label 1 = walk. Everything is trained
as the book does it: per-sample ("stochastic") gradient descent, no biases, in
float64, and the error of an epoch is the book's sum of the rows' squared errors,
each taken just before that row's update. dlx does the work: ``Dense`` layers,
the tape, ``ops.mse_loss`` and ``SGD``.

* original (6 rows): the middle light alone says walk, so one layer of weights
  learns it: from the book's weights [0.5, 0.48, -0.7] with alpha 0.1 the error
  falls below 0.01 in epoch 21 and reaches 0.00053 in epoch 40, as the book prints.
* hidden (4 rows, walk iff exactly one of the first two lights is on): no light
  correlates with the label. The best any linear model can do is predict 0.5
  everywhere, error 1.0 (least squares, ``linear_bound``). One layer stays there;
  so does a hidden layer without a non-linearity, because two linear layers are
  one linear map (``collapse``: W1 W2 gives the same outputs). A ReLU hidden
  layer (the book: 4 units, alpha 0.2, its seed-1 weights) reaches the book's
  printed errors 0.634, 0.358, 0.083, 0.0065, 0.00033, 1.5e-5 (every 10 epochs).
* xor: the same lesson on XOR with a 2-8-1 network (tanh, sigmoid, BCE, Adam).

Run ``python -m experiments.streetlights`` for the error table.
"""
from __future__ import annotations

import numpy as np

import dlx.data  # noqa: F401  (registers the data sets)
from dlx import ops
from dlx.nn import Dense, Linear, ReLU, Sequential, Sigmoid, Tanh
from dlx.optim import SGD, Adam
from dlx.registry import datasets
from dlx.tensor import Tensor, no_grad

BOOK_WEIGHTS = [0.5, 0.48, -0.7]           # chapter 5/6, one layer
ONE_LAYER_ALPHA, HIDDEN_ALPHA, HIDDEN_SIZE, BOOK_SEED = 0.1, 0.2, 4, 1
EPOCHS = 60
XOR_EPOCHS, XOR_LR = 100, 0.1            # full-batch Adam steps on the four rows


def load(variant: str) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (N, 3) and targets (N, 1) of the registered street lights, in float64."""
    ds = datasets.get("streetlights")(rng=np.random.default_rng(0), variant=variant)
    return ds.X.astype(np.float64), ds.y.astype(np.float64).reshape(-1, 1)


def _dense(weight: np.ndarray) -> Dense:
    """A bias-free Dense layer holding ``weight`` (in, units) in float64."""
    layer = Dense(weight.shape[1], in_features=weight.shape[0], bias=False, rng=np.random.default_rng(0))
    layer.weight.data = np.array(weight, dtype=np.float64)
    return layer


def one_layer(weights=BOOK_WEIGHTS) -> Sequential:
    """3 inputs -> 1 output, no hidden layer, the book's starting weights."""
    return Sequential([_dense(np.reshape(weights, (-1, 1)))])


def book_hidden_weights(hidden_size: int = HIDDEN_SIZE, seed: int = BOOK_SEED):
    """The book's ``np.random.seed(1); 2 * np.random.random(shape) - 1`` weights, W1 (3, h) and W2 (h, 1)."""
    legacy = np.random.RandomState(seed)
    w01 = 2 * legacy.random_sample((3, hidden_size)) - 1
    w12 = 2 * legacy.random_sample((hidden_size, 1)) - 1
    return w01, w12


def hidden_layer(activation: str = "relu", hidden_size: int = HIDDEN_SIZE, seed: int = BOOK_SEED) -> Sequential:
    """3 -> hidden_size -> 1; ``activation`` "relu" (the book) or "linear" (no non-linearity)."""
    w01, w12 = book_hidden_weights(hidden_size, seed)
    middle = {"relu": ReLU, "linear": Linear}[activation]()
    return Sequential([_dense(w01), middle, _dense(w12)])


def train_per_sample(model: Sequential, X: np.ndarray, y: np.ndarray, alpha: float, epochs: int) -> list[float]:
    """The book's loop: each row in order, one SGD step per row; returns each epoch's summed error.

    The loss is half the squared error, ``0.5 * mse`` of one row: its gradient
    with respect to the prediction is the book's ``delta = pred - goal``, so
    ``SGD(lr=alpha)`` is the book's ``weights -= alpha * input * delta``.
    """
    optimiser = SGD(model.parameters(), lr=alpha)
    errors = []
    for _ in range(epochs):
        total = 0.0
        for i in range(len(X)):
            prediction = model(Tensor(X[i:i + 1]))          # (1, 1)
            loss = ops.mse_loss(prediction, y[i:i + 1])     # (pred - goal)^2 of this row
            total += loss.item()
            optimiser.zero_grad()
            (0.5 * loss).backward()
            optimiser.step()
        errors.append(total)
    return errors


@no_grad()
def sum_squared_error(model: Sequential, X: np.ndarray, y: np.ndarray) -> float:
    """The summed squared error of the model's current (fixed) weights over all rows."""
    return float(((model(Tensor(X)).data - y) ** 2).sum())


def linear_bound(X: np.ndarray, y: np.ndarray) -> float:
    """The smallest summed squared error of any linear model x w + b (least squares with a bias column)."""
    A = np.hstack([X, np.ones((len(X), 1))])               # (N, 4)
    coefficients = np.linalg.lstsq(A, y, rcond=None)[0]     # (4, 1)
    return float(((A @ coefficients - y) ** 2).sum())


def collapse(model: Sequential) -> Sequential:
    """Two bias-free linear layers as one: x W1 W2 = x (W1 W2). Needs a linear middle layer."""
    first, middle, last = model.layers
    if not isinstance(middle, Linear):
        raise ValueError(f"only a linear hidden layer collapses, got {type(middle).__name__}; "
                         f"build the model with hidden_layer('linear')")
    return Sequential([_dense(first.weight.data @ last.weight.data)])   # (3, h) @ (h, 1) -> (3, 1)


def learn_xor(seed: int, hidden: int = 8, epochs: int = XOR_EPOCHS, lr: float = XOR_LR) -> tuple[float, float]:
    """Train Dense(hidden), tanh, Dense(1), sigmoid on XOR with BCE and Adam, full batch.

    Returns (final BCE, accuracy) on the four rows; the seed fixes the initial weights.
    """
    ds = datasets.get("xor")(rng=np.random.default_rng(seed))
    X, y = ds.X, ds.y.astype(np.float32).reshape(-1, 1)    # (4, 2), (4, 1)
    model = Sequential([Dense(hidden), Tanh(), Dense(1), Sigmoid()])
    model.build((2,), np.random.default_rng(seed))
    optimiser = Adam(model.parameters(), lr=lr)
    for _ in range(epochs):
        loss = ops.binary_cross_entropy(model(Tensor(X)), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    with no_grad():
        probability = model(Tensor(X)).data
    loss = float(ops.binary_cross_entropy(Tensor(probability), y).item())
    return loss, float(np.mean((probability >= 0.5) == (y == 1)))


def run_all(epochs: int = EPOCHS) -> dict[str, dict]:
    """Train the four networks; per name: the epoch errors and the final fixed-weight error."""
    original, hidden = load("original"), load("hidden")
    runs = {"one layer, original": (one_layer(), original, ONE_LAYER_ALPHA),
            "one layer, hidden": (one_layer(), hidden, ONE_LAYER_ALPHA),
            "linear hidden, hidden": (hidden_layer("linear"), hidden, HIDDEN_ALPHA),
            "relu hidden, hidden": (hidden_layer("relu"), hidden, HIDDEN_ALPHA)}
    results = {}
    for name, (model, (X, y), alpha) in runs.items():
        errors = train_per_sample(model, X, y, alpha, epochs)
        results[name] = {"errors": errors, "final": sum_squared_error(model, X, y), "model": model}
    return results


def main() -> None:
    results = run_all()
    names = list(results)
    print("summed squared error per epoch (the book's 'Error:'), per-sample SGD, no bias")
    print(f"{'epoch':>5} " + " ".join(f"{n:>22}" for n in names))
    for epoch in (1, 5, 10, 20, 30, 40, 50, 60):
        print(f"{epoch:>5} " + " ".join(f"{results[n]['errors'][epoch - 1]:>22.6g}" for n in names))
    print(f"{'final':>5} " + " ".join(f"{results[n]['final']:>22.6g}" for n in names)
          + "   <- all rows with the final weights")
    X, y = load("hidden")
    print(f"\nbest linear model on 'hidden' (least squares with bias): error {linear_bound(X, y):.6g}")
    linear = results["linear hidden, hidden"]["model"]
    product = collapse(linear)
    with no_grad():
        gap = np.abs(linear(Tensor(X)).data - product(Tensor(X)).data).max()
    print(f"linear hidden layer = one layer W1 W2 = {product.layers[0].weight.data.ravel().round(4).tolist()}: "
          f"outputs differ by at most {gap:.1e}")
    for seed in range(5):
        loss, accuracy = learn_xor(seed)
        print(f"xor 2-8-1 (tanh, sigmoid, BCE, Adam {XOR_LR}, {XOR_EPOCHS} full-batch steps), seed {seed}: "
              f"BCE {loss:.4f}, accuracy {accuracy:.0%}")


if __name__ == "__main__":
    main()
