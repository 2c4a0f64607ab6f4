"""Convolution: the fast ops against the lecture's sums, gradients, PyTorch, shapes and errors."""
import numpy as np
import pytest

import dlx.ops  # noqa: F401  (Tensor operators)
from dlx.errors import ConfigError, ShapeError
from dlx.nn import Dense, ReLU, Sequential
from dlx.nn.conv import Conv1D, Conv2D, reference_conv1d, reference_conv2d
from dlx.nn.pooling import MaxPool2D
from dlx.nn.shape import Flatten
from dlx.ops.conv import conv1d, conv2d
from dlx.tensor import Tensor, gradcheck

# (stride, padding, dilation): plain, padded, strided, dilated, all three, per-axis pairs
CONV2D_CASES = [(1, 0, 1), (1, 1, 1), (2, 1, 1), (1, 2, 2), (2, 1, 2), ((2, 1), (0, 2), (1, 2))]
CONV1D_CASES = [(1, 0, 1), (1, 2, 1), (2, 1, 1), (1, 1, 3), (3, 2, 2)]


@pytest.fixture(params=["batch_last", "channel_major"])
def each_layout(request, monkeypatch):
    """Run a test with the columns in each of the two orders (dlx.ops.conv picks one per layer)."""
    from dlx.ops import conv
    monkeypatch.setattr(conv, "LAYOUT", request.param)
    return request.param


def _conv2d_inputs(rng, kernel=(3, 2)):
    x = rng.standard_normal((2, 3, 7, 6))
    w = rng.standard_normal((4, 3, *kernel))  # non-square kernel: catches swapped axes
    b = rng.standard_normal(4)
    return x, w, b


# ---- the lecture's definition ----------------------------------------------------------------
def test_reference_conv1d_on_a_hand_computed_example():
    # cross-correlation with w = [1, 2]: y[m] = x[m] + 2 x[m + 1]; the lecture's h is w mirrored
    x = np.array([[[1.0, 2.0, 3.0, 4.0]]])
    w = np.array([[[1.0, 2.0]]])
    np.testing.assert_array_equal(reference_conv1d(x, w), [[[5.0, 8.0, 11.0]]])
    np.testing.assert_array_equal(np.convolve(x[0, 0], w[0, 0, ::-1], mode="valid"), [5.0, 8.0, 11.0])


@pytest.mark.parametrize("stride, padding, dilation", CONV2D_CASES)
@pytest.mark.usefixtures("each_layout")
def test_conv2d_equals_the_lecture_double_sum(stride, padding, dilation, rng):
    x, w, b = _conv2d_inputs(rng)
    fast = conv2d(Tensor(x), Tensor(w), Tensor(b), stride, padding, dilation).data
    slow = reference_conv2d(x, w, b, stride, padding, dilation)
    assert fast.shape == slow.shape
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-10)


@pytest.mark.parametrize("stride, padding, dilation", CONV1D_CASES)
@pytest.mark.usefixtures("each_layout")
def test_conv1d_equals_the_lecture_sum(stride, padding, dilation, rng):
    x, w, b = rng.standard_normal((2, 3, 11)), rng.standard_normal((4, 3, 3)), rng.standard_normal(4)
    fast = conv1d(Tensor(x), Tensor(w), Tensor(b), stride, padding, dilation).data
    slow = reference_conv1d(x, w, b, stride, padding, dilation)
    assert fast.shape == slow.shape
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-10)


# ---- gradients -------------------------------------------------------------------------------
@pytest.mark.parametrize("stride, padding, dilation", CONV2D_CASES + [(1, ((0, 1), (2, 0)), 1)])
@pytest.mark.usefixtures("each_layout")
def test_conv2d_gradcheck(stride, padding, dilation, rng):
    x, w, b = rng.standard_normal((2, 2, 6, 5)), rng.standard_normal((3, 2, 3, 2)), rng.standard_normal(3)
    kwargs = {"stride": stride, "padding": padding, "dilation": dilation}
    assert gradcheck(conv2d, [x, w, b], kwargs=kwargs) < 1e-6


@pytest.mark.usefixtures("each_layout")
def test_conv2d_without_bias_gradcheck(rng):
    x, w = rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((3, 2, 2, 2))
    assert gradcheck(lambda x, w: conv2d(x, w, None, stride=2, padding=1), [x, w]) < 1e-6


