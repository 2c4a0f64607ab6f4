"""Inference: trained runs loaded from their folders (forward from the raw input), predictions, evaluation."""
from dlx.inference.loaded import LoadedRun, load_run

__all__ = ["LoadedRun", "load_run"]
