"""The seq2seq task: the loss summed over the target steps, exact match."""
import numpy as np

from dlx.ops.activation import log_softmax_array
from dlx.tasks import get_task
from dlx.tasks.seq2seq import exact_matches
from dlx.tensor import Tensor


def test_loss_is_summed_over_valid_target_steps_and_averaged_over_sequences(rng):
    logits, targets = rng.standard_normal((2, 3, 5)), rng.integers(0, 5, (2, 3))
    mask = np.array([[1, 1, 1], [1, 0, 0]], dtype=bool)
    picked = np.take_along_axis(log_softmax_array(logits), targets[..., None], axis=-1)[..., 0]
    expected = -(picked[0].sum() + picked[1, 0]) / 2  # nats per sequence
    loss = get_task("seq2seq").loss_value(None, Tensor(logits), targets, mask)
    assert abs(loss.item() - expected) < 1e-12


def test_exact_match_compares_up_to_the_end_token():
    targets = np.array([[5, 6, 2, 0], [7, 2, 0, 0], [5, 5, 2, 0]])
    lengths = np.array([3, 2, 3])
    decoded = np.array([[5, 6, 2, 9, 9], [7, 8, 2, 0, 0], [5, 5, 5, 5, 5]])  # after its end anything goes
    assert exact_matches(decoded, targets, lengths).tolist() == [True, False, False]
    assert exact_matches(decoded[:, :1], targets, lengths).tolist() == [False, False, False]  # too short
