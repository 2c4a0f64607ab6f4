"""The copy task's task (Graves et al. 2014, sec. 4.1): bits out at every output step, bit errors per sequence.

The model gives (B, T, bits) logits. Targets are 0/1 at the output phase and -1 where a
step does not count (the input phase, ``dlx.data.bit_copy``); the batch's mask removes the
padding. The loss is the mean binary cross-entropy over the counted bits, written with
operations that have their own backward: softplus(z) - z y = -(y log sigma(z) + (1 - y) log(1 - sigma(z))).
The metric is the paper's: bit errors per sequence (outputs thresholded at 0.5), over all
sequences and for the copy lengths 20 and 30 where a split has them.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from dlx.data import batch
from dlx.errors import ConfigError
from dlx.nn import forward_masked
from dlx.ops.masked import masked_mean
from dlx.ops.ntm import softplus
from dlx.registry import tasks
from dlx.tasks.base import Task
from dlx.tensor import Tensor, no_grad

REPORTED_LENGTHS = (20, 30)


def counted(targets: np.ndarray, mask) -> np.ndarray:
    """(B, T, bits) True at the bits that count: real steps (``mask`` (B, T) or None) of the output phase."""
    keep = targets >= 0
    return keep if mask is None else keep & np.asarray(mask, dtype=bool)[:, :targets.shape[1], None]


def masked_bce_with_logits(logits: Tensor, targets: np.ndarray, keep: np.ndarray) -> Tensor:
    """Mean binary cross-entropy of ``logits`` against 0/1 ``targets`` over the positions ``keep``."""
    y = np.where(keep, targets, 0.0).astype(logits.data.dtype)
    return masked_mean(softplus(logits) - logits * y, keep)


@tasks.register("bit_copy")
class BitCopy(Task):
    """Bits per output step (T, bits), bitwise cross-entropy on the output phase, bit errors per sequence."""

    name = "bit_copy"
    metrics = ("bit_errors", "bit_errors_20", "bit_errors_30")

    def outputs(self, ds, loss) -> int:
        return int(ds.y.shape[-1])

    def default_loss(self, final_activation: str) -> str:
        return "bce_with_logits"

    def output_shape(self, ds, n_outputs):
        return (ds.X.shape[1], n_outputs)

    def check_loss(self, loss, where):
        if getattr(loss, "applies", None) != "sigmoid":
            raise ConfigError(f"{where}: task 'bit_copy' trains with loss bce_with_logits (masked to the output "
                              f"steps), got '{loss.registry_name}'; use loss: bce_with_logits")

    def targets(self, ds, loss, n_outputs):
        return ds.y

    def loss_value(self, loss, outputs, targets, mask=None):
        return masked_bce_with_logits(outputs, targets, counted(targets, mask))

    def decide(self, outputs, loss):
        return (outputs > 0).astype(np.int64)

    @no_grad()
    def evaluate(self, model, ds, loss, n_outputs, batch_size: int = 200) -> dict:
        """Mean loss per counted bit and bit errors per sequence, in batches of similar lengths."""
        if len(ds) == 0:
            return {}
        was_training = model.training
        model.eval()
        errors, nats, bits = np.zeros(len(ds)), 0.0, 0
        try:
            order = np.argsort(ds.lengths, kind="stable")
            for start in range(0, len(ds), batch_size):
                idx = order[start:start + batch_size]
                b = batch(ds, idx, per_step_targets=True)
                logits = forward_masked(model, Tensor(b.X), b.mask)
                keep = counted(b.y, b.mask)
                nats += float(masked_bce_with_logits(logits, b.y, keep).item()) * int(keep.sum())
                bits += int(keep.sum())
                errors[idx] = (((logits.data > 0) != (b.y > 0.5)) & keep).sum(axis=(1, 2))
        finally:
            model.train(was_training)
        result = {"loss": nats / max(bits, 1), "bit_errors": float(errors.mean())}
        copy_length = (ds.lengths - 1) // 2
        for length in REPORTED_LENGTHS:
            if np.any(copy_length == length):
                result[f"bit_errors_{length}"] = float(errors[copy_length == length].mean())
        return result

    def plots(self, model, splits, test, folder: Path) -> None:
        from dlx.tasks.ntm_pictures import plot_copy_weightings
        part = splits["test"] if len(splits["test"]) else splits["validation"]
        if len(part):
            plot_copy_weightings(model, part, folder)
