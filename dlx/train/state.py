"""What a checkpoint holds, so that a resumed run continues exactly where it stopped.

A training checkpoint (``checkpoints/last.npz``) stores the model, the optimiser's
buffers, the scaler, the best weights so far, and in its JSON record the epoch,
the generators' states, the callbacks' states and the metrics so far. The model
file (``model.npz``) stores the model and the scaler only.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from dlx.errors import CheckpointError
from dlx.runs import save_checkpoint


def prefixed(prefix: str, arrays: dict) -> dict[str, np.ndarray]:
    return {f"{prefix}/{k}": np.asarray(v) for k, v in arrays.items()}


def unprefixed(prefix: str, arrays: dict) -> dict[str, np.ndarray]:
    start = len(prefix) + 1
    return {k[start:]: v for k, v in arrays.items() if k.startswith(prefix + "/")}


def layer_generators(model) -> dict[str, np.random.Generator]:
    """Generators owned by layers (dropout masks, noise), by module name."""
    return {name or "model": module.rng for name, module in model.named_modules()
            if isinstance(getattr(module, "rng", None), np.random.Generator)}


def generator_states(rngs: dict, model) -> dict:
    states = {f"run/{k}": g.bit_generator.state for k, g in rngs.items()}
    states.update({f"layer/{k}": g.bit_generator.state for k, g in layer_generators(model).items()})
    return states


def restore_generators(states: dict, rngs: dict, model) -> None:
    layer_rngs = layer_generators(model)
    for key, state in states.items():
        kind, _, name = key.partition("/")
        target = rngs.get(name) if kind == "run" else layer_rngs.get(name)
        if target is None:
            raise CheckpointError(f"checkpoint has a generator '{key}' that this model does not; "
                                  f"was the config changed since the run started?")
        target.bit_generator.state = state


def save_model_file(path: Path, model, scaler, meta: dict) -> None:
    arrays = prefixed("model", model.state_dict())
    arrays.update(prefixed("scaler", scaler.state_dict()))
    save_checkpoint(path, arrays, meta)


def training_state(experiment) -> tuple[dict, dict]:
    """Copies of the model, optimiser and scaler arrays and the generators' states, taken in memory."""
    arrays = prefixed("model", experiment.model.state_dict())
    arrays.update(prefixed("optimiser", experiment.optimiser.state_dict()))
    arrays.update(prefixed("scaler", experiment.scaler.state_dict()))
    return arrays, {"kind": "training", "generators": generator_states(experiment.rngs, experiment.model)}


def load_training_state(arrays: dict, meta: dict, experiment) -> None:
    """Restore model, optimiser and generators from a training checkpoint's arrays and record."""
    if meta.get("kind") != "training":
        raise CheckpointError("the checkpoint is not a training checkpoint; give a run folder with "
                              "checkpoints/last.npz")
    experiment.model.load_state_dict(unprefixed("model", arrays))
    experiment.optimiser.load_state_dict(unprefixed("optimiser", arrays))
    restore_generators(meta["generators"], experiment.rngs, experiment.model)
