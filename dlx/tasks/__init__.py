"""Tasks: what depends on the kind of problem (targets, outputs, default loss, decisions, metrics, plots).

Importing this package registers the supervised tasks in ``dlx.registry.tasks``.
"""
from dlx.tasks import ctc, kinds, seq2seq, sequence, words  # noqa: F401  (registers the tasks)
from dlx.tasks import bit_copy  # noqa: E402,F401  (registers the NTM copy task)
from dlx.tasks.base import Task, get_task, known_metrics, predict_outputs

__all__ = ["Task", "get_task", "known_metrics", "predict_outputs"]
