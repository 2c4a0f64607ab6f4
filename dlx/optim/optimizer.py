"""The optimiser base class: clipping, weight decay, state dicts; and argument checks.

Every optimiser runs the same ``step()``:

1. gradient clipping: ``clip_value`` clips each gradient element to
   ``[-clip_value, clip_value]``, then ``clip_norm`` rescales all gradients
   together so that their global L2 norm is at most ``clip_norm`` (as
   ``torch.nn.utils.clip_grad_norm_``, without its 1e-6 in the denominator);
2. coupled L2 weight decay: ``g = g + weight_decay * p`` (as torch's ``weight_decay``);
3. the method's own rule, ``update(index, param, grad)``, with state kept per
   parameter index in ``self.state[index]``.

Gradients are never written to (they may be views shared with the tape); the
parameters are updated in place and keep their dtype. Frozen parameters
(``Parameter.frozen``, ``Module.freeze()``) take no part in any of the three.
"""
from __future__ import annotations

import math
from numbers import Real
from typing import Iterable

import numpy as np

from dlx.errors import CheckpointError, ConfigError, ShapeError


# ---- argument checks shared by optimisers and schedules -------------------------------
def check_number(owner: str, name: str, value, low: float, high: float = math.inf,
                 low_open: bool = False, high_open: bool = True) -> float:
    """``value`` as a float if it lies in the interval, else a ConfigError naming it.

    Example: ``check_number("adam", "beta1", 1.5, 0, 1)`` raises
    ``adam: beta1 must lie in [0, 1), got 1.5``.
    """
    left, right = "(" if low_open else "[", ")" if high_open else "]"
    if high == math.inf:
        allowed = f"be > {low:g}" if low_open else f"be >= {low:g}"
    else:
        allowed = f"lie in {left}{low:g}, {high:g}{right}"
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ConfigError(f"{owner}: {name} must be a number and {allowed}, "
                          f"got {value!r} ({type(value).__name__})")
    value = float(value)
    above = value > low if low_open else value >= low
    below = value < high if high_open else value <= high
    if not (above and below):  # also catches NaN
        raise ConfigError(f"{owner}: {name} must {allowed}, got {value:g}")
    return value


def check_optional_positive(owner: str, name: str, value) -> float | None:
    """None, or a number > 0 (for clipping thresholds)."""
    if value is None:
        return None
    return check_number(owner, name, value, 0.0, low_open=True)


