"""The fused recurrences: BPTT gradchecks over >= 10 steps with masks, truncation, mask semantics, PyTorch."""
import numpy as np
import pytest

from dlx.errors import ShapeError
from dlx.ops import embedding, gru_sequence, lstm_sequence, rnn_sequence
from dlx.tensor import Tensor, gradcheck

N, T, D, H = 3, 12, 2, 3


def weights(rng, gates, scale=0.5):
    return [rng.standard_normal((D, gates * H)) * scale, rng.standard_normal((H, gates * H)) * scale,
            rng.standard_normal(gates * H) * 0.1]


def lengths_mask(lengths, steps=T):
    return np.arange(steps)[None, :] < np.asarray(lengths)[:, None]  # (N, T) valid prefix


CASES = {  # name: (op, number of weight arrays' gates, extra bias, number of states)
    "rnn_sequence": (rnn_sequence, 1, False, 1),
    "lstm_sequence": (lstm_sequence, 4, False, 2),
    "gru_sequence": (gru_sequence, 3, True, 1),
}


def inputs(name, rng, states=True):
    op, gates, extra_bias, n_states = CASES[name]
    args = [rng.standard_normal((N, T, D))] + weights(rng, gates)
    if extra_bias:
        args.append(rng.standard_normal(gates * H) * 0.1)
    if states:
        args += [rng.standard_normal((N, H)) * 0.5 for _ in range(n_states)]
    return op, args


@pytest.mark.parametrize("name", sorted(CASES))
def test_bptt_gradcheck_12_steps_with_mask_and_final_state(name, rng):
    op, args = inputs(name, rng)
    mask = lengths_mask([T, 7, 10])
    assert gradcheck(op, args + [mask], kwargs={"return_state": True}) < 1e-6


def test_relu_rnn_gradcheck(rng):
    op, args = inputs("rnn_sequence", rng)
    assert gradcheck(op, args + [lengths_mask([T, 9, 4])], kwargs={"activation": "relu"}) < 1e-6


def leaf_grads(op, args, mask, upstream, **kwargs):
    leaves = [Tensor(a, requires_grad=True) for a in args]
    out = op(*leaves, mask, **kwargs)
    out.backward(upstream)
    return out.data, [leaf.grad for leaf in leaves]


def chunked_grads(name, args, mask, upstream, k):
    """Reference for truncate=k: the op on blocks of k steps, the state between blocks detached."""
    op, _, extra_bias, n_states = CASES[name]
    n_fixed = 4 + extra_bias
    leaves = [Tensor(a, requires_grad=True) for a in args]
    x, params, states = leaves[0], leaves[1:n_fixed], leaves[n_fixed:]
    for start in range(0, T, k):
        piece = Tensor(x.data[:, start:start + k], requires_grad=True)
        out = op(piece, *params, *states, mask[:, start:start + k], return_state=True)
        steps = piece.shape[1]
        grad = np.zeros(out.shape)
        grad[:, :steps] = upstream[:, start:start + steps]
        out.backward(grad)
        x.grad = piece.grad if x.grad is None else np.concatenate([x.grad, piece.grad], axis=1)
        states = [Tensor(out.data[:, steps + i]) for i in range(n_states)]  # detached
    return [leaf.grad for leaf in leaves]


