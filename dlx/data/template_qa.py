"""A small question-answering task generated from templates (as bAbI's "single supporting fact", Weston et al. 2015).

A story of ``sentences`` sentences moves people between places ("mary went to the kitchen .",
"john moved to the garden ."), then asks where one of them is ("where is mary ?"); the answer
is the place of that person's last move. Story and question are one padded sequence of word
ids (0 the padding); the answer is a class (a place). Guessing a place gives 1 / places;
a model must find the right person's last sentence among the others.
"""
from __future__ import annotations

import numpy as np

from dlx.data.dataset import Dataset
from dlx.errors import ConfigError
from dlx.registry import datasets

PEOPLE = ("mary", "john", "sandra", "daniel", "ann", "bill")
PLACES = ("kitchen", "garden", "office", "bathroom", "hallway", "bedroom")
VERBS = ("went to", "moved to", "travelled to", "journeyed to")
WORDS = ("<pad>", ".", "?", "the", "where", "is") + PEOPLE + PLACES + tuple(w for v in VERBS for w in v.split())


def vocabulary() -> list[str]:
    """Every word of the stories, id order (0 the padding)."""
    return list(dict.fromkeys(WORDS))


def story(rng: np.random.Generator, sentences: int, people: int) -> tuple[list[str], int]:
    """(words of the story and its question, the answer's index into PLACES)."""
    words, where = [], {}
    for _ in range(sentences):
        person, place = PEOPLE[rng.integers(people)], int(rng.integers(len(PLACES)))
        words += [person] + VERBS[rng.integers(len(VERBS))].split() + ["the", PLACES[place], "."]
        where[person] = place
    asked = list(where)[rng.integers(len(where))]
    return words + ["where", "is", asked, "?"], where[asked]


@datasets.register("template_qa", "babi_single_fact")
def template_qa(rng: np.random.Generator | None = None, n: int = 3000, sentences: int = 4,
                people: int = 4) -> Dataset:
    """Stories with a question as padded word ids (N, T), their lengths, the answer's place as the class."""
    rng = rng if rng is not None else np.random.default_rng(0)
    if not (1 <= sentences <= 20 and 1 <= people <= len(PEOPLE)) or n < 2:
        raise ConfigError(f"template_qa: sentences must be in [1, 20], people in [1, {len(PEOPLE)}] and n >= 2, "
                          f"got {sentences}, {people} and {n}")
    index = {w: i for i, w in enumerate(vocabulary())}
    drawn = [story(rng, sentences, people) for _ in range(n)]
    width = max(len(words) for words, _ in drawn)
    ids = np.zeros((n, width), np.int64)
    for row, (words, _) in enumerate(drawn):
        ids[row, :len(words)] = [index[w] for w in words]
    return Dataset(ids, np.array([answer for _, answer in drawn]), "multiclass", "template-qa",
                   class_names=list(PLACES), lengths=np.array([len(words) for words, _ in drawn]))
