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
from dlx.sweep.crossval import CVPartition, CVResult, cross_validate, cv_partition
from dlx.sweep.capacity import capacity_sweep
from dlx.sweep.curves import CurveResult, learning_curve, nested_order, with_override
from dlx.sweep.trials import Trial, run_trial

__all__ = ["CVPartition", "CVResult", "CurveResult", "capacity_sweep", "cross_validate", "cv_partition",
           "learning_curve", "nested_order", "run_trial", "Trial", "with_override"]
