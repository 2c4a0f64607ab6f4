"""``dlx verify``: a run and a sweep rerun from their records in fresh processes; edits and changed numbers named."""
import json
from pathlib import Path

import yaml

from dlx.claims.verify import config_changes
from tests.sweep.test_sweep_cli import dlx

ROOT = Path(__file__).resolve().parents[2]


def test_config_changes_name_every_changed_key():
    old = {"optimiser": {"name": "adam", "lr": 0.1}, "training": {"epochs": 5}}
    new = {"optimiser": {"name": "adam", "lr": 0.2}, "training": {"epochs": 5, "seed": 1}}
    assert config_changes(old, new) == ["optimiser.lr: 0.1 -> 0.2", "training.seed: (added) -> 1"]
    assert config_changes(old, old) == []


def _trained(tmp_path):
    done = dlx("train", str(ROOT / "configs" / "xor.yaml"), "--set", "training.epochs=30", "--set",
               "output.plots=false", "--results", str(tmp_path / "r"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return next((tmp_path / "r").rglob("summary.json")).parent


def test_a_run_is_reproduced_and_an_edit_or_a_changed_number_is_named(tmp_path):
    run_dir = _trained(tmp_path)
    done = dlx("verify", str(run_dir), cwd=tmp_path)
    assert done.returncode == 0 and "reproduced:" in done.stdout and "metrics identical" in done.stdout, \
        done.stdout + done.stderr
    summary = json.loads((run_dir / "summary.json").read_text())
    summary["final"]["train_loss"] += 1e-3                   # a number that the code no longer gives
    (run_dir / "summary.json").write_text(json.dumps(summary))
    changed = dlx("verify", str(run_dir), cwd=tmp_path)
    assert changed.returncode == 3 and "NOT reproduced: final.train_loss" in changed.stdout, changed.stdout
    config = yaml.safe_load((run_dir / "config.yaml").read_text())
    config["optimiser"]["lr"] = 0.2
    (run_dir / "config.yaml").write_text(yaml.safe_dump(config))
    edited = dlx("verify", str(run_dir), cwd=tmp_path)
    assert edited.returncode == 3 and "config.yaml was edited after the run: optimiser.lr: 0.1 -> 0.2" \
        in edited.stdout, edited.stdout


def test_a_sweep_is_reproduced_trial_by_trial_and_bad_paths_are_one_line(tmp_path):
    sweep = tmp_path / "s.yaml"
    sweep.write_text(yaml.safe_dump({"name": "v", "base": str(ROOT / "configs" / "xor.yaml"),
                                     "set": ["training.epochs=20", "output.plots=false"],
                                     "parameters": {"optimiser.lr": [0.05, 0.1]},
                                     "metric": "train_loss", "plots": False}))
    assert dlx("sweep", str(sweep), "--results", str(tmp_path / "r"), "--workers", "1", cwd=tmp_path).returncode == 0
    sweep_dir = next((tmp_path / "r" / "sweeps" / "v").iterdir())
    done = dlx("verify", str(sweep_dir), "--workers", "1", cwd=tmp_path)
    assert done.returncode == 0 and "reproduced:" in done.stdout, done.stdout + done.stderr
    missing = dlx("verify", str(tmp_path / "nowhere"), cwd=tmp_path)
    assert missing.returncode == 1 and len(missing.stderr.strip().splitlines()) == 1 and "not found" in missing.stderr
