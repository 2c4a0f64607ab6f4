"""Pooling and flattening: values, tie-breaking, gradients, PyTorch, shapes and errors."""
import numpy as np
import pytest

import dlx.ops  # noqa: F401  (Tensor operators)
from dlx.errors import ConfigError, ShapeError
from dlx.nn.pooling import AvgPool2D, GlobalAvgPool2D, MaxPool2D
from dlx.nn.shape import Flatten
from dlx.ops.base import distinct
from dlx.ops.pool import avg_pool2d, max_pool2d
from dlx.tensor import Tensor, gradcheck, no_grad

# (pool_size, stride, padding): disjoint, overlapping, padded, rectangular
POOL_CASES = [(2, None, 0), (3, 1, 0), (3, 2, 1), ((2, 3), (1, 2), (1, 1)), (2, 3, 0)]


def test_max_pool_values():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    np.testing.assert_array_equal(MaxPool2D(2)(Tensor(x)).data, [[[[5.0, 7.0], [13.0, 15.0]]]])
    np.testing.assert_array_equal(AvgPool2D(2)(Tensor(x)).data, [[[[2.5, 4.5], [10.5, 12.5]]]])


def test_max_pool_gradient_goes_to_the_arg_max_only():
    x = Tensor(np.array([[[[1.0, 9.0], [3.0, 4.0]]]]), requires_grad=True)
    max_pool2d(x, 2).backward(np.array([[[[5.0]]]]))
    np.testing.assert_array_equal(x.grad, [[[[0.0, 5.0], [0.0, 0.0]]]])


def test_max_pool_ties_go_to_the_first_maximum():
    # after a ReLU whole windows are 0: the gradient goes to one element, the first in row-major order
    x = Tensor(np.array([[[[0.0, 0.0, 2.0, 1.0], [0.0, 0.0, 2.0, 2.0]]]]), requires_grad=True)
    max_pool2d(x, 2).backward(np.ones((1, 1, 1, 2)))
    np.testing.assert_array_equal(x.grad, [[[[1.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]]])


@pytest.mark.parametrize("pool_size, stride, padding", POOL_CASES)
def test_max_pool_gradcheck(pool_size, stride, padding, rng):
    x = distinct(rng, (2, 2, 6, 7))  # no ties: the max is differentiable
    kwargs = {"pool_size": pool_size, "stride": stride, "padding": padding}
    assert gradcheck(max_pool2d, [x], kwargs=kwargs) < 1e-6


@pytest.mark.parametrize("pool_size, stride, padding", POOL_CASES)
def test_max_pool_without_a_graph_gives_the_same_values_and_records_nothing(pool_size, stride, padding, rng):
    """Evaluation (``no_grad``, or an input that needs no gradient) skips the arg max; the values are those of
    the training path, with ReLU-like ties and -inf padding."""
    data = np.maximum(rng.standard_normal((3, 2, 7, 6)), 0.0)  # many all-zero windows
    x = Tensor(data, requires_grad=True)
    with_graph = max_pool2d(x, pool_size, stride, padding)
    with no_grad():
        without = max_pool2d(x, pool_size, stride, padding)
    plain = max_pool2d(Tensor(data), pool_size, stride, padding)
    for result in (without, plain):
        np.testing.assert_array_equal(result.data, with_graph.data)
        assert not result.requires_grad and result._backward is None and result._parents == ()


@pytest.mark.parametrize("pool_size, stride, padding", POOL_CASES)
def test_avg_pool_gradcheck(pool_size, stride, padding, rng):
    kwargs = {"pool_size": pool_size, "stride": stride, "padding": padding}
    assert gradcheck(avg_pool2d, [rng.standard_normal((2, 2, 6, 7))], kwargs=kwargs) < 1e-6


@pytest.mark.parametrize("pool_size, stride, padding", POOL_CASES)
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pooling_matches_torch(kind, pool_size, stride, padding, rng):
    torch = pytest.importorskip("torch")
    functional = {"max": torch.nn.functional.max_pool2d, "avg": torch.nn.functional.avg_pool2d}[kind]
    mine_op = {"max": max_pool2d, "avg": avg_pool2d}[kind]
    x = rng.standard_normal((2, 3, 6, 7))
    x[0, 0, :2, :2] = 0.5  # a tied window
    xt = torch.tensor(x, requires_grad=True)
    out_t = functional(xt, pool_size, stride, padding)
    g = rng.standard_normal(tuple(out_t.shape))
    out_t.backward(torch.tensor(g))
    xd = Tensor(x, requires_grad=True)
    out = mine_op(xd, pool_size, stride, padding)
    out.backward(g)
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), rtol=0, atol=1e-6)
    np.testing.assert_allclose(xd.grad, xt.grad.numpy(), rtol=0, atol=1e-6)


def test_max_pool_keeps_float32(rng):
    x = Tensor(rng.standard_normal((2, 3, 4, 4)).astype(np.float32), requires_grad=True)
    out = max_pool2d(x, 2)
    out.sum().backward()
    assert out.dtype == x.grad.dtype == np.float32


def test_output_shape_floors_like_torch():
    assert MaxPool2D(2).output_shape((3, 5, 7)) == (3, 2, 3)
    assert MaxPool2D(3, stride=2, padding=1).output_shape((3, 8, 8)) == (3, 4, 4)
    assert AvgPool2D((2, 1)).output_shape((1, 4, 3)) == (1, 2, 3)


def test_global_avg_pool_and_flatten(rng):
    x = Tensor(rng.standard_normal((2, 3, 4, 5)), requires_grad=True)
    np.testing.assert_allclose(GlobalAvgPool2D()(x).data, x.data.mean(axis=(2, 3)))
    assert GlobalAvgPool2D().output_shape((3, 4, 5)) == (3,)
    flat = Flatten()(x)
    assert flat.shape == (2, 60) == (2, *Flatten().output_shape((3, 4, 5)))
    np.testing.assert_array_equal(flat.data[1], x.data[1].ravel())
    assert gradcheck(lambda x: Flatten()(GlobalAvgPool2D()(x) * 1.0), [x.data]) < 1e-6


def test_shape_errors_name_both_shapes():
    with pytest.raises(ShapeError, match=r"\(channels, height, width\), got \(16, 8\)"):
        MaxPool2D(2).output_shape((16, 8))
    with pytest.raises(ShapeError, match=r"at least 2x2 after padding, got \(16, 1, 1\)"):
        MaxPool2D(2).output_shape((16, 1, 1))
    with pytest.raises(ShapeError, match=r"\(channels, height, width\), got \(5,\)"):
        GlobalAvgPool2D().output_shape((5,))
    with pytest.raises(ShapeError, match="got ()"):
        Flatten().output_shape(())


@pytest.mark.parametrize("kwargs", [{"pool_size": 0}, {"pool_size": 2, "padding": 2}, {"stride": 0}])
def test_bad_pooling_arguments_are_config_errors(kwargs):
    with pytest.raises(ConfigError):
        MaxPool2D(**kwargs)
