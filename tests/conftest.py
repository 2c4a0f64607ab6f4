"""Shared fixtures: a seeded generator and a temporary results folder; the session's thread policy."""
from __future__ import annotations

import os

import numpy as np
import pytest

# The session runs with one BLAS thread, in this process and in every subprocess a test starts
# (dlx.threads caps its policy at these variables): the suite runs on several workers
# (pytest-xdist), and BLAS threads that wait for each other on a busy machine cost more than
# a whole small test. Tests about threads set their own (tests/test_threads.py).
ONE_BLAS_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
USER_PYCACHE_PREFIX = os.environ.get("PYTHONPYCACHEPREFIX")  # the user's, if any, before the session starts


def pytest_configure(config):
    os.environ.update(ONE_BLAS_THREAD)
    share_bytecode()
    from threadpoolctl import threadpool_limits
    threadpool_limits(1, user_api="blas")  # NumPy's BLAS started before this file set the variables


def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (the README's command): one worker per core, and one more while other work keeps a core busy.

    Many tests wait on a ``dlx`` process they started, and where other work is running every runnable
    process gets an equal share of the cores: with one busy process beside the suite on 2 cores, three
    workers get 3/4 of the machine where two get 2/3. On a quiet machine a third worker only adds its own
    collection and module fixtures. Measured on the 2-core VM, alternating the whole suite (benchmarks/README.md).
    """
    cores = os.cpu_count() or 1
    return cores + (1 if busy_cores() >= 0.5 else 0)


def busy_cores(seconds: float = 0.5) -> float:
    """How many cores other processes kept busy over the next ``seconds`` (Linux's /proc/stat; else 0)."""
    import time

    def used():
        with open("/proc/stat") as stat:  # user nice system idle iowait irq softirq steal (guest: in user)
            fields = [int(v) for v in stat.readline().split()[1:9]]
        return sum(fields) - fields[3] - fields[4]
    try:
        before, start = used(), time.monotonic()
        time.sleep(seconds)
        after = used()
    except (OSError, ValueError, IndexError):
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK") * (time.monotonic() - start)
    return (after - before) / ticks if ticks > 0 else 0.0


def share_bytecode() -> None:
    """Let the suite's many fresh processes reuse compiled bytecode even under ``PYTHONDONTWRITEBYTECODE``.

    Hundreds of tests start ``python -m dlx.cli.app``; without cached bytecode each one compiles
    dlx's ~180 modules again (about 0.2 s of CPU per process). Where the environment forbids writing
    bytecode (containers and CI often set the variable), the xdist workers and every subprocess are
    allowed to: dlx's and the tests' land in ``__pycache__`` folders beside them (git ignores them), as
    Python does by default, and the bytecode pip compiled for every installed package is read as it is.
    (A ``PYTHONPYCACHEPREFIX`` folder, used before, also hid that bytecode: a fresh clone compiled NumPy,
    torch, scikit-learn, matplotlib, Ray, ... again, ~8 s of CPU for the first four alone.)
    """
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # a PYTHONPYCACHEPREFIX of the user's own still holds


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
