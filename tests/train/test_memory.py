"""Memory: the graph is released after backward, and training does not grow memory from epoch to epoch.

Measured with ``tracemalloc``, which NumPy reports every array allocation to. The bounds are
not tuned figures: after ``backward`` the memory must be back where it was before the forward
pass plus the gradients just made (which the parameters keep), and an epoch's peak may not
rise above the first measured epoch's by more than what a metrics row and Python's caches
take (a few kilobytes; one leaked batch of the CNN's columns alone is ~300 KiB). The first
epoch, which creates the optimiser's state and fills the pool of work arrays
(``dlx.buffers``), is not measured.
"""
import gc
import tracemalloc
from pathlib import Path

import numpy as np

from dlx.config import load_config
from dlx.nn import Dense, ReLU, Sequential
from dlx.nn.conv import Conv2D
from dlx.nn.pooling import MaxPool2D
from dlx.nn.shape import Flatten
from dlx.ops import cross_entropy
from dlx.tensor import Tensor
from dlx.train.experiment import load_splits, prepare_from_splits, seeded_generators
from dlx.train.loop import Trainer

ROOT = Path(__file__).resolve().parents[2]
SLACK = 64 * 1024  # bytes: Python's own bookkeeping between two measurements


def test_backward_releases_the_graph_and_its_saved_arrays():
    model = Sequential([Conv2D(16, 3, padding=1), ReLU(), MaxPool2D(2), Flatten(), Dense(10)])
    model.build((1, 16, 16), np.random.default_rng(0))
    x = Tensor(np.random.default_rng(1).standard_normal((64, 1, 16, 16)).astype(np.float32))
    y = np.arange(64) % 10
    cross_entropy(model(x), y).backward()  # warm-up: the gradients exist from here on
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        loss = cross_entropy(model(x), y)
        during = tracemalloc.get_traced_memory()[0]
        model.zero_grad()
        loss.backward()
        del loss
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    saved = during - before  # columns, activations, pooling indices held for backward
    gradients = sum(p.data.nbytes for p in model.parameters())
    assert saved > 9 * 64 * 16 * 16 * 4  # at least the im2col columns (9 rows per pixel) were held
    assert after - before <= gradients + SLACK, f"{(after - before) / 1024:.0f} KiB still held after backward"


def test_peak_memory_stays_flat_across_epochs():
    loaded = load_config(ROOT / "configs" / "digits_cnn.yaml", ["training.batch_size=32"])
    splits = load_splits(loaded, seeded_generators(0)["data"])
    splits = {key: part.subset(np.arange(min(len(part), 256))) for key, part in splits.items()}
    trainer = Trainer(prepare_from_splits(loaded, splits))
    trainer.epoch_row(1, trainer.train_epoch(1), 1.0)  # first epoch: optimiser state and work buffers are made
    peaks, held = [], []
    tracemalloc.start()
    try:
        for epoch in range(2, 8):
            gc.collect()  # a full collection also empties Python's free lists, which else fill slowly
            tracemalloc.reset_peak()
            loss = trainer.train_epoch(epoch)
            trainer.epoch_row(epoch, loss, 1.0)
            peaks.append(tracemalloc.get_traced_memory()[1])
            gc.collect()
            held.append(tracemalloc.get_traced_memory()[0])
    finally:
        tracemalloc.stop()
    assert max(peaks[1:]) <= peaks[0] + SLACK, f"epoch peaks grew: {[p // 1024 for p in peaks]} KiB"
    assert held[-1] - held[0] <= SLACK, f"memory held after each epoch grew: {[h // 1024 for h in held]} KiB"
