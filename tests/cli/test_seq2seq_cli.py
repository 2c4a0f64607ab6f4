"""``dlx train`` and ``dlx predict`` of an encoder-decoder, each in a fresh process, as a user runs them."""
import json

import pytest

from tests.cli.cli_process import assert_one_error_line, dlx, output_of, train, write

REVERSE = """\
description: reversing 4-digit strings with attention, for command-line tests
dataset: {name: reverse_digits, options: {n: 400, length: 4}, validation: 0.1, test: 0.2}
model: {name: seq2seq, options: {embedding_dim: 8, units: 32, attention: additive, max_output_length: 8}}
optimiser: {name: adam, lr: 0.01, clip_norm: 1.0}
training: {epochs: 5, batch_size: 16, train_metrics: false}
"""


@pytest.fixture(scope="module")
def reverse_run(tmp_path_factory):
    """A run trained in another process: reversing 4-digit strings, additive attention."""
    return train(tmp_path_factory.mktemp("reverse"), REVERSE)


def test_training_learns_and_leaves_heatmaps(reverse_run):
    test = json.loads((reverse_run / "summary.json").read_text())["test"]
    assert test["test_exact_match"] > 0.5  # chance is 10^-4: the mechanism works (the claim: experiments/)
    assert sorted(p.name for p in (reverse_run / "plots").glob("attention_*.png"))


def test_predict_prints_the_output_text(reverse_run, tmp_path):
    result = dlx("predict", reverse_run, "1234", cwd=tmp_path)
    assert result.returncode == 0, output_of(result)
    assert result.stdout.strip().isdigit()
    beam = dlx("predict", reverse_run, "1234", "--beam", "3", "--length-penalty", "0.5", cwd=tmp_path)
    assert beam.returncode == 0 and beam.stdout.strip().isdigit(), output_of(beam)


def test_predict_reads_a_file_of_lines_and_writes_heatmaps(reverse_run, tmp_path):
    lines = write(tmp_path, "1234\n\n987\n", "inputs.txt")  # an empty line is no input
    result = dlx("predict", reverse_run, lines, "--lines", "--attention", tmp_path / "map.png", cwd=tmp_path)
    assert result.returncode == 0, output_of(result)
    assert len(result.stdout.strip().splitlines()) == 2
    for name in ("map_0.png", "map_1.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("args,fragment", [
    (("",), "the input is empty"),
    (("12a4",), "unknown character 'a' in '12a4'"),
    (("123456",), "at most 4"),
    (("1234", "--beam", "0"), "beam width must be a positive integer"),
    (("missing.txt", "--lines"), "input file 'missing.txt' not found"),
])
def test_bad_input_gives_one_line(reverse_run, tmp_path, args, fragment):
    assert_one_error_line(dlx("predict", reverse_run, *args, cwd=tmp_path), fragment)


def test_the_beam_experiment_reads_a_run_another_process_wrote(reverse_run):
    from experiments.seq2seq_beam import main
    result = main([str(reverse_run), "--width", "2", "--limit", "20"])
    assert set(result) == {"greedy", "beam 2"} and all(0.0 <= v <= 1.0 for v in result.values())


def test_held_out_dates_are_new_dates():
    import numpy as np

    from dlx.data.seq2seq_sets import decode_tokens, dates
    from experiments.dates_held_out import held_out_dates
    train = dates(rng=np.random.default_rng(0), n=3000)
    held = held_out_dates(train, 300, seed=1)
    seen = {decode_tokens(y, train.class_names) for y in train.y}
    assert 0 < len(held) < 300 and not seen & {decode_tokens(y, held.class_names) for y in held.y}
