"""Losses, and the lecture's table of problem type -> final activation -> loss.

Two losses apply their activation themselves, fused for numerical stability:
``cross_entropy`` takes logits (softmax inside) and ``bce_with_logits`` takes
logits (sigmoid inside). A model trained with them ends with a linear layer.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from dlx import ops
from dlx.errors import ConfigError
from dlx.registry import losses
from dlx.tensor import Tensor


class Loss:
    """A loss: ``loss(prediction, target) -> scalar Tensor``.

    ``family`` names the loss of the lecture's table it computes; ``applies`` the
    activation the loss computes itself (then the model ends with a linear layer).
    """

    family: str = ""
    applies: str | None = None

    def __call__(self, prediction: Tensor, target) -> Tensor:
        raise NotImplementedError

    @staticmethod
    def example(rng: np.random.Generator):
        """Arguments of a valid call on random data (for the common gradcheck test)."""
        raise NotImplementedError


@losses.register("mse", "mean_squared_error")
class MeanSquaredError(Loss):
    """Mean squared error (1/N) sum (y - t)^2: regression with a linear output."""

    family = "mse"

    def __call__(self, prediction, target):
        return ops.mse_loss(prediction, target)

    @staticmethod
    def example(rng):
        return [rng.standard_normal((6, 2)), rng.standard_normal((6, 2))]


@losses.register("gaussian_nll", "gaussian_likelihood")
class GaussianNLL(Loss):
    """Gaussian negative log-likelihood with a fixed noise std: mean (y - t)^2 / (2 std^2) + log std + log sqrt(2 pi).

    The likelihood -log P(D | w) per target that Bayes by backprop weighs against its KL term (with ``mse``
    the noise is implicitly std = 1/sqrt(2)). Its gradient is the MSE's divided by 2 std^2.
    """

    family = "mse"

    def __init__(self, std: float = 1.0):
        if not std > 0:
            raise ConfigError(f"gaussian_nll: std must be > 0, got {std}")
        self.std = float(std)

    def __call__(self, prediction, target):
        constant = float(np.log(self.std) + 0.5 * np.log(2.0 * np.pi))
        return ops.mse_loss(prediction, target) * (0.5 / self.std ** 2) + constant

    @staticmethod
    def example(rng):
        return [rng.standard_normal((6, 2)), rng.standard_normal((6, 2))]


@losses.register("huber", "smooth_l1")
class Huber(Loss):
    """Huber loss: d^2/2 for |d| <= delta, delta (|d| - delta/2) beyond; regression robust to outliers."""

    family = "mse"

    def __init__(self, delta: float = 1.0):
        self.delta = delta

    def __call__(self, prediction, target):
        return ops.huber_loss(prediction, target, self.delta)

    @staticmethod
    def example(rng):
        return [rng.standard_normal((6, 2)) * 2, rng.standard_normal((6, 2))]


@losses.register("bce", "binary_cross_entropy")
class BinaryCrossEntropy(Loss):
    """Binary cross-entropy -mean(t log p + (1 - t) log(1 - p)) on probabilities from a sigmoid."""

    family = "bce"

    def __init__(self, eps: float = 1e-7):
        self.eps = eps

    def __call__(self, prediction, target):
        return ops.binary_cross_entropy(prediction, target, self.eps)

    @staticmethod
    def example(rng):
        return [rng.uniform(0.05, 0.95, (6, 3)), (rng.random((6, 3)) > 0.5).astype(np.float64)]


@losses.register("bce_with_logits")
class BinaryCrossEntropyWithLogits(Loss):
    """Binary cross-entropy on logits, with the sigmoid fused in (stable for any logit)."""

    family = "bce"
    applies = "sigmoid"

    def __call__(self, prediction, target):
        return ops.bce_with_logits(prediction, target)

    @staticmethod
    def example(rng):
        return [rng.standard_normal((6, 3)) * 4, (rng.random((6, 3)) > 0.5).astype(np.float64)]


@losses.register("cross_entropy", "categorical_cross_entropy", "ce")
class CrossEntropy(Loss):
    """Categorical cross-entropy on logits, fused with log-softmax; targets are labels or probabilities."""

    family = "cross_entropy"
    applies = "softmax"

    def __call__(self, prediction, target):
        return ops.cross_entropy(prediction, target)

    @staticmethod
    def example(rng):
        return [rng.standard_normal((6, 4)) * 3, rng.integers(0, 4, 6)]


@losses.register("ctc", "connectionist_temporal_classification")
class CTC(Loss):
    """CTC on per-frame logits (N, T, C), blank 0, fused with log-softmax; targets (N, U) padded with 0.

    Args:
        reduction (str, default "mean"): "mean" (of loss / target length, as PyTorch), "sum" or "none".
        zero_infinity (bool, default False): a target no path of the frames reads gives loss 0, not inf.
    """

    family = "ctc"
    applies = "softmax"

    def __init__(self, reduction: str = "mean", zero_infinity: bool = False):
        self.reduction, self.zero_infinity = reduction, zero_infinity

    def __call__(self, prediction, target):
        return ops.ctc_loss(prediction, target, reduction=self.reduction, zero_infinity=self.zero_infinity)

    @staticmethod
    def example(rng):
        return [rng.standard_normal((3, 6, 4)), np.array([[1, 2, 2], [3, 0, 0], [2, 1, 0]])]


@losses.register("negative_sampling", "sgns")
class NegativeSampling(Loss):
    """word2vec's negative-sampling loss on scores (N, 1 + K): the target first, then K noise words.

    Per row -log sigma(s_0) - sum_k log sigma(-s_k) (Mikolov et al. 2013, eq. 4), averaged over
    the rows: binary cross-entropy on logits with targets (1, 0, ..., 0), summed over the columns.
    """

    family = "bce"
    applies = "sigmoid"

    def __call__(self, prediction, target):
        return ops.bce_with_logits(prediction, target) * float(prediction.shape[-1])

    @staticmethod
    def example(rng):
        target = np.zeros((6, 4))
        target[:, 0] = 1.0
        return [rng.standard_normal((6, 4)) * 2, target]


@losses.register("glove", "weighted_squared_error")
class GloVeLoss(Loss):
    """GloVe's weighted least squares: mean f(X_ij) (prediction - log X_ij)^2, target (N, 2) = [log X_ij, f(X_ij)].

    (Pennington et al. 2014, eq. 8, averaged over the batch instead of summed.)
    """

    family = "mse"

    def __call__(self, prediction, target):
        target = np.asarray(target)
        difference = prediction - target[:, :1]
        return (difference * difference * target[:, 1:]).mean()

    @staticmethod
    def example(rng):
        return [rng.standard_normal((6, 1)), np.stack([rng.standard_normal(6), rng.uniform(0, 1, 6)], axis=1)]


# ---- the lecture's table -------------------------------------------------------------------
@dataclass(frozen=True)
class Pairing:
    """One row: problem type -> final activation -> loss (the loss named by its family)."""

    problem: str
    final_activation: str
    loss: str
    how: str  # how to write the pair in dlx

PAIRINGS: dict[str, Pairing] = {
    "regression": Pairing("regression", "linear", "mse", "a linear output with loss 'mse'"),
    "binary": Pairing("binary classification", "sigmoid", "bce",
                      "a sigmoid output with loss 'bce', or a linear output with 'bce_with_logits'"),
    "multiclass": Pairing("single-label multi-class classification", "softmax", "cross_entropy",
                          "a linear output with loss 'cross_entropy' (it applies the softmax)"),
    "multilabel": Pairing("multi-label classification", "sigmoid", "bce",
                          "a sigmoid output with loss 'bce', or a linear output with 'bce_with_logits'"),
    "ctc": Pairing("label sequences read from frames (CTC)", "softmax", "ctc",
                   "a linear output with loss 'ctc' (it applies the softmax per frame)"),
}


class PairingWarning(UserWarning):
    """A final activation and loss that the lecture's table does not pair."""


