"""Recurrent layers read a sequence in pieces, carrying their state: the same outputs as one pass."""
import numpy as np
import pytest

from dlx.errors import ShapeError
from dlx.inference.text import StatefulReader
from dlx.nn import Sequential
from dlx.registry import layers
from dlx.tasks import predict_outputs
from dlx.tensor import Tensor


@pytest.mark.parametrize("name", ["simple_rnn", "irnn", "lstm", "gru"])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_reading_in_pieces_equals_one_pass(name, return_sequences, rng):
    layer = layers.create(name, units=5, return_sequences=return_sequences, in_features=3, rng=rng)
    for p in layer.parameters():
        p.data = p.data.astype(np.float64)
    x = rng.standard_normal((2, 7, 3))
    whole = layer(Tensor(x)).data
    state, pieces = None, []
    for start, stop in ((0, 3), (3, 4), (4, 7)):  # 3 steps, 1 step, 3 steps
        out, state = layer.forward_stateful(Tensor(x[:, start:stop]), state)
        pieces.append(out.data)
    assert len(state) == (2 if name == "lstm" else 1) and state[0].shape == (2, 5)
    if return_sequences:
        np.testing.assert_allclose(np.concatenate(pieces, axis=1), whole, rtol=0, atol=1e-12)
    else:  # the last call's output is h_T of the whole sequence
        np.testing.assert_allclose(pieces[-1], whole, rtol=0, atol=1e-12)


def test_a_bidirectional_layer_cannot_carry_its_state(rng):
    layer = layers.create("gru", units=2, bidirectional=True, in_features=3, rng=rng)
    with pytest.raises(ShapeError, match="bidirectional"):
        layer.forward_stateful(Tensor(np.zeros((1, 2, 3))))


def char_model(rng, recurrent="lstm", **options):
    net = Sequential([layers.create("embedding", vocab_size=6, dim=4), layers.create(recurrent, units=8, **options),
                      layers.create("time_dense", units=6), layers.create("log_softmax")])
    net.build((None,), rng)
    return net


def test_the_reader_gives_the_last_step_of_a_full_rerun_at_every_length(rng):
    net = char_model(rng, return_sequences=True)
    assert StatefulReader.fits(net)
    tokens = rng.integers(0, 6, 12)
    reader = StatefulReader(net)
    net.eval()
    outputs = [reader.read(tokens[None, :4])] + [reader.read(tokens[None, t:t + 1]) for t in range(4, 12)]
    for t, out in zip(range(4, 13), outputs):
        full = predict_outputs(net, tokens[None, :t])[0, -1]
        np.testing.assert_allclose(out, full, rtol=1e-5, atol=1e-6)


def test_networks_the_reader_cannot_step_fall_back(rng):
    assert not StatefulReader.fits(char_model(rng, bidirectional=True, return_sequences=True))
    flat = Sequential([layers.create("embedding", vocab_size=6, dim=4), layers.create("flatten"),
                       layers.create("dense", units=6)])
    assert not StatefulReader.fits(flat)  # flatten mixes the steps
