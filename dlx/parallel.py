"""Work split over cores where BLAS alone does not: dlx's own loops of NumPy calls.

A matrix product uses every core through BLAS, but the copies and sums around it
(im2col, col2im, transposes) are single NumPy calls that run on one core. NumPy
releases the GIL inside such calls, so threads of this process can run them on
disjoint parts of an array at the same time. ``parallel_for`` does that.

The number of threads: ``set_threads(n)``, else ``$DLX_NUM_THREADS``, else the
number of cores. Sweep workers, which already fill the cores with processes, set
it to 1 (as they do BLAS's). With 1 thread everything runs inline, in order.

Example::

    out = np.empty_like(a)
    parallel_for(len(a), lambda start, stop: np.copyto(out[start:stop], a[start:stop]))
"""
from __future__ import annotations

import os
import threading
from typing import Callable

_configured: int | None = None
_pool = None  # a concurrent.futures.ThreadPoolExecutor, made on first use (importing it costs ~7 ms)
_pool_size = 0
_lock = threading.Lock()
# below this many numbers per thread a split costs more than it saves (handing a part to a
# thread and waiting for it take 20-100 us on a busy 2-core VM; a copy moves ~1 number per ns)
MIN_ITEMS_PER_THREAD = 262_144


def set_threads(threads: int | None) -> None:
    """Threads for dlx's parallel loops; None: back to ``$DLX_NUM_THREADS`` or the number of cores."""
    global _configured
    if threads is not None and int(threads) < 1:
        raise ValueError(f"set_threads: threads must be at least 1, got {threads}")
    _configured = None if threads is None else int(threads)


def threads() -> int:
    """The number of threads ``parallel_for`` uses now."""
    if _configured is not None:
        return _configured
    variable = os.environ.get("DLX_NUM_THREADS", "")
    if variable.isdigit() and int(variable) > 0:
        return int(variable)
    return os.cpu_count() or 1


def _executor(size: int):
    from concurrent.futures import ThreadPoolExecutor
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size < size:
            if _pool is not None:
                _pool.shutdown(wait=False)
            _pool, _pool_size = ThreadPoolExecutor(max_workers=size, thread_name_prefix="dlx"), size
        return _pool


def parallel_for(count: int, body: Callable[[int, int], None], work: int | None = None) -> None:
    """Run ``body(start, stop)`` over ``range(count)`` split into one contiguous part per thread.

    ``work``: the number of array elements the whole loop touches (default ``count``); with
    fewer than ``MIN_ITEMS_PER_THREAD`` per thread, or one thread, ``body(0, count)`` runs
    inline. ``body`` must write disjoint parts of its output for disjoint ranges.
    Exceptions in a part are raised here.
    """
    parts = min(threads(), count, max(1, (count if work is None else work) // MIN_ITEMS_PER_THREAD))
    if parts <= 1:
        body(0, count)
        return
    bounds = [count * k // parts for k in range(parts + 1)]
    pool = _executor(parts - 1)
    futures = [pool.submit(body, bounds[k], bounds[k + 1]) for k in range(1, parts)]
    error = None
    try:
        body(bounds[0], bounds[1])  # this thread does the first part
    except BaseException as exc:  # noqa: BLE001  (raised below, once the other parts are done)
        error = exc
    for future in futures:
        try:
            future.result()
        except BaseException as exc:  # noqa: BLE001
            error = error or exc
    if error is not None:
        raise error
