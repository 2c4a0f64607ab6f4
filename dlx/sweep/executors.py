"""Where trials run: in this process, in a local process pool, or as Ray tasks on a cluster.

Every executor takes the planned trials, a ``Coordinator`` (progress and pruning, see
``dlx.sweep.asha``) and two callbacks of the driver: ``on_result(planned, result)`` as
each trial ends and ``on_tick(progress)`` a few times a second. Only the driver
writes the sweep's files; on Ray a trial runs in a scratch folder on its node and
sends its files back, which the driver writes into its folder under ``trials/``.

- ``run_serial``: one trial after another (tests, debugging).
- ``run_pool``: a local pool, one BLAS thread per worker; the coordinator lives in a
  manager process and its proxy goes to the workers. Workers and the manager ignore
  Ctrl-C: the driver catches it and ends them. Where the platform has it (Linux, macOS)
  the workers are forked from a fork server that has imported the training modules once
  (``pool_context``), so a worker starts in milliseconds instead of importing dlx again;
  elsewhere they are spawned.
- ``run_ray`` (``dlx.sweep.ray_backend``): Ray tasks; a local Ray of its own is started
  for the sweep when no address is given; the coordinator is a Ray actor.

Ctrl-C (KeyboardInterrupt) stops queued trials and the workers and propagates to
the driver, which marks the sweep interrupted.
"""
from __future__ import annotations

import concurrent.futures as futures
import multiprocessing
import os
import signal
import sys
from contextlib import contextmanager

from dlx.sweep.asha import Coordinator, CoordinatorManager, start_manager  # noqa: F401  (tests use the manager)
from dlx.sweep.objective import ObjectiveTrial, run_objective_trial
from dlx.sweep.trials import TrialResult, run_trial

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
                    "NUMEXPR_NUM_THREADS", "DLX_NUM_THREADS")
TICK_SECONDS = 0.25


def execute_trial(trial, trial_id: str, coordinator) -> TrialResult:
    """Run one trial in this process, reporting each epoch to the coordinator (which may prune it)."""
    coordinator.started(trial_id)
    hook = lambda row: coordinator.epoch(trial_id, row)  # noqa: E731
    if isinstance(trial, ObjectiveTrial):
        return run_objective_trial(trial, hook)
    return run_trial(trial, on_epoch=hook)


def ignore_ctrl_c() -> None:
    """In a pool worker or the manager: Ctrl-C is the driver's to handle (it ends the workers)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


KEPT_DATASETS = 2  # per pool worker: a sweep's trials mostly share one data set


# What the fork server imports before it forks the manager and the workers, besides the driver's main
# module (``pool_context``): the trials' machinery. A kind's own modules (RL, generative) are imported by
# the trials that need them.
PRELOADED = ("dlx.sweep.executors", "dlx.train.experiment", "dlx.train.runner", "dlx.experiments.supervised")


def pool_context():
    """The start method of the pool: ``forkserver`` where the platform has it, else ``spawn``.

    A spawned process imports dlx afresh: about half a second of CPU for the manager and for every worker of
    every sweep, cross-validation and curve, most of it the driver's main module (the command line), which
    every child of ``multiprocessing`` imports again. The fork server is itself a fresh single-threaded
    process (never a copy of the driver, whose threads a fork could catch mid-lock); it imports the driver's
    main module and ``PRELOADED`` once and forks each process from there, so a child's import of the main
    module finds everything loaded. A worker then takes the driver's environment, folder and module path as
    they are now (``pool_worker_setup``), as a spawned one would: the server keeps those of its start.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    main = getattr(getattr(sys.modules.get("__main__"), "__spec__", None), "name", None)  # python -m NAME
    context.set_forkserver_preload(["__main__", *([main] if main and main != "__main__" else []), *PRELOADED])
    return context


def driver_state() -> tuple:
    """What a pool worker takes over from the driver at start (``pool_worker_setup``'s arguments)."""
    return dict(os.environ), os.getcwd(), list(sys.path)


def pool_worker_setup(environment: dict | None = None, folder: str | None = None,
                      module_path: list | None = None) -> None:
    """A pool worker's start-up, once for all its trials: the driver's environment, folder and module path
    (``driver_state``), Ctrl-C left to the driver, one BLAS thread, loaded data sets kept between trials
    (the imports, done here, stay too)."""
    if environment is not None:
        os.environ.clear()
        os.environ.update(environment)
    if folder is not None:
        os.chdir(folder)
    if module_path is not None:
        sys.path[:] = module_path
    ignore_ctrl_c()
    one_blas_thread()
    from dlx.train.experiment import keep_datasets
    keep_datasets(KEPT_DATASETS)


def one_blas_thread() -> None:
    """In a worker: BLAS libraries already loaded, and dlx's own loops (``dlx.parallel``), use one
    thread (the environment covers the rest; ``$DLX_NUM_THREADS`` tells ``dlx.threads``' policy so)."""
    from dlx import parallel
    os.environ["DLX_NUM_THREADS"] = "1"
    parallel.set_threads(1)
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(1)
    except ImportError:  # scikit-learn brings threadpoolctl; without it the environment variables still apply
        pass


@contextmanager
def single_threaded_children():
    """Spawned workers inherit ``*_NUM_THREADS=1`` (read by BLAS when NumPy loads)."""
    saved = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    os.environ.update({name: "1" for name in THREAD_VARIABLES})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_serial(planned, coordinator: Coordinator, on_result, on_tick) -> None:
    """One trial after another; Ctrl-C ends the running trial as interrupted and stops the sweep."""
    for item in planned:
        on_tick(coordinator.progress())
        result = execute_trial(item.trial, item.id, coordinator)
        on_result(item, result)
        if result.status == "interrupted":  # the training loop caught the KeyboardInterrupt
            raise KeyboardInterrupt


def run_pool(planned, coordinator_args: tuple, workers: int, on_result, on_tick) -> None:
    """Run trials in ``workers`` processes (``pool_context``); results are handed over as they finish."""
    context = pool_context()
    with single_threaded_children():  # processes spawned in here read these when NumPy loads
        manager = start_manager(context)
        try:
            _drain_pool(planned, manager.Coordinator(*coordinator_args), workers, context, on_result, on_tick)
        finally:
            manager.shutdown()


def _drain_pool(planned, coordinator, workers: int, context, on_result, on_tick) -> None:
    pool = futures.ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=pool_worker_setup,
                                       initargs=driver_state())
    try:
        pending = {pool.submit(execute_trial, item.trial, item.id, coordinator): item for item in planned}
        while pending:
            done, _ = futures.wait(pending, timeout=TICK_SECONDS, return_when=futures.FIRST_COMPLETED)
            for future in done:
                item = pending.pop(future)
                on_result(item, _result_of(future, item))
            on_tick(coordinator.progress())
    except BaseException:
        _stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def _result_of(future, item) -> TrialResult:
    """The trial's result; a worker that died (killed, out of memory) is a failed trial."""
    try:
        return future.result()
    except Exception as error:  # noqa: BLE001  (the others go on)
        return TrialResult(item.id, "failed", f"{type(error).__name__}: {error}", item.trial.folder)


def _stop_pool(pool) -> None:
    """Cancel queued trials and end the workers now (Ctrl-C, or an error in the driver)."""
    processes = list(getattr(pool, "_processes", {}).values())  # the executor has no public handle on them
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
