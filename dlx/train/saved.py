"""A trained run read back from its folder: model, scaler and what the data meant."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlx.data import scaler_from_state
from dlx.errors import CheckpointError, DataError
from dlx.models.builder import model_from_description
from dlx.registry import losses
from dlx.runs import load_checkpoint
from dlx.train.evaluate import decide, predict_outputs, scores
from dlx.train.state import unprefixed


@dataclass
class TrainedModel:
    model: object
    scaler: object
    meta: dict

    @property
    def loss(self):
        return losses.create(self.meta["loss"])

    @property
    def input_shape(self) -> tuple:
        return tuple(self.meta["description"]["input_shape"])

    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(decisions, scores) for raw, unscaled inputs of the training data's shape."""
        X = np.asarray(X, dtype=np.float32)
        if X.shape[1:] != self.input_shape:
            size = int(np.prod(self.input_shape))
            if X.ndim == 2 and X.shape[1] == size:
                X = X.reshape((len(X), *self.input_shape))
            else:
                raise DataError(f"inputs have shape {X.shape[1:]} per sample but the model expects "
                                f"{self.input_shape}; give rows of {size} feature values")
        outputs = predict_outputs(self.model, self.scaler.transform(X))
        task = self.meta["task"]
        return decide(outputs, task, self.loss), scores(outputs, task, self.loss)


def load_trained(run_dir: Path | str) -> TrainedModel:
    """Rebuild the model of a run folder from model.npz (never executes code from the file)."""
    run_dir = Path(run_dir)
    path = run_dir / "model.npz" if run_dir.is_dir() else run_dir
    if not path.exists():
        raise CheckpointError(f"'{path}' not found; give the folder of a finished dlx run (it holds model.npz)")
    arrays, meta = load_checkpoint(path)
    if meta.get("kind") != "model" or "description" not in meta:
        raise CheckpointError(f"'{path}' is a dlx checkpoint but not a model file; give a run folder's model.npz")
    model = model_from_description(meta["description"])
    model.load_state_dict(unprefixed("model", arrays))
    model.eval()
    scaler = scaler_from_state(meta.get("scaling"), unprefixed("scaler", arrays))
    return TrainedModel(model, scaler, meta)
