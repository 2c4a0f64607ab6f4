"""dlx.parallel: parts cover the range once, errors come back, one thread runs inline."""
import threading

import numpy as np
import pytest

from dlx import parallel


@pytest.fixture(autouse=True)
def two_threads():
    parallel.set_threads(2)
    yield
    parallel.set_threads(None)


def test_the_parts_cover_the_range_exactly_once_on_several_threads():
    seen, names = [], set()

    def body(start, stop):
        seen.extend(range(start, stop))
        names.add(threading.current_thread().name)

    parallel.parallel_for(10, body, work=10 * parallel.MIN_ITEMS_PER_THREAD)
    assert sorted(seen) == list(range(10)) and len(names) == 2


def test_small_work_and_one_thread_run_inline_in_order():
    calls = []
    parallel.parallel_for(10, lambda a, b: calls.append((a, b)))  # 10 items: too little to split
    parallel.set_threads(1)
    parallel.parallel_for(10, lambda a, b: calls.append((a, b)), work=10 ** 9)
    assert calls == [(0, 10), (0, 10)]


def test_an_error_in_any_part_is_raised_after_all_parts_ended():
    done = []

    def body(start, stop):
        if start > 0:
            raise ValueError("second part failed")
        done.append(start)

    with pytest.raises(ValueError, match="second part"):
        parallel.parallel_for(4, body, work=4 * parallel.MIN_ITEMS_PER_THREAD)
    assert done == [0]


def test_thread_count_from_the_environment(monkeypatch):
    parallel.set_threads(None)
    monkeypatch.setenv("DLX_NUM_THREADS", "3")
    assert parallel.threads() == 3
    with pytest.raises(ValueError):
        parallel.set_threads(0)


def test_a_parallel_copy_equals_the_serial_one():
    a = np.arange(2 * parallel.MIN_ITEMS_PER_THREAD * 3, dtype=np.float32).reshape(6, -1)
    out = np.empty_like(a)
    parallel.parallel_for(6, lambda s, e: np.copyto(out[s:e], a[s:e] * 2), work=a.size)
    np.testing.assert_array_equal(out, 2 * a)

