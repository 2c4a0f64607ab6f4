"""One naming rule for results folders, run as a user runs it (issue 26, item 8).

A folder is named by ``output.run_name`` (a sweep file's ``name``), else by the config file's name
with ``_`` written as ``-``; sweep trials are named by their values and seed, then their id.
"""
import json
import re
import shutil

from tests.cli.cli_process import ROOT, XOR, dlx, output_of, write


def names_under(folder):
    return sorted(p.name for p in folder.iterdir() if p.name != "index.sqlite")  # the results index (dlx runs)


def test_train_sweep_and_cv_of_one_file_share_its_name(tmp_path):
    config = write(tmp_path, XOR.replace("validation: 0", "validation: 0.25"), "my_xor.yaml")  # no run_name
    results = tmp_path / "results"
    for command in (["train", config], ["sweep", config, "--param", "optimiser.lr", "--values", "0.01,0.1",
                                        "--backend", "serial", "--set", "plots=false"], ["cv", config, "-k", "2"]):
        done = dlx(*command, "--results", results, cwd=tmp_path)
        assert done.returncode == 0, output_of(done)
    assert names_under(results) == ["my-xor", "sweeps"]
    assert names_under(results / "sweeps") == ["my-xor", "my-xor-cv"]


def test_an_rl_config_follows_the_same_rule(tmp_path):
    config = shutil.copy(ROOT / "configs" / "frozenlake_vi.yaml", tmp_path / "frozenlake_vi.yaml")
    done = dlx("train", config, "--results", tmp_path / "results", cwd=tmp_path)
    assert done.returncode == 0, output_of(done)
    assert names_under(tmp_path / "results") == ["frozenlake-vi"]


def test_sweep_trial_folders_name_their_values_and_seed(tmp_path):
    config = write(tmp_path, XOR, "xor.yaml")
    done = dlx("sweep", config, "--param", "optimiser.lr", "--values", "0.01,0.1", "--param",
               "model.layers.0.dense.units", "--values", "4", "--seeds", "2", "--backend", "serial", "--set", "plots=false", "--results",
               tmp_path / "r", cwd=tmp_path)
    assert done.returncode == 0, output_of(done)
    sweep_dir = next((tmp_path / "r" / "sweeps" / "xor").iterdir())
    names = names_under(sweep_dir / "trials")
    pattern = r"lr=(0\.01|0\.1)_units=4_seed=[01]_[0-9a-f]{12}"
    assert len(names) == 4 and all(re.fullmatch(pattern, n) for n in names), names
    records = [json.loads(line) for line in (sweep_dir / "trials.jsonl").read_text().splitlines()]
    assert sorted(r["run_dir"] for r in records) == [f"trials/{n}" for n in names]
