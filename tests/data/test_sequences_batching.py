"""Sequence data: integer tokens, lengths, task names, padding, batches with masks, masked losses."""
import numpy as np
import pytest

from dlx import Tensor, ops
from dlx.data import (Dataset, batch, batches, get_scaler, kfold_indices, minibatches, pad_sequences,
                      register_task_name, sequence_mask, split_dataset)
from dlx.errors import ConfigError, DataError

register_task_name("tagging")          # a label per time step
register_task_name("language_model")   # the next token per time step
register_task_name("seq2seq")          # a target token sequence of its own length


def token_sequences(rng, n=12, vocab=7, low=1, high=6):
    """Random integer sequences of random lengths, padded, with a tag per step."""
    lengths = rng.integers(low, high + 1, n)
    tokens, lengths = pad_sequences([rng.integers(1, vocab, k) for k in lengths])
    tags, _ = pad_sequences([rng.integers(0, 3, k) for k in lengths])
    return tokens, tags, lengths


# ---- Dataset -----------------------------------------------------------------------------------
def test_integer_inputs_stay_integer_and_floats_become_float32():
    assert Dataset(np.zeros((2, 3), dtype=np.int64), [0, 1], "binary", "ids").X.dtype == np.int64
    assert Dataset(np.zeros((2, 3), dtype=np.int32), [0, 1], "binary", "ids").X.dtype == np.int32
    assert Dataset(np.zeros((2, 3), dtype=np.int16), [0, 1], "binary", "ids").X.dtype == np.int64
    assert Dataset(np.zeros((2, 3), dtype=np.float64), [0, 1], "binary", "x").X.dtype == np.float32
    assert Dataset(np.zeros((2, 3), dtype=np.uint8), [0, 1], "binary", "pixels").X.dtype == np.float32


def test_registered_task_keeps_targets_of_any_shape(rng):
    tokens, tags, lengths = token_sequences(rng)
    tagging = Dataset(tokens, tags, "tagging", "toy", lengths=lengths, class_names=["a", "b", "c"])
    assert tagging.y.shape == tags.shape and tagging.y.dtype == np.int64
    assert tagging.n_classes == 3 and tagging.output_size == 3 and tagging.is_sequence
    vectors = Dataset(rng.standard_normal((4, 5, 2)), rng.standard_normal((4, 5, 3)), "tagging", "real")
    assert vectors.y.dtype == np.float32 and vectors.y.shape == (4, 5, 3) and vectors.output_size == 3
    lm = Dataset(tokens, np.roll(tokens, -1, axis=1), "language_model", "lm", lengths=lengths)
    assert lm.output_size == int(tokens.max()) + 1 and lm.n_classes is None


def test_unknown_task_names_the_closest_and_how_to_add_one():
    with pytest.raises(ConfigError, match="Did you mean 'tagging'.*register_task_name"):
        Dataset(np.zeros((2, 2)), [0, 1], "taging", "x")
    with pytest.raises(ConfigError, match="non-empty string"):
        register_task_name("")


@pytest.mark.parametrize("lengths, message", [
    ([1, 2], "must be 3 integers"),
    ([1.5, 2, 3], "must be 3 integers"),
    ([0, 2, 3], r"must lie in 1\.\.4"),
    ([1, 5, 3], r"must lie in 1\.\.4"),
])
def test_bad_lengths_are_data_errors(lengths, message):
    with pytest.raises(DataError, match=message):
        Dataset(np.zeros((3, 4), dtype=np.int64), np.zeros((3, 4)), "tagging", "x", lengths=np.array(lengths))


def test_lengths_survive_subset_split_and_kfold(rng):
    tokens, tags, lengths = token_sequences(rng, n=30)
    ds = Dataset(tokens, tags, "tagging", "toy", lengths=lengths)
    parts = split_dataset(ds, validation=0.2, test=0.2, rng=rng)
    for part in parts.values():  # each row's length still fits its own tokens
        assert part.lengths is not None and len(part.lengths) == len(part)
        for row, length in zip(part.X, part.lengths):
            match = np.flatnonzero((ds.X == row).all(axis=1) & (ds.lengths == length))
            assert match.size >= 1
    for train_idx, val_idx in kfold_indices(ds, 3, rng):
        np.testing.assert_array_equal(ds.subset(val_idx).lengths, lengths[val_idx])
    assert ds.with_inputs(ds.X + 1).lengths is ds.lengths


