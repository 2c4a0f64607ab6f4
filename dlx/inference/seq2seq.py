"""A trained encoder-decoder run on a user's text: ``dlx predict RUN "12+345"``.

The run's vocabulary (its ``class_names``) encodes the text; greedy decoding or beam
search (``dlx.inference.decoding``) writes the output, decoded back to text. With an
attention model the weights of each output token over the input characters can be drawn
as a heatmap. Bad input fails in one line: an empty text, a character the model never saw,
a text longer than the model's training inputs, a beam width below 1.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlx.data.seq2seq_sets import decode_tokens, encode_text
from dlx.errors import DataError, DlxError
from dlx.inference.decoding import beam_search, check_width
from dlx.inference.loaded import LoadedRun
from dlx.tasks.seq2seq import sequence_model, until_end


@dataclass
class Translation:
    """One input's output text, its tokens (end included) and attention weights (L, T_s) or None."""

    source: str
    output: str
    tokens: list[int]
    weights: np.ndarray | None


def is_seq2seq(run: LoadedRun) -> bool:
    return run.task.name == "seq2seq"


def read_lines(path: Path) -> list[str]:
    """The non-empty lines of a UTF-8 text file, one input each."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"input file '{path}' not found; give a text file with one input per line")
    try:
        lines = [line.rstrip("\r\n") for line in path.read_text(encoding="utf-8").splitlines()]
    except UnicodeDecodeError:
        raise DataError(f"'{path}' is not UTF-8 text; convert it, e.g. iconv -t utf-8") from None
    lines = [line for line in lines if line.strip()]
    if not lines:
        raise DataError(f"'{path}' holds no input; write one input per line")
    return lines


def source_tokens(run: LoadedRun, text: str) -> np.ndarray:
    """The tokens of ``text``; DataError for an empty text, unknown characters or a too-long text."""
    if not text:
        raise DataError("the input is empty; give the text to translate, e.g. dlx predict RUN \"12+345\"")
    longest = int(run.input_shape[0])
    if len(text) > longest:
        raise DataError(f"the input has {len(text)} characters but the model was trained on inputs of at most "
                        f"{longest}; give a shorter text")
    return encode_text(text, run.class_names)


def translate(run: LoadedRun, texts: list[str], beam: int = 1, alpha: float = 1.0,
              max_length: int | None = None) -> list[Translation]:
    """The outputs of ``texts``: greedy decoding for ``beam`` 1, else beam search of that width."""
    beam = check_width(beam)
    if max_length is not None and (isinstance(max_length, bool) or max_length < 1):
        raise DlxError(f"--max-length must be a positive integer, got {max_length}")
    net = sequence_model(run.network)
    net.eval()
    sources = [source_tokens(run, text) for text in texts]  # every input checked before any work
    out = []
    for text, source in zip(texts, sources):
        if beam == 1:
            _, tokens, weights = net.greedy(source[None, :], None, max_length)
            tokens, weights = until_end(tokens[0], net.end_token), None if weights is None else weights[0]
        else:
            best = beam_search(net, source, beam, alpha, max_length)
            tokens, weights = best.tokens, best.weights
        out.append(Translation(text, decode_tokens(tokens, run.class_names), tokens,
                               None if weights is None else weights[:len(tokens)]))
    return out


def write_attention(run: LoadedRun, translation: Translation, path: Path) -> Path:
    """The heatmap of one translation's attention weights (input characters across, outputs down)."""
    from dlx.tasks.attention_map import plot_attention
    if translation.weights is None:
        raise DlxError(f"the model of '{run.run_dir}' has no attention (model option attention: null); "
                       f"--attention needs one that has")
    names = run.class_names
    return plot_attention(translation.weights, list(translation.source), [names[t] for t in translation.tokens],
                          path, title=f"{translation.source} -> {translation.output}")
