"""Logistic regression and the decision tree against scikit-learn."""
import numpy as np
import pytest

from dlx.models.interpretable import DecisionTree, LogisticRegression
from dlx.tensor import Tensor


def _fitted(model, X, Y):
    model.build(X.shape[1:], np.random.default_rng(0))
    model.fit_closed_form(X, Y)
    return model


@pytest.mark.parametrize("dataset,classes", [("load_breast_cancer", 1), ("load_iris", 3)])
def test_logistic_regression_matches_sklearn(dataset, classes):
    from sklearn import datasets
    from sklearn.linear_model import LogisticRegression as Reference
    from sklearn.preprocessing import StandardScaler
    data = getattr(datasets, dataset)()
    X, y = StandardScaler().fit_transform(data.data), data.target
    C = 1.0
    reference = Reference(C=C, solver="newton-cg", tol=1e-10, max_iter=1000).fit(X, y)
    alpha = 1.0 / (2 * C * len(X))              # C * sum loss + ||w||^2 / 2  ==  mean loss + alpha ||w||^2
    model = _fitted(LogisticRegression(classes, alpha=alpha), X, y.reshape(-1, 1) if classes == 1 else y)
    weight = model.layer.weight.data
    np.testing.assert_allclose(weight.T, reference.coef_, rtol=1e-3, atol=1e-4)
    logits = model(Tensor(X)).data
    predicted = (logits[:, 0] > 0).astype(int) if classes == 1 else logits.argmax(axis=1)
    np.testing.assert_array_equal(predicted, reference.predict(X))


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_tree_on_iris_matches_sklearn_accuracy(depth):
    from sklearn.datasets import load_iris
    from sklearn.model_selection import train_test_split
    from sklearn.tree import DecisionTreeClassifier
    X, y = load_iris(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    reference = DecisionTreeClassifier(max_depth=depth, random_state=0).fit(X_train, y_train)
    tree = _fitted(DecisionTree(3, max_depth=depth), X_train, y_train)
    ours = (tree(Tensor(X_test)).data.argmax(axis=1) == y_test).sum()
    theirs = (reference.predict(X_test) == y_test).sum()
    assert abs(int(ours) - int(theirs)) <= 1


def test_tree_regression_and_rules_and_state():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (200, 2))
    y = np.where(X[:, 0] > 0.5, 3.0, -1.0)
    tree = _fitted(DecisionTree(1, max_depth=2, task="regression"), X, y)
    np.testing.assert_allclose(tree(Tensor(X)).data[:, 0], y)
    rules = tree.rules(["a", "b"])
    assert len(rules) == 2 and rules[0].startswith("if a <= 0.5") and "-1 (" in rules[0]
    copy = DecisionTree(1, max_depth=2, task="regression")
    copy.load_state_dict(tree.state_dict())
    np.testing.assert_array_equal(copy(Tensor(X)).data, tree(Tensor(X)).data)


def test_binary_tree_gives_log_odds():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    tree = _fitted(DecisionTree(1, max_depth=1), X, np.array([[0.0], [0.0], [1.0], [1.0]]))
    logits = tree(Tensor(X)).data[:, 0]
    assert (logits[:2] < -10).all() and (logits[2:] > 10).all()
