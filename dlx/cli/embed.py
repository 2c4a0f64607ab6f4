"""``dlx embed``: word vectors of a word2vec or GloVe run (or of a word2vec text file), queried and exported.

    dlx embed neighbours results/word2vec-planted/<run> antred --k 5
    dlx embed analogy results/word2vec-planted/<run> antred antblue beeblue    # antred - antblue + beeblue
    dlx embed export results/word2vec-planted/<run> vectors.txt                # word2vec's text format
    dlx embed plot results/word2vec-planted/<run> --words antred,antblue,beered,beeblue -o words.png

VECTORS is a run folder or a word2vec text file (vectors trained elsewhere).
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from dlx.cli.common import abort, console, user_errors

embed_app = typer.Typer(help="Word vectors: nearest neighbours, analogies, export, a 2-D plot.",
                        no_args_is_help=True)

VECTORS = typer.Argument(..., help="A word2vec or GloVe run folder, or a word2vec text file.")


def load_vectors(source: Path):
    from dlx.inference.word_vectors import WordVectors
    return WordVectors.from_run(source) if Path(source).is_dir() else WordVectors.load_text(source)


def _table(rows, title: str):
    from rich.table import Table
    table = Table(title=title)
    table.add_column("word")
    table.add_column("cosine", justify="right")
    for word, similarity in rows:
        table.add_row(word, f"{similarity:.3f}")
    console().print(table)


def _check_k(k: int) -> None:
    if k < 1:
        abort(f"--k must be at least 1, got {k}")


@embed_app.command("neighbours")
def neighbours(vectors: Path = VECTORS, word: str = typer.Argument(..., help="The word to look up."),
               k: int = typer.Option(10, "--k", help="How many neighbours.")):
    """The K words nearest to WORD by cosine similarity."""
    _check_k(k)
    with user_errors():
        rows = load_vectors(vectors).neighbours(word, k)
    _table(rows, f"nearest to {word}")


@embed_app.command("analogy")
def analogy(vectors: Path = VECTORS, a: str = typer.Argument(..., help="a in a - b + c."),
            b: str = typer.Argument(..., help="b in a - b + c."), c: str = typer.Argument(..., help="c in a - b + c."),
            k: int = typer.Option(5, "--k", help="How many answers.")):
    """The words nearest to A - B + C (A, B and C excluded): A is to B as the answer is to C."""
    _check_k(k)
    with user_errors():
        rows = load_vectors(vectors).analogy(a, b, c, k)
    _table(rows, f"{a} - {b} + {c}")


@embed_app.command("export")
def export(vectors: Path = VECTORS, output: Path = typer.Argument(..., help="The text file to write.")):
    """Write the vectors in word2vec's text format (gensim's KeyedVectors.load_word2vec_format reads it)."""
    with user_errors():
        path = load_vectors(vectors).save_text(output)
    console().print(f"wrote {path}")


@embed_app.command("plot")
def plot(vectors: Path = VECTORS,
         words: Optional[str] = typer.Option(None, "--words", help="Comma-separated words (default: the 30 "
                                                                   "most frequent)."),
         output: Path = typer.Option(Path("words.png"), "--output", "-o", help="The PNG to write.")):
    """The chosen words on the first two principal axes of their vectors."""
    with user_errors():
        table = load_vectors(vectors)
        chosen = [w.strip() for w in words.split(",") if w.strip()] if words else table.words[:30]
        if len(chosen) < 2:
            abort("--words needs at least two words, separated by commas")
        from dlx.inference.word_vectors import plot_projection
        path = plot_projection(table, chosen, output)
    console().print(f"wrote {path}")
