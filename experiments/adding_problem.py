"""The adding problem (Hochreiter & Schmidhuber 1997; Le et al. 2015): gated RNNs remember, a tanh RNN stalls.

Each sequence has T steps of (value in U[0, 1], marker); the target is the sum of the two
marked values, one in each half. Predicting the mean gives MSE 1/6 ~= 0.167 (the lecture's
reference); a network must carry the first marked value over up to T steps to do better.

Models, trained with dlx's own layers and optimiser (no config): a recurrent layer of
``--units`` units over the sequence, its last state -> dense 1, MSE, Adam with gradient
clipping (global norm 1), fresh batches every step, a fixed test set of 1000 sequences.
Training stops early once the test MSE is below 0.01.

Gradient flow made visible: before and after training, ``layer.grad_norms`` (||dL/dh_t||
per step, loss on the last output) shows how much of the gradient reaches the first step.
At the start the gates of LSTM and GRU let little through (forget gate sigma(1) ~= 0.73,
update gate ~= 0.5 per step); the trained gated networks learn to keep the state.

Run ``python -m experiments.adding_problem`` (T = 100, lstm, gru and a tanh RNN), or e.g.
``python -m experiments.adding_problem --models gru --steps 2000 --length 50``.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from dlx.data.sequences import adding_problem
from dlx.nn import GRU, IRNN, LSTM, Dense, Sequential, SimpleRNN
from dlx.ops import mse_loss
from dlx.optim import Adam
from dlx.tensor import Tensor, no_grad

BASELINE, TARGET = 1 / 6, 0.01
LAYERS = {"lstm": LSTM, "gru": GRU, "rnn": SimpleRNN, "irnn": IRNN}


def build(kind: str, units: int, length: int, seed: int) -> Sequential:
    model = Sequential([LAYERS[kind](units, record_grad_norms=True), Dense(1)])
    model.build((length, 2), np.random.default_rng(seed))
    return model


def gradient_reach(model: Sequential, x: np.ndarray, y: np.ndarray) -> float:
    """||dL/dh_0|| / ||dL/dh_{T-1}|| at the current weights: how much gradient reaches the first step."""
    model.zero_grad()
    mse_loss(model(Tensor(x)), Tensor(y)).backward()
    norms = model.layers[0].grad_norms
    return norms[0] / norms[-1]


def test_mse(model: Sequential, x: np.ndarray, y: np.ndarray) -> float:
    with no_grad():
        return float(np.mean((model(Tensor(x)).data - y) ** 2))


def train(kind: str, steps: int = 3000, length: int = 100, units: int = 64, batch: int = 64,
          lr: float = 3e-3, seed: int = 0, every: int = 100, verbose: bool = False) -> dict:
    """Train one model; returns its test-MSE curve, the step it reached the target, the time."""
    rng = np.random.default_rng(seed)
    x_test, y_test = adding_problem(1000, length, rng=np.random.default_rng(seed + 1))
    model = build(kind, units, length, seed)
    reach = gradient_reach(model, x_test[:batch], y_test[:batch])
    optimiser = Adam(model.parameters(), lr=lr, clip_norm=1.0)
    curve, reached, start = [], None, time.perf_counter()
    for step in range(1, steps + 1):
        x, y = adding_problem(batch, length, rng=rng)
        loss = mse_loss(model(Tensor(x)), Tensor(y))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if step % every == 0:
            curve.append((step, test_mse(model, x_test, y_test)))
            if verbose:
                print(f"  {kind} step {step}: test MSE {curve[-1][1]:.4f} ({time.perf_counter() - start:.0f} s)",
                      flush=True)
            if curve[-1][1] < TARGET:
                reached = step
                break
    seconds = time.perf_counter() - start
    return {"model": kind, "curve": curve, "test_mse": curve[-1][1] if curve else test_mse(model, x_test, y_test),
            "reached_at": reached, "seconds": seconds, "gradient_reach": reach,
            "gradient_reach_end": gradient_reach(model, x_test[:batch], y_test[:batch])}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="lstm,gru,rnn", help=f"comma-separated, from {sorted(LAYERS)}")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--length", type=int, default=100)
    parser.add_argument("--units", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", action="store_true", help="print the test MSE every 100 steps")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS threads (1: the many small products gain nothing from more, and on a busy "
                             "machine waiting threads cost a lot)")
    args = parser.parse_args(argv)
    from threadpoolctl import threadpool_limits
    threadpool_limits(args.threads, user_api="blas")
    print(f"adding problem, T={args.length}, {args.units} units, batch 64, Adam lr {args.lr:g}, clip 1; "
          f"predicting the mean gives {BASELINE:.3f}, target < {TARGET}")
    for kind in args.models.split(","):
        result = train(kind, args.steps, args.length, args.units, lr=args.lr, seed=args.seed, verbose=args.verbose)
        trace = ", ".join(f"{s}: {m:.4f}" for s, m in result["curve"][::max(1, len(result["curve"]) // 8)])
        reached = f"reached < {TARGET} at step {result['reached_at']}" if result["reached_at"] else "target not reached"
        print(f"{kind:5s} test MSE {result['test_mse']:.4f} ({reached}), {result['seconds']:.0f} s; "
              f"||dL/dh_0|| / ||dL/dh_T-1|| {result['gradient_reach']:.1e} at the start, "
              f"{result['gradient_reach_end']:.1e} at the end")
        print(f"      test MSE by step: {trace}", flush=True)


if __name__ == "__main__":
    main()
