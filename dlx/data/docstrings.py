"""Real text that ships with Python: the docstrings of the standard library, labelled by package.

``python_docstrings`` reads (never imports) the source files of a few standard-library
packages with ``ast`` and keeps every class and function docstring of at least ``min_words``
words; the label is the package it documents (asyncio, email, logging, ...). Nothing is
downloaded, and the same Python version gives the same data set. A classifier must tell, from
wording alone, whether a docstring talks about event loops, MIME parts or log handlers.
"""
from __future__ import annotations

import ast
import functools
import sysconfig
from pathlib import Path

import numpy as np

from dlx.data.dataset import Dataset
from dlx.data.text import Vocabulary
from dlx.data.text_sets import encode_texts, vectors_vocabulary
from dlx.errors import ConfigError
from dlx.registry import datasets

PACKAGES = ("asyncio", "email", "importlib", "logging", "multiprocessing", "unittest", "xml", "http")


@functools.lru_cache(maxsize=32)
def package_docstrings(package: str, min_words: int = 5) -> tuple[str, ...]:
    """The class and function docstrings of the standard-library ``package`` (its tests left out), in file order
    (read once per process)."""
    root = Path(sysconfig.get_paths()["stdlib"]) / package
    if not root.is_dir():
        raise ConfigError(f"python_docstrings: this Python has no standard-library package '{package}'; "
                          f"choose among {', '.join(PACKAGES)}")
    found = []
    for file in sorted(root.rglob("*.py")):
        if "test" in file.relative_to(root).parts[:-1] or file.name.startswith("test"):
            continue
        try:
            tree = ast.parse(file.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                text = ast.get_docstring(node)
                if text and len(text.split()) >= min_words:
                    found.append(text)
    return tuple(found)


def _texts_and_labels(packages, min_words: int) -> tuple[list[str], list[int]]:
    if len(packages) < 2:
        raise ConfigError(f"python_docstrings: give at least two packages, got {list(packages)}")
    texts, labels = [], []
    for label, package in enumerate(packages):
        found = package_docstrings(package, min_words)
        texts += list(found)
        labels += [label] * len(found)
    return texts, labels


@datasets.register("python_docstrings", "docstrings")
def python_docstrings(rng: np.random.Generator | None = None, packages: list[str] = PACKAGES, min_words: int = 5,
                      max_length: int = 60, min_count: int = 2, max_words: int = 5000,
                      vectors: str | None = None) -> Dataset:
    """Standard-library docstrings as padded word ids (N, T) with their lengths; the package as the class.
    ``vectors``: number the words as this word2vec text file does (see ``dlx.data.text_sets``)."""
    texts, labels = _texts_and_labels(packages, min_words)
    vocab = vectors_vocabulary(vectors) if vectors else None
    ids, lengths, _ = encode_texts(texts, vocab, "words", max_length, min_count, max_words)
    return Dataset(ids, np.array(labels), "multiclass", "python-docstrings", class_names=list(packages),
                   lengths=lengths)


def docstrings_vocabulary(packages: list[str] = PACKAGES, min_words: int = 5, max_length: int = 60,
                          min_count: int = 2, max_words: int = 5000, vectors: str | None = None) -> Vocabulary:
    """The vocabulary ``python_docstrings`` builds with the same options (a run's ids read back as words)."""
    if vectors:
        return vectors_vocabulary(vectors)
    return encode_texts(_texts_and_labels(packages, min_words)[0], None, "words", max_length, min_count,
                        max_words)[2]
