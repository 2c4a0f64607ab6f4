"""The ravine as a data-free task: closed-form gradients, divergence above 2/L, and the lecture's claim."""
import json
from pathlib import Path

import numpy as np
import pytest

from dlx.sweep.driver import run_sweep
from dlx.sweep.objective import FunctionSpec, ObjectiveConfig, minimise, value_and_gradient
from dlx.sweep.spec import load_sweep

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["ravine", "rosenbrock"])
def test_the_gradients_match_central_differences(name, rng):
    spec = FunctionSpec(name=name, scales=[1.0, 50.0])
    for point in rng.normal(size=(5, 2)):
        _, gradient = value_and_gradient(spec, point)
        eps = 1e-6
        numeric = [(value_and_gradient(spec, point + eps * e)[0] - value_and_gradient(spec, point - eps * e)[0])
                   / (2 * eps) for e in np.eye(2)]
        assert np.allclose(gradient, numeric, rtol=1e-5, atol=1e-6)


def test_gradient_descent_diverges_exactly_above_two_over_the_largest_curvature():
    # on (x^2 + 50 y^2)/2 the y-coordinate is multiplied by (1 - 50 lr) each step: stable iff lr < 2/50
    for lr, expected in ((0.039, "finished"), (0.041, "diverged")):
        config = ObjectiveConfig.model_validate({"optimiser": {"name": "sgd", "lr": lr}, "run": {"steps": 3000}})
        assert minimise(config)[0] == expected


def test_momentum_rmsprop_and_adam_beat_sgd_at_its_best_stable_rate_in_the_ravine(tmp_path):
    outcome = run_sweep(load_sweep(ROOT / "experiments" / "sweeps" / "ravine_optimisers.yaml"), backend="serial",
                        results_root=str(tmp_path))
    verdicts = {v.name: v for v in outcome.verdicts}
    assert all(v.held for v in verdicts.values()), [v.record() for v in verdicts.values()]
    assert verdicts["adam_beats_sgd"].numbers["min(sgd.steps_to_target)"] == 148  # lr 0.03, closed form below
    # SGD at lr 0.03: x shrinks by 0.97 per step; f < 1e-3 needs 8 * 0.97^(2k) < 1e-3 -> k = 148
    assert int(np.ceil(np.log(1e-3 / 8) / (2 * np.log(0.97)))) == 148
    assert (outcome.sweep_dir / "plots" / "trajectories.png").is_file()
    report = (outcome.sweep_dir / "report.md").read_text()
    assert report.count(" | held | ") == 4 and "| momentum_beats_sgd |" in report
    trial = json.loads(next((outcome.sweep_dir / "trials").glob("*/summary.json")).read_text())
    assert trial["kind"] == "objective" and {"headline", "artifacts", "provenance"} <= set(trial)  # a run session's
    assert "run.log" in trial["artifacts"] and trial["headline"]["train_loss"] == trial["final"]["train_loss"]
