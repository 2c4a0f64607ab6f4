"""Optimisers and learning-rate schedules.

Importing this package registers every optimiser in ``dlx.registry.optimisers``
and every schedule in ``dlx.registry.schedules``::

    >>> from dlx.registry import optimisers
    >>> opt = optimisers.create("adam", params=model.parameters(), lr=1e-3)
"""
from dlx.optim.adaptive import Adadelta, Adagrad, Adam, RMSProp
from dlx.optim.optimizer import Optimizer
from dlx.optim.schedules import (Constant, CosineDecay, ExponentialDecay, Schedule, ScheduledRate, StepDecay, Warmup,
                                 get_schedule)
from dlx.optim.sgd import SGD, Momentum, Nesterov

__all__ = [
    "Optimizer", "SGD", "Momentum", "Nesterov", "Adagrad", "Adadelta", "RMSProp", "Adam",
    "Schedule", "ScheduledRate", "Constant", "StepDecay", "ExponentialDecay", "CosineDecay", "Warmup", "get_schedule",
]
