"""What the commands say, run as a user runs them (issue 26, item 7): each line names what it means."""
import re

import pytest

from tests.cli.cli_process import ROOT, assert_one_error_line, dlx, output_of, write
from tests.cli.trained_runs import copies
from tests.conftest import BREAST_CANCER_SMALL

COMMANDS = [[], ["train"], ["evaluate"], ["predict"], ["explain"], ["play"], ["sample"], ["list"], ["cv"],
            ["sweep"], ["lr-find"], ["schema"], ["curve", "learning"], ["curve", "capacity"], ["config", "show"]]


@pytest.fixture(scope="module")
def xor_run(every_kind_runs, tmp_path_factory):
    """A copy of the session's XOR run (tests/cli/conftest.py): ``explain`` below writes into it."""
    return copies(every_kind_runs, tmp_path_factory.mktemp("xor"), "supervised")["supervised"]


def test_a_config_given_to_sweep_without_param_asks_for_param(tmp_path):
    result = dlx("sweep", ROOT / "configs" / "digits_mlp.yaml", "--results", tmp_path / "r", cwd=tmp_path)
    path = ROOT / "configs" / "digits_mlp.yaml"
    assert_one_error_line(result, f"error: {path} is an experiment config, not a sweep file; say what to vary: "
                                  f"dlx sweep {path} --param optimiser.lr --values 1e-4,1e-3,1e-2")
    assert not (tmp_path / "r").exists()


def test_sample_on_a_classifier_names_every_kind_that_samples(xor_run, tmp_path):
    line = assert_one_error_line(dlx("sample", xor_run, cwd=tmp_path), "not a generative model or a language model")
    assert "VAE or GAN" in line and "character language model" in line


def test_explain_names_the_figures_it_prints(xor_run, tmp_path):
    result = dlx("explain", xor_run, "--method", "lime", "--index", "0", "--split", "train", cwd=tmp_path)
    assert result.returncode == 0, output_of(result)
    first = result.stdout.splitlines()[0]
    assert re.fullmatch(r"explained class \d+; surrogate fit \(weighted R\^2 on the perturbed samples\) \S+; "
                        r"surrogate's output at the row \S+", first), first


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "dlx")
def test_help_shows_no_bool_type_and_no_rst_markup(command, tmp_path):
    result = dlx(*command, "--help", cwd=tmp_path)
    assert result.returncode == 0, output_of(result)
    assert "<bool>" not in result.stdout and "``" not in result.stdout, result.stdout


def test_list_shows_no_rst_markup(tmp_path):
    result = dlx("list", cwd=tmp_path)
    assert result.returncode == 0 and "npz" in result.stdout, output_of(result)
    assert "``" not in result.stdout


def test_version(tmp_path):
    from dlx import __version__
    result = dlx("--version", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == f"dlx {__version__}\n", output_of(result)


def test_the_final_table_names_the_split_of_each_column(tmp_path):
    result = dlx("train", write(tmp_path, BREAST_CANCER_SMALL), "--results", tmp_path / "r", cwd=tmp_path)
    assert result.returncode == 0, output_of(result)
    header = next(line for line in result.stdout.splitlines() if "metric" in line)
    assert re.search(r"metric\s+┃\s+final val\s+┃\s+best val\s+┃\s+test", header), header
    rows = [line.strip("│ ").split("│")[0].strip() for line in result.stdout.splitlines() if line.startswith("│")]
    assert "loss" in rows and "accuracy" in rows and not any(r.startswith(("val_", "test_")) for r in rows), rows
