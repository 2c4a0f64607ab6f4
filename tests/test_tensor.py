"""The tape: topological order, accumulation, broadcasting, modes and dtypes."""
import sys

import numpy as np
import pytest

from dlx import Tensor, no_grad, ops
from dlx.tensor import GradcheckError, gradcheck


def test_chain_of_ten_thousand_operations_does_not_recurse():
    x = Tensor(np.array(1.0, dtype=np.float64), requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    assert 10_000 > sys.getrecursionlimit() / 2  # a recursive walk would need that depth
    y.backward()
    np.testing.assert_allclose(x.grad, 1.0001 ** 10_000, rtol=1e-9)


def test_gradients_of_a_node_used_twice_are_summed():
    x = Tensor(np.array([3.0]), requires_grad=True)
    y = x * x + x          # dy/dx = 2x + 1 = 7
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [7.0])


def test_reused_intermediate_node_accumulates():
    x = Tensor(np.array([2.0]), requires_grad=True)
    h = x.exp()            # used by two branches
    y = h * 3.0 + h * h    # dy/dx = (3 + 2h) h
    y.sum().backward()
    h0 = np.exp(2.0)
    np.testing.assert_allclose(x.grad, [(3 + 2 * h0) * h0])


def test_gradient_is_reduced_over_broadcast_axes():
    a = Tensor(np.ones((4, 3)), requires_grad=True)
    b = Tensor(np.ones((3,)), requires_grad=True)
    c = Tensor(np.ones((4, 1)), requires_grad=True)
    ((a + b) * c).sum().backward()
    assert b.grad.shape == (3,) and np.all(b.grad == 4)
    assert c.grad.shape == (4, 1) and np.all(c.grad == 6)


def test_leaf_gradients_accumulate_across_backward_calls():
    w = Tensor(np.array([1.0]), requires_grad=True)
    (w * 2.0).sum().backward()
    (w * 3.0).sum().backward()
    np.testing.assert_allclose(w.grad, [5.0])


def test_no_grad_records_nothing():
    w = Tensor(np.ones(3), requires_grad=True)
    with no_grad():
        y = w * 2.0
    assert not y.requires_grad and y.is_leaf


def test_no_grad_as_decorator_restores_mode():
    @no_grad()
    def f(t):
        return t * 2.0

    w = Tensor(np.ones(2), requires_grad=True)
    assert not f(w).requires_grad
    assert (w * 2.0).requires_grad


def test_detach_cuts_the_graph_and_shares_data():
    w = Tensor(np.ones(3), requires_grad=True)
    d = (w * 2.0).detach()
    assert not d.requires_grad
    y = (d * w).sum()
    y.backward()
    np.testing.assert_allclose(w.grad, d.data)


def test_default_dtype_is_float32_and_float64_on_request():
    assert Tensor([1.0, 2.0]).dtype == np.float32
    assert Tensor(3).dtype == np.float32
    assert Tensor(np.zeros(2)).dtype == np.float64
    assert Tensor([1, 2], dtype=np.float64).dtype == np.float64
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2.5 + 1.0) / 3.0 - 0.5
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_second_backward_through_freed_graph_fails_clearly():
    x = Tensor(np.ones(2), requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = Tensor(np.ones(2), requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad, [4.0, 4.0])


def test_backward_needs_scalar_or_gradient():
    x = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(RuntimeError, match="single-element"):
        (x * 2.0).backward()


def test_cross_entropy_on_huge_logits_is_finite():
    logits = Tensor(np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5e3]], dtype=np.float32), requires_grad=True)
    loss = ops.cross_entropy(logits, np.array([1, 1]))
    loss.backward()
    assert np.isfinite(loss.item()) and np.all(np.isfinite(logits.grad))
    # the first row puts all mass on class 0 but the label is 1: loss 2e4 / 2 rows
    np.testing.assert_allclose(loss.item(), 1e4, rtol=1e-6)
    np.testing.assert_allclose(logits.grad, [[0.5, -0.5, 0.0], [0.0, 0.0, 0.0]], atol=1e-6)


def test_softmax_and_log_softmax_stable_for_huge_logits():
    z = Tensor(np.array([[1e4, 0.0, -1e4]], dtype=np.float32), requires_grad=True)
    s, ls = ops.softmax(z), ops.log_softmax(z)
    assert np.all(np.isfinite(s.data)) and np.all(np.isfinite(ls.data))
    np.testing.assert_allclose(s.data, [[1.0, 0.0, 0.0]])
    ls.sum().backward()
    assert np.all(np.isfinite(z.grad))


