"""Data sets (registered in ``dlx.registry.datasets``), splits, k-fold, batching, scaling and augmentation.

Importing this package registers every loader::

    from dlx.data import split_dataset
    from dlx.registry import datasets
    ds = datasets.get("two_moons")(rng=np.random.default_rng(0), n_samples=300)
"""
from dlx.data import (bundled, ctc_frames, documents, files, generative, idx, seq2seq_sets,  # noqa: F401
                      sequence_sets, sorting, synthetic)  # (register the loaders)
from dlx.data import docstrings, template_qa, text_sets, word_lm, word_sets  # noqa: F401  (register the loaders)
from dlx.data.augment import Compose, Crop, Flip, Noise, Rotate, Shift, get_augmentation, rotate_images, shift_images
from dlx.data.batching import Batch, batch, batches, has_per_step_targets, pad_sequences, sequence_mask
from dlx.data.dataset import (CLASSIFICATION_TASKS, TASKS, Dataset, kfold_indices, known_task_names, minibatches,
                              register_task_name, resolve_batch_size, split_dataset, split_indices)
from dlx.data.files import encode_targets, infer_task
from dlx.data.idx import read_idx
from dlx.data.scaling import MinMax, NoScaling, Scaler, Standardize, get_scaler, scaler_from_state

__all__ = ["Batch", "CLASSIFICATION_TASKS", "Compose", "Crop", "Dataset", "Flip", "MinMax", "NoScaling", "Noise",
           "Rotate", "Scaler", "Shift", "Standardize", "TASKS", "batch", "batches", "encode_targets",
           "get_augmentation", "get_scaler", "has_per_step_targets", "infer_task", "kfold_indices",
           "known_task_names", "minibatches", "pad_sequences", "read_idx", "register_task_name",
           "resolve_batch_size", "split_indices", "rotate_images", "scaler_from_state", "sequence_mask", "shift_images",
           "split_dataset"]
from dlx.data import bit_copy  # noqa: E402,F401  (registers the NTM copy task)
