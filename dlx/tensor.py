"""Tensor, the tape, backward(), no_grad and gradcheck.

A ``Tensor`` wraps a NumPy array. Every operation (see ``dlx.ops``) computes its
result with NumPy and, when gradients are wanted, records a node: the parent
tensors and a ``backward`` closure that maps the upstream gradient to one
gradient per parent. The derivative sits next to the forward, micrograd style::

    def mul(a, b):
        def backward(g):               # d(a*b)/da = b, d(a*b)/db = a
            return g * b.data, g * a.data
        return from_op(a.data * b.data, (a, b), backward)

``Tensor.backward()`` walks the recorded graph in reverse topological order
without recursion, sums the gradients of nodes used more than once, reduces
gradients over broadcast axes and frees the saved closures afterwards.

A closure may return, for a parent, an ``IndexedGrad`` (zero except at an
index, what ``x[index]`` sends back); see ``dlx.gradients`` for how the pass sums
gradients in buffers it owns, so that stepping through a sequence costs O(T).
"""
from __future__ import annotations

import threading
from typing import Callable, Sequence

import numpy as np

from dlx.gradients import IndexedGrad, PendingGrads, unbroadcast  # noqa: F401  (re-exported)

DEFAULT_DTYPE = np.float32

_state = threading.local()
_dtype_watch: list | None = None  # while a ``watch_dtypes`` is open: (what, dtype) of every array made


class watch_dtypes:
    """Context manager that records the dtype of every operation's output and of every gradient
    an operation's backward returns, for checking that training stays in float32.

    ``found`` lists ``(operation, dtype)`` for outputs and ``("<operation> backward", dtype)``
    for gradients; ``floating_other_than(dtype)`` lists the floating ones of another dtype.
    Costs one test per operation while open, nothing when closed.

    Example::

        with watch_dtypes() as watch:
            loss = cross_entropy(model(x), y); loss.backward()
        assert watch.floating_other_than(np.float32) == []
    """

    def __enter__(self):
        global _dtype_watch
        self.found: list[tuple[str, np.dtype]] = []
        self._previous, _dtype_watch = _dtype_watch, self.found
        return self

    def __exit__(self, *exc):
        global _dtype_watch
        _dtype_watch = self._previous
        return False

    def floating_other_than(self, dtype) -> list[tuple[str, np.dtype]]:
        """The distinct (what, dtype) pairs of floating arrays whose dtype is not ``dtype``."""
        return sorted({(what, d) for what, d in self.found if np.issubdtype(d, np.floating) and d != dtype},
                      key=str)


def is_grad_enabled() -> bool:
    return getattr(_state, "grad_enabled", True)


class no_grad:
    """Context manager (and decorator) that stops operations from recording.

    Example::

        with no_grad():
            prediction = model(x)      # no tape, no saved arrays
    """

    def __enter__(self):
        self._previous = is_grad_enabled()
        _state.grad_enabled = False
        return self

    def __exit__(self, *exc):
        _state.grad_enabled = self._previous
        return False

    def __call__(self, fn):
        def wrapper(*args, **kwargs):
            with no_grad():
                return fn(*args, **kwargs)

        wrapper.__name__ = getattr(fn, "__name__", "wrapper")
        wrapper.__doc__ = fn.__doc__
        return wrapper


def _graph_freed(g):
    raise RuntimeError(
        "backward() through this part of the graph a second time: its saved arrays were freed. "
        "Call backward(retain_graph=True) the first time if you need to go through it twice."
    )


