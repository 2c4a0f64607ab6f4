"""Your own texts from a CSV file (reviews, tweets, tickets): a text column and a target column.

    dataset:
      name: text_csv
      options: {path: reviews.csv, text_column: review, target_column: stars, level: words}

Each text is tokenised (``dlx.data.text.tokenise``), the vocabulary is built from all texts
(``min_count``; rarer tokens become ``<unk>``, id 0 is ``<pad>``; the same options on the same
file build the same vocabulary, ``text_vocabulary``); the texts become padded rows of ids
(N, ``max_length``) with their lengths, so recurrent models mask the padding. The target
column is encoded as for any CSV (``dlx.data.files.encode_targets``: text labels or few
integers are classes).
"""
from __future__ import annotations

import numpy as np

from dlx.data.dataset import Dataset
from dlx.data.files import encode_targets, existing_file, read_csv_rows
from dlx.data.text import PADDING, UNKNOWN, Vocabulary, tokenise
from dlx.errors import ConfigError, DataError
from dlx.registry import datasets


def _column(header: list[str], name: str, role: str, path) -> int:
    if name not in header:
        raise DataError(f"'{path}' has no column '{name}' (its columns: {', '.join(header)}); "
                        f"set dataset.options.{role} to the {role.split('_')[0]} column")
    return header.index(name)


def vectors_vocabulary(path) -> Vocabulary:
    """<pad>, <unk>, then the words of a word2vec text file in its order (an embedding's ``pretrained`` rows)."""
    from dlx.nn.embedding import read_word_vectors
    words, _ = read_word_vectors(path)
    return Vocabulary([PADDING, UNKNOWN] + [w for w in words if w not in (PADDING, UNKNOWN)])


def encode_texts(texts: list[str], vocab: Vocabulary | None, level: str, max_length: int,
                 min_count: int = 1, max_words: int | None = None) -> tuple[np.ndarray, np.ndarray, Vocabulary]:
    """(ids (N, T) padded with 0, lengths (N,), vocabulary): texts cut to ``max_length`` tokens; a text
    without a token becomes one ``<unk>``. ``vocab`` None builds one (with padding) from the texts: the
    tokens seen ``min_count`` times, at most ``max_words`` of the most frequent."""
    token_lists = [tokenise(t, level)[:max_length] or ["<unk>"] for t in texts]
    if vocab is None:
        vocab = Vocabulary.build([t for tokens in token_lists for t in tokens], min_count, max_words, padding=True)
    width = max(len(tokens) for tokens in token_lists)
    ids = np.zeros((len(texts), width), np.int64)
    for row, tokens in enumerate(token_lists):
        ids[row, :len(tokens)] = vocab.encode(tokens)
    return ids, np.array([len(tokens) for tokens in token_lists], np.int64), vocab


def _numbers_or_text(cells: list[str]) -> np.ndarray:
    try:
        return np.array([float(cell) for cell in cells])
    except ValueError:
        return np.array(cells)


def read_texts(path, text_column: str = "text", target_column: str = "target",
               delimiter: str = ",") -> tuple[list[str], list[str]]:
    """(texts, target cells) of a CSV file with a header row; one-line DataErrors for what is wrong."""
    rows = read_csv_rows(existing_file(path), path, delimiter)
    if len(rows) < 2:
        raise DataError(f"'{path}' is empty; it needs a header row and at least one row of text")
    header, body = rows[0], rows[1:]
    text_at = _column(header, text_column, "text_column", path)
    target_at = _column(header, target_column, "target_column", path)
    for line, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise DataError(f"'{path}' row {line} has {len(row)} cells but the header has {len(header)}; "
                            f"quote texts that hold the delimiter")
        if not row[target_at]:
            raise DataError(f"'{path}' row {line} has no target; fill in the '{target_column}' cell or drop the row")
    return [row[text_at] for row in body], [row[target_at] for row in body]


@datasets.register("text_csv", "texts")
def text_csv(rng: np.random.Generator | None = None, *, path: str, text_column: str = "text",
             target_column: str = "target", level: str = "words", min_count: int = 1, max_length: int = 200,
             max_words: int | None = None, vectors: str | None = None, task: str | None = None,
             delimiter: str = ",") -> Dataset:
    """Texts and their targets from a CSV file with a header row (see the module doc); ``vectors``: number the
    words as this word2vec text file does (for an embedding with ``pretrained`` the same file)."""
    if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1:
        raise ConfigError(f"text_csv: max_length must be a positive integer, got {max_length!r}")
    texts, cells = read_texts(path, text_column, target_column, delimiter)
    vocab = vectors_vocabulary(vectors) if vectors else None
    ids, lengths, _ = encode_texts(texts, vocab, level, max_length, min_count, max_words)
    y, task, classes = encode_targets(_numbers_or_text(cells), task, f"column '{target_column}'")
    return Dataset(ids, y, task, str(path), class_names=classes, lengths=lengths)


def text_vocabulary(path: str, text_column: str = "text", target_column: str = "target", level: str = "words",
                    min_count: int = 1, max_length: int = 200, max_words: int | None = None,
                    vectors: str | None = None, delimiter: str = ",", **_) -> Vocabulary:
    """The vocabulary ``text_csv`` builds with the same options (a run's ids read back as words)."""
    if vectors:
        return vectors_vocabulary(vectors)
    texts, _ = read_texts(path, text_column, target_column, delimiter)
    return encode_texts(texts, None, level, max_length, min_count, max_words)[2]
