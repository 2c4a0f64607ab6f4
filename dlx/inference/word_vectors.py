"""Word vectors read back: from a word2vec or GloVe run, or from a word2vec text file, and evaluated.

    vectors = WordVectors.from_run("results/word2vec-planted/<run>")
    vectors.neighbours("antred", k=5)            # [("antblue", 0.93), ...] by cosine similarity
    vectors.analogy("antred", "antblue", "beeblue")  # a - b + c, the question words excluded
    analogy_accuracy(vectors, questions)         # the share of (a, b, c, d) answered d
    similarity_correlation(vectors, pairs)       # Spearman's rho against human scores
    vectors.save_text("vectors.txt")             # word2vec's text format: "V d", then "word x1 .. xd"

Cosine similarity compares directions only: every vector is divided by its length first.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlx.data.text import PADDING, UNKNOWN, Vocabulary
from dlx.errors import ConfigError, DataError
from dlx.nn.embedding import read_word_vectors


@dataclass
class WordVectors:
    """One vector per word: ``words`` (V,) and ``vectors`` (V, d) (special tokens left out)."""

    words: list[str]
    vectors: np.ndarray

    def __post_init__(self):
        self.vocabulary = Vocabulary(self.words)
        lengths = np.linalg.norm(self.vectors, axis=1, keepdims=True)
        self.unit = self.vectors / np.maximum(lengths, 1e-12)

    @classmethod
    def from_run(cls, run_dir) -> "WordVectors":
        """The word vectors of a word2vec or GloVe run folder."""
        from dlx.inference.loaded import load_run
        run = load_run(run_dir)
        if not hasattr(run.network, "word_vectors") or not run.class_names:
            raise DataError(f"'{run_dir}' is not a word-vector run (word2vec or glove); train one with "
                            f"e.g. configs/word2vec_planted.yaml")
        words, table = run.class_names, run.network.word_vectors()
        keep = [i for i, w in enumerate(words) if w not in (UNKNOWN, PADDING)]
        return cls([words[i] for i in keep], np.asarray(table[keep], np.float32))

    def ids(self, *words: str) -> list[int]:
        return [self.vocabulary.id_of(w) for w in words]

    def nearest(self, query: np.ndarray, k: int, exclude=()) -> list[tuple[str, float]]:
        """The ``k`` words most cosine-similar to the vector ``query``, without the ids ``exclude``."""
        similarity = self.unit @ (query / max(float(np.linalg.norm(query)), 1e-12))
        similarity[list(exclude)] = -np.inf
        order = np.argsort(-similarity, kind="stable")[:k]
        return [(self.words[i], float(similarity[i])) for i in order]

    def neighbours(self, word: str, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` nearest words of ``word`` (itself excluded), with their cosine similarities."""
        (i,) = self.ids(word)
        return self.nearest(self.unit[i], k, exclude=[i])

    def analogy(self, a: str, b: str, c: str, k: int = 1) -> list[tuple[str, float]]:
        """The words d nearest to a - b + c (unit vectors, 3CosAdd), a, b and c excluded: a is to b as d is to c."""
        ids = self.ids(a, b, c)
        return self.nearest(self.unit[ids[0]] - self.unit[ids[1]] + self.unit[ids[2]], k, exclude=ids)

    def save_text(self, path) -> Path:
        """Write word2vec's text format: a line "V d", then one line per word: the word and its d numbers."""
        path = Path(path)
        lines = [f"{len(self.words)} {self.vectors.shape[1]}"]
        lines += [word + " " + " ".join(f"{x:.6g}" for x in row) for word, row in zip(self.words, self.vectors)]
        temporary = path.with_name(path.name + ".part")
        temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
        temporary.replace(path)
        return path

    @classmethod
    def load_text(cls, path) -> "WordVectors":
        """Read word2vec's text format (the header line "V d" may be left out); DataError naming the line."""
        try:
            words, vectors = read_word_vectors(path)
        except ConfigError as error:
            raise DataError(str(error)) from None
        return cls(words, vectors)


def analogy_accuracy(vectors: WordVectors, questions) -> float:
    """The share of questions (a, b, c, d) whose nearest answer to a - b + c is d (questions with a word
    outside the vocabulary count as wrong)."""
    right = 0
    for a, b, c, d in questions:
        if all(w in vectors.vocabulary for w in (a, b, c, d)):
            right += vectors.analogy(a, b, c)[0][0] == d
    return right / max(len(questions), 1)


def group_neighbour_share(vectors: WordVectors, groups, among=None) -> float:
    """The share of words whose len(group) - 1 nearest neighbours are exactly the other words of its group;
    ``among`` (default None: the whole vocabulary) limits the candidate neighbours to those words."""
    candidates = None if among is None else set(vectors.ids(*among))
    exclude_all = [] if candidates is None else [i for i in range(len(vectors.words)) if i not in candidates]
    hits = total = 0
    for group in groups:
        for word in group:
            (i,) = vectors.ids(word)
            found = {w for w, _ in vectors.nearest(vectors.unit[i], len(group) - 1, exclude=exclude_all + [i])}
            hits += found == set(group) - {word}
            total += 1
    return hits / max(total, 1)


def spearman(x, y) -> float:
    """Spearman's rank correlation (ties get their mean rank)."""
    def ranks(values):
        values = np.asarray(values, np.float64)
        order = np.argsort(values, kind="stable")
        rank = np.empty(len(values))
        rank[order] = np.arange(len(values))
        for value in np.unique(values):  # ties: the mean of their ranks
            rank[values == value] = rank[values == value].mean()
        return rank
    rx, ry = ranks(x), ranks(y)
    return float(np.corrcoef(rx, ry)[0, 1])


def similarity_correlation(vectors: WordVectors, pairs) -> float:
    """Spearman's rho between the cosine similarities of (word, word, score) pairs and their scores
    (pairs with a word outside the vocabulary are left out)."""
    known = [(a, b, s) for a, b, s in pairs if a in vectors.vocabulary and b in vectors.vocabulary]
    if len(known) < 2:
        raise DataError("similarity: fewer than two pairs have both words in the vocabulary")
    cosine = [float(vectors.unit[vectors.ids(a)[0]] @ vectors.unit[vectors.ids(b)[0]]) for a, b, _ in known]
    return spearman(cosine, [s for _, _, s in known])


def projection(vectors: WordVectors, words) -> np.ndarray:
    """(len(words), 2): the words' vectors on the first two principal axes of those vectors."""
    table = vectors.vectors[vectors.ids(*words)].astype(np.float64)
    centred = table - table.mean(axis=0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    return centred @ axes[:2].T


def plot_projection(vectors: WordVectors, words, path) -> Path:
    """A PNG of the words at their ``projection`` coordinates, each labelled."""
    from dlx.runs.plots import new_figure, save_png
    points = projection(vectors, words)
    figure = new_figure(7, 6)
    axes = figure.add_subplot(1, 1, 1)
    axes.scatter(points[:, 0], points[:, 1], s=12)
    for word, (x, y) in zip(words, points):
        axes.annotate(word, (x, y), fontsize=8, xytext=(3, 3), textcoords="offset points")
    axes.set_xlabel("first principal axis")
    axes.set_ylabel("second principal axis")
    axes.set_title("word vectors, 2-D projection")
    return save_png(figure, path)
