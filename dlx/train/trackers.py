"""Experiment trackers fed by the trainer's events: TensorBoard event files and an MLflow file store.

Switched on in a config's ``output`` section (``tensorboard: true``, ``mlflow: true``); each is an
optional extra (``pip install -e '.[trackers]'``), imported only when switched on. They listen to
the one trainer (``Tracking`` wraps its reporter: every epoch row passes through ``epoch``), so
nothing trains twice:

* TensorBoard (``RUN/tensorboard/``, the tensorboard package's own event writer and protos): every
  number of an epoch row as a scalar at that epoch, histograms of every weight and of its last
  gradient, the run's plots as images, the config's values as hyperparameters, the final metrics;
* MLflow (``<results>/mlruns``, a file store, which MLflow 3 keeps in maintenance mode: dlx sets
  ``MLFLOW_ALLOW_FILE_STORE=true`` unless it is set; one MLflow experiment per run name): the config's
  values as params, every epoch's numbers as metrics at step = epoch, the run's files as
  artifacts, tags with the git commit (``mlflow.source.git.commit``) and dlx's run folder.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from dlx.errors import ConfigError
from dlx.runs.catalog import flatten
from dlx.runs.provenance import git_state

INSTALL = "output.{name}: needs the {package} package; install with pip install -e '.[trackers]'"


def numbers(row: dict) -> dict[str, float]:
    return {k: float(v) for k, v in row.items() if isinstance(v, (int, float)) and not isinstance(v, bool)
            and k != "epoch" and np.isfinite(v)}


class TensorBoardTracker:
    """Event files written with the ``tensorboard`` package's own writer and protos (no TensorFlow, no torch)."""

    def __init__(self, run_dir: Path, config: dict):
        try:
            from tensorboard.compat.proto import event_pb2, summary_pb2
            from tensorboard.plugins.hparams import summary_v2
            from tensorboard.summary.writer.event_file_writer import EventFileWriter
        except ImportError:
            raise ConfigError(INSTALL.format(name="tensorboard", package="tensorboard")) from None
        self.event_pb2, self.summary_pb2, self.hparams = event_pb2, summary_pb2, summary_v2
        self.writer, self.config = EventFileWriter(str(run_dir / "tensorboard")), config

    def write(self, step: int, *values) -> None:
        summary = self.summary_pb2.Summary(value=list(values))
        self.writer.add_event(self.event_pb2.Event(wall_time=time.time(), step=step, summary=summary))

    def histogram(self, tag: str, values):
        values = np.asarray(values, np.float64).ravel()
        counts, edges = np.histogram(values, bins=30)
        proto = self.summary_pb2.HistogramProto(min=float(values.min()), max=float(values.max()), num=values.size,
                                                sum=float(values.sum()), sum_squares=float(values @ values),
                                                bucket_limit=edges[1:].tolist(), bucket=counts.tolist())
        return self.summary_pb2.Summary.Value(tag=tag, histo=proto)

    def epoch(self, row: dict, model) -> None:
        step = int(row.get("epoch", 0))
        values = [self.summary_pb2.Summary.Value(tag=name, simple_value=value) for name, value in numbers(row).items()]
        for name, p in (model.named_parameters() if model is not None else []):
            values.append(self.histogram(f"weights/{name}", p.data))
            if p.grad is not None:
                values.append(self.histogram(f"gradients/{name}", p.grad))
        self.write(step, *values)

    def end(self, run_dir: Path, summary: dict) -> None:
        for png in sorted((run_dir / "plots").glob("*.png")):
            data = png.read_bytes()  # the PNG as it is: its IHDR gives width, height and colour type
            width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
            image = self.summary_pb2.Summary.Image(height=height, width=width, colorspace=4 if data[25] == 6 else 3,
                                                   encoded_image_string=data)
            self.write(0, self.summary_pb2.Summary.Value(tag=f"plots/{png.stem}", image=image))
        hparams = {k: v for k, v in flatten(self.config).items() if isinstance(v, (bool, int, float, str))}
        self.writer.add_event(self.event_pb2.Event(wall_time=time.time(), summary=self.hparams.hparams_pb(hparams)))
        final = numbers((summary.get("final") or {}) | (summary.get("test") or {}))
        self.write(0, *[self.summary_pb2.Summary.Value(tag=f"final/{k}", simple_value=v) for k, v in final.items()])
        self.writer.close()


class MlflowTracker:
    def __init__(self, run_dir: Path, config: dict):
        # the issue asks for a file store; MLflow 3 keeps it in maintenance mode and wants this opt-in
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
        try:
            from mlflow.tracking import MlflowClient
        except ImportError:
            raise ConfigError(INSTALL.format(name="mlflow", package="mlflow")) from None
        store = run_dir.parent.parent / "mlruns"
        self.client = MlflowClient(tracking_uri=store.resolve().as_uri())
        name = run_dir.parent.name
        found = self.client.get_experiment_by_name(name)
        experiment = found.experiment_id if found else self.client.create_experiment(name)
        commit = git_state()["commit"]
        tags = {"dlx.run_dir": str(run_dir)} | ({"mlflow.source.git.commit": commit} if commit else {})
        self.run_id = self.client.create_run(experiment, tags=tags, run_name=run_dir.name).info.run_id
        for key, value in list(flatten(config).items())[:500]:  # MLflow's limit: 500 values of 6000 characters
            self.client.log_param(self.run_id, key, str(value)[:6000])

    def epoch(self, row: dict, model) -> None:
        step = int(row.get("epoch", 0))
        for name, value in numbers(row).items():
            self.client.log_metric(self.run_id, name, value, step=step)

    def end(self, run_dir: Path, summary: dict) -> None:
        for name in ("config.yaml", "summary.json", "metrics.csv", "run.log"):
            if (run_dir / name).is_file():
                self.client.log_artifact(self.run_id, str(run_dir / name))
        if (run_dir / "plots").is_dir():
            self.client.log_artifacts(self.run_id, str(run_dir / "plots"), "plots")
        status = "FINISHED" if summary.get("status") in ("finished", "early_stopped") else "FAILED"
        self.client.set_terminated(self.run_id, status)


class Tracking:
    """The trainer's reporter with the trackers listening: ``epoch(row)`` goes to both."""

    def __init__(self, reporter, trackers: list, model):
        self.reporter, self.trackers, self.model = reporter, trackers, model

    def __getattr__(self, name):  # start, batch, stop: the reporter's own
        return getattr(self.reporter, name)

    def epoch(self, row: dict) -> None:
        if hasattr(self.reporter, "epoch"):
            self.reporter.epoch(row)
        for tracker in self.trackers:
            tracker.epoch(row, self.model)

    def end(self, run_dir: Path, summary: dict) -> None:
        for tracker in self.trackers:
            tracker.end(Path(run_dir), summary)


def trackers_for(output, run_dir: Path, config: dict) -> list:
    """The trackers ``output`` switches on (none: an empty list, nothing imported)."""
    chosen = [(getattr(output, "tensorboard", False), TensorBoardTracker), (getattr(output, "mlflow", False),
                                                                            MlflowTracker)]
    return [make(Path(run_dir), config) for on, make in chosen if on]
