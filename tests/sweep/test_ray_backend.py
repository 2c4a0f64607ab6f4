"""``--backend ray``: a real Ray cluster, a local Ray of its own, and each Ray failure as one line.

Every Ray here is independent of what earlier clusters left behind: its own temporary folder and
token, a home folder whose ``~/.ray/auth_token`` is stale on purpose, and all traffic on 127.0.0.1.
"""
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import yaml

from tests.cli.cli_process import assert_one_error_line, dlx
from tests.conftest import BREAST_CANCER_SMALL

ROOT = Path(__file__).resolve().parents[2]
needs_ray = pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="needs the ray extra (pip install "
                                                                                "-e '.[ray]')")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stale_leftovers_in(folder: Path) -> dict:
    """What earlier clusters leave: a token in ``~/.ray`` and a session record pointing at a dead cluster.

    Returns the environment that shows them to Ray (HOME, and RAY_TMPDIR: Ray's default temp folder).
    """
    home, ray_tmp = folder / "home", Path(tempfile.mkdtemp(prefix="stale-", dir="/tmp"))
    (home / ".ray").mkdir(parents=True)
    (home / ".ray" / "auth_token").write_text("0" * 64)  # not the token of any cluster below
    (ray_tmp / "ray").mkdir()
    (ray_tmp / "ray" / "ray_current_cluster").write_text(f"127.0.0.1:{free_port()}")  # nobody listens there
    return {"HOME": str(home), "RAY_TMPDIR": str(ray_tmp), "RAY_USAGE_STATS_ENABLED": "0"}


@pytest.fixture
def stale_ray_leftovers(tmp_path):
    leftovers = stale_leftovers_in(tmp_path)
    yield leftovers
    shutil.rmtree(leftovers["RAY_TMPDIR"], ignore_errors=True)


