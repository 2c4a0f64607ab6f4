"""Sweeps on Ray: a connection that owns what it starts, and trials as Ray tasks.

``ray_connection(workers, address)`` is the one place ``ray.init`` is called:

- without ``address`` it starts a local Ray for the sweep and nothing else: ``address="local"``
  (a session record or ``RAY_ADDRESS`` left by an earlier cluster is never joined), its own
  temporary folder (``_temp_dir``), its own token (``RAY_AUTH_TOKEN``, never ``~/.ray/auth_token``)
  and every process on 127.0.0.1; the folder is removed and the environment restored afterwards.
- with ``address`` it joins that cluster with the caller's token (``RAY_AUTH_TOKEN``,
  ``RAY_AUTH_TOKEN_PATH`` or ``~/.ray/auth_token``); a loopback address keeps the driver on
  127.0.0.1 too (start such a cluster with ``ray start --head --node-ip-address=127.0.0.1``).

Every failure to start or reach Ray is a ``DlxError`` that says what to do, and a missing
``ray`` package is found by ``check_ray_installed`` before the sweep folder is made.

Each trial runs in a scratch folder on its node and sends its files back; the driver writes
them into ``trials/<id>/`` (``unpack``). The coordinator (progress, pruning) is a Ray actor.
"""
from __future__ import annotations

import importlib.util
import os
import secrets
import shutil
import socket
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from dlx.errors import DlxError
from dlx.sweep.asha import Coordinator
from dlx.sweep.executors import TICK_SECONDS, execute_trial, one_blas_thread
from dlx.sweep.trials import TrialResult

LOOPBACK = "127.0.0.1"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
CONNECT_SECONDS = 10
INSTALL_HINT = "pip install -e '.[ray]' (or pip install 'ray[default]'), or use --backend local"


def check_ray_installed() -> None:
    """Raise ``DlxError`` if the ``ray`` package is missing (cheap: nothing is imported)."""
    if importlib.util.find_spec("ray") is None:
        raise DlxError(f"--backend ray needs the ray package, which is not installed: {INSTALL_HINT}")


@contextmanager
def patched_environment(values: dict[str, str | None]):
    """Set (or with None remove) environment variables for the block; restore them afterwards."""
    saved = {name: os.environ.get(name) for name in values}
    _set_environment(values)
    try:
        yield
    finally:
        _set_environment(saved)


