"""LIF neurons over time: gradchecks of the smooth stand-in, the surrogate's closed forms, PyTorch's
autograd on the same recurrence, and the input codings."""
import numpy as np
import pytest

from dlx.nn.spiking import LatencyCoding, RateCoding, TimeReadout
from dlx.ops.spiking import lif_sequence
from dlx.tensor import Tensor, gradcheck


@pytest.mark.parametrize("surrogate", ["fast_sigmoid", "arctan", "sigmoid"])
@pytest.mark.parametrize("reset", ["subtract", "zero"])
@pytest.mark.parametrize("output", ["spikes", "membrane"])
def test_smooth_membrane_dynamics_gradcheck(surrogate, reset, output, rng):
    """With the step replaced by its smooth stand-in the recurrence is differentiable: BPTT by hand
    equals central differences (reset path included)."""
    current = rng.standard_normal((2, 6, 3)) * 0.7 + 0.6
    kwargs = dict(beta=0.85, threshold=1.0, reset=reset, surrogate=surrogate, slope=1.5, smooth=True, output=output)
    assert gradcheck(lif_sequence, [current], kwargs=kwargs) < 1e-6


def test_leaky_integrator_gradcheck(rng):
    assert gradcheck(lif_sequence, [rng.standard_normal((2, 5, 3))], kwargs=dict(beta=0.7, threshold=None)) < 1e-6


CLOSED_FORMS = {  # the surrogates' derivatives as the papers write them, x = v - threshold
    "fast_sigmoid": lambda x, k: 1 / (1 + k * np.abs(x)) ** 2,  # Zenke & Ganguli 2018, eq. (6)
    "arctan": lambda x, k: k / 2 / (1 + (np.pi / 2 * k * x) ** 2),  # Fang et al. 2021
    "sigmoid": lambda x, k: k * np.exp(-k * x) / (1 + np.exp(-k * x)) ** 2,
}


@pytest.mark.parametrize("surrogate", sorted(CLOSED_FORMS))
def test_surrogate_gradient_is_the_closed_form(surrogate, rng):
    """One step from rest: s = H(I - theta) forward, and dL/dI = gs * S'(I - theta) backward."""
    current = Tensor(rng.uniform(0.0, 2.0, (4, 1, 5)), requires_grad=True)
    spikes = lif_sequence(current, beta=0.9, threshold=1.0, surrogate=surrogate, slope=3.0)
    np.testing.assert_array_equal(spikes.data, (current.data > 1.0).astype(float))
    upstream = rng.standard_normal(spikes.shape)
    spikes.backward(upstream)
    expected = upstream * CLOSED_FORMS[surrogate](current.data - 1.0, 3.0)
    np.testing.assert_allclose(current.grad, expected, rtol=1e-12, atol=1e-14)


def _torch_lif(torch, current, beta, theta, reset, surrogate, slope, detach_reset):
    """The same recurrence in a few lines of torch: a custom autograd Function for the spike."""
    class Spike(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return (x > 0).to(x.dtype)

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            if surrogate == "fast_sigmoid":
                return grad / (1 + slope * x.abs()) ** 2
            return grad * slope / 2 / (1 + (torch.pi / 2 * slope * x) ** 2)

    u, spikes = torch.zeros_like(current[:, 0]), []
    for t in range(current.shape[1]):
        v = beta * u + current[:, t]
        s = Spike.apply(v - theta)
        r = s.detach() if detach_reset else s
        u = v - theta * r if reset == "subtract" else v * (1 - r)
        spikes.append(s)
    return torch.stack(spikes, 1)


@pytest.mark.parametrize("surrogate", ["fast_sigmoid", "arctan"])
@pytest.mark.parametrize("reset", ["subtract", "zero"])
@pytest.mark.parametrize("detach_reset", [False, True])
def test_spikes_and_surrogate_backward_match_torch(surrogate, reset, detach_reset, rng):
    torch = pytest.importorskip("torch")
    current = rng.uniform(-0.2, 0.9, (4, 12, 6))
    upstream = rng.standard_normal(current.shape)
    settings = dict(beta=0.9, threshold=1.0, reset=reset, surrogate=surrogate, slope=5.0)
    ours_in = Tensor(current.copy(), requires_grad=True)
    ours = lif_sequence(ours_in, detach_reset=detach_reset, **settings)
    ours.backward(upstream)
    theirs_in = torch.tensor(current, requires_grad=True)
    theirs = _torch_lif(torch, theirs_in, 0.9, 1.0, reset, surrogate, 5.0, detach_reset)
    theirs.backward(torch.tensor(upstream))
    assert 0 < ours.data.sum() < ours.data.size  # some neurons fire, not all
    np.testing.assert_array_equal(ours.data, theirs.detach().numpy())
    np.testing.assert_allclose(ours_in.grad, theirs_in.grad.numpy(), rtol=0, atol=1e-10)


def test_rate_coding_fires_at_the_intensity(rng):
    """Bernoulli spikes: the rate over N T draws lies within 5 binomial standard deviations of p."""
    p = np.array([[0.0, 0.1, 0.5, 0.9, 1.0]])
    coding = RateCoding(steps=400)
    coding.build((5,), rng)
    spikes = coding(Tensor(np.repeat(p, 50, axis=0))).data  # (50, 400, 5)
    draws = 50 * 400
    rate = spikes.mean(axis=(0, 1))
    assert np.all(np.abs(rate - p[0]) <= 5 * np.sqrt(p[0] * (1 - p[0]) / draws))
    coding.eval()
    np.testing.assert_array_equal(coding(Tensor(p)).data, coding(Tensor(p)).data)  # evaluation repeats


def test_latency_coding_brighter_fires_earlier():
    x = Tensor(np.array([[1.0, 0.75, 0.5, 0.0]]))
    spikes = LatencyCoding(steps=5)(x).data[0]  # (T, F)
    assert spikes.sum(axis=0).tolist() == [1, 1, 1, 0]  # one spike each, none for a dark input
    assert np.argmax(spikes, axis=0)[:3].tolist() == [0, 1, 2]  # t = (1 - x) (T - 1)


def test_spike_count_readout():
    spikes = np.zeros((1, 4, 2))
    spikes[0, [0, 2, 3], 0] = 1
    assert TimeReadout("sum")(Tensor(spikes)).data.tolist() == [[3.0, 0.0]]
