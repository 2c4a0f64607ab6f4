"""Trials: plain data that survives pickling, a stable id, and one function that runs them."""
import json
import pickle

import yaml

from dlx.sweep.trials import Trial, run_trial
from tests.conftest import BREAST_CANCER_SMALL

CONFIG = yaml.safe_load(BREAST_CANCER_SMALL)


def test_a_trial_is_plain_data_with_a_stable_id():
    trial = Trial(CONFIG, ("optimiser.lr=0.05",), seed=2, folder="x")
    copy = pickle.loads(pickle.dumps(trial))
    assert copy == trial and copy.id == trial.id
    assert Trial(CONFIG, ("optimiser.lr=0.05",), seed=3).id != trial.id
    assert Trial(CONFIG, ("optimiser.lr=0.05",), seed=2, folder="elsewhere").id == trial.id


def test_a_trial_runs_into_its_folder_and_can_be_pruned(tmp_path):
    folder = tmp_path / "trials" / "a"
    result = run_trial(Trial(CONFIG, seed=1, folder=str(folder)), on_epoch=lambda row: row["epoch"] == 2)
    assert result.status == "pruned" and len(result.history) == 2
    assert (folder / "summary.json").is_file() and (folder / "config.yaml").is_file()


def test_a_trial_uses_the_given_split_indices(tmp_path):
    splits = {"train": list(range(100)), "validation": list(range(100, 150))}
    result = run_trial(Trial(CONFIG, seed=1, folder=str(tmp_path / "t"), splits=splits))
    assert result.status == "finished"
    assert result.summary["samples"] == {"train": 100, "validation": 50, "test": 0}


def test_a_failing_trial_is_a_result_not_an_exception(tmp_path):
    (tmp_path / "t").mkdir()  # the folder exists already: a run never reuses one
    result = run_trial(Trial(CONFIG, seed=1, folder=str(tmp_path / "t")))
    assert result.status == "failed" and "exists already" in result.message


def test_an_exception_inside_an_epoch_fails_the_trial_and_its_folder_says_so(tmp_path):
    def explode(row):
        if row["epoch"] == 2:
            raise RuntimeError("boom")

    folder = tmp_path / "t"
    result = run_trial(Trial(CONFIG, seed=1, folder=str(folder)), on_epoch=explode)
    assert result.status == "failed" and "RuntimeError: boom" in result.message
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["status"] == "failed" and summary["error"] == "RuntimeError: boom"
    assert summary["epochs_completed"] == 2