@pytest.mark.parametrize("stride, padding, dilation", CONV1D_CASES)
@pytest.mark.usefixtures("each_layout")
def test_conv1d_gradcheck(stride, padding, dilation, rng):
    x, w, b = rng.standard_normal((2, 2, 9)), rng.standard_normal((3, 2, 3)), rng.standard_normal(3)
    kwargs = {"stride": stride, "padding": padding, "dilation": dilation}
    assert gradcheck(conv1d, [x, w, b], kwargs=kwargs) < 1e-6


@pytest.mark.usefixtures("each_layout")
def test_views_with_any_strides_give_the_same_result(rng):
    x, w, b = _conv2d_inputs(rng)
    expected = conv2d(Tensor(x), Tensor(w), Tensor(b), 2, 1, 1).data
    flipped = np.ascontiguousarray(x[..., ::-1])[..., ::-1]  # negative strides
    channels_last = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    for view in (flipped, channels_last, x[:, :, :, :]):
        np.testing.assert_array_equal(conv2d(Tensor(view), Tensor(w), Tensor(b), 2, 1, 1).data, expected)
        np.testing.assert_array_equal(conv2d(Tensor(view), Tensor(w), Tensor(b), 1, 0, 2).data,
                                      conv2d(Tensor(x), Tensor(w), Tensor(b), 1, 0, 2).data)


def test_float32_stays_float32(rng):
    layer = Conv2D(4, 3, padding="same", in_channels=2, rng=rng)
    x = Tensor(rng.standard_normal((3, 2, 6, 6)).astype(np.float32), requires_grad=True)
    out = layer(x)
    out.sum().backward()
    assert out.dtype == x.grad.dtype == layer.weight.grad.dtype == layer.b.grad.dtype == np.float32


# ---- PyTorch as a reference ------------------------------------------------------------------
@pytest.mark.parametrize("stride, padding, dilation", CONV2D_CASES)
@pytest.mark.usefixtures("each_layout")
def test_conv2d_matches_torch(stride, padding, dilation, rng):
    torch = pytest.importorskip("torch")
    x, w, b = _conv2d_inputs(rng)
    upstream_shape = reference_conv2d(x[:1, :1], w[:1, :1], None, stride, padding, dilation).shape[2:]
    g = rng.standard_normal((2, 4, *upstream_shape))
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    out_t = torch.nn.functional.conv2d(xt, wt, bt, stride, padding, dilation)
    out_t.backward(torch.tensor(g))
    xd, wd, bd = (Tensor(a, requires_grad=True) for a in (x, w, b))
    out = conv2d(xd, wd, bd, stride, padding, dilation)
    out.backward(g)
    for mine, theirs in [(out.data, out_t), (xd.grad, xt.grad), (wd.grad, wt.grad), (bd.grad, bt.grad)]:
        np.testing.assert_allclose(mine, theirs.detach().numpy(), rtol=0, atol=1e-6)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("kernel, dilation", [(4, 1), (3, 2), ((2, 3), 1)])
def test_same_padding_matches_torch(kernel, dilation, rng):
    torch = pytest.importorskip("torch")
    layer = Conv2D(2, kernel, padding="same", dilation=dilation, in_channels=3, rng=rng)
    layer.weight.data = layer.weight.data.astype(np.float64)
    layer.b.data = layer.b.data.astype(np.float64)
    x = rng.standard_normal((2, 3, 7, 6))
    expected = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(layer.weight.data),
                                          torch.tensor(layer.b.data), padding="same", dilation=dilation)
    out = layer(Tensor(x))
    assert out.shape == (2, 2, 7, 6) == (2, *layer.output_shape((3, 7, 6)))
    np.testing.assert_allclose(out.data, expected.numpy(), rtol=0, atol=1e-10)


# ---- the layers: shapes, initialisation, configuration ------------------------------------------
def test_conv2d_layer_infers_channels_and_shapes(rng):
    layer = Conv2D(5, (3, 2), stride=2, padding=1)
    layer.build((3, 9, 8), rng)
    assert layer.in_channels == 3 and layer.weight.shape == (5, 3, 3, 2) and layer.b.shape == (5,)
    assert layer.output_shape((3, 9, 8)) == (5, 5, 5)
    limit = np.sqrt(6.0 / (3 * 3 * 2))  # he_uniform, fan_in = channels * kh * kw
    assert np.abs(layer.weight.data).max() <= limit and np.abs(layer.weight.data).max() > 0.5 * limit


