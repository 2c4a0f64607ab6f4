"""The integer layers: their forward equals a float simulation of the same quantisation, bit for bit."""
import numpy as np
import pytest

from dlx.compress.quantise import integer_twin
from dlx.errors import ConfigError
from dlx.nn import Conv2D, Dense
from dlx.nn.quantised import largest_code, quantised_codes, simulated_dense
from dlx.tensor import Tensor


def trained_dense(rng, n_in=64, units=32):
    layer = Dense(units, in_features=n_in, rng=rng)
    layer.weight.data = (rng.standard_normal((n_in, units)) * 0.3).astype(np.float32)
    layer.b.data = rng.standard_normal(units).astype(np.float32)
    return layer


@pytest.mark.parametrize("bits", [8, 4])
def test_integer_dense_equals_its_float_simulation_exactly(rng, bits):
    layer = trained_dense(rng)
    x = rng.standard_normal((50, 64)).astype(np.float32) * 2
    twin = integer_twin(layer, float(np.abs(x).max()) * 0.8, bits, 8)  # some inputs clip
    state = twin.state_dict()
    expected = simulated_dense(x, state["weight_codes"], state["weight_scale"], state["input_scale"][0], state["b"], 8)
    np.testing.assert_array_equal(twin(Tensor(x)).data, expected)


def test_weight_codes_use_the_full_range_of_every_output_channel(rng):
    layer = trained_dense(rng)
    codes = integer_twin(layer, 1.0, 8, 8).state_dict()["weight_codes"]
    assert codes.dtype == np.int8
    np.testing.assert_array_equal(np.abs(codes.astype(int)).max(axis=0), 127)  # per channel, symmetric


def test_int8_dense_is_close_to_the_float_layer(rng):
    layer = trained_dense(rng)
    x = rng.standard_normal((50, 64)).astype(np.float32)
    twin = integer_twin(layer, float(np.abs(x).max()), 8, 8)
    exact = layer(Tensor(x)).data
    # each product's error is at most half a step of x times |w| plus half a step of w times |x|
    bound = 64 * (np.abs(x).max() / 127 / 2 * np.abs(layer.weight.data).max() + 3 * np.abs(layer.weight.data).max() / 127 / 2)
    assert np.abs(twin(Tensor(x)).data - exact).max() < bound


def reference_conv(codes, kernels, pads):
    """The definition of a convolution, with float64 numbers holding the integer codes."""
    x = np.pad(codes.astype(np.float64), ((0, 0), (0, 0), tuple(pads[0]), tuple(pads[1])))
    f, c, kh, kw = kernels.shape
    n, _, h, w = x.shape
    out = np.zeros((n, f, h - kh + 1, w - kw + 1))
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            out[:, :, i, j] = np.einsum("nchw,fchw->nf", x[:, :, i:i + kh, j:j + kw], kernels.astype(np.float64))
    return out


def test_integer_conv_equals_its_float_simulation_exactly(rng):
    layer = Conv2D(4, 3, padding=1, in_channels=2, rng=rng)
    layer.b.data = rng.standard_normal(4).astype(np.float32)
    x = rng.standard_normal((3, 2, 6, 6)).astype(np.float32)
    twin = integer_twin(layer, float(np.abs(x).max()), 8, 8)
    s = twin.state_dict()
    codes = quantised_codes(x, s["input_scale"][0], 8)
    acc = reference_conv(codes, s["weight_codes"], twin.pads).astype(np.float32)
    expected = acc * (np.float32(s["input_scale"][0]) * s["weight_scale"].reshape(1, -1, 1, 1)) \
        + s["b"].reshape(1, -1, 1, 1)
    np.testing.assert_array_equal(twin(Tensor(x)).data, expected)
    assert np.abs(expected - layer(Tensor(x)).data).max() < 0.1 * np.abs(layer(Tensor(x)).data).max()


@pytest.mark.parametrize("bits", [0, 1, 9, 2.5, True])
def test_bits_outside_two_to_eight_are_refused(bits):
    with pytest.raises(ConfigError, match="from 2 to 8"):
        largest_code(bits)
