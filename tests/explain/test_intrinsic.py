"""Interpretable models explained by their weights and rules; written to folders."""
import json

import numpy as np
import pytest

from dlx.errors import DlxError
from dlx.explain import ExplainTarget, write_explanation
from dlx.explain.intrinsic import linear_weights, tree_rules
from dlx.models.interpretable import DecisionTree, LogisticRegression


def _iris_target(model):
    from sklearn.datasets import load_iris
    data = load_iris()
    model.build((4,), np.random.default_rng(0))
    model.fit_closed_form(data.data, data.target)
    return ExplainTarget(forward=model, kind="multiclass", input_shape=(4,), train_X=data.data,
                         feature_names=list(data.feature_names), class_names=list(data.target_names), model=model)


def test_tree_rules_as_text_and_picture(tmp_path):
    target = _iris_target(DecisionTree(3, max_depth=2))
    result = tree_rules(target)
    assert result.summary["rules"][0] == "if petal length (cm) <= 2.45: class setosa (50 samples, p=1.00)"
    folder = write_explanation(result, tmp_path / "tree")
    assert (folder / "tree.png").stat().st_size > 0
    assert (folder / "rules.txt").read_text().splitlines() == result.summary["rules"]
    assert json.loads((folder / "explanation.json").read_text())["method"] == "tree_rules"


def test_logistic_weights_per_class(tmp_path):
    target = _iris_target(LogisticRegression(3, alpha=0.01))
    result = linear_weights(target)
    np.testing.assert_allclose(result.summary["weights"]["virginica"]["petal width (cm)"],
                               target.model.layer.weight.data[3, 2])
    write_explanation(result, tmp_path / "weights")
    assert sorted(p.name for p in (tmp_path / "weights").glob("*.png")) == ["weights_0.png", "weights_1.png", "weights_2.png"]


def test_structure_methods_refuse_other_models():
    target = _iris_target(LogisticRegression(3))
    with pytest.raises(DlxError, match="'tree_rules' explains a DecisionTree by its structure"):
        tree_rules(target)


def _scaled_iris_target(model):
    from sklearn.datasets import load_iris
    from dlx.explain import target_for_model
    from dlx.explain.target import affine_preprocess
    data = load_iris()
    mean, std = data.data.mean(0), data.data.std(0)
    model.build((4,), np.random.default_rng(0))
    model.fit_closed_form((data.data - mean) / std, data.target)
    return target_for_model(model, "multiclass", data.data, data.target, affine_preprocess(mean, std),
                            feature_names=list(data.feature_names), class_names=list(data.target_names))


def test_rules_of_a_tree_behind_a_scaler_are_in_raw_units():
    target = _scaled_iris_target(DecisionTree(3, max_depth=2))
    assert tree_rules(target).summary["rules"][0] == "if petal length (cm) <= 2.45: class setosa (50 samples, p=1.00)"


def test_weights_behind_a_scaler_are_per_raw_unit():
    target = _scaled_iris_target(LogisticRegression(3, alpha=0.01))
    result = linear_weights(target)
    logits = target.train_X @ result.arrays["weight"] + result.arrays["bias"]
    np.testing.assert_allclose(logits, target.outputs(target.train_X).data, rtol=1e-5, atol=1e-5)
