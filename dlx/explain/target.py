"""What every explanation method needs from a trained model: ``ExplainTarget``.

A target wraps a forward function that starts at the *raw* input (a loaded run
puts its scaler in front of the network as a tensor operation), so methods can
differentiate with respect to what the user gave. Methods never look at configs
or run folders; the command line (or a test) builds the target.

Example::

    net = Sequential([Dense(8), ReLU(), Dense(3)]); net.build((4,), rng)
    target = ExplainTarget(forward=net, kind="multiclass", input_shape=(4,), train_X=X, model=net)
    target.predict(X[:5])            # (5,) predicted classes
    target.scores(Tensor(X[:5]))     # (5, 3) class probabilities
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from dlx.errors import DlxError
from dlx.nn import InputScaler, Module
from dlx.tensor import Tensor, no_grad

KINDS = ("regression", "binary", "multiclass")


@dataclass
class ExplainTarget:
    """A trained model seen from its raw input.

    Args:
        forward: raw input batch (N, *input_shape) -> outputs (N, K), differentiable.
        kind: "regression", "binary" (K == 1 logit) or "multiclass" (K logits).
        input_shape: one sample's shape, (features,) or (C, H, W).
        feature_names (default None): names of the tabular features.
        class_names (default None): names of the classes.
        train_X: raw training inputs (statistics, backgrounds, neighbours).
        train_y (default None): training targets.
        model (default None): the network, for layer access (featvis) and weight randomisation.
        preprocess (default None): raw input -> the model's input (the scaler), so that
            ``forward(x) == model(preprocess(x))``; None means the identity.
    """

    forward: Callable[[Tensor], Tensor]
    kind: str
    input_shape: tuple[int, ...]
    train_X: np.ndarray
    feature_names: list[str] | None = None
    class_names: list[str] | None = None
    train_y: np.ndarray | None = None
    model: Module | None = None
    preprocess: Callable[[Tensor], Tensor] | None = None
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise DlxError(f"explain target kind '{self.kind}' is unknown; use one of {', '.join(KINDS)}")
        self.input_shape = tuple(int(n) for n in self.input_shape)
        self.train_X = np.asarray(self.train_X)

    # ---- what the data look like ---------------------------------------------------------
    @property
    def is_image(self) -> bool:
        return len(self.input_shape) == 3

    @property
    def n_features(self) -> int:
        return int(np.prod(self.input_shape))

    def names(self) -> list[str]:
        """Feature names (given, or x0, x1, ... / pixel c,h,w)."""
        if self.feature_names is not None and len(self.feature_names) == self.n_features:
            return list(self.feature_names)
        return [f"x{j}" for j in range(self.n_features)]

    def class_name(self, index: int) -> str:
        if self.kind == "regression":
            return "output" if index == 0 else f"output {index}"
        if self.class_names is not None and 0 <= index < len(self.class_names):
            return str(self.class_names[index])
        return str(index)

    # ---- outputs ---------------------------------------------------------------------------
    def outputs(self, x) -> Tensor:
        """The raw outputs (N, K): logits for classification."""
        return self.forward(as_batch(x, self.input_shape))

    def scores(self, x) -> Tensor:
        """Class probabilities (N, K) for multiclass, [1-p, p] (N, 2) for binary; the output for regression."""
        return self.scores_of(self.outputs(x))

    def scores_of(self, out: Tensor) -> Tensor:
        """``scores`` from the raw outputs (N, K)."""
        if self.kind == "multiclass":
            return out.softmax(axis=-1)
        if self.kind == "binary":
            return _binary_pair(out.sigmoid())
        return out

    def score_array(self, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
        """``scores`` as a NumPy array, batched and without a tape."""
        x = np.asarray(x)
        with no_grad():
            parts = [self.scores(x[i:i + batch_size]).data for i in range(0, len(x), batch_size)]
        return np.concatenate(parts, axis=0).astype(np.float64)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predicted class indices (N,), or the outputs (N, K) for regression."""
        scores = self.score_array(x)
        return scores if self.kind == "regression" else scores.argmax(axis=1)

    def n_scores(self) -> int:
        """K' the number of columns of ``scores``."""
        return self.score_array(self.train_X[:1]).shape[1]

    def check_class(self, index: int) -> int:
        count = self.n_scores()
        if not 0 <= int(index) < count:
            raise DlxError(f"class {index} does not exist; choose one of 0..{count - 1}")
        return int(index)

    def default_class(self, x: np.ndarray) -> int:
        """The explained class: the predicted one (output 0 for regression)."""
        return 0 if self.kind == "regression" else int(self.predict(x[None])[0])


    # ---- one differentiable number per sample ----------------------------------------------
    def class_output(self, x, class_index: int, output: str = "logit") -> Tensor:
        """(N,) the explained quantity: the class logit (binary: +z for class 1, -z for class 0)
        or, with ``output="score"``, the class score (probability; the output for regression)."""
        return self.explained(self.outputs(x), class_index, output)

    def explained(self, out: Tensor, class_index: int, output: str = "logit") -> Tensor:
        """``class_output`` from the raw outputs (N, K) already computed (Grad-CAM runs the model in two parts)."""
        if output == "score":
            return self.scores_of(out)[:, int(class_index)]
        if output != "logit":
            raise DlxError(f"output '{output}' is unknown; use 'logit' or 'score'")
        if self.kind == "binary":
            return out[:, 0] * (1.0 if class_index == 1 else -1.0)
        return out[:, int(class_index)]

    def input_gradient(self, x: np.ndarray, class_index: int, output: str = "logit") -> tuple[np.ndarray, np.ndarray]:
        """(values (N,), d value / d x (N, *input_shape)) for a batch of raw inputs."""
        leaf = Tensor(np.array(x, dtype=np.float64).reshape(-1, *self.input_shape), requires_grad=True)
        value = self.class_output(leaf, class_index, output)
        value.sum().backward()
        if self.model is not None:
            self.model.zero_grad()           # the parameters' gradients are not wanted here
        return value.data.astype(np.float64), np.asarray(leaf.grad, dtype=np.float64)


