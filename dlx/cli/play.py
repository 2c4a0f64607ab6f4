"""``dlx play RUN_DIR``: the greedy policy of a trained reinforcement-learning run, evaluated."""
from __future__ import annotations

from pathlib import Path

import typer

from dlx.cli.common import console, fmt, user_errors


def play(
    run_dir: Path = typer.Argument(..., help="The folder of an RL run (dlx train configs/frozenlake_q.yaml)."),
    episodes: int = typer.Option(100, "--episodes", "-n", help="Episodes to play."),
    render: bool = typer.Option(False, "--render", help="Print every frame (text environments)."),
    seed: int = typer.Option(0, "--seed", help="Seeds the environment."),
):
    """Play the greedy policy of RUN_DIR for N episodes; prints the mean and std of the return and writes a
    child run (RUN_DIR/children/play/<stamp>/ with play.json and summary.json)."""
    with user_errors():
        from dlx.components import load_components
        load_components()
        from dlx.rl.runner import play_run
        result = play_run(run_dir, episodes, render, seed)
    shown = [(k, result[k]) for k in ("mean_return", "std_return", "success_rate", "mean_length") if k in result]
    console().print(f"{episodes} episodes: " + "  ".join(f"{k} {fmt(v)}" for k, v in shown))
    console().print(f"wrote {Path(result['child'])}")
