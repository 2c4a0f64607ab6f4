"""Explaining text models word by word: LIME with words removed, integrated gradients and occlusion per token.

A text model reads padded word ids (T,) (0 the padding) and gives class logits. Each method
gives one number per word of the text (the padding left out):

- ``lime_text`` (Ribeiro et al. 2016, their text setting): remove random subsets of the words,
  weigh each perturbed text by exp(-(100 d)^2 / width^2) with d the cosine distance of its
  word-presence vector from the full text's, fit a weighted ridge regression of the model's
  output on the presence vectors: its coefficients are the words' weights.
- ``token_integrated_gradients`` (Sundararajan et al. 2017) through the embedding: the word
  vectors e_t move from a baseline (zero vectors) to their values; attribution_t =
  (e_t - e'_t) . mean over the path of df/de_t (trapezoid rule over ``steps``). The
  attributions add up to f(x) - f(baseline) (completeness), which ``summary`` reports.
- ``token_occlusion``: f(x) - f(x with word t removed), one text per word.

``f`` is the class's logit (``output="logit"``, default) or its probability. ``write_text_html``
colours the words by their weights (red for, blue against the class).
"""
from __future__ import annotations

import html
from pathlib import Path

import numpy as np

from dlx.errors import DlxError
from dlx.nn import Embedding
from dlx.ops.activation import softmax_array
from dlx.runs.files import atomic_write
from dlx.tensor import Tensor, no_grad


def _words(ids: np.ndarray) -> np.ndarray:
    ids = np.asarray(ids).reshape(-1).astype(np.int64)
    if not np.any(ids != 0):
        raise DlxError("the text has no word (only padding); explain a text with at least one word")
    return ids


def _output(logits: np.ndarray, class_index: int, output: str) -> np.ndarray:
    if output == "logit":
        return logits[:, class_index]
    if output == "probability":
        return softmax_array(logits, axis=-1)[:, class_index]
    raise DlxError(f"output must be 'logit' or 'probability', got {output!r}")


@no_grad()
def _outputs(model, texts: np.ndarray, class_index: int, output: str, batch_size: int = 512) -> np.ndarray:
    model.eval()
    parts = [model(Tensor(texts[i:i + batch_size])).data for i in range(0, len(texts), batch_size)]
    return _output(np.concatenate(parts).astype(np.float64), class_index, output)


