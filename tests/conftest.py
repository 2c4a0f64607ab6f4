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


def example_call(example, rng):
    """Split a component's ``example(rng)`` into positional and keyword arguments."""
    value = example(rng)
    return value if isinstance(value, tuple) else (value, {})
