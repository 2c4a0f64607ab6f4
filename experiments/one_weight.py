"""Learning with one weight (notes ch. 2 and 4; Grokking Deep Learning ch. 3-4).

A "network" of one weight predicts ``pred = input * weight``, compares with
``error = (pred - goal)^2`` and learns by changing the weight. Shown here:

* hot/cold learning: try ``weight +- step`` and keep whichever errs less;
* gradient descent: ``weight -= alpha * input * (pred - goal)``, and the three
  properties of ``weight_delta = input * delta`` (stopping, negative reversal, scaling);
* divergence: with input 2 the update overshoots and the error grows ninefold per
  step (alpha 1); alpha 0.1 shrinks it to 0.36 of itself per step instead;
* the same descent with dlx's Tensor autograd and SGD optimiser, float for float.

Every function returns a trajectory: a list of ``(weight, error)`` pairs, entry 0
at the starting weight, entry k after k updates (so ``iterations + 1`` entries).

Run ``python -m experiments.one_weight`` for a readable trace.
"""
from __future__ import annotations

import numpy as np

from dlx.nn import Parameter
from dlx.optim import SGD

Trajectory = list[tuple[float, float]]

# The book's numbers (Grokking Deep Learning ch. 4).
HOT_COLD = dict(input=0.5, goal=0.8, weight=0.5, step_amount=0.001, iterations=1101)
GRADIENT_DESCENT = dict(input=0.5, goal=0.8, weight=0.5, alpha=1.0, iterations=20)
DIVERGENCE = dict(input=2.0, goal=0.8, weight=0.5, iterations=20)
DIVERGING_ALPHA, CONVERGING_ALPHA = 1.0, 0.1


def squared_error(pred: float, goal: float) -> float:
    """The notes' "compare" step: (pred - goal)^2, positive, and large errors weigh more."""
    return (pred - goal) ** 2


def hot_cold_learning(input: float, goal: float, weight: float, step_amount: float,
                      iterations: int) -> Trajectory:
    """Hot/cold learning: move the weight by ``step_amount`` in whichever direction errs less.

    Each iteration predicts with ``weight + step_amount`` and ``weight - step_amount``
    and keeps the better one (no move on a tie). It needs three predictions per
    step, always moves by the same amount (so it can only get within one step of
    the best weight and then wobbles around it), and never learns how far to go.
    """
    trajectory = [(weight, squared_error(input * weight, goal))]
    for _ in range(iterations):
        up_error = squared_error(input * (weight + step_amount), goal)
        down_error = squared_error(input * (weight - step_amount), goal)
        if down_error < up_error:
            weight = weight - step_amount
        elif up_error < down_error:
            weight = weight + step_amount
        trajectory.append((weight, squared_error(input * weight, goal)))
    return trajectory


def weight_delta(input: float, delta: float) -> float:
    """``input * delta``: how much, and which way, the weight was to blame for the error.

    ``delta = pred - goal`` says "predict lower" (> 0) or "predict higher" (< 0).
    Multiplying by the input gives the update three properties (notes ch. 4):

    * stopping: input 0 -> weight_delta 0; the weight did not affect the
      prediction, so it is not changed;
    * negative reversal: a negative input flips the sign, so the weight still
      moves the way that brings the prediction towards the goal;
    * scaling: the update grows with the input; a large input makes the
      weight's share of the prediction large, so it moves a lot (and may
      overshoot: see ``DIVERGENCE``).
    """
    return input * delta


def gradient_descent(input: float, goal: float, weight: float, alpha: float,
                     iterations: int) -> Trajectory:
    """The notes' gradient descent on one weight.

    Each step: ``pred = input * weight``; ``error = (pred - goal)^2``;
    ``delta = pred - goal``; ``weight_delta = input * delta``;
    ``weight -= alpha * weight_delta``.

    ``input * delta`` is half the derivative d error / d weight. One step scales
    delta by ``1 - alpha * input^2`` (see ``error_ratio``): for input 0 nothing
    changes (stopping); a negative input gives the same ratio, because the
    update's sign flips with it (negative reversal); and the larger the input,
    the larger the step (scaling), until ``alpha * input^2 > 2`` overshoots more
    than it corrects and the error grows (divergence).
    """
    trajectory = [(weight, squared_error(input * weight, goal))]
    for _ in range(iterations):
        pred = input * weight
        delta = pred - goal
        weight = weight - alpha * weight_delta(input, delta)
        trajectory.append((weight, squared_error(input * weight, goal)))
    return trajectory


