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
computed once on the transfer set's raw inputs through the teacher's own scaler (the run's
``model``), so they are the logits the teacher gives those samples whatever scaler the student
fits (an augmentation's shifted copies see the unshifted logits).

The transfer set is the run's training split, or with ``transfer`` f < 1 a stratified share f of it
(drawn with the run's seed): distillation helps most where the student's own data are few
(Hinton et al., 2015, section 3). The same student trained alone, on the same transfer set with the
same seed, is the baseline recorded; both students' validation metrics are recorded for choosing
the temperature and alpha without the test split.
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

DEFAULTS = {"student": None, "temperature": 4.0, "alpha": 0.9, "transfer": 1.0}


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


STUDENT_SECTIONS = ("optimiser", "regularisation", "training")


def student_config(source, student: str | None):
    """The run's config with the student's ``model`` (from the config file ``student``), and the keys of the
    student's ``optimiser``, ``regularisation`` and ``training`` sections where it has them."""
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
    for section in STUDENT_SECTIONS:  # the student's own training, key by key over the teacher's
        if isinstance(student_raw.get(section), dict):
            raw[section] = {**(raw.get(section) or {}), **student_raw[section]}
    return parse_config(yaml.safe_dump(raw, sort_keys=False), str(path))


def checked_options(options: dict, source=None) -> dict:
    o = {**DEFAULTS, **options}
    if float(o["temperature"]) <= 0 or not 0 <= float(o["alpha"]) <= 1:
        raise DlxError(f"temperature must be above 0 and alpha from 0 to 1, got {o['temperature']} and {o['alpha']}")
    if not 0 < float(o["transfer"]) <= 1:
        raise DlxError(f"transfer must be a fraction of the training split above 0 and at most 1 (0.1 keeps 10%), "
                       f"got {o['transfer']}")
    if source is not None:
        student_config(source, o["student"])
    return o


def transfer_positions(labels: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Positions of a stratified share ``fraction`` of the samples with ``labels`` (at least one of each
    class), sorted; all of them when ``fraction`` is 1."""
    labels = np.asarray(labels)
    if fraction >= 1 or labels.ndim != 1:
        return np.arange(len(labels))
    rng = np.random.default_rng(seed)
    chosen = [rng.permutation(np.flatnonzero(labels == c))[:max(1, round(fraction * np.sum(labels == c)))]
              for c in np.unique(labels)]
    return np.sort(np.concatenate(chosen))


def teacher_logits(source, positions: np.ndarray) -> np.ndarray:
    """The teacher's logits for the training samples at ``positions``: their raw inputs through the teacher's
    own scaler and network (the student's scaler, fitted on the transfer set, may differ)."""
    return predict_outputs(source.run.model, source.splits["train"].X[positions]).astype(np.float64)


def distil(source, options: dict, log=print) -> Compressed:
    """Train the student with the teacher's soft targets, and alone, on the transfer set; the distilled one
    is the new model."""
    o = checked_options(options)
    loaded = student_config(source, o["student"])
    if source.indices is None:
        raise DlxError(f"'{source.run_dir}' has no splits.npz (an older dlx run); train it again to distil it")
    raw = source.splits["train"]
    positions = transfer_positions(raw.y, float(o["transfer"]), loaded.config.training.seed)
    indices = {**source.indices, "train": np.asarray(source.indices["train"])[positions]}
    alone = prepare_indexed(loaded, indices)
    alone_row = train_masked(alone)
    alone_test, alone_val = test_metrics(alone), test_metrics(alone, "validation")
    log(f"student alone on {len(positions)} samples: {alone_test}")
    x = prepare_indexed(loaded, indices)
    x.task = TeacherTargets(x.task, x.splits["train"], teacher_logits(source, positions))
    x.loss = DistillationLoss(o["temperature"], o["alpha"])
    row = train_masked(x)
    distilled_test, distilled_val = test_metrics(x), test_metrics(x, "validation")
    log(f"student distilled: {distilled_test}")
    return Compressed(x.model, scaler=x.scaler, rows=[{"student": "alone", **alone_row, **alone_val, **alone_test},
                                     {"student": "distilled", **row, **distilled_val, **distilled_test}],
                      record={"temperature": float(o["temperature"]), "alpha": float(o["alpha"]),
                              "transfer": float(o["transfer"]), "transfer_samples": int(len(positions)),
                              "student": str(o["student"]), "student_alone": alone_test,
                              "student_alone_val": alone_val, "student_distilled": distilled_test,
                              "student_distilled_val": distilled_val})