def _keep(ids: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Texts with the words where ``keep`` (S, L) is False deleted, re-padded to the length of ``ids``."""
    positions = np.flatnonzero(ids != 0)
    texts = np.zeros((len(keep), len(ids)), np.int64)
    for row, mask in enumerate(keep):
        kept = ids[positions[mask]]
        texts[row, :len(kept)] = kept
    return texts


def lime_text(model, ids, class_index: int, n_samples: int = 500, kernel_width: float = 25.0, alpha: float = 0.01,
              output: str = "logit", rng: np.random.Generator | None = None) -> dict:
    """LIME's word weights (see the module doc): ``weights`` (L,) for the L words of ``ids``, ``intercept``,
    ``score`` (weighted R^2 of the surrogate)."""
    ids, rng = _words(ids), rng if rng is not None else np.random.default_rng(0)
    length = int(np.count_nonzero(ids))
    keep = np.ones((n_samples, length), bool)
    for row in range(1, n_samples):  # the first sample is the text itself
        removed = rng.integers(1, length) if length > 1 else 0
        keep[row, rng.choice(length, removed, replace=False)] = False
    y = _outputs(model, _keep(ids, keep), class_index, output)
    distance = 1.0 - keep.sum(axis=1) / (np.sqrt(keep.sum(axis=1)) * np.sqrt(length))  # cosine, to all ones
    weight = np.exp(-((distance * 100.0) ** 2) / kernel_width ** 2)
    design = np.hstack([np.ones((n_samples, 1)), keep.astype(np.float64)])
    penalty = alpha * np.eye(length + 1)
    penalty[0, 0] = 0.0  # the intercept is not penalised
    w = weight[:, None]
    coefficients = np.linalg.solve(design.T @ (w * design) + penalty, design.T @ (weight * y))
    fitted = design @ coefficients
    mean = np.average(y, weights=weight)
    total = np.sum(weight * (y - mean) ** 2)
    score = 1.0 - np.sum(weight * (y - fitted) ** 2) / total if total > 0 else 1.0
    return {"weights": coefficients[1:], "intercept": float(coefficients[0]), "score": float(score)}


def _embedding_of(model) -> Embedding:
    tables = [m for m in model.modules() if isinstance(m, Embedding)]
    if len(tables) != 1:
        raise DlxError(f"token attributions need a model with one embedding layer, this one has {len(tables)}")
    return tables[0]


def token_integrated_gradients(model, ids, class_index: int, steps: int = 256, output: str = "logit") -> dict:
    """Integrated gradients per word through the embedding (see the module doc): ``attributions`` (L,),
    ``output`` f(x), ``baseline_output`` f(baseline) and ``completeness_gap`` = |sum - (f(x) - f(baseline))|."""
    ids = _words(ids)
    table = _embedding_of(model)
    vectors = table.weight.data[ids].astype(np.float64)  # (T, E)
    alphas = np.linspace(0.0, 1.0, steps + 1)
    path = Tensor(alphas[:, None, None] * vectors[None], requires_grad=True)  # (S + 1, T, E)
    original = table.__dict__.get("forward")
    table.forward = lambda x: path  # the model reads the path's word vectors instead of looking them up
    model.eval()
    try:
        logits = model(Tensor(np.repeat(ids[None], steps + 1, axis=0)))
        if output == "probability":
            chosen = logits.softmax(axis=-1)[:, class_index]
        else:
            chosen = logits[:, class_index]
        chosen.sum().backward()
    finally:
        if original is None:
            del table.forward
        else:
            table.forward = original
    grads = path.grad  # (S + 1, T, E): df/de at every point of the path
    mean_grad = (grads[:-1] + grads[1:]).sum(axis=0) / (2 * steps)  # the trapezoid rule
    attributions = np.sum(vectors * mean_grad, axis=1)
    values = chosen.data.astype(np.float64)
    positions = np.flatnonzero(ids != 0)
    gap = abs(attributions.sum() - (values[-1] - values[0]))
    return {"attributions": attributions[positions], "padding_attribution": float(np.delete(attributions, positions).sum()),
            "output": float(values[-1]), "baseline_output": float(values[0]), "completeness_gap": float(gap)}


def token_occlusion(model, ids, class_index: int, output: str = "logit") -> dict:
    """f(x) - f(x without word t) for every word t: ``differences`` (L,)."""
    ids = _words(ids)
    length = int(np.count_nonzero(ids))
    keep = ~np.eye(length, dtype=bool)
    values = _outputs(model, _keep(ids, np.vstack([np.ones((1, length), bool), keep])), class_index, output)
    return {"differences": values[0] - values[1:]}


def write_text_html(words: list[str], weights, path, title: str) -> Path:
    """An HTML page with the words coloured by their weights: red for the class, blue against, white near 0."""
    weights = np.asarray(weights, np.float64)
    scale = max(float(np.abs(weights).max()), 1e-12)
    spans = []
    for word, value in zip(words, weights):
        strength = int(round(255 * (1 - min(abs(value) / scale, 1.0))))
        colour = f"rgb(255,{strength},{strength})" if value > 0 else f"rgb({strength},{strength},255)"
        spans.append(f'<span style="background:{colour};padding:1px 2px" title="{value:.4g}">{html.escape(word)}</span>')
    page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head><body>"
            f"<h3>{html.escape(title)}</h3><p style='line-height:2'>{' '.join(spans)}</p>"
            f"<p>red: for the class, blue: against (hover for the weight)</p></body></html>\n")
    return atomic_write(Path(path), lambda file: file.write(page.encode("utf-8")))
