"""A trained run read back from its folder: a model whose forward starts at the raw input.

``load_run(run_dir)`` rebuilds the architecture from ``model.npz`` (never
executing anything from the file), loads the weights and puts the run's scaler
in front as a layer, so that ``run.model(x_raw)`` is differentiable with
respect to what the user gave::

    run = load_run("results/digits-mlp/20261127-011910-eae370")
    x = Tensor(raw_images, requires_grad=True)
    run.model(x).sum().backward()          # x.grad: d(outputs)/d(raw input), the scaler included
    labels, probabilities = run.predict(raw_images)
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

import dlx.losses  # noqa: F401  (registers the losses: a fresh process that did not train needs them)
import dlx.models  # noqa: F401  (registers the named models)
from dlx.errors import CheckpointError, DataError, DlxError
from dlx.models.builder import model_from_description
from dlx.nn import InputScaler, Module, Sequential
from dlx.registry import losses
from dlx.runs import load_checkpoint
from dlx.runs.run_kind import wrong_kind_message
from dlx.tasks import Task, get_task, predict_outputs
from dlx.train.state import unprefixed


@dataclass
class LoadedRun:
    """A run's trained model and what its data meant.

    Attributes:
        run_dir: the run folder.
        model: ``Sequential([InputScaler, trained network])``: raw inputs in, raw outputs out.
        network: the trained network alone (it expects scaled inputs).
        scaler: the ``InputScaler`` in front of it.
        task: the run's ``Task``; ``loss`` its loss; ``meta`` the JSON record of model.npz.
    """

    run_dir: Path
    model: Module
    network: Module
    scaler: InputScaler
    task: Task
    loss: object
    meta: dict

    @property
    def input_shape(self) -> tuple:
        return tuple(self.meta["description"]["input_shape"])

    @property
    def n_outputs(self) -> int:
        return int(self.meta["description"]["output_size"])

    @property
    def class_names(self) -> list[str] | None:
        return self.meta.get("class_names")

    @property
    def feature_names(self) -> list[str] | None:
        return self.meta.get("feature_names")

    def checked_inputs(self, X) -> np.ndarray:
        """``X`` as float32 of shape (N, *input_shape); flat rows of an image model are reshaped."""
        X = np.asarray(X, dtype=np.float32)
        if X.shape[1:] != self.input_shape:
            size = int(np.prod(self.input_shape))
            if X.ndim == 2 and X.shape[1] == size:
                return X.reshape((len(X), *self.input_shape))
            raise DataError(f"inputs have shape {X.shape[1:]} per sample but the model expects "
                            f"{self.input_shape}; give rows of {size} feature values")
        return X

    def outputs(self, X) -> np.ndarray:
        """Raw outputs for raw inputs (eval mode, no tape)."""
        return predict_outputs(self.model, self.checked_inputs(X))

    def predict(self, X) -> tuple[np.ndarray, np.ndarray]:
        """(decisions, scores) for raw, unscaled inputs of the training data's shape."""
        outputs = self.outputs(X)
        return self.task.decide(outputs, self.loss), self.task.scores(outputs, self.loss)


def load_run(run_dir: Path | str) -> LoadedRun:
    """Open the run folder ``run_dir`` (or its ``model.npz``); CheckpointError for anything else."""
    run_dir = Path(run_dir)
    path = run_dir / "model.npz" if run_dir.is_dir() else run_dir
    wrong_kind = wrong_kind_message(path.parent, "evaluate, predict and explain")
    if wrong_kind:
        raise CheckpointError(wrong_kind)
    if not path.exists():
        raise CheckpointError(f"'{path}' not found; give the folder of a finished dlx run (it holds model.npz)")
    arrays, meta = load_checkpoint(path)
    if meta.get("kind") != "model" or "description" not in meta:
        raise CheckpointError(f"'{path}' is a dlx checkpoint but not a model file; give a run folder's model.npz")
    network = model_from_description(meta["description"])
    try:
        network.load_state_dict(unprefixed("model", arrays))
    except DlxError as error:
        raise CheckpointError(f"'{path}': {error}") from None
    scaler = InputScaler.from_state(meta.get("scaling"), unprefixed("scaler", arrays))
    model = Sequential([scaler, network])
    model.eval()
    return LoadedRun(path.parent, model, network, scaler, get_task(meta["task"]), losses.create(meta["loss"]), meta)
