"""Knowledge distillation (Hinton et al., 2015): a small student learns from the run's network, the teacher.

The loss mixes the teacher's softened outputs with the true labels::

    L = alpha * T^2 * CE(softmax(t / T), softmax(s / T)) + (1 - alpha) * CE(y, softmax(s))

``s`` and ``t`` are the student's and teacher's logits, ``T`` the temperature. The soft term's
gradient with respect to ``s`` is ``(softmax(s/T) - softmax(t/T)) / T``, so ``T^2`` keeps its
size comparable to the hard term's as ``T`` grows. (Cross-entropy against the teacher differs
from the KL divergence by the teacher's entropy, a constant: the same gradient.)

The student trains through the one Trainer: the loss is ``DistillationLoss`` and the task's
training targets carry the teacher's logits beside each label (``TeacherTargets``); evaluation
targets are plain labels, on which the loss is the hard cross-entropy. The teacher's logits are
computed once on the training inputs (an augmentation's shifted copies see the unshifted logits).
The same student trained alone, on the same data with the same seed, is the baseline recorded.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

from dlx import ops
from dlx.config.loading import parse_config
from dlx.config.safe_yaml import load_yaml
from dlx.errors import DlxError
from dlx.tasks import predict_outputs
from dlx.compress.prune import Compressed
from dlx.compress.training import test_metrics, train_masked
from dlx.train.runner import prepare_indexed

DEFAULTS = {"student": None, "temperature": 4.0, "alpha": 0.9}


class DistillationLoss:
    """The mixed soft and hard loss above, for logits (N, K) and targets (N, 1 + K) = [label, teacher logits]
    (or (N,) labels: the hard cross-entropy alone, as evaluation computes it)."""

    family = "cross_entropy"
    applies = "softmax"

    def __init__(self, temperature: float = 4.0, alpha: float = 0.9):
        self.temperature, self.alpha = float(temperature), float(alpha)

    def __call__(self, prediction, target):
        target = np.asarray(target)
        if target.ndim == 1:
            return ops.cross_entropy(prediction, target.astype(np.int64))
        labels, teacher = target[:, 0].astype(np.int64), target[:, 1:]
        t = self.temperature
        soft_targets = softmax(teacher / t)
        soft = ops.cross_entropy(prediction * (1.0 / t), soft_targets)
        hard = ops.cross_entropy(prediction, labels)
        return soft * (self.alpha * t * t) + hard * (1.0 - self.alpha)


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class TeacherTargets:
    """The experiment's task, whose training targets carry the teacher's logits after each label."""

    def __init__(self, task, train, teacher_logits: np.ndarray):
        self.task, self.train, self.teacher_logits = task, train, teacher_logits

    def targets(self, ds, loss, n_outputs: int) -> np.ndarray:
        labels = self.task.targets(ds, loss, n_outputs)
        if ds is not self.train:
            return labels
        return np.concatenate([labels.reshape(len(ds), 1).astype(np.float64), self.teacher_logits], axis=1)

    def __getattr__(self, name):
        return getattr(self.task, name)


def student_config(source, student: str | None):
    """The run's config with the student's ``model`` (from the config file ``student``)."""
    if not student:
        raise DlxError("distil needs a student: give --option student=CONFIG.yaml, a config whose model section "
                       "is the (smaller) student network")
    path = Path(student)
    if not path.is_file():
        raise DlxError(f"student config '{path}' not found; give a config file whose model section is the student")
    raw = load_yaml(source.config_text)
    try:
        student_raw = load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise DlxError(f"student config '{path}' is not valid YAML ({' '.join(str(error).split())})") from None
    if not isinstance(student_raw, dict) or "model" not in student_raw:
        raise DlxError(f"student config '{path}' has no model section; give one with model: layers: [...]")
    raw["model"] = student_raw["model"]
    return parse_config(yaml.safe_dump(raw, sort_keys=False), str(path))


def checked_options(options: dict, source=None) -> dict:
    o = {**DEFAULTS, **options}
    if float(o["temperature"]) <= 0 or not 0 <= float(o["alpha"]) <= 1:
        raise DlxError(f"temperature must be above 0 and alpha from 0 to 1, got {o['temperature']} and {o['alpha']}")
    if source is not None:
        student_config(source, o["student"])
    return o


def distil(source, options: dict, log=print) -> Compressed:
    """Train the student with the teacher's soft targets, and alone; the distilled one is the new model."""
    o = checked_options(options)
    loaded = student_config(source, o["student"])
    alone = prepare_indexed(loaded, source.indices)
    alone_row = train_masked(alone)
    alone_test = test_metrics(alone)
    log(f"student alone: {alone_test}")
    x = prepare_indexed(loaded, source.indices)
    train = x.splits["train"]
    teacher_logits = predict_outputs(source.run.network, train.X).astype(np.float64)
    x.task = TeacherTargets(x.task, train, teacher_logits)
    x.loss = DistillationLoss(o["temperature"], o["alpha"])
    row = train_masked(x)
    distilled_test = test_metrics(x)
    log(f"student distilled: {distilled_test}")
    return Compressed(x.model, rows=[{"student": "alone", **alone_row, **alone_test},
                                     {"student": "distilled", **row, **distilled_test}],
                      record={"temperature": float(o["temperature"]), "alpha": float(o["alpha"]),
                              "student": str(o["student"]), "student_alone": alone_test,
                              "student_distilled": distilled_test})
