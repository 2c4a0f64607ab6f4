"""word2vec and GloVe trained by the real ``dlx train`` and queried by ``dlx embed`` in fresh processes."""
from pathlib import Path

import numpy as np
import pytest

from dlx.data.planted_words import planted_analogies, planted_groups
from dlx.errors import DataError
from dlx.inference.word_vectors import WordVectors, analogy_accuracy, group_neighbour_share
from tests.cli.cli_process import assert_no_run_folder, assert_one_error_line, dlx, output_of, write
from tests.cli.trained_runs import CONFIGS, trained

SMALL = ("dataset.options.sentences=1500", "model.options.dim=20")


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("embed")
    return {"folder": folder,  # the tests read the vectors, never the runs' plots
            "sgns": trained(folder, CONFIGS / "word2vec_planted.yaml", *SMALL, "dataset.options.passes=3",
                            "output.plots=false"),
            "glove": trained(folder, CONFIGS / "glove_planted.yaml", *SMALL, "training.epochs=20",
                             "output.plots=false")}


def words_of(output: str) -> list[str]:
    """The first column of a printed table's rows."""
    return [line.split("│")[1].strip() for line in output.splitlines() if line.startswith("│")]


def test_sgns_puts_each_planted_group_together(runs):
    vectors = WordVectors.from_run(runs["sgns"])
    groups = planted_groups()
    assert group_neighbour_share(vectors, groups, among=[w for g in groups for w in g]) == 1.0
    result = dlx("embed", "neighbours", runs["sgns"], "antred", "--k", "7", cwd=runs["folder"])
    assert result.returncode == 0, output_of(result)
    assert {"antblue", "antgold", "antpink"} <= set(words_of(result.stdout))  # the rest: ant's context words


def test_glove_solves_the_planted_analogies(runs):
    assert analogy_accuracy(WordVectors.from_run(runs["glove"]), planted_analogies()) >= 0.8
    result = dlx("embed", "analogy", runs["glove"], "antred", "antblue", "beeblue", cwd=runs["folder"])
    assert result.returncode == 0, output_of(result)
    assert words_of(result.stdout)[0] == "beered"


def test_exported_vectors_read_back_the_same(runs):
    path = runs["folder"] / "vectors.txt"
    assert dlx("embed", "export", runs["sgns"], path, cwd=runs["folder"]).returncode == 0
    assert path.read_text().splitlines()[0].split()[1] == "20"  # "V d"
    from_file = dlx("embed", "neighbours", path, "beered", "--k", "3", cwd=runs["folder"])
    from_run = [word for word, _ in WordVectors.from_run(runs["sgns"]).neighbours("beered", 3)]
    assert words_of(from_file.stdout) == from_run
    picture = runs["folder"] / "words.png"
    result = dlx("embed", "plot", path, "--words", "antred,antblue,beered,beeblue", "-o", picture, cwd=runs["folder"])
    assert result.returncode == 0 and picture.read_bytes()[:4] == b"\x89PNG"


def test_unknown_words_and_files_are_one_line(runs):
    assert_one_error_line(dlx("embed", "analogy", runs["sgns"], "antred", "antblu", "beeblue", cwd=runs["folder"]),
                          "'antblu' is not in the vocabulary", "Did you mean 'antblue'")
    binary = runs["folder"] / "vectors.bin"
    binary.write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(DataError, match="not UTF-8"):
        WordVectors.load_text(binary)
    (runs["folder"] / "table.txt").write_text("a 1 2\nb 3\n")
    with pytest.raises(DataError, match="vector 2 .'b'. is not a word followed by 2"):
        WordVectors.load_text(runs["folder"] / "table.txt")


@pytest.mark.parametrize("content, message", [(b"", "is empty"), (b"\x7fELF\x00\x00\x01", "binary file")])
def test_an_empty_or_binary_corpus_is_one_line_and_no_folder(tmp_path, content, message):
    corpus = tmp_path / "corpus.txt"
    corpus.write_bytes(content)
    result = dlx("train", CONFIGS / "glove_planted.yaml", "--set", f"dataset.options.path={corpus}",
                 "--results", tmp_path / "results", cwd=tmp_path)
    assert_one_error_line(result, message)
    assert_no_run_folder(tmp_path / "results")


def test_a_csv_without_the_named_column_is_one_line(tmp_path):
    (tmp_path / "reviews.csv").write_text("review,stars\ngood film,pos\nbad film,neg\n")
    config = write(tmp_path, "description: texts\n"
                             "dataset: {name: text_csv, options: {path: reviews.csv, text_column: text, "
                             "target_column: stars}, validation: 0, test: 0}\n"
                             "model: {layers: [{embedding: {vocab_size: 10, dim: 4}}, {gru: {units: 4}}, "
                             "{dense: {units: outputs}}]}\n"
                             "training: {epochs: 1}\n")
    result = dlx("train", config, "--results", tmp_path / "results", cwd=tmp_path)
    assert_one_error_line(result, "has no column 'text'", "text_column")
    assert_no_run_folder(tmp_path / "results")


PRETRAINED = """description: texts on pretrained word vectors
dataset: {name: text_csv, options: {path: reviews.csv, text_column: review, target_column: stars,
          vectors: vectors.txt}, validation: 0, test: 0}
model: {layers: [{embedding: {vocab_size: VOCAB, dim: 3, pretrained: vectors.txt, frozen: FROZEN}},
                 {lstm: {units: 4}}, {dense: {units: outputs}}]}
optimiser: {name: adam, lr: 0.1}
training: {epochs: 2, batch_size: 2}
output: {plots: false}
"""


def test_a_config_loads_word2vec_vectors_frozen_or_trainable(tmp_path):
    from dlx.inference import load_run
    from dlx.nn import Embedding
    (tmp_path / "vectors.txt").write_text("3 3\ngood 1 0 0\nbad 0 1 0\nfilm 0 0 1\n")
    (tmp_path / "reviews.csv").write_text("review,stars\ngood film,pos\nbad film,neg\ngood,pos\nbad bad,neg\n")
    config = PRETRAINED.replace("VOCAB", "5")
    run = trained(tmp_path, write(tmp_path, config.replace("FROZEN", "true")))
    table = load_run(run).network.layers[0].weight.data
    np.testing.assert_array_equal(table[2:], np.eye(3))  # rows 2.. are good, bad, film, kept as loaded
    trainable = Embedding(5, 3, pretrained=str(tmp_path / "vectors.txt"), rng=np.random.default_rng(0))
    assert not trainable.weight.frozen and np.array_equal(trainable.weight.data[2:], np.eye(3))
    result = dlx("train", write(tmp_path, config.replace("vocab_size: 5", "vocab_size: 9").replace("FROZEN", "false"),
                                "wrong.yaml"), "--results", tmp_path / "wrong", cwd=tmp_path)
    assert_one_error_line(result, "holds 3 vectors of 3", "vocab_size: 5")
    assert_no_run_folder(tmp_path / "wrong")


def test_dlx_and_gensim_skip_gram_solve_the_same_share_of_analogies(tmp_path):
    """Optional: only where gensim is installed (never a dependency); the throughput is a benchmark's
    (python -m experiments.word_vectors --gensim), not a test's."""
    pytest.importorskip("gensim")
    from experiments.word_vectors import VARIANTS, train_dlx, train_gensim
    config, overrides = VARIANTS["skip-gram, negative sampling"]
    ours, theirs = train_dlx(config, overrides, 0, str(tmp_path)), train_gensim(0)
    assert abs(ours["analogies"] - theirs["analogies"]) <= 0.05
