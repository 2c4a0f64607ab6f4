"""Learning curves and capacity sweeps: subset sizes, files, the interpolation regime, overrides, errors."""
import json

import numpy as np
import pytest

from dlx.config import parse_config
from dlx.errors import ConfigError
from dlx.registry import datasets
from dlx.runs import MetricsLog
from dlx.sweep import capacity_sweep, learning_curve, nested_order, with_override
from dlx.sweep.capacity import plot_capacity
from dlx.sweep.curves import subset_sizes
from dlx.train.runner import start_run
from tests.conftest import BREAST_CANCER_SMALL

BREAST_CANCER = BREAST_CANCER_SMALL.replace("epochs: 3", "epochs: 2")

# Linear regression with more weights (40 + 1) than the smallest training subsets have samples.
LINEAR = """\
dataset: {{name: npz, options: {{path: {path}, task: regression}}, validation: 0.3, test: 0, scaling: standardize}}
model: {{layers: [{{dense: {{units: outputs}}}}]}}
loss: mse
optimiser: {{name: sgd, lr: 0.1}}
training: {{epochs: 100, batch_size: full, seed: 0, checkpoint: false}}
output: {{plots: false}}
"""


def breast_cancer(*overrides):
    return parse_config(BREAST_CANCER, "bc.yaml", list(overrides), default_run_name="bc")


def test_learning_curve_trains_on_the_given_fractions_of_the_training_split(tmp_path):
    result = learning_curve(breast_cancer(), fractions=(0.1, 0.5, 1.0), results_dir=tmp_path / "results")
    d = result.run_dir
    assert d.parent == tmp_path / "results" / "sweeps" / "bc-learning-curve"
    n_train = result.summary["samples"]["train"]
    assert [p["n_train"] for p in result.points] == [round(f * n_train) for f in (0.1, 0.5, 1.0)]
    for i, point in enumerate(result.points):
        summary = json.loads((d / "trials" / str(i) / "summary.json").read_text())
        assert summary["samples"]["train"] == point["n_train"]
        assert summary["samples"]["validation"] == result.summary["samples"]["validation"]  # fixed
        assert 0 <= point["train_error"] <= 1 and 0 <= point["val_error"] <= 1
    for name in ("sweep.yaml", "config.yaml", "trials.jsonl", "curve.json", "summary.csv", "report.md",
                 "plots/learning_curve.png"):
        assert (d / name).is_file(), name
    assert len((d / "trials.jsonl").read_text().splitlines()) == 3
    assert not list(d.rglob("*.tmp"))
    # the whole training split with the config's seed is exactly the run dlx train makes
    normal = start_run(breast_cancer(), results_dir=str(tmp_path / "normal"))
    losses = [r["train_loss"] for r in MetricsLog.read(d / "trials" / "2")]
    assert losses == [r["train_loss"] for r in MetricsLog.read(normal.run_dir)]


def test_repeats_give_means_with_sample_std(tmp_path):
    result = learning_curve(breast_cancer(), fractions=(0.2, 1.0), repeats=2, results_dir=tmp_path)
    trials = result.summary["trials"]
    assert len(trials) == 4 and [t["repeat"] for t in trials] == [0, 0, 1, 1]
    for point in result.points:
        errors = [t["val_error"] for t in trials if t["n_train"] == point["n_train"]]
        assert point["val_error"] == pytest.approx(np.mean(errors))
        assert point["val_error_std"] == pytest.approx(np.std(errors, ddof=1))
    assert (result.run_dir / "plots" / "learning_curve.png").is_file()


def test_train_error_is_zero_where_the_model_can_interpolate_its_training_set(tmp_path):
    # 10 training samples and 41 weights: a linear model fits any 10 targets exactly, and
    # full-batch gradient descent on a convex least-squares problem converges to such a fit.
    # The validation targets carry noise of variance 0.25 the model cannot predict, so the
    # validation error cannot approach 0.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((143, 40))
    y = X @ rng.standard_normal(40) + 0.5 * rng.standard_normal(143)
    np.savez(tmp_path / "linear.npz", X=X, y=y)
    loaded = parse_config(LINEAR.format(path=tmp_path / "linear.npz"), "linear.yaml", default_run_name="linear")
    result = learning_curve(loaded, fractions=(0.1, 1.0), results_dir=tmp_path / "results")
    small, full = result.points
    assert small["n_train"] == 10 < 41 < full["n_train"] == 100
    assert small["train_error"] < 1e-6 < 0.25 < small["val_error"]
    assert full["train_error"] > 1e-3  # 100 noisy samples and 41 weights: no exact fit
    assert result.summary["error"] == "mse"


