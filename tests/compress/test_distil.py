"""The distillation loss: its gradient (gradcheck) and the T^2-scaled soft term's closed form."""
import numpy as np

from dlx.compress.distil import DistillationLoss, softmax
from dlx.tensor import Tensor, gradcheck


def targets(rng, n=6, k=4):
    return np.concatenate([rng.integers(0, k, (n, 1)), rng.standard_normal((n, k)) * 3], axis=1)


def test_distillation_loss_passes_gradcheck(rng):
    t = targets(rng)
    loss = DistillationLoss(temperature=3.0, alpha=0.7)
    assert gradcheck(lambda s: loss(s, t), [rng.standard_normal((6, 4))]) < 1e-6


def test_the_soft_gradient_is_t_times_the_difference_of_softened_probabilities(rng):
    """alpha = 1: dL/ds = T^2 * (softmax(s/T) - softmax(t/T)) / (T N) (Hinton et al., 2015, section 2)."""
    t, s, temperature = targets(rng), rng.standard_normal((6, 4)), 5.0
    logits = Tensor(s, requires_grad=True)
    DistillationLoss(temperature, alpha=1.0)(logits, t).backward()
    expected = temperature * (softmax(s / temperature) - softmax(t[:, 1:] / temperature)) / len(s)
    np.testing.assert_allclose(logits.grad, expected, rtol=1e-10)


def test_labels_alone_give_the_hard_cross_entropy(rng):
    s, labels = rng.standard_normal((6, 4)), rng.integers(0, 4, 6)
    value = DistillationLoss()(Tensor(s), labels).item()
    expected = -np.mean(np.log(softmax(s)[np.arange(6), labels]))
    assert abs(value - expected) < 1e-12
