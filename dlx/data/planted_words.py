"""A generated corpus with planted word groups and analogies, to check word vectors against a known answer.

Every target word is a concept and a form, spelled together ("ant" + "red" = "antred"). A
sentence is one target word among words that only its concept uses ("antctx0", ...),
words that only its form uses ("redmark0", ...) and common filler words, shuffled. So a
target word's contexts are its concept's plus its form's: word vectors that fit these
contexts put the words of one concept together (the planted groups: more context words
come from the concept than from the form), and the form is one direction shared by all
concepts, so antred - antblue + beeblue ~ beered (the planted analogies, a - b + c = d).
"""
from __future__ import annotations

import numpy as np

from dlx.errors import ConfigError

CONCEPTS = ("ant", "bee", "cat", "dog", "elk", "fox", "gnu", "hen", "ibis", "jay", "koi", "lynx")
FORMS = ("red", "blue", "gold", "pink", "grey", "teal")
FILLER = ("the", "a", "of", "and", "to", "in", "is", "it")


def _check(concepts: int, forms: int) -> None:
    if not (2 <= concepts <= len(CONCEPTS) and 2 <= forms <= len(FORMS)):
        raise ConfigError(f"planted corpus: concepts must be in [2, {len(CONCEPTS)}] and forms in "
                          f"[2, {len(FORMS)}], got {concepts} and {forms}")


def planted_groups(concepts: int = 8, forms: int = 4) -> list[list[str]]:
    """The planted groups: for each concept, its target words (one per form)."""
    _check(concepts, forms)
    return [[c + f for f in FORMS[:forms]] for c in CONCEPTS[:concepts]]


def planted_analogies(concepts: int = 8, forms: int = 4) -> list[tuple[str, str, str, str]]:
    """Every (a, b, c, d) with a - b + c = d: a = (c1, f1), b = (c1, f2), c = (c2, f2), d = (c2, f1)."""
    groups = planted_groups(concepts, forms)
    return [(groups[i][f], groups[i][g], groups[j][g], groups[j][f])
            for i in range(concepts) for j in range(concepts) if i != j
            for f in range(forms) for g in range(forms) if f != g]


def planted_text(rng: np.random.Generator, sentences: int = 4000, concepts: int = 8, forms: int = 4,
                 concept_words: int = 4, form_words: int = 2, fillers: int = 2) -> str:
    """``sentences`` lines, each a target word with ``concept_words`` of its concept's context words,
    ``form_words`` of its form's and ``fillers`` filler words, in random order (see the module doc)."""
    _check(concepts, forms)
    if sentences < 1:
        raise ConfigError(f"planted corpus: sentences must be positive, got {sentences}")
    lines = []
    for _ in range(sentences):
        c, f = CONCEPTS[rng.integers(concepts)], FORMS[rng.integers(forms)]
        words = [c + f]
        words += [f"{c}ctx{k}" for k in rng.integers(0, 4, concept_words)]
        words += [f"{f}mark{k}" for k in rng.integers(0, 3, form_words)]
        words += [FILLER[k] for k in rng.integers(0, len(FILLER), fillers)]
        lines.append(" ".join(words[k] for k in rng.permutation(len(words))))
    return "\n".join(lines) + "\n"