def _binary_pair(p: Tensor) -> Tensor:
    """(N, 1) probability of class 1 -> (N, 2) columns [1 - p, p]."""
    from dlx.ops import concatenate
    return concatenate([p * -1.0 + 1.0, p], axis=1)


def as_batch(x, input_shape: tuple[int, ...]) -> Tensor:
    """A Tensor of shape (N, *input_shape); a single sample gains the batch axis."""
    tensor = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float64))
    if tensor.shape == tuple(input_shape):
        tensor = tensor.reshape((1, *input_shape))
    return tensor


def check_index(index: int, count: int, split: str = "test") -> int:
    """An instance index in 0..count-1, or a one-line error naming the range."""
    if not 0 <= int(index) < count:
        raise DlxError(f"index {index} is out of range for the {split} split; choose 0..{count - 1}")
    return int(index)


def affine_preprocess(shift: np.ndarray, scale: np.ndarray) -> InputScaler:
    """The scaler ``(x - shift) / scale`` in front of a model, as the layer a loaded run uses
    (``dlx.nn.InputScaler``); interpretable models state their weights and thresholds in raw units
    through it."""
    return InputScaler(shift, scale)


def target_for_model(model: Module, task: str, train_X: np.ndarray, train_y: np.ndarray | None = None,
                     preprocess: Callable[[Tensor], Tensor] | None = None, feature_names=None,
                     class_names=None) -> ExplainTarget:
    """An ExplainTarget for a network whose forward starts after ``preprocess`` (raw input -> model input).

    ``task`` is the data's kind ("regression", "binary", "multiclass"); a binary task with
    two outputs is treated as multiclass (two logits).
    """
    model.eval()
    input_shape = tuple(np.asarray(train_X).shape[1:])
    outputs = model.output_shape(input_shape)[-1]
    kind = "regression" if task == "regression" else ("binary" if outputs == 1 else "multiclass")

    def forward(x: Tensor) -> Tensor:
        return model(preprocess(x) if preprocess is not None else x)

    return ExplainTarget(forward=forward, kind=kind, input_shape=input_shape, train_X=train_X, train_y=train_y,
                         feature_names=feature_names, class_names=class_names, model=model, preprocess=preprocess)
