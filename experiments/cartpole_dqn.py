"""DQN and double DQN on CartPole-v1 within 50,000 environment steps, over several seeds.

Runs ``configs/cartpole_dqn.yaml`` (or ``cartpole_double_dqn.yaml`` with ``--double``) once per
seed and reports, per seed: wall time, environment steps, the periodic greedy evaluations
(100 episodes each; the best network acts at the end), the first step at which a greedy
evaluation reached 475 (CartPole-v1's "solved"), and the final greedy evaluation over 100
fresh episodes. Each seed is an ordinary run, through the run session, in
``results/cartpole-dqn/<stamp>/`` (``cartpole-double-dqn`` with ``--double``); once both agents
have runs, ``mean_q.png`` overlays their mean predicted Q against the bound
(1 - 0.99^500) / (1 - 0.99) ~ 99.3, the discounted return of a perfect 500-step episode. The
overlay is a child run of the newest run it draws (``RUN/children/mean-q/<stamp>/``), whose
config.yaml lists every run drawn.

Usage::

    nice python -m experiments.cartpole_dqn --seeds 0,1,2
    nice python -m experiments.cartpole_dqn --seeds 0,1,2 --double
    python -m experiments.cartpole_dqn --plot-only
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from dlx.rl.plots import CARTPOLE_Q_BOUND, plot_mean_q, smooth
from dlx.rl.runner import train_rl
from dlx.runs import find_runs, read_summary
from dlx.runs.children import open_child
from dlx.runs.metrics_log import parse_jsonl_lines

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results"
RUN_NAMES = ("cartpole-dqn", "cartpole-double-dqn")
SOLVED = 475.0


def run_seed(config_name: str, seed: int, steps: int | None) -> dict:
    settings = [f"seed={seed}"] + ([f"budget.steps={steps}"] if steps else [])
    result = train_rl(ROOT / "configs" / f"{config_name}.yaml", settings, results_dir=str(RESULTS))
    return run_record(result.run_dir)


def run_record(run_dir: Path) -> dict:
    """What the report and the overlay need of one run folder: its summary and its metrics rows."""
    summary = read_summary(run_dir)
    rows = parse_jsonl_lines((run_dir / "metrics.jsonl").read_text(encoding="utf-8"), run_dir / "metrics.jsonl")[0]
    evaluations = [(r["steps"], r["eval_return"]) for r in rows if "eval_return" in r]
    return {"run_dir": run_dir, "agent": summary["agent"], "seed": summary["seed"],
            "wall_time_s": summary["train_seconds"], "steps": summary["steps"], "episodes": summary["episodes"],
            "evaluations": evaluations, "rows": rows, "final": summary["evaluation"],
            "first_solved_step": next((step for step, value in evaluations if value >= SOLVED), None)}


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
    """mean_q.png: DQN vs double DQN (each seed a line) against the 99.3 bound, as a child run of the newest."""
    runs = [run for name in RUN_NAMES for run in find_runs(RESULTS, name) if read_summary(run)["status"] == "finished"]
    if not runs:
        return None
    curves = {}
    for run in map(run_record, runs):
        curves[f"{run['agent']} seed {run['seed']}"] = ([r["steps"] for r in run["rows"]],
                                                        [r["mean_q"] for r in run["rows"]])
    with open_child(runs[0], "mean-q", {"runs": [str(run) for run in runs]}) as child:
        path = plot_mean_q(curves, child.run_dir / "mean_q.png", CARTPOLE_Q_BOUND)
        child.finish("finished", {"headline": {"runs": len(runs)}})
    return path


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
                print(f"{run['agent']} seed {seed}: final {run['final']['mean_return']:.1f} ({run['run_dir']})",
                      flush=True)
                runs.append(run)
        report(runs)
    path = plot_overlay()
    if path:
        print(f"mean Q plot: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