def test_nested_order_gives_stratified_nested_subsets():
    ds = datasets.get("breast_cancer")(rng=np.random.default_rng(0))
    order = nested_order(ds, np.random.default_rng(1))
    assert sorted(order.tolist()) == list(range(len(ds)))
    share = np.bincount(ds.y) / len(ds)
    for n in (10, 57, 200, 569):
        counts = np.bincount(ds.y[order[:n]], minlength=2)
        assert np.all(np.abs(counts - share * n) <= 1)
    assert subset_sizes(455, [0.001, 0.1, 1.0]) == [1, 46, 455]


@pytest.mark.parametrize("fractions", [(0.0, 1.0), (0.5, 1.5), ()])
def test_bad_fractions_are_config_errors(tmp_path, fractions):
    with pytest.raises(ConfigError, match=r"fractions must be numbers in \(0, 1\]"):
        learning_curve(breast_cancer(), fractions=fractions, results_dir=tmp_path / "results")
    assert not (tmp_path / "results").exists()


def test_curves_need_a_validation_split(tmp_path):
    with pytest.raises(ConfigError, match="dataset.validation is 0"):
        learning_curve(breast_cancer("dataset.validation=0"), results_dir=tmp_path / "results")
    assert not (tmp_path / "results").exists()


def test_capacity_sweep_applies_each_value_and_marks_the_best(tmp_path):
    result = capacity_sweep(breast_cancer(), "model.layers.0.dense.units", [1, 4, "16"],
                            results_dir=tmp_path / "results")
    d = result.run_dir
    assert d.parent.name == "bc-capacity"
    assert [p["value"] for p in result.points] == [1, 4, 16]
    for i, units in enumerate((1, 4, 16)):
        config = (d / "trials" / str(i) / "config.yaml").read_text()
        assert f"dense:\n      units: {units}\n" in config
        assert json.loads((d / "trials" / str(i) / "model.json").read_text())
    best = min(range(3), key=lambda i: result.points[i]["val_error"])
    assert result.summary["best"]["value"] == result.points[best]["value"]
    for name in ("capacity.json", "summary.csv", "report.md", "trials.jsonl", "sweep.yaml", "plots/capacity.png"):
        assert (d / name).is_file(), name


def test_capacity_sweep_over_epochs(tmp_path):
    result = capacity_sweep(breast_cancer(), "training.epochs", [1, 3], results_dir=tmp_path)
    assert [p["epochs_completed"] for p in result.points] == [1, 3]


@pytest.mark.parametrize("parameter,values,fragment", [
    ("model.layers.0.dense.unitz", [2, 4], "unknown argument; did you mean 'units'?"),
    ("model.layers.5.dense.units", [2, 4], "'5' is not an index of a list of 3 items"),
    ("training.epoch", [2, 4], "unknown key 'training.epoch'; did you mean 'epochs'?"),
    ("training.epochs", [2, "many"], "training.epochs"),
    ("model.layers.0.dense.units", [4, -1], "units must be a positive integer, got -1"),
])
def test_a_bad_parameter_fails_before_any_run_folder(tmp_path, parameter, values, fragment):
    with pytest.raises(ConfigError) as caught:
        capacity_sweep(breast_cancer(), parameter, values, results_dir=tmp_path / "results")
    assert fragment in str(caught.value) and "\n" not in str(caught.value)
    assert not (tmp_path / "results").exists()


def test_with_override_returns_a_validated_copy():
    loaded = breast_cancer()
    wide = with_override(loaded, "model.layers.0.dense.units=64")
    assert wide.config.model.layers[0] == {"dense": {"units": 64}}
    assert loaded.config.model.layers[0] == {"dense": {"units": 8}}
    with pytest.raises(ConfigError, match="--set training.epochs=0: bc.yaml:5: training.epochs"):
        with_override(loaded, "training.epochs=0")


@pytest.mark.parametrize("values,best", [([1, 10, 100, 1000], 2), ([4, 8], 0), (["sgd", "adam"], 1)])
def test_capacity_plot_marks_the_minimum_for_numbers_and_names(tmp_path, values, best):
    points = [{"value": v, "train_error": 0.5 / (i + 1), "val_error": 0.3 + abs(i - best) * 0.1}
              for i, v in enumerate(values)]
    path = plot_capacity(points, "parameter", best, tmp_path / "capacity.png", "1 - accuracy")
    assert path.is_file() and path.stat().st_size > 1000
