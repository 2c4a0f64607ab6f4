"""The run being compressed, opened again: its config, its trained model and its own data splits.

Only a finished supervised run can be compressed; a generative or reinforcement-learning run
is refused in one line that says which command applies to it. Training (fine-tuning,
distillation, lottery rounds) starts from ``experiment``: the run's config prepared on the run's
own splits (``splits.npz``), so it scales, batches and seeds exactly as the run did.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dlx.config import LoadedConfig, load_config
from dlx.errors import DlxError
from dlx.inference.loaded import LoadedRun, load_run
from dlx.inference.splits import run_splits
from dlx.runs.checkpoint import load_checkpoint
from dlx.runs.run_kind import wrong_kind_message
from dlx.runs.splits import read_splits
from dlx.train.experiment import Experiment, prepare
from dlx.train.runner import prepare_indexed
from dlx.train.state import unprefixed


@dataclass
class Source:
    """A trained run to compress.

    Attributes:
        run_dir: its folder; run: the loaded model (``dlx.inference.loaded``); loaded: its config;
        config_text: its config.yaml as written; splits: its raw train/validation/test data;
        indices: where they lie in the data set (None for an older run without splits.npz).
    """

    run_dir: Path
    run: LoadedRun
    loaded: LoadedConfig
    config_text: str
    splits: dict
    indices: dict | None

    def experiment(self, overrides: list[str] = (), weights: bool = True) -> Experiment:
        """The run's config prepared on its own splits (``overrides`` as ``--set`` takes them), the trained
        weights loaded unless ``weights`` is False (then the network keeps the run's initial weights)."""
        loaded = load_config(self.run_dir / "config.yaml", list(overrides)) if overrides else self.loaded
        x = prepare_indexed(loaded, self.indices) if self.indices is not None else prepare(loaded)
        if weights:
            x.model.load_state_dict(trained_state(self.run_dir))
        return x


def trained_state(run_dir: Path) -> dict:
    arrays, _ = load_checkpoint(Path(run_dir) / "model.npz")
    return unprefixed("model", arrays)


def open_source(run_dir: Path | str) -> Source:
    """Open the finished supervised run ``run_dir``; DlxError (one line) for anything else."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise DlxError(f"'{run_dir}' is not a folder; give the folder of a finished dlx run (results/<name>/<id>)")
    wrong_kind = wrong_kind_message(run_dir, "compress", sequences=False)
    if wrong_kind:
        raise DlxError(wrong_kind)
    if not (run_dir / "config.yaml").is_file() or not (run_dir / "model.npz").is_file():
        raise DlxError(f"'{run_dir}' has no config.yaml and model.npz; give the folder of a finished "
                       f"supervised dlx run")
    run = load_run(run_dir)
    loaded = load_config(run_dir / "config.yaml")
    return Source(run_dir, run, loaded, (run_dir / "config.yaml").read_text(encoding="utf-8"),
                  run_splits(run_dir, loaded), read_splits(run_dir))
