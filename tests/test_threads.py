"""dlx.threads: the one thread policy (config, then $DLX_NUM_THREADS, then by the size of the products)."""
import pytest
from threadpoolctl import threadpool_info

from dlx import parallel, threads
from dlx.models import build_model
from dlx.models.work import largest_product
from dlx.threads import AUTO_MIN_PRODUCT, ThreadSetting, choose_threads, use_threads


@pytest.fixture
def quiet_two_cores(monkeypatch):
    """Two idle cores, no thread variables set."""
    for name in ("DLX_NUM_THREADS", *threads.BLAS_VARIABLES):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(threads, "cores", lambda: 2)
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (0.1, 0.1, 0.1))


def blas_threads() -> list[int]:
    return [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]


def test_the_config_wins_then_the_environment(quiet_two_cores, monkeypatch):
    monkeypatch.setenv("DLX_NUM_THREADS", "3")
    assert choose_threads(2, largest_product=1) == ThreadSetting(2, 2, "config")
    assert choose_threads(None, largest_product=1) == ThreadSetting(3, 3, "environment")


def test_auto_uses_one_thread_for_small_or_unknown_products_and_the_idle_cores_for_large(quiet_two_cores):
    assert choose_threads(None, largest_product=AUTO_MIN_PRODUCT - 1) == ThreadSetting(1, 1, "auto")
    assert choose_threads(None, largest_product=None) == ThreadSetting(1, 1, "auto")
    assert choose_threads(None, largest_product=AUTO_MIN_PRODUCT) == ThreadSetting(2, 2, "auto")


def test_auto_leaves_busy_cores_and_the_environments_limit_alone(quiet_two_cores, monkeypatch):
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (1.2, 1.0, 1.0))  # another process keeps a core busy
    assert choose_threads(None, largest_product=10 * AUTO_MIN_PRODUCT).blas == 1
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    assert choose_threads(None, largest_product=10 * AUTO_MIN_PRODUCT).blas == 1


def test_use_threads_sets_blas_and_dlx_inside_and_puts_them_back():
    before_blas, before_dlx = blas_threads(), parallel.threads()
    with use_threads(ThreadSetting(2, 3, "config")):
        assert set(blas_threads()) == {2}
        assert parallel.threads() == 3
    assert blas_threads() == before_blas and parallel.threads() == before_dlx


def test_largest_product_counts_dense_weights_and_convolution_positions(rng):
    mlp = build_model({"layers": [{"dense": {"units": 256}}, "relu", {"dense": {"units": 10}}]}, (64,), 10, rng)
    assert largest_product(mlp, (64,), 32) == 32 * 64 * 256
    cnn = build_model({"layers": [{"conv2d": {"filters": 16, "kernel_size": 5, "padding": 2}}]}, (1, 28, 28), 10, rng)
    assert largest_product(cnn, (1, 28, 28), 64) == 64 * 28 * 28 * 16 * 25  # im2col: 50176 x 25 by 25 x 16
