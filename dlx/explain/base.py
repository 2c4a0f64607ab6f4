"""Explanation results, their folders, and the registration of methods.

Every method is a function ``method(target, ...) -> Explanation`` registered in
``dlx.registry.explainers`` with the model and data kinds it applies to, and a
writer that saves its pictures; ``write_explanation`` adds ``explanation.json``
and ``arrays.npz``. Each explanation is a child run of the run it explains,
``RUN_DIR/children/explain-<method>-<tag>/<stamp>/`` (``dlx.explain.run``), never reused.

Example::

    result = explainers.get("lime")(target, x=X_test[3], index=3, rng=np.random.default_rng(0))
    write_explanation(result, folder)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

import numpy as np

from dlx.errors import DlxError
from dlx.registry import explainers
from dlx.runs.files import atomic_save_npz, atomic_write_json

MODEL_KINDS = ("regression", "binary", "multiclass")
DATA_KINDS = ("tabular", "image", "text")


@dataclass
class Explanation:
    """One method's answer: a JSON-able summary, arrays, and the method that writes its pictures.

    ``summary`` always holds ``method`` and whatever the method reports (weights,
    scores, success rates ...); ``arrays`` holds the maps and curves (saved to arrays.npz).
    """

    method: str
    summary: dict
    arrays: dict[str, np.ndarray] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"method": self.method, **{k: v for k, v in self.summary.items() if k != "method"}}


def explainer(name: str, family: str, models: tuple[str, ...], data: tuple[str, ...], writer: Callable | None = None):
    """Register an explanation method with its family ("local, gradient", "global, intrinsic" ...: local
    or global, and model-agnostic, gradient-based, model-specific, example-based or intrinsic), the model and
    data kinds it applies to, and its picture writer."""
    def decorate(fn):
        fn.family, fn.model_kinds, fn.data_kinds, fn.writer = family, tuple(models), tuple(data), writer
        return explainers.register(name)(fn)
    return decorate


def describe_explainer(name: str) -> str:
    """'<one-line doc> (<family>; models: ...; data: ...)' for ``dlx list explainers``."""
    fn = explainers.get(name)
    return (f"{explainers.describe(name)} ({fn.family}; models: {', '.join(fn.model_kinds)}; "
            f"data: {', '.join(fn.data_kinds)})")


def methods_for(model_kind: str, data_kind: str) -> list[str]:
    """The registered methods whose tags accept ``model_kind`` models on ``data_kind`` data."""
    return [name for name, fn in sorted(explainers.canonical().items())
            if model_kind in fn.model_kinds and data_kind in fn.data_kinds]


def check_applies(name: str, target) -> None:
    """A one-line error naming the methods that apply when ``name`` does not fit the target's model or data kind."""
    fn = explainers.get(name)
    data_kind = target.extra.get("data") or ("image" if target.is_image else "tabular")
    if target.kind not in fn.model_kinds or data_kind not in fn.data_kinds:
        fitting = methods_for(target.kind, data_kind)
        raise DlxError(f"method '{name}' applies to {'/'.join(fn.model_kinds)} models on "
                       f"{'/'.join(fn.data_kinds)} data, not a {target.kind} model on {data_kind} data; "
                       f"methods that apply here: {', '.join(fitting) or 'none'}")


def no_method_message(run_dir, what: str, instead: str) -> str:
    """One line for a run no explainer accepts (its kind is in no method's tags): what it is, the kinds the
    methods accept, and the command that applies instead."""
    models = sorted({kind for fn in explainers.canonical().values() for kind in fn.model_kinds})
    data = sorted({kind for fn in explainers.canonical().values() for kind in fn.data_kinds})
    return (f"'{run_dir}' is {what} run; no explainer applies to it (methods accept {'/'.join(models)} models "
            f"on {'/'.join(data)} data: see dlx list explainers); {instead}")


def write_explanation(result: Explanation, folder: Path | str) -> Path:
    """Save the method's pictures, ``explanation.json`` and ``arrays.npz`` into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    writer = explainers.get(result.method).writer if result.method in explainers else None
    pictures = [str(Path(p).name) for p in (writer(result, folder) if writer else [])]
    created = datetime.now().isoformat(timespec="microseconds")   # the report's order (oldest first)
    atomic_write_json(folder / "explanation.json", {**result.to_json(), "pictures": pictures, "created": created})
    if result.arrays:
        atomic_save_npz(folder / "arrays.npz", {k: np.asarray(v) for k, v in result.arrays.items()})
    return folder


def top_weights(weights: dict[str, float], count: int | None = None) -> dict[str, float]:
    """The ``count`` entries of largest magnitude, largest first."""
    ordered = sorted(weights.items(), key=lambda item: -abs(item[1]))
    return dict(ordered[:count] if count else ordered)
