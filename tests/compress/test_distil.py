"""The distillation loss: its gradient (gradcheck) and the T^2-scaled soft term's closed form; the transfer set
and the teacher's soft targets on it."""
import numpy as np
import pytest

from dlx.compress.distil import DistillationLoss, softmax, teacher_logits, transfer_positions
from dlx.compress.source import open_source
from dlx.tasks import predict_outputs
from dlx.tensor import Tensor, gradcheck
from tests.cli.cli_process import write
from tests.cli.trained_runs import trained

TEACHER = """\
dataset: {name: digits, validation: 0.15, test: 0.2, scaling: standardize}
model: {layers: [{dense: {units: 16}}, relu, {dense: {units: outputs}}]}
loss: cross_entropy
optimiser: {name: adam, lr: 0.01}
training: {epochs: 1, batch_size: 64}
output: {plots: false}
"""


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


def test_the_transfer_set_is_a_stratified_share_of_the_training_split(rng):
    labels = rng.integers(0, 5, 400)
    positions = transfer_positions(labels, 0.1, seed=0)
    assert len(np.unique(positions)) == len(positions)
    for c in range(5):
        assert np.sum(labels[positions] == c) == max(1, round(0.1 * np.sum(labels == c)))
    np.testing.assert_array_equal(transfer_positions(labels, 1.0, seed=0), np.arange(400))


def test_the_teachers_logits_are_its_outputs_on_its_own_scaled_inputs(tmp_path):
    """A transfer set fits the student's scaler on fewer samples; the teacher's soft targets must still be what
    the teacher computes on the inputs as it was trained to see them (scaled by its own training split)."""
    source = open_source(trained(tmp_path, write(tmp_path, TEACHER)))
    positions = transfer_positions(source.splits["train"].y, 0.1, seed=0)
    teacher = source.experiment()  # the run's own scaling of its training split, its trained weights
    expected = predict_outputs(teacher.model, teacher.splits["train"].X[positions])
    np.testing.assert_allclose(teacher_logits(source, positions), expected, rtol=1e-5, atol=1e-6)


def test_the_loss_and_its_gradient_equal_pytorchs_soft_and_hard_cross_entropy(rng):
    """The same mixture written with torch's cross-entropy on probabilities (soft targets) and on labels."""
    torch = pytest.importorskip("torch")
    t, s, temperature, alpha = targets(rng), rng.standard_normal((6, 4)), 4.0, 0.7
    logits = Tensor(s, requires_grad=True)
    value = DistillationLoss(temperature, alpha)(logits, t)
    value.backward()
    ts = torch.tensor(s, requires_grad=True)
    soft = torch.nn.functional.cross_entropy(ts / temperature, torch.softmax(torch.tensor(t[:, 1:]) / temperature, 1))
    hard = torch.nn.functional.cross_entropy(ts, torch.tensor(t[:, 0], dtype=torch.int64))
    expected = alpha * temperature ** 2 * soft + (1 - alpha) * hard
    expected.backward()
    assert value.item() == pytest.approx(expected.item(), rel=1e-10)
    np.testing.assert_allclose(logits.grad, ts.grad.numpy(), rtol=1e-9, atol=1e-12)
