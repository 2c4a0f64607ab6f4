"""Transposed convolution, upsampling and the VAE ops against their definitions and PyTorch."""
import numpy as np
import pytest

from dlx.ops import conv2d, conv_transpose2d, gaussian_kl, reparameterize, upsample_bilinear2d, upsample_nearest2d
from dlx.tensor import Tensor, gradcheck

SETTINGS = [  # stride, padding, output_padding, dilation
    (1, 0, 0, 1), (2, 1, 1, 1), (2, 0, 0, 2), ((2, 3), (1, 0), (1, 2), (1, 2)), (3, 2, 2, 1),
]


@pytest.mark.parametrize("stride, padding, output_padding, dilation", SETTINGS)
def test_conv_transpose_is_the_input_gradient_of_conv2d(rng, stride, padding, output_padding, dilation):
    """conv_transpose2d(g, W) = d/dz <conv2d(z, W), g>: the defining identity, for every setting."""
    g = rng.standard_normal((2, 3, 4, 5))  # (N, O, H, W): conv2d's output, the transpose's input
    weight = rng.standard_normal((3, 2, 3, 2))  # (O, C, kh, kw)
    y = conv_transpose2d(Tensor(g), Tensor(weight), None, stride, padding, output_padding, dilation).data
    z = Tensor(np.zeros_like(y), requires_grad=True)  # conv2d's input has the transpose's output shape
    out = conv2d(z, Tensor(weight), None, stride, padding, dilation)
    assert out.shape == g.shape
    out.backward(g)
    np.testing.assert_allclose(y, z.grad, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("stride, padding, output_padding, dilation", SETTINGS)
def test_conv_transpose_gradcheck(rng, stride, padding, output_padding, dilation):
    x, w, b = rng.standard_normal((2, 3, 3, 4)), rng.standard_normal((3, 2, 3, 2)), rng.standard_normal(2)
    fn = lambda x, w, b: conv_transpose2d(x, w, b, stride, padding, output_padding, dilation)  # noqa: E731
    assert gradcheck(fn, [x, w, b]) < 1e-6


@pytest.mark.parametrize("stride, padding, output_padding, dilation", SETTINGS)
def test_conv_transpose_matches_torch(rng, stride, padding, output_padding, dilation):
    torch = pytest.importorskip("torch")
    x, w, b = rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((3, 2, 3, 2)), rng.standard_normal(2)
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ours = conv_transpose2d(*(Tensor(a, requires_grad=True) for a in (x, w, b)), stride, padding,
                            output_padding, dilation)
    theirs = torch.nn.functional.conv_transpose2d(xt, wt, bt, stride, padding, output_padding, 1, dilation)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), atol=1e-12)
    upstream = rng.standard_normal(ours.shape)
    ours_x, ours_w, ours_b = (Tensor(a, requires_grad=True) for a in (x, w, b))
    conv_transpose2d(ours_x, ours_w, ours_b, stride, padding, output_padding, dilation).backward(upstream)
    theirs.backward(torch.tensor(upstream))
    for mine, ref in [(ours_x, xt), (ours_w, wt), (ours_b, bt)]:
        np.testing.assert_allclose(mine.grad, ref.grad.numpy(), atol=1e-10)


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
@pytest.mark.parametrize("scale", [2, 3, (2, 3)])
def test_upsample_matches_torch(rng, mode, scale):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((2, 3, 3, 4))
    fn = upsample_nearest2d if mode == "nearest" else upsample_bilinear2d
    ours_x = Tensor(x, requires_grad=True)
    ours = fn(ours_x, scale)
    xt = torch.tensor(x, requires_grad=True)
    pairs = scale if isinstance(scale, tuple) else (scale, scale)
    extra = {} if mode == "nearest" else {"align_corners": False}
    theirs = torch.nn.functional.interpolate(xt, scale_factor=pairs, mode=mode, **extra)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), atol=1e-12)
    upstream = rng.standard_normal(ours.shape)
    ours.backward(upstream)
    theirs.backward(torch.tensor(upstream))
    np.testing.assert_allclose(ours_x.grad, xt.grad.numpy(), atol=1e-12)
    assert gradcheck(lambda x: fn(x, scale), [x]) < 1e-6


def test_reparameterised_sample_gradcheck_with_the_noise_fixed(rng):
    """The sampling path mu, logvar -> z -> loss, with eps held fixed, differentiates correctly."""
    mu, logvar, eps = rng.standard_normal((5, 3)), rng.standard_normal((5, 3)) * 0.5, rng.standard_normal((5, 3))
    weight = rng.standard_normal((3, 4))

    def path(mu, logvar):
        z = reparameterize(mu, logvar, eps)  # eps is a constant here: not an input of the check
        return (z @ Tensor(weight)).tanh() + gaussian_kl(mu, logvar)

    assert gradcheck(path, [mu, logvar]) < 1e-6


def test_reparameterised_samples_have_the_encoders_distribution(rng):
    mu, logvar = np.array([[1.5, -2.0]]), np.log(np.array([[0.25, 4.0]]))
    eps = rng.standard_normal((200_000, 2))
    z = reparameterize(Tensor(np.repeat(mu, len(eps), 0)), Tensor(np.repeat(logvar, len(eps), 0)), eps).data
    np.testing.assert_allclose(z.mean(0), mu[0], atol=0.02)  # standard errors 0.001 and 0.005
    np.testing.assert_allclose(z.var(0), np.exp(logvar[0]), rtol=0.02)


def test_gaussian_kl_matches_torch_distributions(rng):
    torch = pytest.importorskip("torch")
    mu, logvar = rng.standard_normal((6, 4)), rng.standard_normal((6, 4))
    ours = gaussian_kl(Tensor(mu), Tensor(logvar)).item()
    q = torch.distributions.Normal(torch.tensor(mu), torch.tensor(np.exp(0.5 * logvar)))
    p = torch.distributions.Normal(torch.zeros(6, 4, dtype=torch.float64), torch.ones(6, 4, dtype=torch.float64))
    reference = torch.distributions.kl_divergence(q, p).sum(-1).mean().item()
    assert ours == pytest.approx(reference, rel=1e-12)
    assert gaussian_kl(Tensor(np.zeros((2, 3))), Tensor(np.zeros((2, 3)))).item() == 0.0


def test_bernoulli_nll_matches_torch(rng):
    torch = pytest.importorskip("torch")
    from dlx.ops import bernoulli_nll
    logits, x = rng.standard_normal((5, 7)) * 4, (rng.uniform(size=(5, 7)) > 0.5).astype(float)
    ours = bernoulli_nll(Tensor(logits), x).item()
    reference = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.tensor(logits), torch.tensor(x), reduction="sum").item() / 5
    assert ours == pytest.approx(reference, rel=1e-12)
