"""A small disk of its own for a command-line test: a full disk and a read-only disk, as the kernel reports them.

``dlx_on_small_disk`` runs ``dlx`` inside a private user and mount namespace
(``unshare -rm``: no privileges needed where the kernel allows user namespaces) with a
tmpfs of a few kilobytes mounted over a folder, optionally remounted read-only after the
run folders were copied onto it. The errors dlx sees are the kernel's own ENOSPC and
EROFS, not a simulation. What the disk holds afterwards is copied back out (the mount
vanishes with the namespace), so the test can check what was left behind.
"""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.cli_process import ROOT


def can_mount() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=16k tmpfs /mnt || "
                            "mount -t tmpfs -o size=16k tmpfs /tmp"], capture_output=True)
    return probe.returncode == 0


needs_mount = pytest.mark.skipif(not can_mount(), reason="needs unprivileged user and mount namespaces "
                                                         "(unshare -rm) for a tmpfs of its own")


def dlx_on_small_disk(*args, disk: Path, after: Path, size: str = "64k", copy: Path | None = None,
                      read_only: bool = False, full: bool = False, cwd: Path) -> subprocess.CompletedProcess:
    """``dlx ARGS`` with a ``size`` tmpfs mounted on ``disk`` (``copy``'s content put on it first, then
    remounted read-only, or filled up to the last byte, if asked); the disk's content is copied to ``after``
    when dlx has exited."""
    disk.mkdir(parents=True, exist_ok=True)
    after.mkdir(parents=True, exist_ok=True)
    steps = [f"mount -t tmpfs -o size={size} tmpfs {shlex.quote(str(disk))}"]
    if copy is not None:
        steps.append(f"cp -a {shlex.quote(str(copy))}/. {shlex.quote(str(disk))}/")
    if read_only:
        steps.append(f"mount -o remount,ro {shlex.quote(str(disk))}")
    if full:  # fill what is left: the next write fails with ENOSPC
        steps.append(f"{{ cat /dev/zero > {shlex.quote(str(disk / '.filler'))} 2>/dev/null; true; }}")
    command = " ".join(shlex.quote(str(a)) for a in (sys.executable, "-m", "dlx.cli.app", *args))
    script = (" && ".join(steps) + f" && {{ {command}; status=$?; cp -a {shlex.quote(str(disk))}/. "
              f"{shlex.quote(str(after))}/; exit $status; }}")
    environment = dict(os.environ, PYTHONPATH=str(ROOT), DLX_CACHE_DIR=str(cwd / "cache"))
    return subprocess.run(["unshare", "-rm", "sh", "-c", script], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=180)
