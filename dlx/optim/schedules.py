"""Learning-rate schedules: pure functions of training progress.

A schedule keeps no state: ``schedule(base_lr, epoch, total_epochs)`` gives the
learning rate at a (possibly fractional) epoch, so a resumed run computes the
same rates as an uninterrupted one. The training loop calls it before every
step with ``epoch + batch / num_batches`` and assigns ``optimiser.lr``.

Example::

    >>> schedule = get_schedule({"name": "warmup", "warmup_epochs": 2, "then": "cosine"})
    >>> optimiser.lr = schedule(0.1, epoch=3.5, total_epochs=10)
"""
from __future__ import annotations

import inspect
import math

from dlx.errors import ConfigError
from dlx.optim.optimizer import check_number
from dlx.registry import schedules


class Schedule:
    """Base class: ``__call__(base_lr, epoch, total_epochs) -> lr``."""

    def __call__(self, base_lr: float, epoch: float, total_epochs: int) -> float:
        raise NotImplementedError

    @classmethod
    def name(cls) -> str:
        return getattr(cls, "registry_name", cls.__name__.lower())

    def __repr__(self) -> str:
        arguments = ", ".join(f"{key}={getattr(self, key)!r}" for key in _argument_names(type(self)))
        return f"{type(self).__name__}({arguments})"


def _argument_names(cls) -> list[str]:
    return [name for name in inspect.signature(cls.__init__).parameters if name != "self"]


def _check_total(owner: str, total_epochs) -> float:
    return check_number(owner, "total_epochs", total_epochs, 0.0, low_open=True)


@schedules.register("constant")
class Constant(Schedule):
    """Constant learning rate: ``lr = base_lr``.

    Example::

        >>> Constant()(0.1, epoch=7, total_epochs=10)
        0.1
    """

    def __call__(self, base_lr: float, epoch: float, total_epochs: int) -> float:
        return float(base_lr)


@schedules.register("step")
class StepDecay(Schedule):
    """Step decay: multiply by ``gamma`` every ``step_size`` epochs.

    Rule: ``lr = base_lr * gamma ** floor(epoch / step_size)`` (as ``torch.optim.lr_scheduler.StepLR``).

    Args:
        step_size (float, default 10): epochs between decays, > 0.
        gamma (float, default 0.1): factor per decay, in (0, 1].

    Example::

        >>> StepDecay(step_size=10, gamma=0.1)(1.0, epoch=25, total_epochs=30)   # 1.0 * 0.1**2
    """

    def __init__(self, step_size: float = 10, gamma: float = 0.1):
        self.step_size = check_number("step", "step_size", step_size, 0.0, low_open=True)
        self.gamma = check_number("step", "gamma", gamma, 0.0, 1.0, low_open=True, high_open=False)

    def __call__(self, base_lr: float, epoch: float, total_epochs: int) -> float:
        return float(base_lr) * self.gamma ** math.floor(epoch / self.step_size)


@schedules.register("exponential")
class ExponentialDecay(Schedule):
    """Exponential decay by ``gamma`` per epoch, smooth between epochs.

    Rule: ``lr = base_lr * gamma ** epoch``.

    Args:
        gamma (float, default 0.95): factor per epoch, in (0, 1].

    Example::

        >>> ExponentialDecay(gamma=0.5)(1.0, epoch=1.5, total_epochs=10)   # 0.5 ** 1.5
    """

    def __init__(self, gamma: float = 0.95):
        self.gamma = check_number("exponential", "gamma", gamma, 0.0, 1.0, low_open=True, high_open=False)

    def __call__(self, base_lr: float, epoch: float, total_epochs: int) -> float:
        return float(base_lr) * self.gamma ** float(epoch)


@schedules.register("cosine")
class CosineDecay(Schedule):
    """Cosine annealing from ``base_lr`` to ``min_lr`` over the run (SGDR without restarts).

    Rule (Loshchilov & Hutter 2017, eq. 5, one cycle of ``total_epochs``):
    ``lr = min_lr + (base_lr - min_lr) * (1 + cos(pi * epoch / total_epochs)) / 2``,
    with ``epoch`` held at ``total_epochs`` after the end.

    Args:
        min_lr (float, default 0.0): the rate at the end, >= 0.

    Example::

        >>> CosineDecay(min_lr=0.0)(1.0, epoch=5, total_epochs=10)   # half way: 0.5
    """

    def __init__(self, min_lr: float = 0.0):
        self.min_lr = check_number("cosine", "min_lr", min_lr, 0.0)

    def __call__(self, base_lr: float, epoch: float, total_epochs: int) -> float:
        total = _check_total("cosine", total_epochs)
        progress = min(max(float(epoch), 0.0), total) / total
        return self.min_lr + (float(base_lr) - self.min_lr) * 0.5 * (1.0 + math.cos(math.pi * progress))


