"""Matrix product with NumPy's broadcasting rules (1-D operands included)."""
from __future__ import annotations

import numpy as np

from dlx.ops.base import operation
from dlx.tensor import Tensor, as_tensor, from_op


@operation("matmul", lambda rng: [rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 5))])
def matmul(a, b) -> Tensor:
    """a @ b.

    For C = A B:  dL/dA = dL/dC B^T  and  dL/dB = A^T dL/dC  (batched over leading axes).
    """
    a, b = as_tensor(a), as_tensor(b)
    A, B = a.data, b.data

    def backward(g):
        A2 = A[None, :] if A.ndim == 1 else A  # (1, k)
        B2 = B[:, None] if B.ndim == 1 else B  # (k, 1)
        g2 = g[..., None] if B.ndim == 1 else g      # (..., m, 1)
        g2 = np.expand_dims(g2, -2) if A.ndim == 1 else g2  # (..., 1, n)
        ga = gb = None
        if a.requires_grad:
            ga = g2 @ np.swapaxes(B2, -1, -2)
            ga = ga.squeeze(-2) if A.ndim == 1 else ga
        if b.requires_grad:
            gb = np.swapaxes(A2, -1, -2) @ g2
            gb = gb.squeeze(-1) if B.ndim == 1 else gb
        return ga, gb

    return from_op(A @ B, (a, b), backward, "matmul")
