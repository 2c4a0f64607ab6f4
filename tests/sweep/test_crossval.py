"""k-fold cross-validation: folds, the held-out test split, mean and sample std, reproducibility."""
import json

import numpy as np
import pytest

from dlx.config import parse_config
from dlx.errors import ConfigError
from dlx.registry import datasets
from dlx.runs import MetricsLog
from dlx.sweep import cross_validate, cv_partition
from dlx.sweep.crossval import mean_and_std
from dlx.train.experiment import prepare, prepare_from_splits
from tests.conftest import BREAST_CANCER_SMALL

BREAST_CANCER = BREAST_CANCER_SMALL


def loaded_config(*overrides):
    return parse_config(BREAST_CANCER, "bc.yaml", list(overrides), default_run_name="bc")


@pytest.fixture(scope="module")
def cv_run(tmp_path_factory):
    return cross_validate(loaded_config(), k=5, results_dir=tmp_path_factory.mktemp("cv") / "results")


def test_cv_folder_holds_summary_table_plot_and_one_run_per_fold(cv_run):
    d = cv_run.run_dir
    assert d.parent.name == "bc-cv" and d.parent.parent.name == "sweeps" and cv_run.status == "finished"
    for name in ("cv.json", "summary.csv", "report.md", "trials.jsonl", "sweep.yaml", "config.yaml", "plots/cv.png"):
        assert (d / name).is_file(), name
    for i in range(5):
        for name in ("config.yaml", "metrics.jsonl", "metrics.csv", "summary.json", "model.npz", "run.log"):
            assert (d / "trials" / str(i) / name).is_file(), f"trials/{i}/{name}"
    assert not list(d.rglob("*.tmp"))
    assert len((d / "trials.jsonl").read_text().splitlines()) == 5
    lines = (d / "summary.csv").read_text().strip().splitlines()
    assert len(lines) == 1 + 5 + 2 and lines[-2].startswith("mean,") and lines[-1].startswith("std,")


def test_mean_and_std_are_numpy_mean_and_sample_std_of_the_folds(cv_run):
    summary = json.loads((cv_run.run_dir / "cv.json").read_text())
    assert "ddof=1" in summary["std"]
    for which in ("final", "best"):
        metrics = summary["metrics"][which]
        assert {"val_loss", "val_accuracy", "val_f1"} <= set(metrics)
        for name, stats in metrics.items():
            values = [fold[which][name] for fold in summary["folds"]]
            assert stats["values"] == values
            assert stats["mean"] == pytest.approx(np.mean(values), rel=1e-12)
            assert stats["std"] == pytest.approx(np.std(values, ddof=1), rel=1e-12)
    assert cv_run.mean["val_accuracy"] == summary["metrics"][summary["reported"]]["val_accuracy"]["mean"]


def test_each_fold_reports_its_own_run(cv_run):
    for fold in cv_run.folds:
        folder = cv_run.run_dir / fold["run_dir"]
        last = MetricsLog.read(folder)[-1]
        assert fold["final"]["val_accuracy"] == last["val_accuracy"]
        assert fold["seed"] == fold["fold"]  # training.seed + fold index: the folds' models differ
        assert f"seed: {fold['fold']}" in (folder / "config.yaml").read_text()
        assert json.loads((folder / "summary.json").read_text())["samples"]["test"] == 0  # test stays unseen
    assert len({fold["final"]["val_loss"] for fold in cv_run.folds}) == 5


def test_folds_are_disjoint_stratified_and_cover_the_non_test_samples_once():
    part = cv_partition(loaded_config(), 5)
    validation = [val for _, val in part.folds]
    assert sorted(np.concatenate(validation).tolist()) == list(range(len(part.pool)))
    for train, val in part.folds:
        assert not set(train) & set(val) and len(train) + len(val) == len(part.pool)
    counts = np.array([np.bincount(part.pool.y[val], minlength=2) for val in validation])
    assert (counts.max(axis=0) - counts.min(axis=0) <= 1).all()


def rows(X):
    return {row.tobytes() for row in np.asarray(X, dtype=np.float32)}


def test_the_test_split_is_that_of_a_normal_run_and_the_pool_is_the_rest():
    part = cv_partition(loaded_config(), 5)
    normal = prepare(loaded_config("dataset.scaling=none")).splits  # what dlx train holds out
    np.testing.assert_array_equal(part.test.X, normal["test"].X)
    np.testing.assert_array_equal(part.test.y, normal["test"].y)
    whole = datasets.get("breast_cancer")(rng=np.random.default_rng(0))
    assert len(part.pool) + len(part.test) == len(whole)
    assert not rows(part.pool.X) & rows(part.test.X)
    assert rows(part.pool.X) | rows(part.test.X) == rows(whole.X)
    other = cv_partition(loaded_config("training.seed=1"), 5)
    assert rows(other.test.X) != rows(part.test.X)


def test_the_same_seed_gives_an_identical_cv_json(cv_run, tmp_path):
    again = cross_validate(loaded_config(), k=5, results_dir=tmp_path / "results")
    assert again.run_dir != cv_run.run_dir
    assert (again.run_dir / "cv.json").read_text() == (cv_run.run_dir / "cv.json").read_text()


@pytest.mark.parametrize("k", [1, 0, 456, 2.5, True])
def test_a_bad_k_is_a_config_error_before_any_folder(tmp_path, k):
    with pytest.raises(ConfigError, match=r"2 <= k <= 455 \(the samples outside the test split\)"):
        cross_validate(loaded_config(), k=k, results_dir=tmp_path / "results")
    assert not (tmp_path / "results").exists()


def test_the_scaler_of_a_fold_is_fitted_on_its_training_part_only():
    part = cv_partition(loaded_config(), 3)
    train_idx, val_idx = part.folds[0]
    splits = {"train": part.pool.subset(train_idx), "validation": part.pool.subset(val_idx), "test": part.test}
    x = prepare_from_splits(loaded_config(), splits)
    np.testing.assert_allclose(x.scaler.state["mean"], part.pool.X[train_idx].mean(axis=0), rtol=1e-4)
    assert np.abs(x.splits["train"].X.mean(axis=0)).max() < 1e-4
    assert np.abs(x.splits["validation"].X.mean(axis=0)).max() > 1e-3


def test_mean_and_std_uses_the_sample_standard_deviation():
    stats = mean_and_std([1.0, 2.0, 3.0, 4.0])
    assert stats["mean"] == 2.5 and stats["std"] == pytest.approx(np.std([1, 2, 3, 4], ddof=1))
    assert np.isnan(mean_and_std([1.0])["std"])


class InterruptAt:
    """A reporter that presses Ctrl-C after the first epoch of the n-th run it sees."""

    def __init__(self, run):
        self.run, self.started = run, 0

    def start(self, total_epochs, first_epoch):
        self.started += 1

    def epoch(self, row):
        if self.started == self.run:
            raise KeyboardInterrupt

    def stop(self):
        pass


def test_an_interrupted_fold_ends_the_cross_validation_with_what_it_has(tmp_path):
    result = cross_validate(loaded_config(), k=4, results_dir=tmp_path, reporter=InterruptAt(2))
    assert result.status == "interrupted"
    assert [fold["status"] for fold in result.folds] == ["finished", "interrupted"]
    summary = json.loads((result.run_dir / "cv.json").read_text())
    assert summary["folds_completed"] == 2 and summary["k"] == 4
    assert not (result.run_dir / "trials" / "2").exists()
