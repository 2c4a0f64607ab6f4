"""Recurrent layers: bidirectional and stacked forms, masks, IRNN/LSTM initialisation, errors, overfitting."""
import numpy as np
import pytest

from dlx.errors import ConfigError, ShapeError
from dlx.nn import GRU, IRNN, LSTM, Dense, Embedding, Sequential, SimpleRNN
from dlx.ops import mse_loss
from dlx.optim import Adam
from dlx.registry import layers
from dlx.tensor import Tensor, gradcheck

N, T, D = 3, 10, 2
LENGTHS = [T, 6, 3]


def prefix_mask(lengths=LENGTHS, steps=T):
    return np.arange(steps)[None, :] < np.asarray(lengths)[:, None]


def float64_layer(cls, rng, **kwargs):
    layer = cls(in_features=D, rng=rng, **kwargs)
    for p in layer.parameters():
        p.data = p.data.astype(np.float64)
    return layer


def layer_function(module):
    """f(x, *params, mask=None): the module with its parameters swapped for the given tensors."""
    slots = []
    for dotted, _ in module.named_parameters():
        owner_path, _, attr = dotted.rpartition(".")
        owner = module
        for part in owner_path.split(".") if owner_path else []:
            owner = owner[int(part)] if part.isdigit() else getattr(owner, part)
        slots.append((owner, attr))

    def f(x, *values, mask=None):
        originals = [getattr(owner, attr) for owner, attr in slots]
        for (owner, attr), value in zip(slots, values):
            setattr(owner, attr, value)
        try:
            return module(x) if mask is None else module(x, mask)
        finally:
            for (owner, attr), value in zip(slots, originals):
                setattr(owner, attr, value)
    return f


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_bidirectional_with_mask_gradcheck(cls, return_sequences, rng):
    layer = float64_layer(cls, rng, units=2, bidirectional=True, return_sequences=return_sequences)
    x = rng.standard_normal((N, T, D))
    params = [p.data.copy() for p in layer.parameters()]
    assert gradcheck(layer_function(layer), [x, *params], kwargs={"mask": prefix_mask()}) < 1e-6


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
def test_backward_direction_reverses_only_the_valid_prefix(cls, rng):
    layer = cls(units=3, bidirectional=True, return_sequences=True, in_features=D, rng=rng)
    x = rng.standard_normal((N, T, D)).astype(np.float32)
    out = layer(Tensor(x), prefix_mask()).data
    assert out.shape == (N, T, 6)
    one_way = cls(units=3, return_sequences=True, in_features=D, rng=rng)
    for name in ("w_x", "w_h", "b", "b_h"):
        if hasattr(layer, name):
            setattr(one_way, name, getattr(layer, name + "_reverse"))
    for n, length in enumerate(LENGTHS):
        reversed_alone = one_way(Tensor(x[n:n + 1, :length][:, ::-1].copy())).data[0, ::-1]
        np.testing.assert_allclose(out[n, :length, 3:], reversed_alone, rtol=1e-5, atol=1e-6)
        assert np.all(out[n, length:] == 0.0)


def test_last_state_of_a_masked_batch_is_the_state_at_each_length(rng):
    layer = LSTM(units=4, in_features=D, rng=rng)
    x = rng.standard_normal((N, T, D)).astype(np.float32)
    last = layer(Tensor(x), prefix_mask()).data
    for n, length in enumerate(LENGTHS):
        np.testing.assert_allclose(last[n], layer(Tensor(x[n:n + 1, :length])).data[0], rtol=1e-5, atol=1e-6)


def test_stacked_lstm_gru_gradcheck(rng):
    """A deep RNN: LSTM (whole sequence) -> GRU (last state); input and every parameter."""
    model = Sequential([LSTM(3, return_sequences=True), GRU(2)])
    model.build((T, D), rng)
    assert model.output_shape((T, D)) == (2,)
    params = [p.data.astype(np.float64) for p in model.parameters()]
    assert gradcheck(layer_function(model), [rng.standard_normal((N, T, D)), *params]) < 1e-6