class Tensor:
    """An n-dimensional array that can record the operations applied to it.

    Args:
        data: array-like. Python scalars and lists become float32 (the default
            dtype); NumPy floating arrays keep their dtype, so pass a float64
            array (or ``dtype=np.float64``) to compute in double precision.
        requires_grad (bool, default False): record operations on this tensor
            so that ``backward()`` fills its ``grad``.
        dtype: force a dtype.

    Example::

        >>> w = Tensor([2.0], requires_grad=True)
        >>> loss = ((w * 3.0 - 1.0) ** 2).sum()
        >>> loss.backward()
        >>> w.grad           # 2 * (3w - 1) * 3
        array([30.], dtype=float32)
    """

    __slots__ = ("data", "grad", "requires_grad", "_parents", "_backward", "op", "__weakref__")
    __array_priority__ = 1000  # ndarray (op) Tensor defers to Tensor's reflected operator

    def __init__(self, data, requires_grad: bool = False, dtype=None):
        if isinstance(data, Tensor):
            data = data.data
        if dtype is not None:
            array = np.asarray(data, dtype=dtype)
        elif isinstance(data, np.ndarray) and data.dtype.kind == "f":
            array = data
        else:
            array = np.asarray(data, dtype=DEFAULT_DTYPE)
        self.data: np.ndarray = array
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self._parents: tuple[Tensor, ...] = ()
        self._backward: Callable | None = None
        self.op = ""

    # ---- array-like properties -------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        return not self._parents

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        grad = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({np.array2string(self.data, precision=4, threshold=20)}, dtype={self.dtype}{grad})"

    def numpy(self) -> np.ndarray:
        return self.data

    def item(self) -> float:
        return self.data.item()

    def detach(self) -> "Tensor":
        """The same data (not copied) outside the graph."""
        return Tensor(self.data)

    def astype(self, dtype) -> "Tensor":
        """A new leaf tensor with the data converted (gradients do not flow back)."""
        return Tensor(self.data.astype(dtype), requires_grad=self.requires_grad)

    def zero_grad(self) -> None:
        self.grad = None

    # ---- reverse mode ------------------------------------------------------------
    def backward(self, grad=None, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) * grad into the ``grad`` of every leaf that requires it.

        Args:
            grad: upstream gradient with this tensor's shape; defaults to 1 for a
                single-element tensor.
            retain_graph (bool, default False): keep the saved arrays so that
                backward can run through the same graph again.
        """
        if not self.requires_grad:
            raise RuntimeError("backward() on a tensor that does not require grad; "
                               "create the inputs with requires_grad=True or use Parameters")
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(f"backward() without a gradient needs a single-element tensor, "
                                   f"got shape {self.shape}; pass grad= of that shape")
            grad = np.ones_like(self.data)
        grad = np.asarray(grad, dtype=self.data.dtype)
        if grad.shape != self.shape:
            grad = np.broadcast_to(grad, self.shape)

        pending = PendingGrads()
        pending.add(self, grad)
        for node in reversed(topological_order(self)):
            g = pending.pop(node)
            if g is None:
                continue
            if not node._parents:  # a leaf: keep its gradient
                _accumulate_leaf(node, g)
                continue
            parent_grads = node._backward(g)
            for parent, pg in zip(node._parents, parent_grads):
                if pg is not None and parent.requires_grad:
                    if _dtype_watch is not None:
                        _dtype_watch.append((f"{node.op} backward", pg.dtype if hasattr(pg, "dtype")
                                             else np.asarray(pg).dtype))
                    pending.add(parent, pg)
            if not retain_graph:
                node._backward = _graph_freed


def _accumulate_leaf(node: Tensor, g: np.ndarray) -> None:
    if g.dtype != node.data.dtype:
        g = g.astype(node.data.dtype)
    elif not g.flags.writeable:  # a broadcast view: give the leaf an array of its own
        g = g.copy()
    node.grad = g if node.grad is None else node.grad + g


def topological_order(root: Tensor) -> list[Tensor]:
    """Nodes that require grad, each after all of its parents; iterative, no recursion."""
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for parent in node._parents:
            if parent.requires_grad and id(parent) not in visited:
                stack.append((parent, False))
    return order


def records_graph(parents: tuple[Tensor, ...]) -> bool:
    """Whether an operation on ``parents`` goes on the tape (``from_op``): gradients are on and a parent needs one.

    An operation whose backward needs extra work in the forward pass (max pooling's arg max) asks this first.
    """
    return is_grad_enabled() and any(p.requires_grad for p in parents)


def from_op(data: np.ndarray, parents: tuple[Tensor, ...], backward: Callable, op: str = "") -> Tensor:
    """The result of an operation; records it on the tape if any parent requires grad."""
    out = Tensor.__new__(Tensor)
    out.data = data
    out.grad = None
    out.op = op
    if _dtype_watch is not None:
        _dtype_watch.append((op or "operation", np.asarray(data).dtype))
    if records_graph(parents):
        out.requires_grad = True
        out._parents = parents
        out._backward = backward
    else:
        out.requires_grad = False
        out._parents = ()
        out._backward = None
    return out


def as_tensor(value, like: Tensor | None = None) -> Tensor:
    """``value`` as a Tensor; Python scalars take the dtype of ``like`` so float32 stays float32."""
    if isinstance(value, Tensor):
        return value
    if like is not None and not isinstance(value, np.ndarray):
        return Tensor(np.asarray(value, dtype=like.data.dtype))
    return Tensor(value)


# ---- gradient checking -------------------------------------------------------------
class GradcheckError(AssertionError):
    """The tape's gradient differs from central differences."""


def gradcheck(fn: Callable[..., Tensor], inputs: Sequence, eps: float = 1e-6, tol: float = 1e-6,
              seed: int = 0, kwargs: dict | None = None, raise_on_failure: bool = True) -> float:
    """Compare the tape's gradients of ``fn`` with central differences in float64.

    Each floating array or Tensor in ``inputs`` becomes a float64 leaf that
    requires grad; anything else (axes, integer labels) is passed through. The
    output is contracted with a random upstream gradient ``u`` so that every
    output element matters: the checked function is ``sum(fn(*inputs) * u)``.

    Returns the largest relative error ``|analytic - numeric| / max(|analytic|, |numeric|)``
    (norms over each input) and raises ``GradcheckError`` above ``tol``.

    Example::

        >>> gradcheck(lambda x: (x * x).sum(), [np.random.rand(3, 4)])   # doctest: +SKIP
        3.1e-11
    """
    kwargs = kwargs or {}
    rng = np.random.default_rng(seed)
    checked: list[Tensor] = []
    leaves = [_as_float64_leaf(x, checked) for x in inputs]
    if not checked:
        raise ValueError("gradcheck needs at least one floating input")

    out = fn(*leaves, **kwargs)
    upstream = rng.standard_normal(out.shape)
    out.backward(upstream)

    def contracted() -> float:
        with no_grad():
            return float(np.sum(fn(*leaves, **kwargs).data * upstream))

    worst = 0.0
    for leaf in checked:
        analytic = leaf.grad if leaf.grad is not None else np.zeros_like(leaf.data)
        numeric = np.zeros_like(leaf.data)
        flat, nflat = leaf.data.reshape(-1), numeric.reshape(-1)
        for j in range(flat.size):
            original = flat[j]
            flat[j] = original + eps
            plus = contracted()
            flat[j] = original - eps
            minus = contracted()
            flat[j] = original
            nflat[j] = (plus - minus) / (2 * eps)
        scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric), 1e-12)
        worst = max(worst, float(np.linalg.norm(analytic - numeric) / scale))
    if raise_on_failure and worst > tol:
        raise GradcheckError(f"gradcheck failed: relative error {worst:.3e} > {tol:.0e}")
    return worst


def _as_float64_leaf(x, created: list):
    """Floating arrays and tensors (also inside lists) as float64 leaves; the rest unchanged."""
    if isinstance(x, list):
        return [_as_float64_leaf(item, created) for item in x]
    if isinstance(x, Tensor) or (isinstance(x, np.ndarray) and x.dtype.kind == "f"):
        data = x.data if isinstance(x, Tensor) else x
        leaf = Tensor(np.array(data, dtype=np.float64, order="C"), requires_grad=True)  # C order: perturbed in place
        created.append(leaf)
        return leaf
    return x
