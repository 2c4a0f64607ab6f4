"""Progress of long jobs when the output is not a terminal (a log, CI, a pipe): plain lines as they go.

On a terminal the same reporter draws a rich bar; here the commands run in a subprocess whose
output is captured, so they must print lines. ``DLX_PROGRESS_SECONDS=0`` prints every row and
batch instead of one every few seconds, so the tests need no clock.
"""
from tests.cli.cli_process import ROOT, XOR, dlx, output_of, write
from tests.conftest import BREAST_CANCER_SMALL

EVERY_ROW = {"DLX_PROGRESS_SECONDS": "0"}


def lines_of(result) -> list[str]:
    assert result.returncode == 0, output_of(result)
    return result.stdout.splitlines()


def test_an_agent_shows_its_episodes_before_its_evaluation(tmp_path):
    args = ("train", ROOT / "configs/frozenlake_q.yaml", "--set", "budget.episodes=60", "--set",
            "evaluation.episodes=10", "--set", "output.plots=false", "--results", tmp_path / "r")
    lines = lines_of(dlx(*args, cwd=tmp_path))
    assert any(line.startswith("episode 60 ") for line in lines), lines  # the last row, at least
    assert lines.index(next(line for line in lines if line.startswith("finished:"))) > 0
    every = lines_of(dlx(*args, cwd=tmp_path, env=EVERY_ROW))
    assert [line.split()[1] for line in every if line.startswith("episode ")] == [str(n) for n in range(1, 61)]


def test_a_generative_model_shows_its_epochs(tmp_path):
    lines = lines_of(dlx("train", ROOT / "configs/vae_digits.yaml", "--set", "training.epochs=2",
                         "--set", "output.plots=false", "--results", tmp_path / "r", cwd=tmp_path, env=EVERY_ROW))
    epochs = [line.split()[1] for line in lines if line.startswith("epoch ")]
    assert epochs == ["0", "1", "2"], lines  # the untrained model, then each epoch


def test_a_long_epoch_shows_its_batches(tmp_path):
    config = write(tmp_path, BREAST_CANCER_SMALL)  # 3 epochs of 6 batches (370 rows, 64 a batch)
    lines = lines_of(dlx("train", config, "--results", tmp_path / "r", cwd=tmp_path, env=EVERY_ROW))
    assert "epoch 1: batch 1/6" in lines and "epoch 3: batch 5/6" in lines, lines


def test_cross_validation_and_learning_curves_show_each_trial(tmp_path):
    config = write(tmp_path, BREAST_CANCER_SMALL)
    cv = lines_of(dlx("cv", config, "-k", "2", "--results", tmp_path / "r", cwd=tmp_path))
    assert any(line.startswith("trial 1: epoch   3") for line in cv), cv
    assert any(line.startswith("trial 2: epoch   3") for line in cv), cv
    curve = lines_of(dlx("curve", "learning", config, "--fractions", "0.5,1", "--results", tmp_path / "r",
                         cwd=tmp_path))
    assert any(line.startswith("trial 2: epoch   3") for line in curve), curve


def test_a_setting_that_is_not_a_number_falls_back_to_the_default(tmp_path):
    lines = lines_of(dlx("train", write(tmp_path, XOR), "--results", tmp_path / "r", cwd=tmp_path,
                         env={"DLX_PROGRESS_SECONDS": "soon"}))
    assert [line.split()[1] for line in lines if line.startswith("epoch ")] == ["1", "2", "3"], lines
