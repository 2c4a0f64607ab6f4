"""Experiment configs: YAML (``yaml.safe_load`` only) into typed pydantic models.

A config declares the data set, the model, the loss, the optimiser, the
regularisation, the training and where results go. Unknown keys and wrong
types are errors that name the key path, the YAML line and the allowed values.
Component names and their keyword arguments (layers, optimisers, data set
options) are checked against the registries one layer up, in
``dlx.train.experiment``, before any work.
"""
from dlx.config.loading import LoadedConfig, load_config, parse_config, parse_mapping, read_config_text
from dlx.config.messages import describe_validation_error
from dlx.config.overrides import apply_override, dotted
from dlx.config.schema import (DatasetConfig, EarlyStoppingConfig, ExperimentConfig, ModelConfig, OptimiserConfig,
                               OutputConfig, RegularisationConfig, TrainingConfig, json_schema)

__all__ = ["DatasetConfig", "EarlyStoppingConfig", "ExperimentConfig", "LoadedConfig", "ModelConfig",
           "OptimiserConfig", "OutputConfig", "RegularisationConfig", "TrainingConfig", "apply_override",
           "describe_validation_error", "dotted", "parse_mapping", "read_config_text", "json_schema", "load_config", "parse_config"]
