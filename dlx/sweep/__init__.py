"""Sweeps: many runs of one experiment, compared.

- ``Trial`` / ``run_trial``: one training as plain data, run in whichever process receives it.
- ``cross_validate``: k-fold cross-validation with the test split held out.
- ``learning_curve``: training and validation error against the number of training samples.
- ``capacity_sweep``: training and validation error against one config value (under/overfitting).

Example::

    from dlx.config import load_config
    from dlx.sweep import cross_validate
    result = cross_validate(load_config("configs/breast_cancer_mlp.yaml"), k=5)
    result.mean["val_accuracy"], result.std["val_accuracy"], result.run_dir
"""
import importlib

# Names are imported when first used: a process that needs one module of the package (a sweep's
# coordinator process needs ``asha`` alone) does not pay for importing all of them.
_HOMES = {"CVPartition": "crossval", "CVResult": "crossval", "cross_validate": "crossval", "cv_partition": "crossval",
          "capacity_sweep": "capacity", "CurveResult": "curves", "learning_curve": "curves",
          "nested_order": "curves", "with_override": "curves", "Trial": "trials", "run_trial": "trials"}

__all__ = ["CVPartition", "CVResult", "CurveResult", "capacity_sweep", "cross_validate", "cv_partition",
           "learning_curve", "nested_order", "run_trial", "Trial", "with_override"]


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module 'dlx.sweep' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"dlx.sweep.{_HOMES[name]}"), name)
    globals()[name] = value
    return value
