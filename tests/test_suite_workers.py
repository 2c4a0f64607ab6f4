"""The suite's worker count (``-n auto``): one more worker than cores while another process keeps a core busy."""
import subprocess
import sys
import time

import pytest

from tests.conftest import busy_cores, pytest_xdist_auto_num_workers


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
