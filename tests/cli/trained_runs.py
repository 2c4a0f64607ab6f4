"""Small runs of every kind, trained by the real ``dlx train`` in another process, for tests that use them."""
from __future__ import annotations

import shutil
from pathlib import Path

from tests.cli.cli_process import XOR, dlx, output_of, write

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
CHAR_LM = (CONFIGS / "char_lm.yaml").read_text().replace("epochs: 20", "epochs: 1").replace(
    "limit: 200000", "limit: 3000").replace("units: 128", "units: 8")


def trained(folder: Path, config: Path, *settings: str) -> Path:
    """The run folder ``dlx train CONFIG --set ...`` wrote under ``folder``/results."""
    result = dlx("train", config, *(a for s in settings for a in ("--set", s)), "--results", folder / "results",
                 cwd=folder)
    assert result.returncode == 0, output_of(result)
    return Path(result.stdout.strip().splitlines()[-1].removeprefix("run folder: "))


def train_every_kind(folder: Path) -> dict[str, Path]:
    """A supervised (XOR with a test split), a VAE, a character-LM and a Q-learning run; no user of these runs
    looks at their plots, so they skip them (``output.plots=false``)."""
    return {"supervised": trained(folder, write(folder, XOR.replace("test: 0}", "test: 0.25}"))),
            "vae": trained(folder, CONFIGS / "vae_digits.yaml", "training.epochs=1", "output.plots=false"),
            "char_lm": trained(folder, write(folder, CHAR_LM, "char_lm.yaml"), "output.plots=false"),
            "rl": trained(folder, CONFIGS / "frozenlake_q.yaml", "budget.episodes=50", "evaluation.episodes=50",
                          "output.plots=false")}


def copies(runs: dict[str, Path], folder: Path, *kinds: str) -> dict[str, Path]:
    """Copies of the shared runs ``kinds`` (default all) under ``folder``, for a module that writes into them: a
    run folder moved or copied as a user would (without the children that other modules' commands wrote)."""
    return {kind: Path(shutil.copytree(runs[kind], folder / kind, ignore=shutil.ignore_patterns("children", ".lock")))
            for kind in kinds or runs}
