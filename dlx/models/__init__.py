"""Build models from configs; named (composite) models."""
from dlx.models.builder import build_model, describe_model, layer_spec, model_from_description

__all__ = ["build_model", "describe_model", "layer_spec", "model_from_description"]