def test_irnn_starts_as_identity_relu_and_lstm_forget_bias(rng):
    irnn = IRNN(5, in_features=D, rng=rng)
    np.testing.assert_array_equal(irnn.w_h.data, np.eye(5))
    assert irnn.activation == "relu" and np.all(irnn.b.data == 0)
    assert np.abs(irnn.w_x.data).std() < 0.01
    lstm = LSTM(4, in_features=D, rng=rng)
    np.testing.assert_array_equal(lstm.b.data[4:8], 1.0)
    np.testing.assert_array_equal(np.delete(lstm.b.data, range(4, 8)), 0.0)


def test_grad_norms_on_the_layer(rng):
    layer = SimpleRNN(4, record_grad_norms=True, in_features=D, rng=rng)
    out = layer(Tensor(rng.standard_normal((N, T, D)).astype(np.float32)))
    out.sum().backward()
    assert len(layer.grad_norms) == T and layer.grad_norms[-1] == pytest.approx(np.sqrt(N * 4))
    assert SimpleRNN(4).grad_norms == []


def test_clear_one_line_errors():
    with pytest.raises(ShapeError, match=r"expects input of shape \(T, features\) per sample, got \(8,\)"):
        LSTM(4).output_shape((8,))
    with pytest.raises(ShapeError, match=r"truncate=20 is longer than the sequence \(T=10\)") as info:
        GRU(4, truncate=20).build((T, D), np.random.default_rng(0))
    assert "\n" not in str(info.value)
    with pytest.raises(ShapeError, match="expects input of shape"):
        LSTM(4, in_features=D, rng=np.random.default_rng(0))(Tensor(np.ones((N, D), np.float32)))
    with pytest.raises(ShapeError, match="valid prefix"):
        LSTM(2, bidirectional=True, in_features=D, rng=np.random.default_rng(0))(
            Tensor(np.ones((1, 3, D), np.float32)), np.array([[0, 1, 1]]))
    with pytest.raises(ConfigError, match="activation must be 'tanh' or 'relu'"):
        SimpleRNN(3, activation="sigmoid")
    with pytest.raises(ConfigError, match="units must be a positive integer"):
        GRU(0)


@pytest.mark.parametrize("cls, kwargs", [
    (SimpleRNN, {"activation": "relu", "truncate": 5}), (IRNN, {"scale": 0.5}),
    (LSTM, {"forget_bias": 2.0, "bidirectional": True, "return_sequences": True}),
    (GRU, {"record_grad_norms": True}), (Embedding, {"dim": 4})])
def test_config_round_trip(cls, kwargs):
    if cls is Embedding:
        kwargs = dict(kwargs, vocab_size=9)
    else:
        kwargs = dict(kwargs, units=3)
    config = cls(**kwargs).get_config()
    name = config.pop("name")
    assert layers.get(name) is cls
    assert layers.create(name, **config).get_config() == dict(config, name=name)
    assert all(config[key] == value for key, value in kwargs.items())