def test_gradcheck_detects_a_wrong_backward():
    from dlx.tensor import from_op

    def wrong_square(x):
        return from_op(x.data ** 2, (x,), lambda g: (g * x.data,))  # should be 2x

    with pytest.raises(GradcheckError):
        gradcheck(wrong_square, [np.random.default_rng(0).standard_normal(4)])


def test_matmul_one_dimensional_operands():
    rng = np.random.default_rng(0)
    for a_shape, b_shape in [((4,), (4, 3)), ((2, 4), (4,)), ((4,), (4,)), ((5, 2, 4), (4,))]:
        assert gradcheck(ops.matmul, [rng.standard_normal(a_shape), rng.standard_normal(b_shape)]) < 1e-6


def test_indexing_with_repeated_indices_sums():
    x = Tensor(np.arange(4.0), requires_grad=True)
    x[np.array([1, 1, 3])].sum().backward()
    np.testing.assert_allclose(x.grad, [0, 2, 0, 1])


def test_operators_and_reflected_operators():
    x = Tensor(np.array([2.0]), requires_grad=True)
    y = 1.0 - x + 3.0 * x - 4.0 / x + x ** 2 + 2.0 ** x
    y.sum().backward()
    expected = -1 + 3 + 4 / 4.0 + 2 * 2.0 + np.log(2.0) * 4.0
    np.testing.assert_allclose(x.grad, [expected])


# ---- sparse slice gradients and in-place accumulation -------------------------------------
def test_getitem_backward_is_an_indexed_grad():
    from dlx.tensor import IndexedGrad
    x = Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    y = x[:, 1]
    (grad,) = y._backward(np.ones(3))
    assert isinstance(grad, IndexedGrad) and grad.basic
    np.testing.assert_array_equal(grad.dense(x.shape), [[0, 1, 0, 0]] * 3)


def test_stepping_through_a_sequence_sums_the_slices():
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((2, 5, 3)), requires_grad=True)
    w = rng.standard_normal(3)
    total = None
    for t in range(5):
        term = (x[:, t] * (w * (t + 1))).sum()
        total = term if total is None else total + term
    (total + (x * 2.0).sum()).backward()            # a dense gradient for x as well
    expected = np.stack([w * (t + 1) for t in range(5)])[None] + 2.0
    np.testing.assert_allclose(x.grad, np.broadcast_to(expected, x.shape), rtol=1e-12)


def test_unstack_gradcheck_and_shapes():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 4, 3))
    steps = ops.unstack(Tensor(x), axis=1)
    assert len(steps) == 4 and all(s.shape == (2, 3) for s in steps)
    np.testing.assert_array_equal(steps[2].data, x[:, 2])

    def weighted(a):
        parts = ops.unstack(a, axis=-2)
        return ops.stack([p * (i + 1.0) for i, p in enumerate(parts)], axis=0)

    assert gradcheck(weighted, [x]) < 1e-6


def test_slices_with_overlap_and_fancy_indices_accumulate():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((6, 4))

    def pieces(a):
        return (a[1:4] * 2.0).sum() + (a[::2] ** 2).sum() + a[np.array([0, 0, 5]), 1:3].sum() + a[a.data > 0].sum()

    assert gradcheck(pieces, [x]) < 1e-6


def test_engine_never_writes_into_an_array_a_closure_returned():
    from dlx.tensor import from_op
    shared = np.full(3, 5.0)

    def constant_grad(a):  # backward hands back the same saved array every time
        return from_op(a.data.copy(), (a,), lambda g: (shared,))

    x = Tensor(np.ones(3), requires_grad=True)
    h = x * 2.0
    out = constant_grad(h) + constant_grad(h) + constant_grad(h)
    out.backward(np.ones(3))
    np.testing.assert_array_equal(shared, [5.0, 5.0, 5.0])
    np.testing.assert_array_equal(x.grad, [30.0, 30.0, 30.0])


def test_slice_loop_gradient_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x0, u0, w0 = rng.standard_normal((4, 6, 3)), rng.standard_normal((5, 5)), rng.standard_normal((3, 5))

    def run(x, u, w, tanh):
        h = None
        for t in range(x.shape[1]):
            pre = x[:, t] @ w if h is None else x[:, t] @ w + h @ u
            h = tanh(pre)
        return (h * h).sum()

    x, u, w = (Tensor(a, requires_grad=True) for a in (x0, u0, w0))
    run(x, u, w, ops.tanh).backward()
    tx, tu, tw = (torch.tensor(a, requires_grad=True) for a in (x0, u0, w0))
    run(tx, tu, tw, torch.tanh).backward()
    for ours, theirs in ((x, tx), (u, tu), (w, tw)):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)
