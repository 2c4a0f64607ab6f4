"""The NTM layer against a straightforward PyTorch implementation of the paper's equations.

The registry-wide tests (tests/nn/test_layers_common.py, tests/ops/test_gradcheck_all.py) gradcheck the
layer and each new operation in float64; here a few steps of the whole machine (controller, addressing of
two read heads and the write head, reads, erase and add) must give the same outputs and the same gradients
of every parameter and of the input as PyTorch's autograd on the same equations, to 1e-8.
"""
import numpy as np
import pytest

from dlx.nn.ntm import NTM
from dlx.tensor import Tensor


def torch_ntm(torch, x, p, H, N, M, R):
    """Graves et al. (2014), eqs. 2-9, written out with torch operations (gates in dlx's order i, f, o, g)."""
    F = torch.nn.functional
    B, T, _ = x.shape
    memory = p["memory0"].expand(B, N, M) if "memory0" in p else torch.full((B, N, M), 1e-6, dtype=x.dtype)
    reads = p["read0"].expand(B, R * M)
    w = torch.softmax(p["weight0"], -1).expand(B, R + 1, N)
    h = c = torch.zeros(B, H, dtype=x.dtype)
    width, cut, outputs = M + 6, (R + 1) * (M + 6), []
    for t in range(T):
        a = torch.cat([x[:, t], reads], -1) @ p["w_x"] + h @ p["w_h"] + p["b"]
        i, f, o, g = torch.sigmoid(a[:, :H]), torch.sigmoid(a[:, H:2 * H]), torch.sigmoid(a[:, 2 * H:3 * H]), \
            torch.tanh(a[:, 3 * H:])
        c = f * c + i * g
        h = o * torch.tanh(c)
        params = torch.clamp(h @ p["head_weight"] + p["head_bias"], -20.0, 20.0)
        heads = params[:, :cut].reshape(B, R + 1, width)
        key, beta = heads[..., :M], F.softplus(heads[..., M:M + 1])
        gate, gamma = torch.sigmoid(heads[..., M + 1:M + 2]), 1 + F.softplus(heads[..., M + 2:M + 3])
        shift = torch.softmax(heads[..., M + 3:], -1)
        cosine = (key @ memory.transpose(1, 2)) / (torch.sqrt((key ** 2).sum(-1, keepdim=True) + 1e-8)
                                                   * torch.sqrt((memory ** 2).sum(-1) + 1e-8)[:, None, :])
        w_c = torch.softmax(beta * cosine, -1)
        w_g = gate * w_c + (1 - gate) * w
        w_s = sum(shift[..., j, None] * torch.roll(w_g, j - 1, -1) for j in range(3))
        w = (w_s + 1e-12) ** gamma / ((w_s + 1e-12) ** gamma).sum(-1, keepdim=True)
        reads = (w[:, :R] @ memory).reshape(B, R * M)
        erase, add = torch.sigmoid(params[:, cut:cut + M]), torch.tanh(params[:, cut + M:])
        ww = w[:, R, :, None]
        memory = memory * (1 - ww * erase[:, None]) + ww * add[:, None]
        outputs.append(torch.cat([h, reads], -1))
    return torch.stack(outputs, 1)


@pytest.mark.parametrize("memory_init", ["constant", "learned"])
def test_ntm_steps_equal_torch(memory_init):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    B, T, D, H, N, M, R = 2, 5, 3, 4, 6, 3, 2
    layer = NTM(H, memory_size=N, memory_width=M, read_heads=R, memory_init=memory_init, in_features=D, rng=rng)
    named = dict(layer.named_parameters())
    for p in named.values():
        p.data = p.data.astype(np.float64) + rng.normal(0, 0.3, p.shape)  # away from the zero biases
    x = rng.standard_normal((B, T, D))
    upstream = rng.standard_normal((B, T, H + R * M))

    xt = Tensor(x, requires_grad=True)
    out = layer(xt)
    out.backward(upstream)

    tp = {name.rpartition(".")[2]: torch.tensor(p.data, requires_grad=True) for name, p in named.items()}
    tx = torch.tensor(x, requires_grad=True)
    expected = torch_ntm(torch, tx, tp, H, N, M, R)
    (expected * torch.from_numpy(upstream)).sum().backward()

    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=0, atol=1e-8)
    np.testing.assert_allclose(xt.grad, tx.grad.numpy(), rtol=0, atol=1e-8)
    for name, p in named.items():
        np.testing.assert_allclose(p.grad, tp[name.rpartition(".")[2]].grad.numpy(), rtol=0, atol=1e-8,
                                   err_msg=name)


def test_ntm_records_one_weighting_per_step_that_sums_to_one():
    layer = NTM(4, memory_size=8, memory_width=3, in_features=2, rng=np.random.default_rng(0))
    layer.weightings = []
    layer(Tensor(np.ones((2, 3, 2))))
    w = np.stack(layer.weightings)  # (T, B, heads, N)
    assert w.shape == (3, 2, 2, 8)
    np.testing.assert_allclose(w.sum(-1), 1.0, atol=1e-9)


def test_sharpening_a_spread_weighting_in_float32_stays_a_weighting():
    """(1/128)^30 underflows float32; the sharpened uniform weighting is still uniform (closed form)."""
    from dlx.ops.ntm import sharpen
    w = np.full((1, 2, 128), 1.0 / 128, dtype=np.float32)
    out = sharpen(Tensor(w), Tensor(np.full((1, 2, 1), 30.0, dtype=np.float32)))
    np.testing.assert_allclose(out.data, 1.0 / 128, rtol=1e-5)


def test_ntm_rejects_an_unknown_memory_start():
    from dlx.errors import ConfigError
    with pytest.raises(ConfigError, match="memory_init must be one of constant, learned"):
        NTM(4, memory_init="random")