def test_conv1d_layer_shapes(rng):
    layer = Conv1D(6, 3, padding="same", in_channels=4, rng=rng)
    assert layer(Tensor(rng.standard_normal((2, 4, 10)))).shape == (2, 6, 10)
    assert Conv1D(6, 3, stride=2).output_shape((4, 11)) == (6, 5)


def test_get_config_rebuilds_the_same_layer():
    layer = Conv2D(8, 3, stride=(2, 1), padding=1, dilation=2, bias=False)
    config = layer.get_config()
    assert config["name"] == "conv2d"
    assert config["kernel_size"] == [3, 3] and config["stride"] == [2, 1] and config["bias"] is False
    config.pop("name")
    assert Conv2D(**config).get_config() == layer.get_config()
    assert Conv1D(4, 5, padding="same").get_config()["padding"] == "same"


def test_rank_mismatch_names_both_shapes():
    with pytest.raises(ShapeError, match=r"\(channels, height, width\), got \(64,\)"):
        Conv2D(3, 3).output_shape((64,))
    with pytest.raises(ShapeError, match=r"\(channels, length\), got \(3, 8, 8\)"):
        Conv1D(3, 3).output_shape((3, 8, 8))


def test_too_small_image_names_the_needed_size():
    with pytest.raises(ShapeError, match=r"at least 5x5 after padding, got \(1, 3, 3\)"):
        Conv2D(3, 5).output_shape((1, 3, 3))
    with pytest.raises(ShapeError, match=r"at least 5 steps after padding, got \(2, 4\)"):
        Conv1D(3, 3, dilation=2).output_shape((2, 4))


def test_a_pooling_stack_too_deep_for_the_image_fails_before_training():
    model = Sequential([Conv2D(4, 3, padding=1), ReLU(), MaxPool2D(2), Conv2D(4, 3), ReLU(), MaxPool2D(2),
                        Flatten(), Dense(10)])
    with pytest.raises(ShapeError, match=r"layer 3 \(conv2d\) expects an image of at least 3x3 after padding, "
                                         r"got \(4, 2, 2\)"):
        model.build((1, 5, 5), np.random.default_rng(0))


def test_the_op_rejects_an_image_smaller_than_the_kernel(rng):
    with pytest.raises(ShapeError, match="smaller than the dilated kernel"):
        conv2d(Tensor(np.zeros((1, 1, 4, 4))), Tensor(np.zeros((1, 1, 3, 3))), dilation=2)


def test_channel_mismatch_is_a_shape_error(rng):
    layer = Conv2D(2, 3, in_channels=3, rng=rng)
    with pytest.raises(ShapeError, match="expects input with 3 channels"):
        layer.output_shape((4, 8, 8))
    with pytest.raises(ShapeError, match="input has 4 channels"):
        layer(Tensor(np.zeros((1, 4, 8, 8))))


@pytest.mark.parametrize("kwargs", [{"padding": "same", "stride": 2}, {"padding": "full"}, {"filters": 0},
                                    {"stride": 0}, {"padding": -1}])
def test_bad_arguments_are_config_errors(kwargs):
    arguments = {"filters": 3, "kernel_size": 3, **kwargs}
    with pytest.raises(ConfigError):
        Conv2D(**arguments)


@pytest.mark.usefixtures("each_layout")
@pytest.mark.parametrize("stride, padding", [(1, 0), (2, 1)])
def test_conv_transpose2d_gradcheck_in_each_layout(stride, padding, rng):
    from dlx.ops.conv_transpose import conv_transpose2d
    x, w, b = rng.standard_normal((2, 3, 3, 4)), rng.standard_normal((3, 2, 3, 2)), rng.standard_normal(2)
    kwargs = {"stride": stride, "padding": padding}
    assert gradcheck(conv_transpose2d, [x, w, b], kwargs=kwargs) < 1e-6


def test_the_layout_rule_picks_batch_last_where_the_columns_outweigh_the_transposes():
    from dlx.ops.conv import batch_last_pays
    assert not batch_last_pays(1, 16, 5, 5)  # MNIST conv1: 25 numbers per pixel in the columns, 32 transposed
    assert batch_last_pays(16, 32, 5, 5)  # MNIST conv2: 400 against 64
