"""``dlx sample RUN_DIR``: new samples from a trained run.

A VAE or GAN run gives an image grid (or a 2-D scatter); a character language model
(task ``language_model``) prints generated text::

    dlx sample results/vae-digits/<run> --n 64
    dlx sample results/char-lm/<run> --length 300 --temperature 0.8 --seed-text "The "
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from dlx.cli.common import console, user_errors


def sample(
    run_dir: Path = typer.Argument(..., help="The folder of a VAE, GAN or character language-model run."),
    n: int = typer.Option(64, "--n", help="How many samples (VAE/GAN)."),
    seed: int = typer.Option(0, "--seed", help="Seeds the latent noise or the character draws."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Also write the PNG here (it is always in the child run RUN_DIR/children/sample-N/<stamp>/)."),
    length: int = typer.Option(300, "--length", help="Characters to generate (language model)."),
    temperature: float = typer.Option(0.8, "--temperature", help="Softmax temperature > 0 (language model)."),
    seed_text: Optional[str] = typer.Option(None, "--seed-text", help="Text to continue (language model)."),
):
    """Draw samples from the model of RUN_DIR: a picture (VAE, GAN) or text (language model)."""
    with user_errors():
        from dlx.errors import DlxError
        from dlx.runs.run_kind import read_json_record, run_kind
        if run_kind(run_dir)[0] == "reinforcement_learning":
            raise DlxError(f"'{run_dir}' is a reinforcement-learning run; dlx sample works on VAE, GAN and "
                           f"language-model runs; use dlx play {run_dir}")
        description = Path(run_dir) / "model.json"
        if not description.is_file():
            raise DlxError(f"'{run_dir}' is not a run folder (no model.json); give the folder of a VAE, GAN or "
                           f"language-model run")
        if read_json_record(description).get("task") == "language_model":
            return print_text(run_dir, length, temperature, seed_text, seed)
        from dlx.components import load_components
        load_components()
        from dlx.generative.sampling import sample_run
        if n < 1:
            raise DlxError(f"--n must be at least 1, got {n}")
        path = sample_run(run_dir, n=n, seed=seed, path=output)
    console().print(f"wrote {path}")


def print_text(run_dir: Path, length: int, temperature: float, seed_text: Optional[str], seed: int) -> None:
    """Print the text as it is drawn (a long text starts at once, in constant memory); Ctrl-C ends it, exit 130;
    a reader that stops (``| head``) ends it quietly."""
    import os
    import sys
    from dlx.inference.text import stream_text
    pieces = stream_text(run_dir, length=length, temperature=temperature, seed_text=seed_text, seed=seed)
    try:
        for piece in pieces:
            sys.stdout.write(piece)
            sys.stdout.flush()
    except KeyboardInterrupt:
        sys.stdout.write("\n")
        raise typer.Exit(130)
    except BrokenPipeError:  # nobody reads any more: stop, and let nothing flush into the closed pipe
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(0)
    sys.stdout.write("\n")
