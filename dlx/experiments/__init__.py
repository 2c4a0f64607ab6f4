"""Experiment kinds: each registers its config schema and its entry points; one front door reads any config.

    from dlx.experiments import load_experiment, kind_named
    loaded = load_experiment("configs/frozenlake_q.yaml", ["budget.episodes=500"])
    result = kind_named(loaded.kind).train(loaded)

A new kind is one module here that calls ``register_kind`` and one line in ``registry.BUILT_IN``
(imported when a config or a listing first needs it; an import line below also works).
"""
from dlx.experiments.loading import experiment_from_mapping, load_experiment
from dlx.experiments.registry import (KINDS, ExperimentKind, json_schema, kind_named, kind_of, kinds_for,
                                      register_kind, require_command)

# The built-in kinds (registry.BUILT_IN) are imported when first asked for; a kind's import line
# here registers it up front.

__all__ = ["KINDS", "ExperimentKind", "experiment_from_mapping", "json_schema", "kind_named", "kind_of", "kinds_for",
           "load_experiment", "register_kind", "require_command"]
