"""``splits.npz`` as a user meets it: written by every supervised run, read by ``dlx evaluate`` and ``dlx explain``.

Each test runs the real CLI in fresh processes, on folders another process wrote.
"""
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from dlx.config import load_config
from dlx.sweep.crossval import cv_partition
from dlx.train.experiment import load_split_indices, seeded_generators
from tests.cli.cli_process import assert_one_error_line, dlx, output_of, train, write
from tests.conftest import BREAST_CANCER_SMALL


def saved_splits(run_dir):
    with np.load(run_dir / "splits.npz", allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


@pytest.fixture(scope="module")
def cv_folder(tmp_path_factory):
    """A 2-fold cross-validation of the small breast cancer experiment, by ``dlx cv``."""
    folder = tmp_path_factory.mktemp("cv")
    config = write(folder, BREAST_CANCER_SMALL)
    done = dlx("cv", config, "-k", "2", "--results", folder / "results", cwd=folder, timeout=300)
    assert done.returncode == 0, output_of(done)
    return folder, config, next((folder / "results" / "sweeps").glob("*/*"))


def test_a_folds_evaluate_reproduces_its_own_validation_metrics(cv_folder):
    """Before splits.npz, evaluate drew the run's split again: another validation set, and a
    "test" score on samples the fold trained on."""
    _, _, sweep = cv_folder
    fold = sweep / "trials" / "0"
    done = dlx("evaluate", fold, "--split", "all", "--json", cwd=fold)
    assert done.returncode == 0, output_of(done)
    results = json.loads(done.stdout)
    assert list(results) == ["train", "validation"]  # a fold has no test split
    assert done.stderr.strip().startswith("warning: the run has no test split (a cross-validation fold")
    assert len(done.stderr.strip().splitlines()) == 1
    own = json.loads((fold / "summary.json").read_text())["final"]  # no early stopping: the final weights
    for metric, value in results["validation"].items():
        if metric != "confusion_matrix":
            assert math.isclose(value, own[f"val_{metric}"], rel_tol=0, abs_tol=1e-9), metric


def test_a_folds_test_split_is_refused_in_one_line(cv_folder):
    _, _, sweep = cv_folder
    fold = sweep / "trials" / "1"
    assert_one_error_line(dlx("evaluate", fold, cwd=fold), "has no test split", "--split")
    assert_one_error_line(dlx("explain", fold, "-m", "knn", "--split", "test", cwd=fold), "has no test split")


def test_each_fold_saves_the_indices_it_trained_and_validated_on(cv_folder):
    _, config, sweep = cv_folder
    part = cv_partition(load_config(config), 2)
    for i, (train_idx, val_idx) in enumerate(part.folds):
        saved = saved_splits(sweep / "trials" / str(i))
        assert saved["train"].dtype == np.int64
        np.testing.assert_array_equal(saved["train"], part.pool_indices[train_idx])
        np.testing.assert_array_equal(saved["validation"], part.pool_indices[val_idx])
        assert saved["test"].size == 0
        provenance = json.loads((sweep / "trials" / str(i) / "summary.json").read_text())["provenance"]
        assert [Path(name).name for name in provenance["data"]] == ["breast_cancer.csv"]  # a trial's record too


@pytest.fixture(scope="module")
def one_run(tmp_path_factory) -> tuple[Path, Path]:
    """A run of the small breast cancer experiment, trained once by ``dlx train``; (its folder, the run)."""
    folder = tmp_path_factory.mktemp("run")
    return folder, train(folder, BREAST_CANCER_SMALL)


@pytest.fixture
def run_copy(one_run, tmp_path) -> Path:
    """This test's own copy of the run (with its config, in the same layout), to damage."""
    folder, run = one_run
    shutil.copytree(folder, tmp_path, dirs_exist_ok=True)
    return tmp_path / run.relative_to(folder)


def test_a_run_saves_the_split_it_drew_and_evaluates_on_it(one_run, tmp_path):
    run = one_run[1]
    loaded = load_config(run / "config.yaml")
    _, drawn = load_split_indices(loaded, seeded_generators(loaded.config.training.seed)["data"])
    saved = saved_splits(run)
    assert sorted(saved) == ["test", "train", "validation"]
    for name in saved:
        np.testing.assert_array_equal(saved[name], drawn[name])
    summary = json.loads((run / "summary.json").read_text())
    done = dlx("evaluate", run, "--json", cwd=tmp_path)
    assert done.returncode == 0 and not done.stderr, output_of(done)
    assert math.isclose(json.loads(done.stdout)["test"]["loss"], summary["test"]["test_loss"], abs_tol=1e-9)


def test_a_run_without_splits_npz_still_evaluates_with_a_warning(run_copy, tmp_path):
    """A run made by an older dlx: the split is drawn again from the config and seed, as before."""
    run = run_copy
    with_file = json.loads(dlx("evaluate", run, "--json", cwd=tmp_path).stdout)
    (run / "splits.npz").unlink()
    done = dlx("evaluate", run, "--json", cwd=tmp_path)
    assert done.returncode == 0, output_of(done)
    assert json.loads(done.stdout) == with_file
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: ") and "has no splits.npz" in lines[0], done.stderr


@pytest.mark.parametrize("content", [b"not a zip", "object"])
def test_a_damaged_splits_file_is_one_line(run_copy, tmp_path, content):
    run = run_copy
    if content == "object":  # an object array could run code when loaded: refused, never unpickled
        np.savez(run / "splits.npz", train=np.array([{"a": 1}], dtype=object), validation=np.arange(2),
                 test=np.arange(2))
    else:
        (run / "splits.npz").write_bytes(content)
    assert_one_error_line(dlx("evaluate", run, cwd=tmp_path), "splits.npz", "train it again")


def test_a_learning_curve_point_saves_its_share_of_the_training_split(tmp_path):
    config = write(tmp_path, BREAST_CANCER_SMALL)
    done = dlx("curve", "learning", config, "--fractions", "0.5", "--results", tmp_path / "r", cwd=tmp_path)
    assert done.returncode == 0, output_of(done)
    loaded = load_config(config)
    _, drawn = load_split_indices(loaded, seeded_generators(loaded.config.training.seed)["data"])
    saved = saved_splits(next((tmp_path / "r" / "sweeps").glob("*/*/trials/*")))
    assert len(saved["train"]) == round(0.5 * len(drawn["train"])) and np.isin(saved["train"], drawn["train"]).all()
    np.testing.assert_array_equal(saved["validation"], drawn["validation"])
    np.testing.assert_array_equal(saved["test"], drawn["test"])