@pytest.mark.parametrize("name", sorted(CASES))
def test_truncation_equals_detaching_the_state_every_k_steps(name, rng):
    op, args = inputs(name, rng)
    mask = lengths_mask([T, 7, 10])
    upstream = rng.standard_normal((N, T, H))
    _, truncated = leaf_grads(op, args, mask, upstream, truncate=4)
    for got, want in zip(truncated, chunked_grads(name, args, mask, upstream, 4)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    _, full = leaf_grads(op, args, mask, upstream)
    assert not np.allclose(truncated[2], full[2])  # it does cut something
    _, whole = leaf_grads(op, args, mask, upstream, truncate=T)
    for got, want in zip(whole, full):
        np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_padded_steps_contribute_nothing(name, rng):
    op, args = inputs(name, rng)
    lengths = [T, 5, 9]
    mask = lengths_mask(lengths)
    upstream = rng.standard_normal((N, T, H))
    out, grads = leaf_grads(op, args, mask, upstream)
    assert np.all(out[~mask] == 0.0)
    assert np.all(grads[0][~mask] == 0.0)  # no gradient reaches a padded input
    changed = [a.copy() for a in args]
    changed[0][~mask] = 99.0  # whatever is in the padding changes nothing
    out2, grads2 = leaf_grads(op, changed, mask, upstream)
    np.testing.assert_array_equal(out, out2)
    for g1, g2 in zip(grads, grads2):
        np.testing.assert_allclose(g1, g2, rtol=1e-12)
    for n, length in enumerate(lengths):  # valid prefix = the short sequence alone; final state = h_length
        alone = op(Tensor(args[0][n:n + 1, :length]), *[Tensor(a) for a in args[1:-CASES[name][3]]],
                   *[Tensor(s[n:n + 1]) for s in args[-CASES[name][3]:]], return_state=True)
        full = op(*[Tensor(a) for a in args], mask, return_state=True)
        np.testing.assert_allclose(full.data[n, :length], alone.data[0, :length], rtol=1e-12)
        np.testing.assert_allclose(full.data[n, T:], alone.data[0, length:], rtol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_clear_errors(name, rng):
    op, args = inputs(name, rng, states=False)
    tensors = [Tensor(a) for a in args]
    with pytest.raises(ShapeError, match=r"truncate=13 is longer than the sequence \(T=12\)"):
        op(*tensors, truncate=13)
    with pytest.raises(ShapeError, match=r"expects input of shape \(N, T, features\)") as info:
        op(Tensor(args[0][:, 0]), *tensors[1:])
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("name", sorted(CASES))
def test_grad_norms_recorded_per_step(name, rng):
    op, args = inputs(name, rng)
    norms = []
    out = op(*[Tensor(a, requires_grad=True) for a in args], grad_norms=norms)
    upstream = np.zeros(out.shape)
    upstream[:, -1] = 1.0  # loss on the last step only: ||dL/dh_t|| for t = 0..T-1
    out.backward(upstream)
    assert len(norms) == T and norms[-1] == pytest.approx(np.sqrt(N * H))


def test_embedding_sums_gradients_of_repeated_tokens(rng):
    table = Tensor(rng.standard_normal((4, 2)), requires_grad=True)
    index = np.array([[1, 1, 3]])
    out = embedding(table, index)
    out.backward(np.ones((1, 3, 2)))
    np.testing.assert_array_equal(out.data[0], table.data[[1, 1, 3]])
    np.testing.assert_array_equal(table.grad, [[0, 0], [2, 2], [0, 0], [1, 1]])
    with pytest.raises(ShapeError, match=r"token indices must lie in \[0, 4\)"):
        embedding(table, np.array([4]))


# ---- against PyTorch with the same weights ---------------------------------------------------------
LSTM_ORDER = [0, 1, 3, 2]  # our (i, f, o, g) from torch's (i, f, g, o)


def to_ours(weight, order, H):
    """torch (G*H, in) -> ours (in, G*H) with the gate blocks reordered; a bias (G*H,) likewise."""
    blocks = [weight[k * H:(k + 1) * H] for k in order]
    return np.concatenate(blocks, axis=0).T.copy() if weight.ndim == 2 else np.concatenate(blocks)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_matches_pytorch_outputs_and_all_gradients(kind, rng):
    torch = pytest.importorskip("torch")
    H = 4
    layer = (torch.nn.LSTM if kind == "lstm" else torch.nn.GRU)(D, H, batch_first=True).double()
    order = LSTM_ORDER if kind == "lstm" else [0, 1, 2]
    x = rng.standard_normal((N, T, D))
    states = [rng.standard_normal((N, H)) for _ in range(2 if kind == "lstm" else 1)]
    upstream = rng.standard_normal((N, T, H))
    tx = torch.tensor(x, requires_grad=True)
    ts = [torch.tensor(s[None], requires_grad=True) for s in states]
    ty, _ = layer(tx, tuple(ts) if kind == "lstm" else ts[0])
    ty.backward(torch.tensor(upstream))
    p = {name: v.detach().numpy() for name, v in layer.named_parameters()}
    g = {name: v.grad.numpy() for name, v in layer.named_parameters()}
    w_x, w_h = to_ours(p["weight_ih_l0"], order, H), to_ours(p["weight_hh_l0"], order, H)
    if kind == "lstm":
        biases = [to_ours(p["bias_ih_l0"] + p["bias_hh_l0"], order, H)]
        want_biases = [to_ours(g["bias_ih_l0"], order, H)]
    else:
        biases = [p["bias_ih_l0"], p["bias_hh_l0"]]
        want_biases = [g["bias_ih_l0"], g["bias_hh_l0"]]
    leaves = [Tensor(a, requires_grad=True) for a in [x, w_x, w_h, *biases, *states]]
    out = (lstm_sequence if kind == "lstm" else gru_sequence)(*leaves)
    out.backward(upstream)
    np.testing.assert_allclose(out.data, ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    wants = [tx.grad.numpy(), to_ours(g["weight_ih_l0"], order, H), to_ours(g["weight_hh_l0"], order, H),
             *want_biases, *[s.grad.numpy()[0] for s in ts]]
    for leaf, want in zip(leaves, wants):
        np.testing.assert_allclose(leaf.grad, want, rtol=1e-9, atol=1e-12)
