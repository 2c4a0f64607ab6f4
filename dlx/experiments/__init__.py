"""Experiment kinds: each registers its config schema and its entry points; one front door reads any config.

    from dlx.experiments import load_experiment, kind_named
    loaded = load_experiment("configs/frozenlake_q.yaml", ["budget.episodes=500"])
    result = kind_named(loaded.kind).train(loaded)

A new kind is one module here that calls ``register_kind`` and one import line below.
"""
from dlx.experiments.loading import experiment_from_mapping, load_experiment
from dlx.experiments.registry import (KINDS, ExperimentKind, json_schema, kind_named, kind_of, kinds_for,
                                      register_kind, require_command)

import dlx.experiments.supervised  # noqa: E402,F401  (each import registers one kind)
import dlx.experiments.generative  # noqa: E402,F401
import dlx.experiments.rl  # noqa: E402,F401
import dlx.experiments.compress  # noqa: E402,F401
import dlx.experiments.stdp  # noqa: E402,F401
import dlx.experiments.continual  # noqa: E402,F401

__all__ = ["KINDS", "ExperimentKind", "experiment_from_mapping", "json_schema", "kind_named", "kind_of", "kinds_for",
           "load_experiment", "register_kind", "require_command"]
