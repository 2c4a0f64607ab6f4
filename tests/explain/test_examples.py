"""MMD-critic, nearest neighbours and influential instances."""
import numpy as np

from dlx.explain import ExplainTarget
from dlx.explain.examples import mmd_critic, nearest_neighbours
from dlx.explain.influence import influential_instances
from tests.explain.conftest import linear_target


def _blobs():
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0]])
    X = np.concatenate([c + rng.normal(scale=0.5, size=(60, 2)) for c in centres] + [[[6.0, 6.0]]])
    y = np.array([0] * 60 + [1] * 60 + [2] * 60 + [1])
    return X, y, centres


def test_mmd_critic_finds_one_prototype_per_blob_and_the_largest_witnesses():
    from dlx.explain.examples import rbf_kernel
    X, y, centres = _blobs()
    target = linear_target([1.0, 1.0], train_X=X)
    result = mmd_critic(target, n_prototypes=3, n_criticisms=4, gamma=1.0)
    prototypes, criticisms = result.summary["prototypes"], result.summary["criticisms"]
    blobs = {int(np.linalg.norm(centres - X[i], axis=1).argmin()) for i in prototypes}
    assert blobs == {0, 1, 2}
    assert np.all(np.diff(result.summary["mmd2"]) < 0)
    Z = (X - X.mean(0)) / X.std(0)                                     # the witness, written out directly
    K = rbf_kernel(Z, Z, 1.0)
    witness = np.abs(K.mean(axis=1) - K[:, prototypes].mean(axis=1))
    others = np.setdiff1d(np.arange(len(X)), prototypes + criticisms)
    assert not set(criticisms) & set(prototypes)
    assert witness[criticisms].min() >= witness[others].max()


def test_nearest_neighbours_are_the_closest_rows():
    X, y, _ = _blobs()
    target = linear_target([1.0, 1.0], train_X=X)
    target.train_y = y
    result = nearest_neighbours(target, X[5] + 0.01, k=3)
    assert result.summary["neighbours"][0] == 5
    assert result.summary["neighbour_labels"] == [0, 0, 0]


def test_influence_functions_agree_with_refitting():
    from sklearn.datasets import load_breast_cancer
    data = load_breast_cancer()
    X, y = data.data[:, :5], data.target
    target = linear_target(np.ones(5), kind="binary", train_X=X)
    target.train_y = y
    result = influential_instances(target, X[0], class_index=1, alpha=0.01, rng=np.random.default_rng(0))
    # Koh & Liang 2017 (Fig. 2): for logistic regression the estimates match leave-one-out retraining closely
    assert result.summary["influence_vs_deletion_correlation"] > 0.95
    refitted = np.flatnonzero(~np.isnan(result.arrays["deletion"]))
    by_influence = refitted[np.argsort(-np.abs(result.arrays["influence"][refitted]))]
    assert list(result.summary["deletion"])[0] in by_influence[:3]


def test_influence_of_least_squares_is_exact_up_to_the_penalty():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    target = linear_target([1.0, 2.0, 3.0], train_X=X)
    target.train_y = X @ np.array([1.0, 2.0, 3.0]) + rng.normal(size=80)
    result = influential_instances(target, X[0], alpha=0.0, rng=np.random.default_rng(0))
    assert result.summary["influence_vs_deletion_correlation"] > 0.99
