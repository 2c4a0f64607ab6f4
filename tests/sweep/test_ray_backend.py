"""``--backend ray`` against a real Ray cluster started in a subprocess: the same summary as the local pool."""
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.conftest import BREAST_CANCER_SMALL

pytest.importorskip("ray")
pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def ray_cluster(tmp_path):
    """``ray start --head --block`` in a subprocess; ending that process ends its cluster."""
    port = free_port()
    ray = shutil.which("ray", path=os.path.dirname(sys.executable)) or shutil.which("ray")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "RAY_USAGE_STATS_ENABLED": "0"}
    head = subprocess.Popen([ray, "start", "--head", "--block", f"--port={port}", "--num-cpus=2",
                             "--include-dashboard=false", "--disable-usage-stats"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    address = f"127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:  # the GCS accepts connections when the cluster is up
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.5)
    time.sleep(2)
    yield address
    head.terminate()
    try:
        head.wait(timeout=60)
    except subprocess.TimeoutExpired:
        head.kill()


def test_a_ray_cluster_gives_the_summary_of_the_local_pool(tmp_path, ray_cluster):
    (tmp_path / "small.yaml").write_text(BREAST_CANCER_SMALL)
    (tmp_path / "s.yaml").write_text(yaml.safe_dump({"name": "s", "base": "small.yaml", "set": ["training.epochs=2"],
                                                     "parameters": {"optimiser.lr": [0.003, 0.03]}, "seeds": 2}))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    summaries = []
    for backend in (["--backend", "ray", "--address", ray_cluster], ["--workers", "2"]):
        done = subprocess.run([sys.executable, "-m", "dlx.cli.app", "sweep", "s.yaml", *backend, "--results",
                               str(tmp_path / backend[-1].replace(":", "_"))], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        sweep_dir = next((tmp_path / backend[-1].replace(":", "_") / "sweeps" / "s").iterdir())
        summaries.append((sweep_dir / "summary.csv").read_text())
        trials = list((sweep_dir / "trials").iterdir())
        assert len(trials) == 4 and all((t / "summary.json").is_file() for t in trials)  # written by the driver
    assert summaries[0] == summaries[1]
