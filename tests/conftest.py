"""Shared fixtures: a seeded generator and a temporary results folder."""
from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture
def results_dir(tmp_path):
    path = tmp_path / "results"
    path.mkdir()
    return path


# A small, fast binary-classification experiment for sweep and CLI tests (3 epochs).
BREAST_CANCER_SMALL = """\
dataset: {name: breast_cancer, validation: 0.15, test: 0.2, scaling: standardize}
model: {layers: [{dense: {units: 8}}, relu, {dense: {units: outputs}}]}
loss: bce_with_logits
optimiser: {name: adam, lr: 0.01}
training: {epochs: 3, batch_size: 64, seed: 0, checkpoint: false}
output: {plots: false}
"""


def example_call(example, rng):
    """Split a component's ``example(rng)`` into positional and keyword arguments."""
    value = example(rng)
    return value if isinstance(value, tuple) else (value, {})
