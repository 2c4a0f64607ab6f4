"""``dlx predict RUN_DIR INPUT``: predictions of a trained run for new rows, or a sequence model's output."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from dlx.cli.common import user_errors


def predict(
    run_dir: Path = typer.Argument(..., help="A run folder (results/<name>/<time>-<id>)."),
    input_data: str = typer.Argument(..., metavar="INPUT", help="CSV of feature values, one row per sample "
                                     "(columns by the header's names or in order); for a seq2seq run the text "
                                     "itself, e.g. \"12+345\" (or, with --lines, a file of one text per line)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the predictions here (CSV)."),
    header: Optional[bool] = typer.Option(None, "--header/--no-header", help="The first row names the columns, or "
                                          "is data. Default: a header when it is the training feature names or "
                                          "holds a non-number; a first row of numbers is data."),
    lines: bool = typer.Option(False, "--lines", help="seq2seq: INPUT is a text file, one input per line."),
    beam: int = typer.Option(1, "--beam", help="seq2seq: beam width (1: greedy decoding)."),
    length_penalty: float = typer.Option(1.0, "--length-penalty", help="seq2seq beam search: score log p / "
                                         "length^ALPHA (0: plain probability)."),
    max_length: Optional[int] = typer.Option(None, "--max-length", help="seq2seq: the longest output "
                                             "(default: the model's max_output_length)."),
    attention: Optional[Path] = typer.Option(None, "--attention", help="seq2seq: write the attention heatmap "
                                             "here (PNG; with several inputs NAME_<i>.png)."),
):
    """Predict INPUT with the model of RUN_DIR: CSV rows (prediction, probabilities), or a sequence model's output
    text for each input text."""
    with user_errors():
        from dlx.inference.loaded import load_run
        from dlx.inference.seq2seq import is_seq2seq
        run = load_run(run_dir)
        if is_seq2seq(run):
            text = predict_texts(run, input_data, lines, beam, length_penalty, max_length, attention)
        else:
            from dlx.inference.predict import predict_csv
            text = predict_csv(run_dir, Path(input_data), header)
        if output is not None:
            from dlx.runs import atomic_write_text
            atomic_write_text(output, text)
            typer.echo(f"wrote {output}")
        else:
            typer.echo(text, nl=False)


def predict_texts(run, input_data: str, lines: bool, beam: int, alpha: float, max_length, attention) -> str:
    """The outputs of a seq2seq run, one line per input; the heatmaps written if asked for."""
    from dlx.inference.seq2seq import read_lines, translate, write_attention
    texts = read_lines(Path(input_data)) if lines else [input_data]
    translations = translate(run, texts, beam, alpha, max_length)
    if attention is not None:
        for i, translation in enumerate(translations):
            path = attention if len(translations) == 1 else attention.with_name(f"{attention.stem}_{i}.png")
            typer.echo(f"wrote {write_attention(run, translation, path)}", err=True)
    return "".join(f"{t.output}\n" for t in translations)