def test_scalers_refuse_token_ids_and_none_passes_them_unchanged(rng):
    tokens, _, _ = token_sequences(rng)
    with pytest.raises(DataError, match="cannot scale integer inputs.*scaling: none"):
        get_scaler("standardize").fit(tokens)
    out = get_scaler("none").fit_transform(tokens)
    assert out.dtype == tokens.dtype and np.array_equal(out, tokens)


# ---- padding and batches ---------------------------------------------------------------------------
def test_pad_sequences_pads_at_the_end_and_keeps_trailing_axes():
    padded, lengths = pad_sequences([np.array([5, 2, 9]), np.array([7])], pad_value=-1)
    np.testing.assert_array_equal(padded, [[5, 2, 9], [7, -1, -1]])
    np.testing.assert_array_equal(lengths, [3, 1])
    assert padded.dtype.kind == "i"
    frames, _ = pad_sequences([np.ones((2, 4)), np.ones((3, 4))])
    assert frames.shape == (2, 3, 4) and frames[0, 2].sum() == 0
    with pytest.raises(DataError, match="trailing shapes"):
        pad_sequences([np.ones((2, 4)), np.ones((2, 3))])


def test_batch_trims_to_its_longest_sequence_and_masks_the_rest(rng):
    tokens, tags, lengths = token_sequences(rng, n=20, high=9)
    ds = Dataset(tokens, tags, "tagging", "toy", lengths=lengths)
    for idx in minibatches(len(ds), 6, rng):
        b = batch(ds, idx)
        width = lengths[idx].max()
        assert b.X.shape == (len(idx), width) and b.y.shape == (len(idx), width)
        np.testing.assert_array_equal(b.mask, np.arange(width)[None] < lengths[idx][:, None])
        np.testing.assert_array_equal(b.target_mask, b.mask)
        np.testing.assert_array_equal(b.X[b.mask], tokens[idx][sequence_mask(lengths[idx], tokens.shape[1])])


def test_batches_cover_the_epoch_each_cut_to_its_own_longest(rng):
    tokens, lengths = pad_sequences([np.arange(1, k + 1) for k in (3, 1, 2, 2)])
    ds = Dataset(tokens, np.zeros((4, 3), np.int64), "tagging", "toy", lengths=lengths)
    assert [b.X.shape for b in batches(ds, 2, shuffle=False)] == [(2, 3), (2, 2)]
    assert sorted(int(n) for b in batches(ds, 3, rng) for n in b.lengths) == [1, 2, 2, 3]


def test_batch_of_target_sequences_uses_their_own_lengths(rng):
    source, source_lengths = pad_sequences([rng.integers(1, 9, k) for k in (4, 2, 6)])
    target, target_lengths = pad_sequences([rng.integers(1, 9, k) for k in (3, 5, 1)])
    ds = Dataset(source, target, "seq2seq", "pairs", lengths=source_lengths, target_lengths=target_lengths)
    b = batch(ds, np.array([0, 2]))
    assert b.X.shape == (2, 6) and b.y.shape == (2, 3)
    np.testing.assert_array_equal(b.target_mask.sum(axis=1), [3, 1])


def test_batch_without_lengths_is_plain_indexing(rng):
    ds = Dataset(rng.standard_normal((5, 3)), [0, 1, 0, 1, 1], "binary", "x")
    b = batch(ds, np.array([4, 0]))
    assert b.mask is None and np.array_equal(b.X, ds.X[[4, 0]]) and np.array_equal(b.y, ds.y[[4, 0]])


# ---- masked losses: padding contributes nothing -------------------------------------------------------
def padded_problem(rng, dtype=np.float64):
    """Float sequences (B, T, D) with lengths, per-step labels and a linear per-step classifier."""
    lengths = np.array([5, 2, 4, 1])
    mask = sequence_mask(lengths)
    X = rng.standard_normal((4, 5, 3)).astype(dtype)
    y = rng.integers(0, 4, (4, 5))
    W = rng.standard_normal((3, 4)).astype(dtype)
    return X, y, W, mask


def loss_and_grads(loss_fn, X, y, W, mask):
    x, w = Tensor(X, requires_grad=True), Tensor(W, requires_grad=True)
    loss = loss_fn(x @ w, y, mask)
    loss.backward()
    return loss.item(), x.grad, w.grad


def sequence_ce(logits, y, mask):
    return ops.masked_cross_entropy(logits, y, mask)


