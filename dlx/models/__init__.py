"""Build models from configs; named models (mlp, linear and ridge regression, interpretable models)."""
from dlx.models import interpretable, linear, named, text_classifiers, word_vectors  # noqa: F401  (register the named models)
from dlx.models.builder import build_model, describe_model, layer_spec, model_from_description

__all__ = ["build_model", "describe_model", "layer_spec", "model_from_description"]
