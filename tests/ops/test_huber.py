"""The Huber loss against its definition and PyTorch."""
import numpy as np
import pytest

from dlx import ops
from dlx.tensor import Tensor


@pytest.mark.parametrize("delta", [0.5, 1.0, 2.0])
def test_huber_matches_torch(delta, rng):
    torch = pytest.importorskip("torch")
    prediction, target = rng.standard_normal((8, 3)) * 3, rng.standard_normal((8, 3))
    ours = Tensor(prediction, requires_grad=True)
    loss = ops.huber_loss(ours, target, delta)
    loss.backward()
    theirs = torch.tensor(prediction, requires_grad=True)
    reference = torch.nn.functional.huber_loss(theirs, torch.tensor(target), delta=delta)
    reference.backward()
    assert float(loss.data) == pytest.approx(reference.item(), rel=1e-12)
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-12)


def test_huber_is_half_the_squared_error_inside_delta_and_linear_outside():
    small = ops.huber_loss(Tensor(np.array([0.5])), np.array([0.0]), 1.0)
    large = ops.huber_loss(Tensor(np.array([3.0])), np.array([0.0]), 1.0)
    assert float(small.data) == pytest.approx(0.125) and float(large.data) == pytest.approx(2.5)
