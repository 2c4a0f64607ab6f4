"""``dlx train`` on reinforcement-learning and generative configs, then ``dlx play`` and ``dlx sample``,
each in a fresh process on a folder another process wrote."""
import json
from pathlib import Path

from dlx.runs.children import children_of
from tests.cli.cli_process import assert_no_run_folder, assert_one_error_line, dlx, output_of
from tests.cli.trained_runs import copies

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def run_folder(results: Path) -> Path:
    (folder,) = [p.parent for p in results.glob("*/*/summary.json")]
    return folder


def test_an_rl_run_is_a_complete_run_and_plays(tmp_path):
    done = dlx("train", CONFIGS / "frozenlake_vi.yaml", "--results", tmp_path / "results", cwd=tmp_path)
    assert done.returncode == 0, output_of(done)
    run = run_folder(tmp_path / "results")
    for name in ("config.yaml", "run.log", "metrics.jsonl", "metrics.csv", "model.json", "model.npz"):
        assert (run / name).is_file(), name
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "finished"
    assert abs(summary["evaluation"]["success_rate"] - 0.74) <= 0.02  # Gymnasium's known optimum, about 0.74
    played = dlx("play", run, "--episodes", 2000, cwd=tmp_path)
    assert played.returncode == 0, output_of(played)
    (child,) = children_of(run, "play")
    result = json.loads((child / "play.json").read_text())
    assert result["episodes"] == 2000 and abs(result["success_rate"] - 0.74) < 0.04  # 3 std of 2,000 episodes


def test_an_rl_config_with_an_unknown_environment_is_one_line_and_no_folder(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text("environment: {id: FrozenLak-v1}\nagent: {name: value_iteration}\n")
    assert_one_error_line(dlx("train", config, "--results", tmp_path / "results", cwd=tmp_path), "FrozenLake-v1")
    assert_no_run_folder(tmp_path / "results")


def test_a_generative_run_samples_and_a_supervised_run_does_not(every_kind_runs, tmp_path):
    """On copies of the session's VAE and XOR runs (tests/cli/conftest.py, trained by ``dlx train``)."""
    run, xor = copies(every_kind_runs, tmp_path, "vae", "supervised").values()
    assert json.loads((run / "summary.json").read_text())["status"] == "finished"
    sampled = dlx("sample", run, "--n", 16, cwd=tmp_path)
    assert sampled.returncode == 0, output_of(sampled)
    (child,) = children_of(run, "sample")
    assert (child / "samples.png").stat().st_size > 1000
    assert_one_error_line(dlx("sample", xor, cwd=tmp_path), "not a generative")
    assert_one_error_line(dlx("play", xor, cwd=tmp_path), "reinforcement-learning run")


def test_an_interrupted_rl_run_resumes_to_the_same_agent(tmp_path):
    """Ctrl-C after 150 of 300 episodes, then ``dlx train --resume`` in a fresh process: the Q table equals
    that of an uninterrupted run with the same seed."""
    import numpy as np

    from dlx.rl.runner import train_rl
    from dlx.runs import load_checkpoint

    config = CONFIGS / "frozenlake_q.yaml"
    settings = ["budget.episodes=300", "evaluation.episodes=100", "output.plots=false"]

    class CtrlC:
        def epoch(self, row):
            if row["episode"] == 150:
                raise KeyboardInterrupt

    stopped = train_rl(config, settings, str(tmp_path / "a"), reporter=CtrlC())
    assert stopped.status == "interrupted" and len(stopped.history) == 150
    done = dlx("train", "--resume", stopped.run_dir, cwd=tmp_path)
    assert done.returncode == 0, output_of(done)
    straight = train_rl(config, settings, str(tmp_path / "b"))
    resumed_q = load_checkpoint(stopped.run_dir / "checkpoints" / "agent.npz")[0]
    straight_q = load_checkpoint(straight.run_dir / "checkpoints" / "agent.npz")[0]
    assert resumed_q.keys() == straight_q.keys()
    for key in straight_q:
        np.testing.assert_array_equal(resumed_q[key], straight_q[key])
    rows = (stopped.run_dir / "metrics.jsonl").read_text().splitlines()
    assert len(rows) == 300
    assert json.loads((stopped.run_dir / "summary.json").read_text())["status"] == "finished"


def test_list_shows_the_new_families_in_a_fresh_process(tmp_path):
    for kind, expected in (("explainers", ("lime", "integrated_gradients", "models:", "data:")),
                           ("agents", ("q_learning", "double_dqn")), ("tasks", ("multiclass", "language_model"))):
        done = dlx("list", kind, cwd=tmp_path)
        assert done.returncode == 0, output_of(done)
        assert all(word in done.stdout for word in expected), (kind, done.stdout)
