"""DQN and double DQN on CartPole-v1 within 50,000 environment steps, over several seeds.

Runs ``configs/cartpole_dqn.yaml`` (or ``cartpole_double_dqn.yaml`` with ``--double``) once per
seed and reports, per seed: wall time, environment steps, the periodic greedy evaluations
(100 episodes each; the best network acts at the end), the first step at which a greedy
evaluation reached 475 (CartPole-v1's "solved"), and the final greedy evaluation over 100
fresh episodes. Each run's rows go to ``results/rl/cartpole/<agent>_seed<k>.json``; once both
agents have runs, ``mean_q.png`` there overlays their mean predicted Q against the bound
(1 - 0.99^500) / (1 - 0.99) ~ 99.3, the discounted return of a perfect 500-step episode.

Usage::

    nice python -m experiments.cartpole_dqn --seeds 0,1,2
    nice python -m experiments.cartpole_dqn --seeds 0,1,2 --double
    python -m experiments.cartpole_dqn --plot-only
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from dlx.rl import load_rl_config, run_config
from dlx.rl.plots import CARTPOLE_Q_BOUND, plot_mean_q, smooth

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "results" / "rl" / "cartpole"
SOLVED = 475.0


def run_seed(config_name: str, seed: int, steps: int | None) -> dict:
    overrides = {"seed": seed} | ({"budget": {"steps": steps}} if steps else {})
    config = load_rl_config(ROOT / "configs" / f"{config_name}.yaml", overrides)
    result = run_config(config)
    evaluations = [(r["steps"], r["eval_return"]) for r in result.rows if "eval_return" in r]
    solved_at = next((step for step, value in evaluations if value >= SOLVED), None)
    return {"agent": config.agent.name, "seed": seed, "wall_time_s": result.summary["wall_time_s"],
            "steps": result.summary["steps"], "episodes": result.summary["episodes"],
            "evaluations": evaluations, "first_solved_step": solved_at,
            "final": result.summary["evaluation"], "rows": result.rows}


def report(runs: list[dict]) -> None:
    print(f"{'agent':<11} {'seed':>4} {'wall s':>7} {'steps':>6} {'best eval':>9} {'solved at':>9} "
          f"{'final mean +- std (100 ep.)':>28} {'last mean Q':>11}")
    for run in runs:
        best = max(value for _, value in run["evaluations"]) if run["evaluations"] else float("nan")
        final = run["final"]
        last_q = smooth([r["mean_q"] for r in run["rows"]], 20)[-1]
        print(f"{run['agent']:<11} {run['seed']:>4} {run['wall_time_s']:>7.0f} {run['steps']:>6} {best:>9.1f} "
              f"{str(run['first_solved_step']):>9} {final['mean_return']:>19.1f} +- {final['std_return']:>5.1f} "
              f"{last_q:>11.1f}")
    finals = [run["final"]["mean_return"] for run in runs]
    solved = sum(f >= SOLVED for f in finals)
    print(f"final greedy mean over seeds {np.mean(finals):.1f}; {solved}/{len(runs)} seeds >= {SOLVED:.0f}")


def plot_overlay() -> Path | None:
    """mean_q.png: DQN vs double DQN (each seed a line) against the 99.3 bound."""
    curves = {}
    for path in sorted(OUT.glob("*_seed*.json")):
        run = json.loads(path.read_text())
        rows = run["rows"]
        curves[f"{run['agent']} seed {run['seed']}"] = ([r["steps"] for r in rows], [r["mean_q"] for r in rows])
    if not curves:
        return None
    return plot_mean_q(curves, OUT / "mean_q.png", CARTPOLE_Q_BOUND)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds")
    parser.add_argument("--double", action="store_true", help="double DQN instead of DQN")
    parser.add_argument("--steps", type=int, default=None, help="override the 50,000-step budget")
    parser.add_argument("--plot-only", action="store_true", help="redraw mean_q.png from saved runs")
    args = parser.parse_args()
    if not args.plot_only:
        config_name = "cartpole_double_dqn" if args.double else "cartpole_dqn"
        runs = []
        with threadpool_limits(1, user_api="blas"):  # small matrices: one BLAS thread is fastest
            for seed in (int(s) for s in args.seeds.split(",")):
                run = run_seed(config_name, seed, args.steps)
                OUT.mkdir(parents=True, exist_ok=True)
                (OUT / f"{run['agent']}_seed{seed}.json").write_text(json.dumps(run))
                print(f"{run['agent']} seed {seed}: final {run['final']['mean_return']:.1f}", flush=True)
                runs.append(run)
        report(runs)
    path = plot_overlay()
    if path:
        print(f"mean Q plot: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
