"""``load_components()``: import every module that registers components, once, in one place.

The registries (``dlx.registry``, the experiment kinds, the model formats) fill when the modules
that define their components are imported. Rather than each command importing the ones it
happens to need for their side effect, a command calls ``load_components()`` and finds every
layer, loss, optimiser, schedule, data set, model, task, experiment kind, model format, agent,
generative model and explainer registered, as in any other process::

    from dlx.components import load_components
    load_components()
    registry.explainers.names()      # every method, whichever command runs

It sits above every package it imports (tests/test_layering.py); ``dlx --help`` stays fast
because commands call it inside their bodies.
"""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=None)
def load_components() -> None:
    """Import every registering package (idempotent; the second call costs nothing)."""
    import dlx.ops  # noqa: F401  operations (and Tensor's operators)
    import dlx.nn  # noqa: F401  layers, activations, initialisers
    import dlx.losses  # noqa: F401
    import dlx.optim  # noqa: F401  optimisers and schedules
    import dlx.data  # noqa: F401  data sets
    import dlx.models  # noqa: F401  named models
    import dlx.tasks  # noqa: F401
    import dlx.inference.formats  # noqa: F401  the dlx-model format
    import dlx.generative  # noqa: F401  generative models, their data sets and the dlx-generative format
    import dlx.rl  # noqa: F401  agents and the dlx-agent format
    import dlx.experiments  # noqa: F401  experiment kinds
    dlx.experiments.KINDS.load_all()  # the built-in kinds are otherwise imported on first use
    import dlx.explain  # noqa: F401  explainers
