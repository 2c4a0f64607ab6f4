"""The suite's worker count (``-n auto``): one more worker than cores while another process keeps a core busy."""
import subprocess
import sys
import time

import pytest

from tests.conftest import USER_PYCACHE_PREFIX, busy_cores, pytest_xdist_auto_num_workers


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="busy_cores reads Linux's /proc/stat")
def test_a_process_spinning_beside_counts_as_a_busy_core(monkeypatch):
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)  # started
        assert busy_cores(1.0) >= 0.8  # it alone keeps one core busy; other work only adds
        monkeypatch.setattr("os.cpu_count", lambda: 2)
        assert pytest_xdist_auto_num_workers(None) == 3
    finally:
        hog.kill()
        hog.wait()


@pytest.mark.skipif(USER_PYCACHE_PREFIX is not None, reason="the user keeps bytecode in a folder of their own")
def test_the_suites_processes_write_bytecode_and_read_what_pip_compiled():
    """Under PYTHONDONTWRITEBYTECODE (set in many containers) a fresh clone's processes compiled every library
    again when the suite redirected bytecode to a folder of its own; they now read pip's bytecode."""
    code = ("import importlib.util, os, sys, numpy, yaml; "
            "print(sys.dont_write_bytecode, sys.pycache_prefix, "
            "all(os.path.exists(importlib.util.cache_from_source(m.__file__)) for m in (numpy, yaml)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.split() == ["False", "None", "True"]  # pip's __pycache__ beside the sources
