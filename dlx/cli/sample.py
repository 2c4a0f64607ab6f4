"""``dlx sample RUN_DIR``: new samples from a trained VAE or GAN run (an image grid, or a 2-D scatter)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from dlx.cli.common import console, user_errors


def sample(
    run_dir: Path = typer.Argument(..., help="The folder of a VAE or GAN run (dlx train configs/vae_digits.yaml)."),
    n: int = typer.Option(64, "--n", help="How many samples."),
    seed: int = typer.Option(0, "--seed", help="Seeds the latent noise."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="The PNG to write (default: plots/)."),
):
    """Draw N samples from the model of RUN_DIR and write them as a picture."""
    with user_errors():
        from dlx.errors import DlxError
        from dlx.generative.sampling import sample_run
        if n < 1:
            raise DlxError(f"--n must be at least 1, got {n}")
        if not (Path(run_dir) / "model.json").is_file():
            raise DlxError(f"'{run_dir}' is not a run folder (no model.json); give the folder of a VAE or GAN run")
        path = sample_run(run_dir, n=n, seed=seed, path=output)
    console().print(f"wrote {path}")
