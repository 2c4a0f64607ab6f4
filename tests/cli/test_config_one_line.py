"""Config values that used to end in a traceback or a message without its key: one line, and no run folder."""
from __future__ import annotations

from pathlib import Path

from tests.cli.cli_process import XOR, assert_no_run_folder, assert_one_error_line, dlx, write

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def test_a_render_mode_in_the_environment_options(tmp_path):
    text = (CONFIGS / "frozenlake_q.yaml").read_text().replace("is_slippery: true}", "is_slippery: true, "
                                                                                    "render_mode: human}")
    result = dlx("train", write(tmp_path, text), "--results", tmp_path / "results", cwd=tmp_path)
    line = assert_one_error_line(result, "exp.yaml:", "environment.options", "render_mode", "dlx play RUN --render")
    assert "Value error" not in line
    assert_no_run_folder(tmp_path / "results")


def test_a_latent_size_of_zero_names_the_file_and_key(tmp_path):
    text = (CONFIGS / "vae_digits.yaml").read_text().replace("latent_dim: 8", "latent_dim: 0")
    line = next(n for n, row in enumerate(text.splitlines(), start=1) if "latent_dim: 0" in row)
    result = dlx("train", write(tmp_path, text), "--results", tmp_path / "results", cwd=tmp_path)
    assert_one_error_line(result, f"exp.yaml:{line}: model.latent_dim", "greater than or equal to 1", "got 0")
    assert_no_run_folder(tmp_path / "results")


def test_an_infinite_learning_rate_range_is_named(tmp_path):
    for option, value in (("--max-lr", "inf"), ("--min-lr", "-inf")):
        result = dlx("lr-find", write(tmp_path, XOR), option, value, "--results", tmp_path / "results",
                     cwd=tmp_path)
        assert_one_error_line(result, f"{option} {value}", "finite")
    assert_no_run_folder(tmp_path / "results")