@schedules.register("linear")
class LinearDecay(Schedule):
    """Linear decay from ``base_lr`` to ``min_factor * base_lr`` over the run (word2vec's schedule).

    Rule: ``lr = base_lr * max(min_factor, 1 - epoch / total_epochs)`` (the word2vec C code:
    alpha = starting_alpha (1 - words done / total words), at least starting_alpha * 1e-4).

    Args:
        min_factor (float, default 1e-4): the last rate as a fraction of ``base_lr``, in [0, 1].

    Example::

        >>> LinearDecay()(0.025, epoch=2.5, total_epochs=5)   # half way: 0.0125
    """

    def __init__(self, min_factor: float = 1e-4):
        self.min_factor = check_number("linear", "min_factor", min_factor, 0.0, 1.0, high_open=False)

    def __call__(self, base_lr: float, epoch: float, total_epochs: int) -> float:
        total = _check_total("linear", total_epochs)
        return float(base_lr) * max(self.min_factor, 1.0 - float(epoch) / total)


@schedules.register("warmup")
class Warmup(Schedule):
    """Linear warm-up from ``start_factor * base_lr`` to ``base_lr``, then another schedule.

    Rule: for ``epoch < warmup_epochs``,
    ``lr = base_lr * (start_factor + (1 - start_factor) * epoch / warmup_epochs)``;
    afterwards ``lr = then(base_lr, epoch - warmup_epochs, total_epochs - warmup_epochs)``.
    Every schedule here starts at ``base_lr``, so the rate is continuous at the boundary.

    Args:
        warmup_epochs (float, default 5): length of the warm-up, > 0 (fractions allowed).
        start_factor (float, default 0.1): the first rate as a fraction of ``base_lr``, in [0, 1].
        then (str, dict or None, default None): the schedule after warm-up, as
            ``get_schedule`` accepts it (``"cosine"``, ``{"name": "step", "step_size": 3}``);
            None means constant.

    Example::

        >>> Warmup(warmup_epochs=2, then={"name": "cosine", "min_lr": 1e-5})
    """

    def __init__(self, warmup_epochs: float = 5, start_factor: float = 0.1, then=None):
        self.warmup_epochs = check_number("warmup", "warmup_epochs", warmup_epochs, 0.0, low_open=True)
        self.start_factor = check_number("warmup", "start_factor", start_factor, 0.0, 1.0,
                                         high_open=False)
        self.then = then
        self.inner = get_schedule(then)

    def __call__(self, base_lr: float, epoch: float, total_epochs: int) -> float:
        total = _check_total("warmup", total_epochs)
        if total <= self.warmup_epochs:
            raise ConfigError(f"warmup: warmup_epochs must be less than total_epochs, got "
                              f"{self.warmup_epochs:g} >= {total:g}; shorten the warm-up or train longer")
        epoch = float(epoch)
        if epoch < self.warmup_epochs:
            fraction = self.start_factor + (1.0 - self.start_factor) * epoch / self.warmup_epochs
            return float(base_lr) * fraction
        return self.inner(base_lr, epoch - self.warmup_epochs, total - self.warmup_epochs)


def get_schedule(spec) -> Schedule:
    """A schedule from a name, a dict ``{"name": ..., **kwargs}``, a Schedule, or None (constant).

    Example::

        >>> get_schedule({"name": "step", "step_size": 30, "gamma": 0.1})
        StepDecay(step_size=30.0, gamma=0.1)
    """
    if spec is None:
        return Constant()
    if isinstance(spec, Schedule):
        return spec
    if isinstance(spec, str):
        return schedules.create(spec)
    if isinstance(spec, dict):
        arguments = dict(spec)
        name = arguments.pop("name", None)
        if not isinstance(name, str):
            raise ConfigError(f"schedule {spec!r} has no 'name'; write e.g. {{name: cosine, min_lr: 0.0}}")
        cls = schedules.get(name)
        allowed = _argument_names(cls)
        unknown = sorted(set(arguments) - set(allowed))
        if unknown:
            hint = f"allowed: {', '.join(allowed)}" if allowed else "it takes no arguments"
            raise ConfigError(f"schedule '{name}': unknown argument(s) {', '.join(unknown)}; {hint}")
        return cls(**arguments)
    raise ConfigError(f"a schedule must be a name, a mapping with 'name', or null, got {spec!r}")


class ScheduledRate:
    """The learning rate during training: the optimiser's rate at the start, shaped by a schedule.

    The one source of truth for the rate: the config's ``lr`` (or the optimiser's own
    default when the config leaves it out) is read once, when the optimiser is built;
    from then on ``set(progress)`` writes ``schedule(base, progress, total_epochs)``
    into the optimiser before each step.

    Args:
        optimiser: the optimiser whose ``lr`` is driven; its current rate is the base.
        schedule: a ``Schedule`` (``Constant()`` keeps the base).
        total_epochs: the planned number of epochs (the schedules' horizon).

    Example::

        rate = ScheduledRate(optimiser, get_schedule({"name": "cosine"}), total_epochs=10)
        rate.set(2.5)          # epoch 3, halfway: optimiser.lr follows the cosine
    """

    def __init__(self, optimiser, schedule: Schedule, total_epochs: int):
        self.optimiser, self.schedule, self.total_epochs = optimiser, schedule, total_epochs
        self.base = float(optimiser.lr)

    def set(self, progress: float) -> float:
        """Set the optimiser's rate for ``progress`` epochs of training (fractional); returns it."""
        self.optimiser.lr = self.schedule(self.base, progress, self.total_epochs)
        return self.optimiser.lr
