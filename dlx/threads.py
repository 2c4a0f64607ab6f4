"""One thread policy for every run: how many threads BLAS and dlx's own loops (``dlx.parallel``) use.

A second BLAS thread pays only for large matrix products. For the small ones of this lab
(an MLP on 8x8 digits, DQN's 4-128-128-2 network, an LSTM's 64 x 128 by 128 x 512 steps)
handing half a product to another thread costs more than it saves, and when another
process keeps a core busy OpenBLAS's waiting threads spin against it: the digits MLP took
32-51 s with two threads on a busy 2-core machine and 3 s with one. The decision, in order:

1. ``training.threads`` in the config (policy ``config``): that many threads for both;
2. ``$DLX_NUM_THREADS`` (policy ``environment``): the same;
3. otherwise (policy ``auto``): one thread when the largest matrix product of a training
   step has fewer than ``AUTO_MIN_PRODUCT`` multiply-adds or its size is unknown; else
   every core that is idle now (cores minus the 1-minute load average, at least one),
   and no more than ``$OPENBLAS_NUM_THREADS``/``$OMP_NUM_THREADS``/``$MKL_NUM_THREADS`` allow.

``AUTO_MIN_PRODUCT`` was measured with ``python -m benchmarks.bench_threads products``
(see benchmarks/README.md). Every run records the setting it used in ``summary.json``
(``"threads": {"blas": 1, "dlx": 1, "policy": "auto"}``) and in ``run.log``::

    setting = choose_threads(config.training.threads, largest_product=2e6)
    with use_threads(setting):
        train()
"""
from __future__ import annotations

import math
import os
from contextlib import contextmanager
from dataclasses import asdict, dataclass

from dlx import parallel

ENVIRONMENT = "DLX_NUM_THREADS"
BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
# multiply-adds of the largest product of a step from which the idle cores are used. On the quiet
# 2-core VM (README "Speed") a whole epoch gained with two threads 1.2x for the MNIST CNN (products
# of 2e7 and 1.6e8), 5% for the digits CNN (9.4e6) and 11% for the LSTM (4.2e6), and lost 27% for
# the MLP 784-256 (1.3e7); on a busy machine a second thread costs milliseconds per product below
# ~1e8 (benchmarks/bench_threads.py products). Below this size one thread is the safe choice.
AUTO_MIN_PRODUCT = 20_000_000


@dataclass(frozen=True)
class ThreadSetting:
    """Threads for BLAS and for ``dlx.parallel``, and which rule chose them (config, environment, auto)."""

    blas: int
    dlx: int
    policy: str

    def record(self) -> dict:
        """The form written to ``summary.json``."""
        return asdict(self)

    def describe(self) -> str:
        """The line written to ``run.log``."""
        return f"threads: BLAS {self.blas}, dlx {self.dlx} (policy {self.policy})"


def cores() -> int:
    """Cores this process may run on (its affinity mask, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def idle_cores() -> int:
    """Cores not busy now: the cores minus the 1-minute load average, rounded, at least 1."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        load = 0.0
    return max(1, cores() - int(load + 0.5))


def _positive(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() and int(text) > 0 else None


def environment_cap() -> int | None:
    """The smallest BLAS thread count the environment sets, if any."""
    values = [n for n in (_positive(os.environ.get(name)) for name in BLAS_VARIABLES) if n is not None]
    return min(values) if values else None


def choose_threads(requested: int | None = None, largest_product: float | None = None) -> ThreadSetting:
    """The setting for a run: see the module docstring.

    Args:
        requested (default None): ``training.threads`` from the config; None: not set.
        largest_product (default None): multiply-adds of the largest matrix product of one
            training step (``dlx.models.work.largest_product``); None: unknown (small).
    """
    if requested is not None:
        return ThreadSetting(int(requested), int(requested), "config")
    from_environment = _positive(os.environ.get(ENVIRONMENT))
    if from_environment is not None:
        return ThreadSetting(from_environment, from_environment, "environment")
    count = 1
    if largest_product is not None and math.isfinite(largest_product) and largest_product >= AUTO_MIN_PRODUCT:
        count = min(idle_cores(), environment_cap() or cores())
    return ThreadSetting(count, count, "auto")


@contextmanager
def use_threads(setting: ThreadSetting):
    """Inside the block BLAS uses ``setting.blas`` threads and ``dlx.parallel`` ``setting.dlx``;
    both are put back afterwards."""
    from threadpoolctl import threadpool_limits
    previous = parallel._configured
    parallel.set_threads(setting.dlx)
    try:
        with threadpool_limits(limits=setting.blas, user_api="blas"):
            yield setting
    finally:
        parallel.set_threads(previous)
