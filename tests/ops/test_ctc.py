"""The CTC loss against closed forms, gradcheck and PyTorch; best-path and prefix beam decoding."""
import itertools
import math

import numpy as np
import pytest

from dlx.data.ctc_frames import ctc_frames_task
from dlx.ops.ctc import ctc_loss
from dlx.tasks.ctc import best_path, edit_distance, prefix_beam_search
from dlx.tensor import Tensor, gradcheck

UNIFORM = np.zeros((1, 3, 5))  # 5 classes, equal logits: every path of 3 frames has probability 5^-3


@pytest.mark.parametrize("target, expected, issue_figure", [
    ([1], 3 * math.log(5) - math.log(6), 3.0366),   # 6 paths: 1bb b1b bb1 11b b11 111
    ([1, 2], 3 * math.log(5) - math.log(5), 3.2189),  # 5 paths: 12b 1b2 b12 112 122
    ([1, 1], 3 * math.log(5), 4.8283),              # 1 path: 1b1
    ([], 3 * math.log(5), 4.8283),                  # 1 path: bbb
])
def test_ctc_closed_forms(target, expected, issue_figure):
    targets = np.array([target or [0]])
    loss = ctc_loss(Tensor(UNIFORM), targets, target_lengths=np.array([len(target)]), reduction="sum")
    assert loss.item() == pytest.approx(expected, abs=1e-12)
    assert round(loss.item(), 4) == issue_figure


def test_ctc_impossible_target_is_infinite_or_zero():
    logits = Tensor(np.zeros((1, 2, 5)), requires_grad=True)  # [1, 1] needs 1 b 1: three frames
    assert ctc_loss(logits, np.array([[1, 1]]), reduction="sum").item() == math.inf
    zeroed = ctc_loss(logits, np.array([[1, 1]]), reduction="sum", zero_infinity=True)
    assert zeroed.item() == 0.0
    zeroed.backward()
    np.testing.assert_array_equal(logits.grad, 0.0)


def _random_batch(rng, n=6, steps=12, classes=6, width=6):
    logits = rng.standard_normal((n, steps, classes))
    input_lengths = rng.integers(4, steps + 1, n)
    target_lengths = rng.integers(0, width + 1, n)
    input_lengths[0], target_lengths[0] = 2, 3  # no path of 2 frames reads 3 labels: infinite
    input_lengths[1] = steps
    targets = rng.integers(1, classes, (n, width))
    targets[2, :3] = [2, 2, 2]  # repeats need blanks between them
    target_lengths[2] = 3
    return logits, targets, input_lengths, target_lengths


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_ctc_gradcheck(reduction, rng):
    logits, targets, input_lengths, target_lengths = _random_batch(rng, n=3, steps=6, classes=4, width=3)
    input_lengths[0] = 6

    def loss(z):
        return ctc_loss(z, targets, input_lengths, target_lengths, reduction=reduction, zero_infinity=True)

    assert gradcheck(loss, [logits]) < 1e-6


@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_ctc_matches_torch(reduction, zero_infinity):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    logits, targets, input_lengths, target_lengths = _random_batch(rng)
    if not zero_infinity:
        input_lengths[0] = 6  # PyTorch's gradient of an infinite loss is NaN; ours is 0
    mine = Tensor(logits.copy(), requires_grad=True)
    out = ctc_loss(mine, targets, input_lengths, target_lengths, reduction=reduction, zero_infinity=zero_infinity)
    theirs = torch.tensor(logits, requires_grad=True)
    expected = torch.nn.functional.ctc_loss(torch.log_softmax(theirs, -1).transpose(0, 1), torch.tensor(targets),
                                            torch.tensor(input_lengths), torch.tensor(target_lengths),
                                            reduction=reduction, zero_infinity=zero_infinity)
    upstream = rng.standard_normal(out.shape)
    out.backward(upstream)
    expected.backward(torch.tensor(upstream))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(mine.grad, theirs.grad.numpy(), rtol=1e-8, atol=1e-10)


def _labelling_probabilities(probs):
    """Brute force: p(labelling) summed over every path of the frames."""
    totals = {}
    for path in itertools.product(range(probs.shape[1]), repeat=len(probs)):
        merged = [k for i, k in enumerate(path) if k != 0 and (i == 0 or path[i - 1] != k)]
        totals[tuple(merged)] = totals.get(tuple(merged), 0.0) + np.prod(probs[np.arange(len(path)), path])
    return totals


def test_prefix_beam_search_is_exact_with_a_wide_beam_and_beats_best_path(rng):
    probs = np.array([[0.6, 0.4], [0.6, 0.4]])  # best path: blank blank -> []; p([]) = .36 < p([1]) = .64
    assert best_path(np.log(probs)) == []
    assert prefix_beam_search(np.log(probs)) == [1]
    for _ in range(5):
        probs = rng.dirichlet(np.ones(3) * 0.7, size=5)
        totals = _labelling_probabilities(probs)
        assert tuple(prefix_beam_search(np.log(probs), width=1000)) == max(totals, key=totals.get)


def test_best_path_merges_repeats_and_drops_blanks():
    frames = np.log(np.eye(4)[[0, 2, 2, 0, 2, 3, 3, 1, 0]] + 1e-3)
    assert best_path(frames) == [2, 2, 3, 1]
    assert best_path(frames, length=3) == [2]
    assert edit_distance([2, 2, 3, 1], [2, 3, 1, 1]) == 2 and edit_distance([], [1, 2]) == 2


def test_clean_ctc_frames_read_back_to_their_targets():
    frames, targets, lengths = ctc_frames_task(50, symbols=4, max_length=5, noise=0.0, rng=np.random.default_rng(0))
    assert frames.shape == (50, 27, 5) and targets.shape == (50, 5)
    for frame, target, length in zip(frames, targets, lengths):
        assert best_path(np.log(frame + 1e-6)) == list(target[:length])
    loss = ctc_loss(Tensor(np.log(frames.astype(np.float64) + 1e-6)), targets, target_lengths=lengths,
                    reduction="none")
    assert np.all(np.isfinite(loss.data)) and loss.data.max() < 1e-3  # one alignment, almost sure