def _set_environment(values: dict[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def local_cluster_environment(folder: Path) -> dict[str, str | None]:
    """What a local Ray of its own needs: loopback only, a fresh token, no inherited address."""
    token = secrets.token_hex(32)
    token_file = folder / "auth_token"
    token_file.write_text(token)
    token_file.chmod(0o600)
    return {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",  # localhost stays 127.0.0.1 (read when ray is imported)
            "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": token, "RAY_AUTH_TOKEN_PATH": str(token_file),
            "RAY_ADDRESS": None, "RAY_USAGE_STATS_ENABLED": "0"}


CLUSTER_TRIES = 5  # seconds (one try a second) for a cluster that answers the socket to answer Ray


def host_and_port(address: str) -> tuple[str, int]:
    """``HOST:PORT`` (also ``ray://HOST:PORT``, ``[::1]:PORT``) split; ``DlxError`` if it is not one."""
    host, _, port = address.split("://")[-1].rpartition(":")
    if not host or not port.isdigit():
        raise DlxError(f"--address '{address}' is not HOST:PORT; give the head node's address, e.g. 127.0.0.1:6379")
    return host.strip("[]"), int(port)


def is_loopback(address: str) -> bool:
    return host_and_port(address)[0] in LOOPBACK_HOSTS


def check_reachable(address: str) -> None:
    """Fail at once when nothing listens at ``address`` (Ray itself would retry for minutes)."""
    try:
        socket.create_connection(host_and_port(address), timeout=CONNECT_SECONDS).close()
    except OSError as error:
        raise DlxError(f"no Ray cluster answers at {address} ({error.strerror or error}); start one with "
                       f"`ray start --head` and give the address it prints, or leave out --address for a "
                       f"local Ray") from error


@contextmanager
def ray_connection(workers: int | None = None, address: str | None = None):
    """Ray initialised for the block (a local Ray of its own without ``address``); nothing if it already is."""
    check_ray_installed()
    if "ray" in sys.modules and sys.modules["ray"].is_initialized():
        yield
        return
    if address is None:
        folder = Path(tempfile.mkdtemp(prefix="dlx-ray-", dir="/tmp" if os.path.isdir("/tmp") else None))
        try:  # /tmp: Ray's socket paths must stay short
            with patched_environment(local_cluster_environment(folder)):
                with _initialised(None, address="local", num_cpus=workers or os.cpu_count(),
                                  _temp_dir=str(folder), _node_ip_address=LOOPBACK):
                    yield
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    else:
        check_reachable(address)
        loopback = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"} if is_loopback(address) else {}
        # Ray asks a cluster that refuses the driver (a wrong token) once a second, 20 times by default; the
        # socket above already answered, so a few tries tell a refusal from a cluster still starting
        retries = {"RAY_NUM_REDIS_GET_RETRIES": os.environ.get("RAY_NUM_REDIS_GET_RETRIES", str(CLUSTER_TRIES))}
        with patched_environment({**loopback, **retries}):
            with _initialised(address, address=address, **({"_node_ip_address": LOOPBACK} if loopback else {})):
                yield


@contextmanager
def _initialised(cluster: str | None, **options):
    """``ray.init(**options)`` for the block, its failures as one ``DlxError``; ``ray.shutdown`` after."""
    try:
        import ray
        _reset_cached_token()
        with stderr_discarded():  # Ray's C++ client prints a warning a second while it retries
            ray.init(**options, include_dashboard=False, log_to_driver=False, configure_logging=False)
    except ImportError as error:
        raise DlxError(f"ray could not be imported ({error}): {INSTALL_HINT}") from error
    except Exception as error:  # noqa: BLE001  (Ray raises many kinds; each is one line for the user)
        raise DlxError(ray_failure_message(error, cluster)) from error
    try:
        yield
    finally:
        ray.shutdown()


@contextmanager
def stderr_discarded():
    """File descriptor 2 (where Ray's C++ code writes) to /dev/null for the block."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(os.devnull, "w") as sink:
        os.dup2(sink.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _reset_cached_token() -> None:
    """Ray caches the token per process; a second connection in one process must read the current one."""
    try:
        from ray._raylet import AuthenticationTokenLoader
        AuthenticationTokenLoader.instance().reset_cache()
    except (ImportError, AttributeError):
        pass


def ray_failure_message(error: Exception, address: str | None) -> str:
    """One line: what went wrong with Ray and what to do."""
    cause = " ".join(f"{type(error).__name__}: {error}".split())[:300]
    text = " ".join(str(e) for e in _chain(error)).lower()
    if address is None:
        return f"could not start a local Ray for the sweep ({cause}); run with --backend local, or --debug for details"
    if "auth" in text or "token" in text:
        return (f"the Ray cluster at {address} refused this driver's token ({cause}); set RAY_AUTH_TOKEN (or "
                f"RAY_AUTH_TOKEN_PATH) to the cluster's token, shown by `ray get-auth-token` on its head node")
    return (f"could not connect to the Ray cluster at {address} ({cause}); check the address with `ray status` "
            f"on the head node, or leave out --address to start a local Ray")


def _chain(error: BaseException | None):
    """The error and its causes (Ray wraps the authentication failure in a ConnectionError)."""
    while error is not None:
        yield error
        error = error.__cause__ or error.__context__


class RayCoordinatorClient:
    """What a Ray task holds: calls to the coordinator actor, made synchronous."""

    def __init__(self, actor):
        self.actor = actor

    def started(self, trial_id: str) -> None:
        import ray
        ray.get(self.actor.started.remote(trial_id))

    def epoch(self, trial_id: str, row: dict) -> bool:
        import ray
        return ray.get(self.actor.epoch.remote(trial_id, row))


def run_packed(trial, trial_id: str, coordinator) -> tuple[TrialResult, dict[str, bytes]]:
    """Run a trial in a scratch folder on this node; return its result and the files it wrote."""
    one_blas_thread()
    scratch = Path(tempfile.mkdtemp(prefix="dlx-trial-"))
    try:
        result = execute_trial(replace(trial, folder=str(scratch / trial_id)), trial_id, coordinator)
        root = scratch / trial_id
        files = {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()} \
            if root.is_dir() else {}
        return result, files
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def unpack(item, result: TrialResult, files: dict[str, bytes]) -> TrialResult:
    """Write a Ray trial's files into its folder in the sweep; point its result there."""
    from dlx.runs import atomic_write_bytes
    folder = Path(item.trial.folder)
    for relative, data in files.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(folder / relative, data)
    result.run_dir = str(folder)
    if result.summary:
        result.summary["run_dir"] = str(folder)
    return result


def run_ray(planned, coordinator_args: tuple, workers: int | None, address: str | None, on_result, on_tick) -> None:
    """Run trials as Ray tasks at ``address`` (None: a local Ray started for this sweep)."""
    with ray_connection(workers, address):
        import ray
        actor = ray.remote(Coordinator).options(num_cpus=0).remote(*coordinator_args)
        client = RayCoordinatorClient(actor)
        task = ray.remote(num_cpus=1, max_retries=0)(run_packed)
        pending = {task.remote(item.trial, item.id, client): item for item in planned}
        try:
            while pending:
                done, _ = ray.wait(list(pending), num_returns=1, timeout=TICK_SECONDS)
                for ref in done:
                    item = pending.pop(ref)
                    on_result(item, _ray_result(ray, ref, item))
                on_tick(ray.get(actor.progress.remote()))
        except BaseException:
            for ref in pending:
                ray.cancel(ref, force=True)
            raise


def _ray_result(ray, ref, item) -> TrialResult:
    try:
        result, files = ray.get(ref)
    except Exception as error:  # noqa: BLE001  (a task that died is a failed trial)
        return TrialResult(item.id, "failed", f"{type(error).__name__}: {error}", item.trial.folder)
    return unpack(item, result, files)