class Optimizer:
    """Base class of the optimisers: updates ``params`` from their ``grad``.

    Args:
        params (iterable of Parameter): the tensors to update; not empty.
        lr (float): learning rate, > 0; schedules assign ``opt.lr`` between steps.
        weight_decay (float, default 0.0): coupled L2 penalty, ``g = g + weight_decay * p``.
        clip_norm (float or None, default None): rescale all gradients together so that
            their global L2 norm is at most this.
        clip_value (float or None, default None): clip every gradient element to
            ``[-clip_value, clip_value]``.

    Subclasses implement ``update(index, param, grad)`` and list the names of their
    per-parameter buffers in ``buffer_names`` (they are saved by ``state_dict``).
    """

    buffer_names: tuple[str, ...] = ()
    counter_names: tuple[str, ...] = ()  # per-parameter 0-d int64 counters (also in buffer_names)

    def __init__(self, params: Iterable, lr: float, weight_decay: float = 0.0,
                 clip_norm: float | None = None, clip_value: float | None = None):
        owner = self.name()
        self.params = list(params)
        if not self.params:
            raise ConfigError(f"{owner}: the parameter list is empty; pass model.parameters() "
                              f"of a built model that has parameters")
        self._lr = check_number(owner, "lr", lr, 0.0, low_open=True)
        self.weight_decay = check_number(owner, "weight_decay", weight_decay, 0.0)
        self.clip_norm = check_optional_positive(owner, "clip_norm", clip_norm)
        self.clip_value = check_optional_positive(owner, "clip_value", clip_value)
        self.step_count = 0
        self.state: list[dict[str, np.ndarray]] = [{} for _ in self.params]
        self._scratch: dict[tuple[int, int], np.ndarray] = {}

    @classmethod
    def name(cls) -> str:
        return getattr(cls, "registry_name", cls.__name__.lower())

    @property
    def lr(self) -> float:
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        # A schedule may reach 0 (warm-up from zero); negative rates are always a mistake.
        self._lr = check_number(self.name(), "lr", value, 0.0)

    # ---- one step ----------------------------------------------------------------------
    def step(self) -> None:
        """Update every parameter whose ``grad`` is not None and that is not frozen.

        A frozen parameter (``Parameter.frozen``) takes no part: no update, no state,
        no share in the global norm of ``clip_norm``, no weight decay.
        """
        self.step_count += 1
        triples = [(i, p, self._checked_grad(i, p)) for i, p in enumerate(self.params)
                   if p.grad is not None and not getattr(p, "frozen", False)]
        if not triples:
            return
        if self.clip_value is not None:
            triples = [(i, p, np.clip(g, -self.clip_value, self.clip_value)) for i, p, g in triples]
        if self.clip_norm is not None:
            triples = self._clip_by_global_norm(triples)
        for index, param, grad in triples:
            if self.weight_decay:
                grad = grad + self.weight_decay * param.data
            self.update(index, param, grad)

    def update(self, index: int, param, grad: np.ndarray) -> None:
        """Apply the method's rule to ``param.data`` in place (``grad`` must not be written)."""
        raise NotImplementedError(f"{type(self).__name__} has no update()")

    def _checked_grad(self, index: int, param) -> np.ndarray:
        grad = param.grad
        if grad.shape != param.data.shape:
            raise ShapeError(f"{self.name()}: parameter {index} has shape {param.data.shape} "
                             f"but its grad has shape {grad.shape}; gradients must match their parameter")
        if grad.dtype != param.data.dtype:
            grad = grad.astype(param.data.dtype)
        return grad

    def _clip_by_global_norm(self, triples):
        total = math.sqrt(sum(float(np.vdot(g, g)) for _, _, g in triples))
        if total <= self.clip_norm:  # NaN compares False: left for the divergence guard
            return triples
        scale = self.clip_norm / total
        return [(i, p, g * scale) for i, p, g in triples]

    def zero_grad(self) -> None:
        """Forget the gradients of all parameters (``p.grad = None``)."""
        for param in self.params:
            param.grad = None

    def buffer(self, index: int, name: str, like: np.ndarray) -> np.ndarray:
        """The state array ``name`` of parameter ``index``, created as zeros on first use."""
        state = self.state[index]
        array = state.get(name)
        if array is None:
            array = state[name] = np.zeros_like(like)
        return array

    def scratch(self, index: int, like: np.ndarray, slot: int = 0) -> np.ndarray:
        """A work array for parameter ``index`` reused across steps (not part of the state)."""
        array = self._scratch.get((index, slot))
        if array is None or array.shape != like.shape or array.dtype != like.dtype:
            array = self._scratch[(index, slot)] = np.empty_like(like)
        return array

    # ---- state ---------------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of the step count, lr and every per-parameter buffer, as NumPy arrays.

        Keys: ``"step"``, ``"lr"`` and ``"param.<index>.<buffer>"``; ready for ``np.savez``.
        """
        state = {"step": np.array(self.step_count, dtype=np.int64),
                 "lr": np.array(self._lr, dtype=np.float64)}
        for index, buffers in enumerate(self.state):
            for name, array in buffers.items():
                state[f"param.{index}.{name}"] = np.array(array, copy=True)
        return state

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Restore exactly what ``state_dict`` saved (arrays are copied)."""
        owner = self.name()
        missing = {"step", "lr"} - set(state)
        if missing:
            raise CheckpointError(f"{owner}: optimiser state lacks {sorted(missing)}; "
                                  f"pass a dict made by state_dict()")
        restored: list[dict[str, np.ndarray]] = [{} for _ in self.params]
        for key, value in state.items():
            if key in ("step", "lr"):
                continue
            index, name = self._parse_key(key)
            restored[index][name] = self._restored_buffer(key, index, name, np.asarray(value))
        self.step_count = int(state["step"])
        self._lr = float(state["lr"])
        self.state = restored

    def _restored_buffer(self, key: str, index: int, name: str, array: np.ndarray) -> np.ndarray:
        param = self.params[index]
        if name in self.counter_names:
            shape, dtype = (), np.int64
        else:
            shape, dtype = param.data.shape, param.data.dtype
        if array.shape != shape:
            raise CheckpointError(f"{self.name()}: '{key}' has shape {array.shape}, expected {shape} "
                                  f"for parameter {index}; the checkpoint is of another model")
        return np.array(array, dtype=dtype, copy=True)

    def _parse_key(self, key: str) -> tuple[int, str]:
        parts = key.split(".")
        valid = (len(parts) == 3 and parts[0] == "param" and parts[1].isdigit()
                 and int(parts[1]) < len(self.params) and parts[2] in self.buffer_names)
        if not valid:
            raise CheckpointError(
                f"{self.name()}: unexpected optimiser state key '{key}'; expected 'step', 'lr' or "
                f"'param.<index below {len(self.params)}>.<one of {list(self.buffer_names)}>'")
        return int(parts[1]), parts[2]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self._lr:g}, params={len(self.params)})"
