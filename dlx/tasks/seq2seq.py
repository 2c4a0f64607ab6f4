"""The sequence-to-sequence task: a target sequence of its own length for each source sequence.

The model (``dlx.nn.seq2seq.Seq2Seq``) reads the source and, under teacher forcing, the
targets shifted by one; the loss is the cross-entropy summed over the valid target steps
(padding masked) and averaged over the sequences of the batch, in nats per sequence.
Evaluation reports that loss, the teacher-forced token accuracy and the exact-match
accuracy of greedy decoding (the whole output, end token included, equals the target).
A model with attention leaves heatmaps of a few test examples in the run's plots.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from dlx.data import batch
from dlx.errors import ConfigError
from dlx.ops.masked import masked_cross_entropy
from dlx.registry import tasks
from dlx.tasks.sequence import Tagging
from dlx.tensor import Tensor, no_grad

HEATMAPS = 3  # test examples drawn at the end of a run


def sequence_model(model):
    """The encoder-decoder inside ``model`` (a loaded run wraps it behind its input scaler)."""
    if getattr(model, "takes_targets", False):
        return model
    inner = getattr(model, "layers", None)
    if inner and getattr(inner[-1], "takes_targets", False):
        return inner[-1]
    raise ConfigError("task seq2seq needs an encoder-decoder model; use model: {name: seq2seq, options: {...}}")


def exact_matches(tokens: np.ndarray, targets: np.ndarray, target_lengths: np.ndarray) -> np.ndarray:
    """(N,) bool: the decoded tokens equal the target up to and including its end token."""
    width = max(tokens.shape[1], targets.shape[1])
    padded = np.zeros((len(tokens), width), dtype=np.int64)
    padded[:, :tokens.shape[1]] = tokens
    valid = np.arange(targets.shape[1])[None, :] < target_lengths[:, None]
    return ((padded[:, :targets.shape[1]] == targets) | ~valid).all(axis=1)


@tasks.register("seq2seq")
class Seq2SeqTask(Tagging):
    """Source tokens (N, T_s) -> target tokens (N, T_t) with their own lengths; one vocabulary.

    As tagging: loss cross_entropy, targets the labels, decisions the argmax; but the loss sums
    over the target steps and the metrics decode."""

    name = "seq2seq"
    metrics = ("exact_match", "token_accuracy")

    def output_shape(self, ds, n_outputs):
        return (None, n_outputs)  # as long as the decoder writes

    def loss_value(self, loss, outputs, targets, mask=None):
        """Cross-entropy summed over the valid target steps, averaged over the batch's sequences."""
        mask = np.ones(targets.shape, dtype=bool) if mask is None else mask
        return super().loss_value(loss, outputs, targets, mask) * (float(mask.sum()) / len(targets))

    @no_grad()
    def evaluate(self, model, ds, loss, n_outputs, batch_size: int = 256) -> dict:
        """Loss (nats per sequence), token accuracy (teacher-forced) and exact match (greedy decoding)."""
        if len(ds) == 0:
            return {}
        net = sequence_model(model)
        was_training = net.training
        net.eval()
        nats, correct, steps, exact = 0.0, 0, 0, 0
        try:
            for start in range(0, len(ds), batch_size):
                b = batch(ds, np.arange(start, min(start + batch_size, len(ds))), per_step_targets=False)
                memory = net.encode(b.X, b.mask)
                logits = net(Tensor(b.X), mask=b.mask, targets=b.y)
                count = int(b.target_mask.sum())
                nats += float(masked_cross_entropy(logits, b.y, b.target_mask).item()) * count
                correct += int(((np.argmax(logits.data, axis=-1) == b.y) & b.target_mask).sum())
                steps += count
                tokens = net.greedy_from(memory, b.y.shape[1])[1]
                exact += int(exact_matches(tokens, b.y, b.target_lengths).sum())
        finally:
            net.train(was_training)
        return {"loss": nats / len(ds), "token_accuracy": correct / steps, "exact_match": exact / len(ds)}

    def plots(self, model, splits, test, folder: Path) -> None:
        """Attention heatmaps of the first test (else validation) examples, if the model attends."""
        net = sequence_model(model)
        part = next((splits[k] for k in ("test", "validation", "train") if len(splits[k])), None)
        if part is None or not net.attention:
            return
        write_heatmaps(net, part, range(min(HEATMAPS, len(part))), folder)


def write_heatmaps(net, ds, indices, folder: Path) -> list[Path]:
    """attention_<i>.png for the samples ``indices`` of ``ds`` (greedy decoding, tokens on the axes)."""
    from dlx.tasks.attention_map import plot_attention
    names, paths = ds.class_names, []
    for i in indices:
        length = int(ds.lengths[i])
        source = ds.X[i:i + 1, :length]
        _, tokens, weights = net.greedy(source, None, int(ds.y.shape[1]))
        output = until_end(tokens[0], net.end_token)
        paths.append(plot_attention(weights[0], [names[t] for t in source[0]], [names[t] for t in output],
                                    Path(folder) / f"attention_{i}.png", title=f"test example {i}"))
    return paths


def until_end(tokens: np.ndarray, end: int) -> list[int]:
    """The tokens up to and including the first end token."""
    out = []
    for t in tokens.tolist():
        out.append(t)
        if t == end:
            break
    return out
