"""Pruning masks, sparse storage and the optimiser that keeps removed weights at zero."""
import numpy as np
import pytest

from dlx.compress.masks import MaskedOptimiser, check_sparsity, magnitude_masks, make_masks, neuron_masks
from dlx.errors import DlxError
from dlx.nn import Dense, ReLU, Sequential
from dlx.optim.adaptive import Adam
from dlx.runs import load_checkpoint, save_checkpoint
from dlx.runs.sparse import sparse_arrays
from dlx.tensor import Tensor


def weights(rng):
    return {"a": rng.standard_normal((20, 10)), "b": rng.standard_normal((10, 5)) * 10}


def test_per_layer_magnitude_removes_the_smallest_share_of_every_layer(rng):
    w = weights(rng)
    masks = magnitude_masks(w, 0.8, "layer")
    for name, mask in masks.items():
        assert mask.sum() == round(0.2 * w[name].size)
        assert np.abs(w[name][mask == 0]).max() <= np.abs(w[name][mask == 1]).min()


def test_global_magnitude_removes_the_smallest_over_all_layers(rng):
    w = weights(rng)
    masks = magnitude_masks(w, 0.8, "global")
    assert sum(m.sum() for m in masks.values()) == round(0.2 * 250)
    assert masks["b"].mean() > masks["a"].mean()  # the large weights of b survive more


def test_pruning_again_only_removes_more(rng):
    w = weights(rng)
    first = magnitude_masks(w, 0.5, "layer")
    w["a"][first["a"] == 0] = 100.0  # a removed weight that grew stays removed
    second = magnitude_masks(w, 0.75, "layer", first)
    assert np.all(second["a"] <= first["a"])
    assert second["a"].sum() == round(0.25 * 200)


def test_neuron_pruning_removes_whole_columns_and_keeps_the_output_layer(rng):
    w = weights(rng)
    masks = neuron_masks(w, 0.5)
    columns = masks["a"].all(axis=0) | ~masks["a"].any(axis=0)
    assert columns.all() and masks["a"].any(axis=0).sum() == 5
    assert masks["b"].all()


@pytest.mark.parametrize("bad", [1.5, -0.1, 1.0, "0.5", True])
def test_a_sparsity_outside_zero_to_one_is_refused(bad):
    with pytest.raises(DlxError, match="sparsity must be a fraction"):
        check_sparsity(bad)


def test_adam_steps_keep_the_removed_weights_at_zero(rng):
    model = Sequential([Dense(8, in_features=4, rng=rng), ReLU(), Dense(2, in_features=8, rng=rng)])
    masks = make_masks(model, 0.5, "layer")
    optimiser = MaskedOptimiser(Adam(model.parameters(), lr=0.1, weight_decay=0.01), model, masks)
    for _ in range(5):
        loss = (model(Tensor(rng.standard_normal((16, 4)))) ** 2).sum()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    for name, p in model.named_parameters():
        if name in masks:
            assert np.all(p.data[masks[name] == 0] == 0) and np.all(p.data[masks[name] == 1] != 0)


def test_sparse_storage_round_trips_and_is_smaller(tmp_path, rng):
    w = rng.standard_normal((100, 50)).astype(np.float32)
    w[rng.random(w.shape) < 0.9] = 0
    stored = sparse_arrays({"model/w": w, "model/b": np.ones(50, np.float32)})
    assert "model/w@bitmap" in stored and "model/b" in stored
    kept = np.count_nonzero(w)
    assert stored["model/w@bitmap"].nbytes + stored["model/w@values"].nbytes == w.size // 8 + 4 * kept  # n/8 + d n 4
    save_checkpoint(tmp_path / "sparse.npz", stored, {"kind": "test"})
    save_checkpoint(tmp_path / "dense.npz", {"model/w": w}, {"kind": "test"})
    arrays, _ = load_checkpoint(tmp_path / "sparse.npz")
    np.testing.assert_array_equal(arrays["model/w"], w)
    assert (tmp_path / "sparse.npz").stat().st_size < 0.25 * (tmp_path / "dense.npz").stat().st_size
