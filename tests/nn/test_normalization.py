"""Batch normalisation: the fused op's gradients, PyTorch in both modes, running statistics, state."""
import numpy as np
import pytest

import dlx.ops  # noqa: F401  (Tensor operators)
from dlx.errors import ConfigError, ShapeError
from dlx.nn.normalization import BatchNorm1D, BatchNorm2D
from dlx.ops.norm import batch_norm
from dlx.tensor import Tensor, gradcheck


def _float64(layer):
    layer.gamma.data = layer.gamma.data.astype(np.float64)
    layer.beta.data = layer.beta.data.astype(np.float64)
    for name in ("running_mean", "running_var"):
        layer._buffers[name] = layer._buffers[name].astype(np.float64)
    return layer


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 6), (3, 2, 3, 4)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradcheck(shape, training, rng):
    x = rng.standard_normal(shape) * 2.0 + 1.0
    gamma, beta = rng.uniform(0.5, 1.5, shape[1]), rng.standard_normal(shape[1])
    running_mean, running_var = rng.standard_normal(shape[1]), rng.uniform(0.5, 2.0, shape[1])

    def normalise(x, gamma, beta):
        return batch_norm(x, gamma, beta, running_mean.copy(), running_var.copy(), training=training)

    assert gradcheck(normalise, [x, gamma, beta]) < 1e-6


def test_training_output_has_zero_mean_unit_variance_per_channel(rng):
    layer = BatchNorm2D()
    x = Tensor(rng.normal(3.0, 2.0, (16, 4, 5, 5)))
    out = layer(x).data
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0.0, atol=1e-5)
    np.testing.assert_allclose(out.var(axis=(0, 2, 3)), 1.0, atol=1e-3)  # eps = 1e-5 shrinks it by ~1e-6


@pytest.mark.parametrize("layer_class, shape", [(BatchNorm1D, (8, 3)), (BatchNorm1D, (8, 3, 5)),
                                                (BatchNorm2D, (6, 3, 4, 5))])
def test_matches_torch_in_training_and_evaluation(layer_class, shape, rng):
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional.batch_norm
    layer = layer_class(momentum=0.2)
    layer.build(shape[1:], rng)
    _float64(layer)
    layer.gamma.data = rng.uniform(0.5, 1.5, shape[1])
    layer.beta.data = rng.standard_normal(shape[1])
    running_mean, running_var = torch.zeros(shape[1], dtype=torch.float64), torch.ones(shape[1], dtype=torch.float64)
    for step, training in enumerate([True, True, True, False]):
        layer.train(training)
        x, g = rng.standard_normal(shape) * 2 + step, rng.standard_normal(shape)
        xt = torch.tensor(x, requires_grad=True)
        gamma_t = torch.tensor(layer.gamma.data, requires_grad=True)
        beta_t = torch.tensor(layer.beta.data, requires_grad=True)
        out_t = functional(xt, running_mean, running_var, gamma_t, beta_t, training, 0.2, 1e-5)
        out_t.backward(torch.tensor(g))
        xd = Tensor(x, requires_grad=True)
        layer.zero_grad()
        out = layer(xd)
        out.backward(g)
        pairs = [(out.data, out_t), (xd.grad, xt.grad), (layer.gamma.grad, gamma_t.grad),
                 (layer.beta.grad, beta_t.grad), (layer.running_mean, running_mean),
                 (layer.running_var, running_var)]
        for mine, theirs in pairs:
            np.testing.assert_allclose(mine, theirs.detach().numpy(), rtol=0, atol=1e-6)


def test_running_statistics_use_the_unbiased_variance(rng):
    layer = BatchNorm1D(momentum=0.5)
    x = rng.standard_normal((4, 2))
    layer(Tensor(x))
    np.testing.assert_allclose(layer.running_mean, 0.5 * x.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(layer.running_var, 0.5 + 0.5 * x.var(axis=0, ddof=1), rtol=1e-6)


def test_evaluation_mode_uses_running_statistics_and_leaves_them(rng):
    layer = BatchNorm1D(num_features=3)
    layer._buffers["running_mean"][:] = [1.0, 2.0, 3.0]
    layer._buffers["running_var"][:] = [4.0, 1.0, 0.25]
    layer.eval()
    x = rng.standard_normal((5, 3)).astype(np.float32)
    out = layer(Tensor(x)).data
    expected = (x - [1.0, 2.0, 3.0]) / np.sqrt(np.array([4.0, 1.0, 0.25]) + 1e-5)
    np.testing.assert_allclose(out, expected, rtol=1e-5)
    np.testing.assert_array_equal(layer.running_mean, [1.0, 2.0, 3.0])
    assert out.dtype == np.float32


def test_state_dict_holds_parameters_and_running_statistics(rng):
    layer = BatchNorm2D()
    layer(Tensor(rng.standard_normal((4, 3, 2, 2)).astype(np.float32)))
    state = layer.state_dict()
    assert set(state) == {"gamma", "beta", "running_mean", "running_var"}
    other = BatchNorm2D(num_features=3)
    other.load_state_dict(state)
    np.testing.assert_array_equal(other.running_var, layer.running_var)


def test_errors(rng):
    with pytest.raises(ShapeError, match=r"\(channels, height, width\), got \(3,\)"):
        BatchNorm2D().output_shape((3,))
    with pytest.raises(ShapeError, match="more than one value per channel"):
        BatchNorm1D()(Tensor(np.ones((1, 3))))
    with pytest.raises(ConfigError):
        BatchNorm1D(momentum=1.5)


def test_float32_on_a_large_batch_with_a_large_mean_matches_torch(rng):
    """12,544 values per channel far from zero: the float32 sums stay as accurate as PyTorch's."""
    torch = pytest.importorskip("torch")
    x = (rng.standard_normal((64, 8, 14, 14)) * 0.5 + 40.0).astype(np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    gamma, beta = rng.uniform(0.5, 1.5, 8).astype(np.float32), rng.standard_normal(8).astype(np.float32)
    xd, gd, bd = Tensor(x, requires_grad=True), Tensor(gamma, requires_grad=True), Tensor(beta, requires_grad=True)
    out = batch_norm(xd, gd, bd, training=True)
    out.backward(g)
    xt, gt, bt = (torch.tensor(a, requires_grad=True) for a in (x, gamma, beta))
    out_t = torch.nn.functional.batch_norm(xt, None, None, gt, bt, training=True)
    out_t.backward(torch.tensor(g))
    assert out.data.dtype == np.float32 and xd.grad.dtype == np.float32
    # float32 sums of n = 12,544 values: relative error ~ eps sqrt(n) = 6e-8 x 112 = 7e-6, amplified by
    # mean / sd = 80 in the normalised output: 5e-4; the gradient sums are of size ~sqrt(n) = 112: 1e-3
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), atol=5e-4)
    np.testing.assert_allclose(xd.grad, xt.grad.numpy(), atol=5e-4)
    np.testing.assert_allclose(gd.grad, gt.grad.numpy(), rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(bd.grad, bt.grad.numpy(), atol=1e-3)
