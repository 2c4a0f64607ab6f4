"""Every run's summary.json says where its numbers came from: code, data, packages, BLAS, platform.

The runs are made by the real ``dlx train`` in fresh processes, one of each kind.
"""
import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from dlx.data.bundled import SKLEARN_FILES, _sklearn_data_file
from tests.cli.cli_process import ROOT, dlx, output_of, write
from tests.conftest import BREAST_CANCER_SMALL

CONFIGS = ROOT / "configs"


def expected_git() -> dict:
    """What git itself says about this checkout (None, None when it is not one)."""
    def run(*args):
        return subprocess.run(["git", "-C", str(ROOT / "dlx"), *args], capture_output=True, text=True)
    try:
        head, status = run("rev-parse", "HEAD"), run("status", "--porcelain", "--untracked-files=no")
    except OSError:
        return {"commit": None, "dirty": None}
    if head.returncode != 0:
        return {"commit": None, "dirty": None}
    return {"commit": head.stdout.strip(), "dirty": bool(status.stdout.strip())}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_summary(summary: dict, data_files: dict[str, str]) -> dict:
    """The summary schema every kind shares: status, folder and the provenance record."""
    assert summary["status"] == "finished" and summary["run_dir"]
    record = summary["provenance"]
    assert sorted(record) == ["blas", "data", "git", "platform", "versions"]
    assert record["git"] == expected_git()
    assert record["data"] == data_files
    assert {"python", "numpy", "dlx"} <= set(record["versions"])
    assert record["blas"] and all(sorted(lib) == ["internal_api", "threads", "version"] for lib in record["blas"])
    assert {"system", "machine", "python"} <= set(record["platform"])
    return record


def trained(tmp_path, config, *settings, env=None) -> dict:
    done = dlx("train", config, *[arg for s in settings for arg in ("--set", s)], "--results", tmp_path / "r",
               cwd=tmp_path, env=env, timeout=300)
    assert done.returncode == 0, output_of(done)
    return json.loads(next((tmp_path / "r").glob("*/*/summary.json")).read_text())


def sklearn_file(loader: str) -> dict[str, str]:
    path = _sklearn_data_file(SKLEARN_FILES[loader]).resolve()
    return {str(path): sha256(path)}


def test_a_supervised_run_records_its_data_file_and_the_code(tmp_path):
    summary = trained(tmp_path, write(tmp_path, BREAST_CANCER_SMALL))
    check_summary(summary, sklearn_file("load_breast_cancer"))


def test_a_run_on_the_users_csv_records_its_sha256(tmp_path):
    rows = "\n".join(f"{i % 7},{(i * 3) % 5},{i % 2}" for i in range(60))
    data = tmp_path / "points.csv"
    data.write_text("a,b,label\n" + rows + "\n")
    config = write(tmp_path, BREAST_CANCER_SMALL.replace(
        "{name: breast_cancer,", f"{{name: csv, options: {{path: {data}, target: label}},"))
    check_summary(trained(tmp_path, config), {str(data.resolve()): sha256(data)})


def summary_of(run: Path) -> dict:
    return json.loads((run / "summary.json").read_text())


def test_a_generative_run_records_the_digits_file(every_kind_runs):
    """The session's VAE run (tests/cli/conftest.py: vae_digits.yaml, one epoch, by ``dlx train``)."""
    check_summary(summary_of(every_kind_runs["vae"]), sklearn_file("load_digits"))


def test_an_rl_run_records_provenance_without_data_files(every_kind_runs):
    """The session's Q-learning run (tests/cli/conftest.py: frozenlake_q.yaml, 50 episodes, by ``dlx train``)."""
    check_summary(summary_of(every_kind_runs["rl"]), {})


@pytest.mark.skipif(os.name != "posix", reason="an empty PATH hides git on POSIX")
def test_without_git_the_run_finishes_and_the_commit_is_none(tmp_path):
    summary = trained(tmp_path, write(tmp_path, BREAST_CANCER_SMALL), env={"PATH": ""})
    assert summary["status"] == "finished"
    assert summary["provenance"]["git"] == {"commit": None, "dirty": None}