def error_ratio(input: float, alpha: float) -> float:
    """The closed form of error_{k+1} / error_k for one-weight gradient descent.

    delta' = input (weight - alpha input delta) - goal = delta (1 - alpha input^2),
    so the error is multiplied by (1 - alpha input^2)^2 every step: it falls iff
    0 < alpha input^2 < 2. Input 2: alpha 1 gives 9 (diverges), alpha 0.1 gives 0.36.
    """
    return (1.0 - alpha * input * input) ** 2


def gradient_descent_autograd(input: float, goal: float, weight: float, alpha: float,
                              iterations: int) -> Trajectory:
    """``gradient_descent`` with dlx: a float64 Parameter, the tape, and SGD(lr=alpha).

    The loss is half the squared error, ``0.5 * (w * input - goal)^2``: its
    derivative is ``input * delta``, the notes' weight_delta, so plain SGD with
    ``lr = alpha`` is exactly the notes' rule (both multiplications by 0.5 and
    2 are exact, so the floats agree bit for bit with the hand-written loop).
    """
    w = Parameter(np.array([weight], dtype=np.float64))   # (1,)
    optimiser = SGD([w], lr=alpha)
    trajectory = []
    for _ in range(iterations + 1):
        diff = w * input - goal                             # pred - goal, (1,)
        trajectory.append((float(w.data[0]), float(diff.data[0]) ** 2))
        if len(trajectory) > iterations:
            break
        loss = 0.5 * (diff ** 2).sum()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return trajectory


# ---- the printed trace ------------------------------------------------------------------------
def _show(title: str, trajectory: Trajectory, input: float, rows: list[int]) -> None:
    print(f"\n{title}")
    print(f"{'step':>6} {'weight':>12} {'prediction':>12} {'error':>14}")
    for k in rows:
        w, e = trajectory[k]
        print(f"{k:>6} {w:>12.7g} {input * w:>12.7g} {e:>14.6g}")


def _show_properties() -> None:
    print("\nweight_delta = input * delta, for delta = -0.3 (the prediction was 0.3 too low)")
    for label, x in [("stopping", 0.0), ("positive", 0.5), ("negative reversal", -0.5), ("scaling", 2.0)]:
        print(f"  {label:<18} input {x:>5}: weight_delta {weight_delta(x, -0.3) + 0.0:>6.3f}")


def main() -> None:
    hc = HOT_COLD
    trajectory = hot_cold_learning(**hc)
    _show(f"hot/cold learning, step {hc['step_amount']} (goal {hc['goal']})", trajectory, hc["input"],
          [0, 1, 2, 500, 1000, 1099, 1100, 1101])
    gd = GRADIENT_DESCENT
    _show(f"gradient descent, input {gd['input']}, alpha {gd['alpha']} (goal {gd['goal']})",
          gradient_descent(**gd), gd["input"], [0, 1, 2, 3, 5, 10, 20])
    _show_properties()
    dv = DIVERGENCE
    for alpha in (DIVERGING_ALPHA, CONVERGING_ALPHA):
        hand = gradient_descent(alpha=alpha, **dv)
        tape = gradient_descent_autograd(alpha=alpha, **dv)
        _show(f"input {dv['input']}, alpha {alpha}: error x {error_ratio(dv['input'], alpha):.2f} per step",
              hand, dv["input"], [0, 1, 2, 3, 4, 5, 10, 20])
        same = max(abs(a - b) for (a, _), (b, _) in zip(hand, tape))
        print(f"  dlx Tensor + SGD, same {len(tape)} weights: largest difference {same:.1e}")


if __name__ == "__main__":
    main()
