"""dlx.buffers: a pooled array is handed out again only when nothing else refers to it."""
import numpy as np

from dlx import buffers

SHAPE = (512, 1024)  # 2 MiB of float32: pooled


def test_a_free_array_is_reused_and_one_in_use_is_not():
    buffers.clear()
    first = buffers.empty(SHAPE)
    first_id = id(first)
    second = buffers.empty(SHAPE)
    assert second is not first  # first is still held here
    view = first[::2].T  # a view keeps its base in use
    del first
    third = buffers.empty(SHAPE)
    assert id(third) != first_id and third is not second
    del view
    fourth = buffers.empty(SHAPE)
    assert id(fourth) == first_id  # nothing refers to it any more: reused
    assert fourth.shape == SHAPE and fourth.dtype == np.float32


def test_small_arrays_other_dtypes_and_limits():
    buffers.clear()
    small = buffers.empty((10, 10))
    assert buffers.pooled_bytes() == 0 and small.shape == (10, 10)
    a = buffers.zeros(SHAPE, np.float64)
    assert a.dtype == np.float64 and not a.any()
    b = buffers.empty(SHAPE, np.float32)
    assert b.dtype == np.float32 and buffers.pooled_bytes() == a.nbytes + b.nbytes
    held = [buffers.empty(SHAPE) for _ in range(buffers.MAX_PER_SHAPE + 2)]  # beyond the limit: plain arrays
    assert len({id(h) for h in held}) == len(held)
    assert buffers.pooled_bytes() == a.nbytes + buffers.MAX_PER_SHAPE * b.nbytes
    buffers.clear()
    assert buffers.pooled_bytes() == 0


def test_a_reused_array_written_by_a_convolution_does_not_change_a_saved_one():
    from dlx.ops import conv2d
    from dlx.tensor import Tensor
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((64, 16, 16, 16)).astype(np.float32))
    w = Tensor(rng.standard_normal((16, 16, 3, 3)).astype(np.float32), requires_grad=True)
    first = conv2d(x, w, padding=1)
    kept = first.data.copy()
    second = conv2d(Tensor(x.data * 2), w, padding=1)  # while first (and its saved columns) live
    np.testing.assert_array_equal(first.data, kept)
    np.testing.assert_allclose(second.data, 2 * kept, rtol=1e-5, atol=1e-5)
    first.sum().backward()
    grad_first = w.grad.copy()
    w.grad = None
    second.sum().backward()
    np.testing.assert_allclose(w.grad, 2 * grad_first, rtol=1e-4, atol=1e-3)
