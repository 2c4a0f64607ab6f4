"""The copy task's loss and metric: only output steps count, bit errors per sequence."""
import numpy as np

from dlx.data.bit_copy import bit_copy
from dlx.losses import BinaryCrossEntropyWithLogits
from dlx.nn import Sequential, TimeDense
from dlx.tasks import get_task
from dlx.tensor import Tensor


def test_the_loss_is_the_cross_entropy_of_the_output_steps_only():
    task, rng = get_task("bit_copy"), np.random.default_rng(0)
    targets = np.array([[[-1.0, -1.0], [1.0, 0.0], [0.0, 1.0]]])  # (1, 3, 2): step 0 is the input phase
    mask = np.array([[True, True, False]])  # step 2 is padding
    logits = Tensor(rng.standard_normal((1, 3, 2)), requires_grad=True)
    loss = task.loss_value(BinaryCrossEntropyWithLogits(), logits, targets, mask)
    z, y = logits.data[0, 1], targets[0, 1]
    expected = -np.mean(y * np.log(1 / (1 + np.exp(-z))) + (1 - y) * np.log(1 - 1 / (1 + np.exp(-z))))
    np.testing.assert_allclose(loss.item(), expected, rtol=1e-12)
    loss.backward()
    assert (logits.grad[0, [0, 2]] == 0).all() and (logits.grad[0, 1] != 0).all()


def test_bit_errors_count_wrong_output_bits_per_sequence():
    ds = bit_copy(np.random.default_rng(0), n=6, bits=3, min_length=2, max_length=2, test_lengths=[20, 30], test_n=1)
    model = Sequential([TimeDense(3, in_features=4, rng=np.random.default_rng(0))])
    for p in model.parameters():
        p.data[...] = 0.0
    model.layers[0].b.data[...] = -1.0  # every output says 0: an error for each 1 among the counted bits
    result = get_task("bit_copy").evaluate(model, ds, BinaryCrossEntropyWithLogits(), 3)
    ones = np.where(ds.y > 0.5, 1, 0).sum(axis=(1, 2))
    assert result["bit_errors"] == ones.mean()
    assert result["bit_errors_20"] == ones[6] and result["bit_errors_30"] == ones[7]