def test_embedding_then_lstm_shapes(rng):
    model = Sequential([Embedding(12, 5), LSTM(6, return_sequences=True)])
    model.build((T,), rng)
    assert model.output_shape((T,)) == (T, 6)
    assert model(rng.integers(0, 12, (N, T))).shape == (N, T, 6)


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
def test_overfits_a_tiny_batch(cls):
    """Eight sequences with random targets are memorised: the MSE falls to under 1% of the start."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 6, D)).astype(np.float32)
    y = rng.standard_normal((8, 1)).astype(np.float32)
    model = Sequential([cls(16), Dense(1)])
    model.build((6, D), rng)
    optimiser = Adam(model.parameters(), lr=0.02)
    losses = []
    for _ in range(300):
        loss = mse_loss(model(Tensor(x)), Tensor(y))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert losses[-1] < 0.01 * losses[0]


@pytest.mark.parametrize("cls", [SimpleRNN, IRNN, LSTM, GRU])
def test_one_node_on_the_tape_per_layer_call(cls, rng):
    """The whole recurrence is one fused operation whose parents are the input and the parameters."""
    layer = cls(4, return_sequences=True, in_features=D, rng=rng)
    x = Tensor(rng.standard_normal((N, T, D)).astype(np.float32), requires_grad=True)
    out = layer(x)
    assert out.op.endswith("_sequence")
    assert [id(p) for p in out._parents] == [id(x)] + [id(p) for p in layer.parameters()]


@pytest.mark.slow
@pytest.mark.parametrize("cls", [LSTM, GRU])
def test_learns_the_adding_problem_at_ten_steps(cls):
    """Predicting the mean gives MSE 1/6 (Hochreiter & Schmidhuber 1997); a gated RNN goes below 0.01."""
    from dlx.data.sequences import adding_problem
    rng = np.random.default_rng(0)
    x_test, y_test = adding_problem(500, 10, rng=np.random.default_rng(1))
    model = Sequential([cls(16), Dense(1)])
    model.build((10, 2), rng)
    optimiser = Adam(model.parameters(), lr=1e-2, clip_norm=1.0)
    for _ in range(600):
        x, y = adding_problem(64, 10, rng=rng)
        loss = mse_loss(model(Tensor(x)), Tensor(y))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    assert np.mean((model(Tensor(x_test)).data - y_test) ** 2) < 0.01


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_bidirectional_masked_layer_matches_pytorch_packed_sequences(kind, rng):
    """torch's packed sequences run the backward direction over each valid prefix, reversed: as ours."""
    torch = pytest.importorskip("torch")
    H = 3
    ours = (LSTM if kind == "lstm" else GRU)(H, bidirectional=True, return_sequences=True, in_features=D, rng=rng)
    theirs = (torch.nn.LSTM if kind == "lstm" else torch.nn.GRU)(D, H, batch_first=True, bidirectional=True)
    theirs = theirs.double()
    order = [0, 1, 3, 2] if kind == "lstm" else [0, 1, 2]
    for suffix, torch_suffix in (("", "_l0"), ("_reverse", "_l0_reverse")):
        w = {name: getattr(theirs, name + torch_suffix).detach().numpy() for name in
             ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
        reorder = lambda a: np.concatenate([a[k * H:(k + 1) * H] for k in order])  # noqa: E731
        getattr(ours, "w_x" + suffix).data = reorder(w["weight_ih"]).T.copy()
        getattr(ours, "w_h" + suffix).data = reorder(w["weight_hh"]).T.copy()
        if kind == "lstm":
            getattr(ours, "b" + suffix).data = reorder(w["bias_ih"] + w["bias_hh"])
        else:
            getattr(ours, "b" + suffix).data, getattr(ours, "b_h" + suffix).data = w["bias_ih"], w["bias_hh"]
    x = rng.standard_normal((N, T, D))
    upstream = rng.standard_normal((N, T, 2 * H)) * prefix_mask()[:, :, None]
    tx = torch.tensor(x, requires_grad=True)
    packed = torch.nn.utils.rnn.pack_padded_sequence(tx, torch.tensor(LENGTHS), batch_first=True,
                                                     enforce_sorted=False)
    ty, _ = torch.nn.utils.rnn.pad_packed_sequence(theirs(packed)[0], batch_first=True, total_length=T)
    ty.backward(torch.tensor(upstream))
    leaf = Tensor(x, requires_grad=True)
    out = ours(leaf, prefix_mask())
    out.backward(upstream)
    np.testing.assert_allclose(out.data, ty.detach().numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(leaf.grad, tx.grad.numpy(), rtol=1e-9, atol=1e-12)
