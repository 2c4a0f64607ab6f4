"""``dlx explain RUN -m lime_text|integrated_gradients_text|occlusion_text --index N`` on text classifiers.

A run is text when its data set reads texts (``text_csv``, ``python_docstrings``): the target's
``extra`` then holds ``data: text`` and the run's vocabulary (built again from the run's config:
the same options on the same texts give the same ids), so that the weights are shown per word.
Each method explains the model's predicted class (or ``-o class_index=K``), writes
``explanation.json`` (the words and their weights, largest first) and ``words.html`` (the text
with its words coloured, ``dlx.explain.text.write_text_html``).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from dlx.errors import DlxError
from dlx.explain.base import Explanation, explainer
from dlx.explain.text import lime_text, token_integrated_gradients, token_occlusion, write_text_html

TEXT_MODELS = ("binary", "multiclass")


def run_vocabulary(dataset_name: str, options: dict) -> list[str] | None:
    """The vocabulary (id order) a text data set built from ``options``, or None for other data sets."""
    if dataset_name in ("text_csv", "texts"):
        from dlx.data.text_sets import text_vocabulary
        return text_vocabulary(**options).tokens
    if dataset_name in ("python_docstrings", "docstrings"):
        from dlx.data.docstrings import docstrings_vocabulary
        return docstrings_vocabulary(**options).tokens
    return None


def _setting(target, x, class_index):
    ids = np.asarray(x).reshape(-1).astype(np.int64)
    vocabulary = target.extra.get("vocabulary") or []
    if class_index is None:
        class_index = int(target.predict(ids[None])[0]) if target.kind == "multiclass" else 0
    if target.kind == "multiclass" and not 0 <= class_index < len(target.class_names or ()):
        raise DlxError(f"class_index must be in [0, {len(target.class_names or ()) - 1}], got {class_index}")
    words = [vocabulary[i] if i < len(vocabulary) else str(i) for i in ids[ids != 0]]
    return ids, int(class_index), words


def _explanation(method, target, index, class_index, words, weights, extra) -> Explanation:
    order = np.argsort(-np.abs(weights), kind="stable")
    summary = {"method": method, "index": index, "class": target.class_name(class_index),
               "words": [{"word": words[i], "position": int(i), "weight": float(weights[i])} for i in order],
               **extra}
    return Explanation(method, summary, {"weights": np.asarray(weights)})


def _write_words(result: Explanation, folder: Path) -> list[Path]:
    words = sorted(result.summary["words"], key=lambda w: w["position"])
    title = f"{result.method}: row {result.summary['index']}, class {result.summary['class']}"
    return [write_text_html([w["word"] for w in words], [w["weight"] for w in words], folder / "words.html", title)]


@explainer("lime_text", "local, model-agnostic", TEXT_MODELS, ("text",), _write_words)
def lime_text_method(target, x, index: int = 0, class_index: int | None = None, n_samples: int = 500,
                     kernel_width: float = 25.0, rng: np.random.Generator | None = None) -> Explanation:
    """LIME for text: words removed at random, a weighted ridge surrogate of the class logit, a weight per word."""
    ids, class_index, words = _setting(target, x, class_index)
    found = lime_text(target.model, ids, class_index, n_samples, kernel_width, rng=rng)
    return _explanation("lime_text", target, index, class_index, words, found["weights"],
                        {"score": found["score"], "intercept": found["intercept"]})


@explainer("integrated_gradients_text", "local, gradient", TEXT_MODELS, ("text",), _write_words)
def integrated_gradients_text(target, x, index: int = 0, class_index: int | None = None, steps: int = 256,
                              rng: np.random.Generator | None = None) -> Explanation:
    """Integrated gradients per word through the embedding (zero word vectors as the baseline); complete."""
    ids, class_index, words = _setting(target, x, class_index)
    found = token_integrated_gradients(target.model, ids, class_index, steps)
    return _explanation("integrated_gradients_text", target, index, class_index, words, found["attributions"],
                        {key: found[key] for key in ("output", "baseline_output", "completeness_gap",
                                                     "padding_attribution")})


@explainer("occlusion_text", "local, model-agnostic", TEXT_MODELS, ("text",), _write_words)
def occlusion_text(target, x, index: int = 0, class_index: int | None = None,
                   rng: np.random.Generator | None = None) -> Explanation:
    """Occlusion per word: how much the class logit drops when the word is removed."""
    ids, class_index, words = _setting(target, x, class_index)
    return _explanation("occlusion_text", target, index, class_index, words,
                        token_occlusion(target.model, ids, class_index)["differences"], {})
