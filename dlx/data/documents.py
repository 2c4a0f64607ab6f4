"""Documents for hierarchical attention (Yang et al. 2016): sentences of words, one class per document.

Each document holds 3 to ``sentences`` sentences of the small grammar of the tagging task
(``dlx.data.sequences``), one of them "the train to LOC was late" at a random place; the
class is that sentence's place (berlin, new york, bad homburg, paris, rio de janeiro). The
other sentences mention places too ("anna lives in paris"), so a model must find the right
sentence and then the right words in it: what the two attention levels are for.
"""
from __future__ import annotations

import numpy as np

from dlx.data.dataset import Dataset
from dlx.data.sequences import ENTITIES, TEMPLATES, _sentence, tagging_vocabulary
from dlx.errors import ConfigError
from dlx.registry import datasets

KEY = ["the", "train", "to", "LOC", "was", "late"]
PLACES = [" ".join(name) for name in ENTITIES["LOC"]]


@datasets.register("documents", "train_delays")
def documents(rng: np.random.Generator | None = None, n: int = 1000, sentences: int = 5) -> Dataset:
    """Documents (S, W) of word tokens; the class is the place of the one "train to ... was late" sentence.

    Args:
        n (default 1000): number of documents.
        sentences (default 5): the most sentences of a document (at least 3).
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ConfigError(f"documents: n must be a positive integer, got {n!r}")
    if isinstance(sentences, bool) or not isinstance(sentences, int) or sentences < 3:
        raise ConfigError(f"documents: sentences must be an integer >= 3, got {sentences!r}")
    rng = rng if rng is not None else np.random.default_rng(0)
    vocabulary = tagging_vocabulary()
    index = {w: i for i, w in enumerate(vocabulary)}
    others = [t for t in TEMPLATES if t != KEY]
    docs, labels = [], []
    for _ in range(n):
        count = int(rng.integers(3, sentences + 1))
        key_at = int(rng.integers(count))
        place = int(rng.integers(len(PLACES)))
        doc = []
        for s in range(count):
            if s == key_at:
                doc.append(KEY[:3] + PLACES[place].split() + KEY[4:])
            else:
                doc.append(_sentence(others[rng.integers(len(others))], rng)[0])
        docs.append(doc)
        labels.append(place)
    words = max(len(s) for doc in docs for s in doc)
    X = np.zeros((n, sentences, words), dtype=np.int64)
    for row, doc in enumerate(docs):
        for s, sentence in enumerate(doc):
            X[row, s, :len(sentence)] = [index[w] for w in sentence]
    lengths = np.array([len(doc) for doc in docs], dtype=np.int64)
    return Dataset(X, np.array(labels), "multiclass", "documents", class_names=PLACES, lengths=lengths)
