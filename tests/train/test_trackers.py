"""TensorBoard event files and an MLflow file store written from the trainer's events, read back by the
trackers' own readers (tensorboard's EventAccumulator, mlflow's client)."""
from pathlib import Path

import pytest

from dlx.config import load_config
from dlx.train.runner import start_run
from tests.cli.cli_process import write
from tests.conftest import BREAST_CANCER_SMALL


def test_a_run_with_both_trackers_is_read_back_by_their_own_readers(tmp_path, monkeypatch):
    # imported here, not at collection: every test worker collects this file, one runs the test
    event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    mlflow_tracking = pytest.importorskip("mlflow.tracking")
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3's opt-in to read a file store
    config = BREAST_CANCER_SMALL.replace("output: {plots: false}", "output: {plots: true, tensorboard: true, "
                                                                   "mlflow: true}")
    result = start_run(load_config(write(tmp_path, config)), results_dir=str(tmp_path / "results"))  # in process:
    assert result.status == "finished"                                     # one import of mlflow, not two
    run = Path(result.run_dir)

    events = event_accumulator.EventAccumulator(str(run / "tensorboard"), size_guidance={"images": 0}).Reload()
    tags = events.Tags()
    assert [e.step for e in events.Scalars("val_loss")] == [1, 2, 3]  # training.epochs: 3
    assert any(t.startswith("weights/") for t in tags["histograms"])
    assert any(t.startswith("gradients/") for t in tags["histograms"])
    assert any(t.startswith("plots/") for t in tags["images"])

    client = mlflow_tracking.MlflowClient(tracking_uri=(tmp_path / "results" / "mlruns").as_uri())
    (experiment,) = [e for e in client.search_experiments() if e.name == run.parent.name]
    (logged,) = client.search_runs([experiment.experiment_id])
    assert [m.step for m in client.get_metric_history(logged.info.run_id, "val_loss")] == [1, 2, 3]
    assert logged.data.params["optimiser.lr"] == "0.01" and logged.info.status == "FINISHED"
    assert "mlflow.source.git.commit" in logged.data.tags or "dlx.run_dir" in logged.data.tags
