"""``dlx explain RUN -m attention -i N``: the model's own attention weights, shown on the words.

Applies to runs whose network reports its attention (``attend(x, mask)`` returning the logits and
the weights): the hierarchical attention network (``han``, configs/documents_han.yaml). A word's
weight is its word attention times its sentence's attention, the share of the document vector
that the pooling took through it (the weights of a document sum to 1). ``words.html`` shows the
document with its words coloured by that weight (``dlx.explain.text.write_text_html``), and
``explanation.json`` lists the words, largest first, and each sentence's weight.

Attention weights are not faithful attributions in general (Jain and Wallace 2019; Wiegreffe and
Pinter 2019): they say where the pooling looked, not how much each word changed the prediction;
the recurrent states being pooled already mix information from the whole sentence, and other
weightings can give the same output. Compare with ``occlusion_text`` or
``integrated_gradients_text`` where those apply.

A run whose model has no attention gets one line saying so and what applies instead.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from dlx.errors import DlxError
from dlx.explain.base import Explanation, explainer
from dlx.explain.text import write_text_html
from dlx.tensor import no_grad

ATTENTION_MODELS = ("han",)  # registry names of the models with ``attend``


def _write_words(result: Explanation, folder: Path) -> list[Path]:
    words = sorted(result.summary["words"], key=lambda w: (w["sentence"], w["position"]))
    title = (f"attention: row {result.summary['index']}, predicted class {result.summary['class']} "
             f"(word weight x sentence weight; not a faithful attribution in general)")
    return [write_text_html([w["word"] for w in words], [w["weight"] for w in words], folder / "words.html", title)]


@explainer("attention", "local, model-specific", ("binary", "multiclass"), ("text", "documents"), _write_words)
def attention(target, x, index: int = 0, rng: np.random.Generator | None = None) -> Explanation:
    """The model's own attention weights per word (han: word x sentence attention); not faithful in general."""
    network = target.extra.get("network")
    if not hasattr(network, "attend"):
        name = getattr(network, "registry_name", None) or type(network).__name__
        raise DlxError(f"method 'attention' needs a model with attention weights ({', '.join(ATTENTION_MODELS)}); "
                       f"this run's model '{name}' has none; use occlusion_text or integrated_gradients_text")
    tokens = np.asarray(x).astype(np.int64)
    if tokens.ndim != 2:
        raise DlxError(f"method 'attention' expects a document of sentences x words, got shape {tokens.shape}")
    keep = (tokens != 0).any(axis=1)
    keep[0] = True
    with no_grad():
        logits, words, sentences = network.attend(tokens[None], keep[None])
    shown = words[0] * sentences[0][:, None]  # (S, W)
    vocabulary = target.extra.get("vocabulary") or []
    predicted = int(np.argmax(logits.data[0]))
    entries = [{"word": vocabulary[t] if t < len(vocabulary) else str(t), "sentence": int(s), "position": int(w),
                "weight": float(shown[s, w])} for (s, w), t in np.ndenumerate(tokens) if t != 0]
    entries.sort(key=lambda e: -e["weight"])
    summary = {"method": "attention", "index": index,
               "class": target.class_name(predicted),
               "sentence_weights": [float(v) for v, k in zip(sentences[0], keep) if k],
               "words": entries,
               "note": "attention weights say where the model pooled, not how much each word changed the output"}
    return Explanation("attention", summary, {"word_weights": words[0], "sentence_weights": sentences[0]})
