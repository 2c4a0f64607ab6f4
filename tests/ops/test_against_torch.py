"""Where PyTorch is installed: forward values and gradients of the core operations equal torch.autograd's."""
import numpy as np
import pytest

from dlx import Tensor, ops

torch = pytest.importorskip("torch")
F = torch.nn.functional

CASES = {
    "matmul": (lambda a, b: ops.matmul(a, b), lambda a, b: a @ b, [(3, 2, 4), (4, 5)]),
    "add_broadcast": (lambda a, b: a + b, lambda a, b: a + b, [(3, 4), (4,)]),
    "div": (lambda a, b: a / b, lambda a, b: a / b, [(3, 4), (3, 1)]),
    "pow": (lambda a: ops.pow(a, 3.0), lambda a: a ** 3.0, [(3, 4)]),
    "exp_log": (lambda a: ops.log(ops.exp(a) + 1.0), lambda a: torch.log(torch.exp(a) + 1.0), [(3, 4)]),
    "sigmoid": (ops.sigmoid, torch.sigmoid, [(3, 4)]),
    "tanh": (ops.tanh, torch.tanh, [(3, 4)]),
    "relu": (ops.relu, torch.relu, [(3, 4)]),
    "leaky_relu": (lambda a: ops.leaky_relu(a, 0.1), lambda a: F.leaky_relu(a, 0.1), [(3, 4)]),
    "softmax": (lambda a: ops.softmax(a, -1), lambda a: torch.softmax(a, -1), [(3, 5)]),
    "log_softmax": (lambda a: ops.log_softmax(a, 0), lambda a: torch.log_softmax(a, 0), [(3, 5)]),
    "max": (lambda a: ops.max(a, axis=1), lambda a: a.max(dim=1).values, [(3, 5)]),
    "mean": (lambda a: ops.mean(a, axis=(0, 2)), lambda a: a.mean(dim=(0, 2)), [(2, 3, 4)]),
    "transpose_reshape": (lambda a: ops.reshape(ops.transpose(a, (2, 0, 1)), (4, 6)),
                          lambda a: a.permute(2, 0, 1).reshape(4, 6), [(2, 3, 4)]),
    "concatenate": (lambda a, b: ops.concatenate([a, b], axis=1), lambda a, b: torch.cat([a, b], 1),
                    [(2, 3), (2, 2)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_operation_matches_torch(name):
    ours, theirs, shapes = CASES[name]
    rng = np.random.default_rng(0)
    arrays = [rng.uniform(0.3, 2.0, s) * rng.choice([-1.0, 1.0], s) if name != "exp_log" else rng.standard_normal(s)
              for s in shapes]
    if name == "div":
        arrays[1] = np.abs(arrays[1]) + 0.5
    x = [Tensor(a, requires_grad=True) for a in arrays]
    t = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, expected = ours(*x), theirs(*t)
    upstream = rng.standard_normal(out.shape)
    out.backward(upstream)
    expected.backward(torch.tensor(upstream))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    for mine, reference in zip(x, t):
        np.testing.assert_allclose(mine.grad, reference.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("loss", ["cross_entropy", "bce_with_logits", "binary_cross_entropy", "mse_loss"])
def test_losses_match_torch(loss):
    rng = np.random.default_rng(1)
    z = rng.standard_normal((6, 4)) * 3
    if loss == "cross_entropy":
        target = rng.integers(0, 4, 6)
        ours, theirs = ops.cross_entropy, lambda a, t: F.cross_entropy(a, torch.tensor(t))
    else:
        target = (rng.random((6, 4)) > 0.5).astype(np.float64)
        if loss == "binary_cross_entropy":
            z = 1 / (1 + np.exp(-z))
        ours = getattr(ops, loss)
        reference = {"bce_with_logits": F.binary_cross_entropy_with_logits,
                     "binary_cross_entropy": F.binary_cross_entropy, "mse_loss": F.mse_loss}[loss]
        theirs = lambda a, t: reference(a, torch.tensor(t))  # noqa: E731
    x, t = Tensor(z, requires_grad=True), torch.tensor(z, requires_grad=True)
    value, expected = ours(x, target), theirs(t, target)
    value.backward()
    expected.backward()
    np.testing.assert_allclose(value.item(), expected.item(), rtol=1e-10)
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-9, atol=1e-12)