def check_pairing(final_activation: str, loss_name: str, problem: str | None = None) -> str | None:
    """Warn (PairingWarning) if the pair does not follow the table; returns the message or None.

    ``final_activation`` is the model's last activation ("linear" if it ends with
    a dense layer); ``problem`` is one of ``regression``, ``binary``,
    ``multiclass``, ``multilabel``; without it any row of the table is accepted.
    """
    final = "linear" if (final_activation or "linear").lower() in ("identity", "none") else final_activation.lower()
    loss = losses.get(loss_name)
    if loss.applies is not None and final != "linear":
        message = (f"loss '{loss.registry_name}' applies {loss.applies} itself, so the final '{final}' layer "
                   f"applies an activation twice; remove the final activation and output logits")
    else:
        effective = loss.applies or final
        rows = [PAIRINGS[problem]] if problem else list(PAIRINGS.values())
        if any(row.final_activation == effective and row.loss == loss.family for row in rows):
            return None
        if problem:
            message = (f"final activation '{final}' with loss '{loss.registry_name}' does not fit "
                       f"{PAIRINGS[problem].problem}; the recommended pair is {PAIRINGS[problem].how}")
        else:
            advice = "; ".join(f"{row.problem}: {row.how}" for row in PAIRINGS.values())
            message = (f"final activation '{final}' with loss '{loss.registry_name}' is not a pair of the "
                       f"lecture's table ({advice})")
    warnings.warn(message, PairingWarning, stacklevel=2)
    return message
