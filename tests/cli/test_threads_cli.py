"""The thread setting a run used, as a user sees it: summary.json and run.log, for every kind of run."""
import json
from pathlib import Path

from tests.cli.cli_process import ROOT, XOR, assert_no_run_folder, assert_one_error_line, dlx, output_of, write


def run_folder(result) -> str:
    assert result.returncode == 0, output_of(result)
    return result.stdout.strip().splitlines()[-1].removeprefix("run folder: ")


def recorded(folder) -> tuple[dict, str]:
    folder = Path(folder)
    return json.loads((folder / "summary.json").read_text())["threads"], (folder / "run.log").read_text()


def test_training_threads_in_the_config_set_blas_and_are_recorded(tmp_path):
    config = write(tmp_path, XOR.replace("training: {epochs: 3, batch_size: full}",
                                         "training: {epochs: 2, batch_size: full, threads: 2}"))
    threads, log = recorded(run_folder(dlx("train", config, "--results", tmp_path / "r", cwd=tmp_path)))
    assert threads == {"blas": 2, "dlx": 2, "policy": "config"}
    assert "threads: BLAS 2, dlx 2 (policy config)" in log


def test_dlx_num_threads_is_honoured_and_the_default_is_auto(tmp_path):
    config = write(tmp_path, XOR)
    env_run = dlx("train", config, "--results", tmp_path / "r", cwd=tmp_path, env={"DLX_NUM_THREADS": "1"})
    assert recorded(run_folder(env_run))[0] == {"blas": 1, "dlx": 1, "policy": "environment"}
    auto = dlx("train", config, "--results", tmp_path / "r", cwd=tmp_path, env={"DLX_NUM_THREADS": ""})
    assert recorded(run_folder(auto))[0] == {"blas": 1, "dlx": 1, "policy": "auto"}  # xor's products are tiny


def test_a_bad_thread_count_is_one_line_and_leaves_no_folder(tmp_path):
    config = write(tmp_path, XOR)
    result = dlx("train", config, "--set", "training.threads=0", "--results", tmp_path / "r", cwd=tmp_path)
    assert_one_error_line(result, "training.threads")
    assert_no_run_folder(tmp_path / "r")


def test_an_agent_and_a_generative_model_record_their_threads(tmp_path):
    agent = dlx("train", ROOT / "configs/frozenlake_vi.yaml", "--set", "threads=2", "--set", "evaluation.episodes=10",
                "--set", "output.plots=false", "--results", tmp_path / "r", cwd=tmp_path)
    threads, log = recorded(run_folder(agent))
    assert threads == {"blas": 2, "dlx": 2, "policy": "config"} and "policy config" in log
    gan = dlx("train", ROOT / "configs/gan_ring.yaml", "--set", "training.steps=20",
              "--set", "training.checkpoint_every=10", "--set", "output.plots=false", "--results", tmp_path / "r",
              cwd=tmp_path, env={"DLX_NUM_THREADS": ""})
    assert recorded(run_folder(gan))[0]["policy"] == "auto"
