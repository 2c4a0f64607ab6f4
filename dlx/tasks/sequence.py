"""Sequence tasks: a label per time step (tagging) and next-character prediction (language model).

Both are many-to-many: the model gives (N, T, C) logits, the targets are (N, T)
integer labels, and the loss is the masked cross-entropy over the real (unpadded)
steps, ``dlx.ops.masked_cross_entropy``. The language model also reports bits per
character, loss / ln 2, next to unigram and bigram baselines counted on the training
windows and measured on the same held-out windows (``references``).
"""
from __future__ import annotations

import math

import numpy as np

from dlx.data import batch
from dlx.errors import ConfigError
from dlx.nn import forward_masked
from dlx.ops.masked import masked_cross_entropy
from dlx.registry import tasks
from dlx.tasks.base import Task
from dlx.tensor import Tensor, no_grad


@tasks.register("tagging")
class Tagging(Task):
    """A label per time step (e.g. BIO entity tags, copy memory): (T, C) logits per sample.

    Masked cross-entropy over the valid steps; the metrics are per-token accuracy over them and
    exact match, the fraction of sequences with every valid step right.
    """

    name = "tagging"
    metrics = ("token_accuracy", "exact_match")

    def default_loss(self, final_activation: str) -> str:
        return "cross_entropy"

    def output_shape(self, ds, n_outputs):
        return (ds.X.shape[1], n_outputs)

    def check_loss(self, loss, where):
        if loss.family != "cross_entropy":
            raise ConfigError(f"{where}: task '{self.name}' trains with loss cross_entropy (masked over the "
                              f"valid steps), got '{loss.registry_name}'; use loss: cross_entropy")

    def targets(self, ds, loss, n_outputs):
        return ds.y

    def loss_value(self, loss, outputs, targets, mask=None):
        mask = np.ones(targets.shape, dtype=bool) if mask is None else mask
        return masked_cross_entropy(outputs, targets, mask)

    def decide(self, outputs, loss):
        return np.argmax(outputs, axis=-1)

    def measure(self, ds, decisions):
        mask = _valid_steps(ds)
        right = decisions == ds.y
        return {"token_accuracy": float(right[mask].mean()), "exact_match": float((right | ~mask).all(axis=1).mean())}

    @no_grad()
    def evaluate(self, model, ds, loss, n_outputs, batch_size: int = 256) -> dict:
        """Mean masked cross-entropy (nats per valid step) and token accuracy, batch by batch."""
        if len(ds) == 0:
            return {}
        was_training = model.training
        model.eval()
        nats, correct, count, whole = 0.0, 0, 0, 0
        try:
            for start in range(0, len(ds), batch_size):
                b = batch(ds, np.arange(start, min(start + batch_size, len(ds))), per_step_targets=True)
                logits = forward_masked(model, Tensor(b.X), b.mask)
                steps = int(b.target_mask.sum())
                nats += float(masked_cross_entropy(logits, b.y, b.target_mask).item()) * steps
                right = np.argmax(logits.data, axis=-1) == b.y
                correct += int((right & b.target_mask).sum())
                whole += int((right | ~b.target_mask).all(axis=1).sum())
                count += steps
        finally:
            model.train(was_training)
        return {"loss": nats / count, "token_accuracy": correct / count, "exact_match": whole / len(ds)}


@tasks.register("language_model")
class LanguageModel(Tagging):
    """Next-token prediction at every step; loss in nats, also bits per character (loss / ln 2).

    ``class_names`` of the data set is the vocabulary; ``dlx sample`` generates text with it.
    """

    name = "language_model"
    metrics = ("bits_per_char", "token_accuracy")

    def evaluate(self, model, ds, loss, n_outputs, batch_size: int = 256) -> dict:
        result = super().evaluate(model, ds, loss, n_outputs, batch_size)
        result.pop("exact_match", None)  # a whole window of text right says little
        if result:
            result["bits_per_char"] = result["loss"] / math.log(2)
        return result

    def references(self, splits):
        """Unigram and bigram bits per character (add-one smoothing), counted on the training windows and
        measured on the test windows (the validation windows if there is no test part)."""
        train = splits["train"]
        held = splits["test"] if len(splits["test"]) else splits["validation"]
        if not len(train) or not len(held):
            return {}
        V = train.n_classes or int(max(train.y.max(), train.X.max())) + 1
        x, y = _pairs(train)
        hx, hy = _pairs(held)
        unigram = np.bincount(y, minlength=V) + 1.0
        bigram = np.ones((V, V))
        np.add.at(bigram, (x, y), 1.0)
        bigram /= bigram.sum(axis=1, keepdims=True)
        return {"unigram_bits_per_char": float(-np.mean(np.log2(unigram[hy] / unigram.sum()))),
                "bigram_bits_per_char": float(-np.mean(np.log2(bigram[hx, hy])))}


def _valid_steps(ds) -> np.ndarray:
    steps = ds.y.shape[1]
    lengths = ds.lengths if ds.lengths is not None else np.full(len(ds), steps)
    return np.arange(steps)[None, :] < lengths[:, None]


def _pairs(ds) -> tuple[np.ndarray, np.ndarray]:
    """(current token, next token) at every valid step of a language-model data set."""
    mask = _valid_steps(ds)
    return ds.X[mask].astype(np.int64), ds.y[mask].astype(np.int64)
