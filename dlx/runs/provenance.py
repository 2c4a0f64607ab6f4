"""Where a run's numbers came from: the code, the data, the packages, the BLAS and the machine.

``provenance(data_files)`` is the ``provenance`` record of every ``summary.json``
(supervised, generative and RL runs, every fold, curve point and sweep trial); the run
session calls it when the run ends::

    provenance({"/data/mnist/train-images-idx3-ubyte.gz": "440fcabf..."})
    # {"git": {"commit": "0385a2b...", "dirty": False},          # None, None outside a git checkout
    #  "data": {"/data/mnist/train-images-idx3-ubyte.gz": "440fcabf..."},   # path -> SHA-256
    #  "versions": {"python": "3.12.3", "numpy": "2.1.0", "dlx": "0.1.0", ...},
    #  "blas": [{"internal_api": "openblas", "version": "0.3.27", "threads": 1}],
    #  "platform": {"system": "Linux", "release": "6.8.0", "machine": "x86_64", ...}}

The data files are those the loaders noted while the run was prepared (``dlx.data.sources``).
"""
from __future__ import annotations

import os
import platform
import subprocess
from functools import lru_cache
from pathlib import Path

from dlx.runs.summary import package_versions

GIT_SECONDS = 5.0  # a git that hangs (a network file system) must not hold the run


def _git(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=GIT_SECONDS,
                          stdin=subprocess.DEVNULL)


@lru_cache(maxsize=1)
def git_state() -> dict:
    """``{"commit", "dirty"}`` of the git checkout that holds the dlx source tree, read once per process
    (the code a process runs is the code it imported); both None when dlx is not in a checkout or git fails.

    ``dirty`` is True when a tracked file differs from the commit (untracked files are not looked at).
    """
    package = Path(__file__).resolve().parents[1]
    try:
        if _git(package, "ls-files", "--error-unmatch", "__init__.py").returncode != 0:
            return {"commit": None, "dirty": None}  # not a checkout, or dlx lies untracked inside another
        head = _git(package, "rev-parse", "HEAD")
        status = _git(package, "status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):  # no git, or it hung
        return {"commit": None, "dirty": None}
    if head.returncode != 0 or status.returncode != 0:
        return {"commit": None, "dirty": None}
    return {"commit": head.stdout.strip(), "dirty": bool(status.stdout.strip())}


@lru_cache(maxsize=1)
def _thread_pools():
    """threadpoolctl's view of the loaded libraries, found once per process (finding them takes ~50 ms)."""
    from threadpoolctl import ThreadpoolController
    return ThreadpoolController()


def blas_info() -> list[dict]:
    """The BLAS libraries loaded (NumPy's, SciPy's): ``internal_api``, ``version`` and ``threads`` of each.

    The libraries are those loaded when the first run of the process ended; the threads are read now.
    """
    try:
        pools = _thread_pools().info()
    except Exception:  # noqa: BLE001  (a record of the machine must never fail the run)
        return []
    return [{"internal_api": pool.get("internal_api"), "version": pool.get("version"),
             "threads": pool.get("num_threads")} for pool in pools if pool.get("user_api") == "blas"]


@lru_cache(maxsize=1)
def _versions() -> tuple:
    return tuple(package_versions().items())  # importlib.metadata scans site-packages: ~40 ms a call


def platform_info() -> dict:
    return {"system": platform.system(), "release": platform.release(), "machine": platform.machine(),
            "python": f"{platform.python_implementation()} {platform.python_version()}", "cpus": os.cpu_count()}


def provenance(data_files: dict[str, str] | None = None) -> dict:
    """The provenance record of a run that read ``data_files`` (absolute path -> SHA-256)."""
    return {"git": dict(git_state()), "data": dict(sorted((data_files or {}).items())),
            "versions": dict(_versions()), "blas": blas_info(), "platform": platform_info()}
