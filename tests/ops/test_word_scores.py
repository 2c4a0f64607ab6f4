"""word_scores' two paths (sparse gathers and scatters; dense matrix products): both gradchecked, both equal.

The registry-wide gradcheck runs the example under the rule, which picks one path; here each
path is forced, with CBOW-like input windows holding a repeated word and candidates repeating
words, so that the repeats' gradients must add up in both.
"""
import numpy as np
import pytest

from dlx import Tensor
from dlx.ops import word_scores
from dlx.ops.embedding import dense_word_scores
from dlx.tensor import gradcheck


def _call(rng, width):
    inputs = rng.integers(0, 7, size=(5, width))
    inputs[0] = inputs[0, 0]  # a window of one repeated word
    candidates = rng.integers(0, 7, size=(5, 4))
    candidates[1, :3] = inputs[1, 0]
    return rng.standard_normal((7, 3)), rng.standard_normal((7, 3)), inputs, candidates


@pytest.mark.parametrize("dense", [False, True])
@pytest.mark.parametrize("width", [1, 3])
def test_each_path_passes_gradcheck(dense, width):
    u, o, inputs, candidates = _call(np.random.default_rng(width), width)
    error = gradcheck(lambda a, b: word_scores(a, b, inputs, candidates, dense=dense), [u, o])
    assert error < 1e-6


def test_paths_agree_in_value_and_gradient():
    u, o, inputs, candidates = _call(np.random.default_rng(3), 2)
    results = []
    for dense in (False, True):
        a, b = Tensor(u, requires_grad=True), Tensor(o, requires_grad=True)
        out = word_scores(a, b, inputs, candidates, dense=dense)
        out.backward(np.arange(out.size, dtype=float).reshape(out.shape))
        results.append((out.data, a.grad, b.grad))
    for sparse, dense in zip(*results):
        np.testing.assert_allclose(sparse, dense, rtol=1e-10, atol=1e-12)


def test_the_rule_picks_dense_for_small_vocabularies_only():
    assert dense_word_scores(84, 1024, 6)  # the planted corpus, 1 + 5 candidates
    assert not dense_word_scores(10_000, 1024, 6)  # a real vocabulary
