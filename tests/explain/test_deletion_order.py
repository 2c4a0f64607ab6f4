"""The deletion check ranks by what removing a feature costs, for every method (issue 27, item 2).

On a linear model f(x) = x . w with the training mean as baseline, removing feature j
takes exactly w_j (x_j - mean_j) from the score, so the best deletion order is by that
contribution. The instance below is built so that ranking by LIME's weight (a slope
per standard deviation, w_j std_j) or by saliency alone (|w_j|) gives the worst order.
"""
import json

import numpy as np
import pytest

from dlx.explain import integrated_gradients, lime, occlusion, saliency
from dlx.explain.quality import area, deletion_scores
from tests.cli.cli_process import ROOT, dlx
from tests.explain.conftest import linear_target

W = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
CONTRIBUTIONS = np.array([6.0, 5.0, 4.0, 3.0, 2.0, 1.0])   # w_j (x_j - mean_j): falls as w_j and std_j rise


@pytest.fixture(scope="module")
def target_and_instance():
    target = linear_target(W)                # feature spreads rise from 0.5 to 3.0, as the weights
    x = target.train_X.mean(axis=0) + CONTRIBUTIONS / W
    return target, x


def best_area(target, x) -> float:
    order = np.argsort(-CONTRIBUTIONS, kind="stable")
    return area(deletion_scores(target, x, target.train_X.mean(axis=0), order, 0))


@pytest.mark.parametrize("method", [lime, saliency, integrated_gradients, occlusion])
def test_each_method_deletes_in_the_order_of_the_exact_contributions(target_and_instance, method):
    target, x = target_and_instance
    deletion = method(target, x, rng=np.random.default_rng(0)).summary["deletion"]
    assert deletion["area"] == pytest.approx(best_area(target, x), rel=1e-9)
    assert deletion["falls_faster"]


def test_lime_reports_each_features_contribution_to_this_prediction(target_and_instance):
    target, x = target_and_instance
    result = lime(target, x, num_features=6, feature_selection="none", sample_around_instance=True,
                  rng=np.random.default_rng(0))      # x lies 12 standard deviations out in feature 0
    np.testing.assert_allclose(result.arrays["contribution"], CONTRIBUTIONS, rtol=0.02)
    assert list(result.summary["contributions"]) == [f"x{j}" for j in range(6)]   # largest first
    # the weights stay LIME's slopes per standard deviation, as the reference library reports them
    np.testing.assert_allclose(result.arrays["attribution"], W * target.train_X.std(axis=0), rtol=0.02)


def test_discretised_lime_gives_no_contribution_to_a_feature_in_the_baselines_quartile():
    target = linear_target([2.0, -3.0, 1.0])
    mean = target.train_X.mean(axis=0)
    x = np.array([np.percentile(target.train_X[:, 0], 95), np.percentile(target.train_X[:, 1], 95), mean[2]])
    result = lime(target, x, discretize=True, feature_selection="none", rng=np.random.default_rng(0))
    contribution = result.arrays["contribution"]
    assert contribution[0] > 0 > contribution[1] and contribution[2] == 0.0


@pytest.mark.slow
def test_lime_falls_faster_than_random_on_ten_breast_cancer_rows_of_a_trained_run(tmp_path):
    from dlx.explain.run import run_method
    from dlx.explain.runs import target_for_run
    trained = dlx("train", ROOT / "configs" / "breast_cancer_mlp.yaml", "--results", tmp_path / "results",
                  cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr
    run_dir = next((tmp_path / "results").rglob("model.npz")).parent
    done = dlx("explain", run_dir, "--method", "lime", "--index", 0, cwd=tmp_path)   # the example
    assert done.returncode == 0, done.stderr
    summary = json.loads(next((run_dir / "children").glob("explain-lime-0/*/explanation.json")).read_text())
    assert summary["deletion"]["falls_faster"]
    target, X = target_for_run(run_dir, "test")   # what dlx explain loads, for the other nine rows
    verdicts = [run_method(target, "lime", X, index, seed=0).summary["deletion"]["falls_faster"]
                for index in range(1, 10)]
    assert all(verdicts), verdicts
