"""``dlx cv`` and ``dlx curve``: exit codes, the printed tables and folders, one-line errors."""
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlx.cli.app import app
from tests.conftest import BREAST_CANCER_SMALL

runner = CliRunner()

BREAST_CANCER = BREAST_CANCER_SMALL.replace("epochs: 3", "epochs: 2")


def invoke(*args):
    """The real ``dlx`` app, so a command dropped from dlx/cli/app.py fails these tests."""
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "bc.yaml"
    path.write_text(BREAST_CANCER)
    return path


def folder_of(result, label):
    last = result.output.strip().splitlines()[-1]
    assert last.startswith(f"{label}: "), result.output
    return Path(last.removeprefix(f"{label}: "))


def assert_one_error_line(result, *fragments):
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: ") and "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_cv_prints_mean_std_and_folds_and_the_folder(tmp_path, config, monkeypatch):
    monkeypatch.setenv("DLX_PROGRESS_SECONDS", "1000")  # no line within a fold: only each fold's last epoch
    result = invoke("cv", config, "-k", 3, "--results", tmp_path / "results")
    assert result.exit_code == 0, result.output
    assert "3-fold cross-validation" in result.output and "ddof=1" in result.output
    progress = [line for line in result.output.splitlines() if "epoch" in line.replace("epoch of each fold", "")]
    assert [line.split(":")[0] for line in progress] == ["trial 1", "trial 2", "trial 3"], result.output  # not per epoch
    folder = folder_of(result, "cv folder")
    summary = json.loads((folder / "cv.json").read_text())
    accuracy = summary["metrics"][summary["reported"]]["val_accuracy"]
    row = next(line for line in result.output.splitlines() if "val_accuracy" in line and line not in progress)
    assert f"{accuracy['mean']:.4g}" in row and f"{accuracy['std']:.4g}" in row
    assert all(f"{v:.4g}" in row for v in accuracy["values"])
    assert folder.parent == tmp_path / "results" / "sweeps" / "bc-cv"


def test_cv_with_set_overrides(tmp_path, config):
    result = invoke("cv", config, "-k", 2, "--set", "training.epochs=1", "--results", tmp_path / "results")
    assert result.exit_code == 0, result.output
    folds = json.loads((folder_of(result, "cv folder") / "cv.json").read_text())["folds"]
    assert [f["epochs_completed"] for f in folds] == [1, 1]


@pytest.mark.parametrize("k", [1, 0, 1000])
def test_cv_with_a_bad_k_is_one_error_line(tmp_path, config, k):
    result = invoke("cv", config, "-k", k, "--results", tmp_path / "results")
    assert_one_error_line(result, f"k={k}: cross-validation needs an integer k with 2 <= k <= 455")
    assert not (tmp_path / "results").exists()


def test_cv_with_a_missing_config_is_one_error_line(tmp_path):
    assert_one_error_line(invoke("cv", tmp_path / "nope.yaml"), "config file", "not found")


def test_learning_curve_prints_the_points(tmp_path, config):
    result = invoke("curve", "learning", config, "--fractions", "0.1,1", "--results", tmp_path / "results")
    assert result.exit_code == 0, result.output
    assert "learning curve (error: 1 - accuracy)" in result.output
    folder = folder_of(result, "sweep folder")
    points = json.loads((folder / "curve.json").read_text())["points"]
    for point in points:
        assert any(line.split("│")[2].strip() == str(point["n_train"])
                   for line in result.output.splitlines() if line.count("│") > 3)
    assert (folder / "plots" / "learning_curve.png").is_file()


@pytest.mark.parametrize("fractions,fragment", [
    ("0.1,x", "--fractions 0.1,x: give numbers in (0, 1]"),
    ("0,1", "fractions must be numbers in (0, 1]"),
    (",", "--fractions is empty"),
])
def test_learning_curve_with_bad_fractions_is_one_error_line(tmp_path, config, fractions, fragment):
    result = invoke("curve", "learning", config, "--fractions", fractions, "--results", tmp_path / "results")
    assert_one_error_line(result, fragment)


def test_capacity_prints_the_points_and_marks_the_best(tmp_path, config):
    result = invoke("curve", "capacity", config, "--param", "model.layers.0.dense.units", "--values", "1,4",
                    "--results", tmp_path / "results")
    assert result.exit_code == 0, result.output
    summary = json.loads((folder_of(result, "sweep folder") / "capacity.json").read_text())
    values = [line.split("│")[1].strip() for line in result.output.splitlines() if line.count("│") > 3]
    best = summary["best"]["value"]
    assert sorted(values) == sorted(f"{v} *" if v == best else str(v) for v in (1, 4))


@pytest.mark.parametrize("param,values,fragment", [
    ("model.layers.0.dense.unitz", "1,4", "model.layers.0.dense.unitz: unknown argument; did you mean 'units'?"),
    ("training.epoch", "1,4", "unknown key 'training.epoch'; did you mean 'epochs'?"),
    ("model.layers.0.dense.units", " , ", "--values is empty"),
])
def test_capacity_with_a_bad_parameter_is_one_error_line(tmp_path, config, param, values, fragment):
    result = invoke("curve", "capacity", config, "--param", param, "--values", values,
                    "--results", tmp_path / "results")
    assert_one_error_line(result, fragment)
    assert not (tmp_path / "results").exists()
