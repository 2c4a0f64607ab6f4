"""Everyday input that broke or hung a command (issue 29), run through the real ``dlx`` in a fresh process.

Each case asserts the exit code, one ``error:`` line and no traceback, and that no
half-written folder is left behind.
"""
import json
from pathlib import Path

import pytest

from tests.cli.cli_process import XOR, assert_no_run_folder, assert_one_error_line, dlx, output_of, write

ONE_EPOCH = XOR.replace("epochs: 3", "epochs: 1")


# --- numbers as people write them ---------------------------------------------------------------------------

@pytest.mark.parametrize("spelling, value", [("1e-5", 1e-5), ("1E-5", 1e-5), ("1.0e-5", 1e-5), (".5", 0.5),
                                             ("+1e5", 1e5), ("2e-05", 2e-5)])
def test_every_float_spelling_is_a_number_in_a_config_and_in_set(tmp_path, spelling, value):
    config = write(tmp_path, ONE_EPOCH.replace("lr: 0.05", f"lr: {spelling}"))
    for extra in ((), ("--set", f"optimiser.lr={spelling}")):
        result = dlx("config", "show", config, *extra, cwd=tmp_path)
        assert result.returncode == 0, output_of(result)
        lr = next(line for line in result.stdout.splitlines() if line.strip().startswith("lr:"))
        assert float(lr.split(":")[1]) == value


def test_a_negative_exponent_is_read_as_a_negative_number(tmp_path):
    result = dlx("config", "show", write(tmp_path, ONE_EPOCH), "--set", "optimiser.lr=-1e-5", cwd=tmp_path)
    assert_one_error_line(result, "optimiser.lr", "greater than 0", "-1e-05")


def test_a_log_uniform_learning_rate_sweep_below_1e_4(tmp_path):
    write(tmp_path, ONE_EPOCH, "base.yaml")
    sweep = write(tmp_path, "name: small-lr\nbase: base.yaml\nparameters:\n"
                            "  optimiser.lr: {distribution: log_uniform, low: 1e-6, high: 1e-5}\n"
                            "samples: 2\nmetric: train_loss\ngoal: min\nplots: false\n", "sweep.yaml")
    result = dlx("sweep", sweep, "--backend", "serial", "--results", tmp_path / "results", cwd=tmp_path)
    assert result.returncode == 0, output_of(result)  # the sampled values are tested, not the pool
    folder = next((tmp_path / "results" / "sweeps" / "small-lr").iterdir())
    records = [json.loads(line) for line in (folder / "trials.jsonl").read_text().splitlines()]
    assert [r["status"] for r in records] == ["finished", "finished"]


# --- CSV data -----------------------------------------------------------------------------------------------

def csv_config(tmp_path: Path, rows: str) -> Path:
    (tmp_path / "data.csv").write_text(rows)
    return write(tmp_path, ONE_EPOCH.replace("name: xor, options: {repeat: 4}",
                                             "name: csv, options: {path: data.csv, target: y}"))


def test_an_empty_target_cell_is_refused_with_its_row(tmp_path):
    config = csv_config(tmp_path, "a,b,y\n0,0,0\n0,1,1\n1,0,\n1,1,0\n")
    result = dlx("train", config, "--results", tmp_path / "results", cwd=tmp_path)
    assert_one_error_line(result, "data.csv", "row 4", "target 'y' is empty")
    assert_no_run_folder(tmp_path / "results")


@pytest.mark.slow
def test_a_csv_with_a_million_columns_loads(tmp_path):
    columns = 10 ** 6
    header = ",".join(f"c{i}" for i in range(columns)) + ",y\n"
    rows = "".join(",".join(["1", "0"] * (columns // 2)) + f",{label}\n" for label in (0, 1, 1))
    config = csv_config(tmp_path, header + rows)
    config.write_text(config.read_text().replace("units: 8", "units: 1"))  # the loader is tested, not 8M weights
    result = dlx("train", config, "--results", tmp_path / "results", cwd=tmp_path,
                 timeout=300)  # the unfixed loader looks every column up in the header: hours
    assert result.returncode == 0, output_of(result)


# --- configs and claims that are large but harmless -----------------------------------------------------------

def test_a_big_config_without_aliases_is_not_called_an_alias_bomb(tmp_path):
    notes = "notes:\n" + "".join(f"  k{i}: [{i}, {i + 1}, {i + 2}]\n" for i in range(40_000))
    result = dlx("train", write(tmp_path, ONE_EPOCH + notes), "--results", tmp_path / "results", cwd=tmp_path)
    line = assert_one_error_line(result, "exp.yaml:", "more than 100,000 values", "data file")
    assert "alias" not in line
    assert_no_run_folder(tmp_path / "results")


@pytest.mark.parametrize("depth, fragment", [(100, "nested more than 32 levels"), (400, "more than 256")])
def test_a_deeply_nested_claim_is_one_line(tmp_path, depth, fragment):
    write(tmp_path, ONE_EPOCH, "base.yaml")
    claim = "(" * depth + "lr[0.1].train_loss" + ")" * depth + " < 1"
    sweep = write(tmp_path, f"name: deep\nbase: base.yaml\nparameters:\n  optimiser.lr: [0.1, 0.01]\n"
                            f"metric: train_loss\ngoal: min\nexpect:\n  deep: '{claim}'\n", "sweep.yaml")
    result = dlx("sweep", sweep, "--results", tmp_path / "results", cwd=tmp_path)
    assert_one_error_line(result, "sweep.yaml:8: expect.deep", fragment)
    assert_no_run_folder(tmp_path / "results")


# --- sweeps too large to plan in a moment ----------------------------------------------------------------------

def sweep_file(tmp_path: Path, parameters: str, seeds: int = 1) -> Path:
    write(tmp_path, ONE_EPOCH, "base.yaml")
    return write(tmp_path, f"name: big\nbase: base.yaml\nparameters:\n{parameters}seeds: {seeds}\n"
                           f"metric: train_loss\nplots: false\n", "sweep.yaml")


GRID_KEYS = ("training.epochs", "training.batch_size", "model.layers.0.dense.units")


@pytest.mark.parametrize("parameters, seeds, made_of", [
    ("".join(f"  {key}: {list(range(1, 101))}\n" for key in GRID_KEYS), 1, "grid 100 x 100 x 100, 1 seed"),
    ("  optimiser.lr: [0.1]\n", 1_000_000, "grid 1, 1000000 seeds")])
def test_a_sweep_of_a_million_trials_is_refused_at_once(tmp_path, parameters, seeds, made_of):
    result = dlx("sweep", sweep_file(tmp_path, parameters, seeds), "--results", tmp_path / "results", cwd=tmp_path,
                 timeout=60)  # the unfixed command checks every trial's config first, silently
    assert_one_error_line(result, "1,000,000 trials", made_of, "more than 1,000", "--yes")
    assert_no_run_folder(tmp_path / "results")


@pytest.mark.slow
def test_yes_allows_a_large_sweep_and_states_its_size_first(tmp_path):
    values = list(range(1, 1001)) + [-1]  # the last value is invalid: the sweep stops before any trial
    result = dlx("sweep", sweep_file(tmp_path, f"  training.epochs: {values}\n"), "--yes",
                 "--results", tmp_path / "results", cwd=tmp_path)
    assert result.returncode == 1, output_of(result)
    first, error = result.stderr.strip().splitlines()
    assert first.startswith("1,001 trials (grid 1001, 1 seed)"), first
    assert error.startswith("error: ") and "value -1" in error, error
    assert_no_run_folder(tmp_path / "results")