@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory):
    """``ray start --head --block`` on 127.0.0.1 with its own folder and token, beside stale leftovers; ending
    it ends the cluster. One cluster serves the tests of this module (starting one costs seconds of CPU).

    Yields ``(address, environment)``: the environment holds the cluster's token for the driver.
    """
    stale_ray_leftovers = stale_leftovers_in(tmp_path_factory.mktemp("ray-cluster"))
    port, folder = free_port(), tempfile.mkdtemp(prefix="ray-", dir="/tmp")  # short: Ray's socket paths
    env = {**os.environ, **stale_ray_leftovers, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": "1" * 64,
           "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    ray = shutil.which("ray", path=os.path.dirname(sys.executable)) or shutil.which("ray")
    head = subprocess.Popen([ray, "start", "--head", "--block", f"--port={port}", "--num-cpus=2",
                             "--node-ip-address=127.0.0.1", f"--temp-dir={folder}", "--include-dashboard=false",
                             "--disable-usage-stats"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline:  # the GCS accepts connections when the cluster is up
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.5)
    time.sleep(2)
    yield f"127.0.0.1:{port}", {k: env[k] for k in (*stale_ray_leftovers, "RAY_AUTH_MODE", "RAY_AUTH_TOKEN")}
    head.terminate()
    try:
        head.wait(timeout=60)
    except subprocess.TimeoutExpired:
        head.kill()
    shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(stale_ray_leftovers["RAY_TMPDIR"], ignore_errors=True)


def write_sweep(folder: Path, seeds: int = 2) -> None:
    (folder / "small.yaml").write_text(BREAST_CANCER_SMALL)
    (folder / "s.yaml").write_text(yaml.safe_dump({"name": "s", "base": "small.yaml", "plots": False,
                                                   "set": ["training.epochs=2"],
                                                   "parameters": {"optimiser.lr": [0.003, 0.03]}, "seeds": seeds}))


def sweep_summary(results: Path, trials: int) -> str:
    sweep_dir = next((results / "sweeps" / "s").iterdir())
    folders = list((sweep_dir / "trials").iterdir())
    assert len(folders) == trials and all((t / "summary.json").is_file() for t in folders)  # written by the driver
    return (sweep_dir / "summary.csv").read_text()


@needs_ray
@pytest.mark.slow
def test_a_ray_cluster_gives_the_summary_of_one_process(tmp_path, ray_cluster):
    """The trials as Ray tasks give the numbers of the same sweep run in one process (which the pool also gives:
    tests/sweep/test_sweep_run.py), without the pool's own processes beside the cluster's."""
    address, env = ray_cluster
    write_sweep(tmp_path)
    on_ray = dlx("sweep", "s.yaml", "--backend", "ray", "--address", address, "--results", "ray", cwd=tmp_path,
                 env=env, timeout=600)
    assert on_ray.returncode == 0, on_ray.stderr[-3000:]
    serial = dlx("sweep", "s.yaml", "--backend", "serial", "--results", "serial", cwd=tmp_path, timeout=600)
    assert serial.returncode == 0, serial.stderr[-3000:]
    assert sweep_summary(tmp_path / "ray", 4) == sweep_summary(tmp_path / "serial", 4)


@needs_ray
@pytest.mark.slow
def test_a_wrong_token_is_one_line_that_names_the_token(tmp_path, ray_cluster):
    address, env = ray_cluster
    write_sweep(tmp_path, seeds=1)
    result = dlx("sweep", "s.yaml", "--backend", "ray", "--address", address, "--results", "r", cwd=tmp_path,
                 env={**env, "RAY_AUTH_TOKEN": "2" * 64}, timeout=300)
    assert_one_error_line(result, f"the Ray cluster at {address} refused this driver's token", "RAY_AUTH_TOKEN")
    assert not (tmp_path / "r").exists()


@needs_ray
@pytest.mark.slow
def test_a_local_ray_starts_despite_a_stale_session_record_and_token(tmp_path, stale_ray_leftovers):
    """Without --address dlx starts a Ray of its own; the record and ~/.ray/auth_token are not used. One worker:
    what is tested is the start, and each Ray worker process costs a second or two of CPU."""
    write_sweep(tmp_path, seeds=1)
    result = dlx("sweep", "s.yaml", "--backend", "ray", "--workers", "1", "--results", "r", cwd=tmp_path,
                 env=stale_ray_leftovers, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    sweep_summary(tmp_path / "r", 2)
    assert (Path(stale_ray_leftovers["HOME"]) / ".ray" / "auth_token").read_text() == "0" * 64


@needs_ray
def test_no_cluster_at_the_address_is_one_line_and_no_folder(tmp_path):
    write_sweep(tmp_path, seeds=1)
    address = f"127.0.0.1:{free_port()}"
    result = dlx("sweep", "s.yaml", "--backend", "ray", "--address", address, "--results", "r", cwd=tmp_path)
    assert_one_error_line(result, f"no Ray cluster answers at {address}", "ray start --head")
    assert not (tmp_path / "r").exists()


def test_a_missing_ray_package_is_one_line_before_any_folder(tmp_path):
    """``sys.modules['ray'] = None`` is how Python sees a package that is not installed."""
    write_sweep(tmp_path, seeds=1)
    code = ("import sys; sys.modules['ray'] = None; from dlx.cli.app import main; "
            "sys.argv = ['dlx', 'sweep', 's.yaml', '--backend', 'ray', '--results', 'r']; main()")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=120)
    assert_one_error_line(result, "--backend ray needs the ray package", "pip install -e '.[ray]'")
    assert not (tmp_path / "r").exists()


@needs_ray
@pytest.mark.slow
def test_cross_validation_on_a_ray_cluster_equals_one_process(tmp_path, ray_cluster):
    """The planners (cv, curves) run on the sweep's backends: the folds on Ray give the numbers of the folds run
    in one process (as the pool does: tests/sweep/test_planned_cli.py)."""
    import json
    address, env = ray_cluster
    (tmp_path / "small.yaml").write_text(BREAST_CANCER_SMALL)
    common = ("cv", "small.yaml", "-k", "3", "--set", "training.epochs=2", "--set", "output.plots=false")
    on_ray = dlx(*common, "--backend", "ray", "--address", address, "--results", "ray", cwd=tmp_path, env=env,
                 timeout=600)
    assert on_ray.returncode == 0, on_ray.stderr[-3000:]
    serial = dlx(*common, "--results", "serial", cwd=tmp_path, timeout=600)
    assert serial.returncode == 0, serial.stderr[-3000:]
    summaries = [json.loads(next((tmp_path / where / "sweeps").glob("*/*/cv.json")).read_text())["metrics"]
                 for where in ("ray", "serial")]
    assert summaries[0] == summaries[1]


def test_a_planner_given_an_address_without_ray_is_one_line(tmp_path):
    (tmp_path / "small.yaml").write_text(BREAST_CANCER_SMALL)
    result = dlx("cv", "small.yaml", "--address", "127.0.0.1:1", "--results", "r", cwd=tmp_path)
    assert_one_error_line(result, "--address is the address of a Ray cluster", "--backend ray")
    assert not (tmp_path / "r").exists()