def sequence_mse(outputs, y, mask):
    target = np.eye(4)[y]
    return ops.masked_mean((outputs - target) ** 2, mask)


@pytest.mark.parametrize("loss_fn", [sequence_ce, sequence_mse])
def test_padded_positions_change_neither_loss_nor_gradients(loss_fn, rng):
    X, y, W, mask = padded_problem(rng)
    loss, gx, gw = loss_and_grads(loss_fn, X, y, W, mask)
    X2, y2 = X.copy(), y.copy()
    X2[~mask] = rng.standard_normal(X2[~mask].shape) * 1e3   # arbitrary padded inputs
    y2[~mask] = 3 - y2[~mask] if loss_fn is sequence_mse else 12345  # arbitrary labels (out of range)
    loss2, gx2, gw2 = loss_and_grads(loss_fn, X2, y2, W, mask)
    assert loss2 == loss
    np.testing.assert_array_equal(gw2, gw)
    np.testing.assert_array_equal(gx2, gx)
    assert not gx[~mask].any()


def test_masked_cross_entropy_equals_cross_entropy_over_the_real_steps(rng):
    X, y, W, mask = padded_problem(rng)
    loss, _, gw = loss_and_grads(sequence_ce, X, y, W, mask)
    w = Tensor(W, requires_grad=True)
    reference = ops.cross_entropy(Tensor(X[mask]) @ w, y[mask])   # only the real steps, flattened
    reference.backward()
    np.testing.assert_allclose(loss, reference.item(), rtol=1e-12)
    np.testing.assert_allclose(gw, w.grad, rtol=1e-12)


def test_masked_cross_entropy_matches_torch_ignore_index(rng):
    torch = pytest.importorskip("torch")
    X, y, W, mask = padded_problem(rng)
    loss, gx, gw = loss_and_grads(sequence_ce, X, y, W, mask)
    tx, tw = torch.tensor(X, requires_grad=True), torch.tensor(W, requires_grad=True)
    ignored = torch.tensor(np.where(mask, y, -100))
    theirs = torch.nn.functional.cross_entropy((tx @ tw).reshape(-1, 4), ignored.reshape(-1), ignore_index=-100)
    theirs.backward()
    np.testing.assert_allclose(loss, theirs.item(), rtol=1e-12)
    np.testing.assert_allclose(gx, tx.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(gw, tw.grad.numpy(), rtol=1e-10)


def test_masked_losses_reject_an_empty_mask_and_a_mismatched_one(rng):
    values = Tensor(rng.standard_normal((2, 3)))
    with pytest.raises(ValueError, match="selects no position"):
        ops.masked_mean(values, np.zeros((2, 3), bool))
    with pytest.raises(ValueError, match="does not match"):
        ops.masked_mean(values, np.ones((3, 2), bool))
    with pytest.raises(ValueError, match=r"real positions must lie in \[0, 3\]"):
        ops.masked_cross_entropy(Tensor(rng.standard_normal((2, 3, 4))), np.full((2, 3), 4), np.ones((2, 3), bool))


def test_integer_token_batches_through_a_lookup_table_ignore_the_padding(rng):
    """Tokens -> rows of a table (an embedding lookup by getitem) -> masked loss: the padded
    tokens and labels may be anything; the table's gradient is the same."""
    tokens, tags, lengths = token_sequences(rng, n=8, vocab=7, high=6)
    ds = Dataset(tokens, tags, "tagging", "toy", lengths=lengths, class_names=["a", "b", "c"])
    b = batch(ds, np.arange(8))
    assert b.X.dtype == np.int64 and b.X.shape[1] == lengths.max()
    table = rng.standard_normal((7, 3))

    def table_grad(X, y):
        weights = Tensor(table.copy(), requires_grad=True)
        loss = ops.masked_cross_entropy(weights[X], y, b.target_mask)   # (B, T, 3) logits
        loss.backward()
        return loss.item(), weights.grad

    loss, grad = table_grad(b.X, b.y)
    X2, y2 = b.X.copy(), b.y.copy()
    X2[~b.mask], y2[~b.mask] = 6, -100
    loss2, grad2 = table_grad(X2, y2)
    assert loss2 == loss
    np.testing.assert_array_equal(grad2, grad)
    assert not grad[0].any() and grad[1:].any()  # 0 is only the pad token: its row gets no gradient
