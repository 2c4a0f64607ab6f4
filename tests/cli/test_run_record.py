"""One run record (issue 18 item 4), as a user meets it: runs of every kind trained by the real ``dlx train``
in another process, then ``play``, ``sample``, ``explain`` and ``evaluate`` in fresh processes.

- ``play``, ``sample`` and ``explain`` write child runs (``RUN/children/<command>.../<stamp>/``) and leave
  every file of the run they read byte for byte as it was;
- every summary.json, of a run of any kind or of a child, has the same fields;
- every kind saves ``model.json`` + ``model.npz``, opened by ``dlx.inference.load_model`` in a fresh
  process; an RL run from before that format (only ``checkpoints/agent.npz``) still plays.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from dlx.runs.children import children_of
from dlx.runs.summary import SUMMARY_FIELDS
from tests.cli import forked
from tests.cli.cli_process import ROOT, assert_one_error_line, dlx, output_of
from tests.cli.trained_runs import copies

KINDS = {"supervised": "supervised", "vae": "generative", "rl": "rl"}


@pytest.fixture(scope="module")
def runs(every_kind_runs, tmp_path_factory) -> dict[str, Path]:
    """Copies of the shared supervised, VAE and RL runs (tests/cli/conftest.py): ``play``, ``sample`` and ``explain``
    below write child runs into them."""
    return copies(every_kind_runs, tmp_path_factory.mktemp("record"), *KINDS)


@pytest.fixture
def copy_of(runs, tmp_path):
    return lambda kind: Path(shutil.copytree(runs[kind], tmp_path / kind, ignore=shutil.ignore_patterns("children")))


def hashes(run: Path) -> dict[str, str]:
    """SHA-256 of every file of the run itself: its children and its lock (a pid) are not its files."""
    return {str(p.relative_to(run)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(run.rglob("*"))
            if p.is_file() and p.relative_to(run).parts[0] != "children" and p.name != ".lock"}


def check_summary(summary: dict, kind: str, folder: Path) -> None:
    """The fields every summary shares, filled: the kind, a finished status, numbers as the headline, the files
    the run wrote (each there) and the provenance record."""
    assert set(SUMMARY_FIELDS) <= set(summary), sorted(set(SUMMARY_FIELDS) - set(summary))
    assert summary["kind"] == kind and summary["status"] == "finished"
    assert summary["headline"] and all(isinstance(v, (int, float)) for v in summary["headline"].values())
    assert summary["artifacts"] and all((folder / name).is_file() for name in summary["artifacts"])
    assert {"git", "data", "versions", "blas", "platform"} <= set(summary["provenance"])


def child_summary(child: Path, command: str, parent: Path, before: dict[str, str]) -> dict:
    summary = json.loads((child / "summary.json").read_text())
    check_summary(summary, command, child)
    assert summary["derived_from"]["run_dir"] == str(parent)
    assert summary["derived_from"]["model_sha256"]["model.npz"] == before["model.npz"]
    assert (child / "config.yaml").is_file() and (child / "run.log").is_file()
    return summary


def test_every_kind_writes_the_same_summary_fields(runs):
    for name, run in runs.items():
        summary = json.loads((run / "summary.json").read_text())
        check_summary(summary, KINDS[name], run)
        assert {"model.json", "model.npz"} <= set(summary["artifacts"]), name


def test_play_writes_a_child_run_and_leaves_the_run_as_it_was(runs, tmp_path):
    run = runs["rl"]
    before = hashes(run)
    done = dlx("play", run, "--episodes", 30, "--seed", 3, cwd=tmp_path)
    assert done.returncode == 0, output_of(done)
    assert hashes(run) == before
    (child,) = children_of(run, "play")
    assert done.stdout.strip().endswith(str(child))
    summary = child_summary(child, "play", run, before)
    played = json.loads((child / "play.json").read_text())
    assert played["episodes"] == 30 and summary["headline"]["mean_return"] == played["mean_return"]
    assert dlx("evaluate", run, cwd=tmp_path).returncode == 1  # an RL run: still its one line, not a crash


def test_sample_and_explain_write_child_runs_and_leave_the_runs_as_they_were(runs, tmp_path):
    vae, xor = runs["vae"], runs["supervised"]
    before_vae, before_xor = hashes(vae), hashes(xor)
    evaluated = dlx("evaluate", xor, "--json", cwd=tmp_path)
    assert evaluated.returncode == 0, output_of(evaluated)
    for command in (("sample", vae, "--n", 9), ("explain", xor, "-m", "saliency", "-i", 0),
                    ("explain", xor, "--report")):
        done = dlx(*command, cwd=tmp_path)
        assert done.returncode == 0, output_of(done)
    assert hashes(vae) == before_vae and hashes(xor) == before_xor
    (sampled,) = children_of(vae, "sample")
    assert child_summary(sampled, "sample", vae, before_vae)["samples"] == 9
    assert (sampled / "samples.png").stat().st_size > 1000
    (explained,) = children_of(xor, "explain")
    child_summary(explained, "explain", xor, before_xor)
    assert json.loads((explained / "explanation.json").read_text())["method"] == "saliency"
    (report,) = children_of(xor, "report")
    assert (report / "explanations.html").read_text().count("<section>") == 1
    again = dlx("evaluate", xor, "--json", cwd=tmp_path)  # the parent still evaluates, to the same numbers
    assert again.returncode == 0 and again.stdout == evaluated.stdout


def test_every_kind_loads_through_the_format_registry_in_a_fresh_process(runs, tmp_path):
    code = ("import sys; from dlx.components import load_components; load_components(); "
            "from dlx.inference.formats import load_model, model_format\n"
            "for run in sys.argv[1:]: print(model_format(run)[0], type(load_model(run)).__name__)")
    environment = dict(os.environ, PYTHONPATH=str(ROOT))
    done = forked.run([runs[k] for k in ("supervised", "vae", "rl")], code=code, cwd=tmp_path, env=environment,
                      timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:3] == ["dlx-model LoadedRun", "dlx-generative VAE", "dlx-agent LoadedAgent"]


def test_an_rl_run_from_before_model_json_still_plays(copy_of, tmp_path):
    run = copy_of("rl")
    (run / "model.json").unlink(), (run / "model.npz").unlink()  # as RL runs were: checkpoints/agent.npz only
    done = dlx("play", run, "--episodes", 20, cwd=tmp_path)
    assert done.returncode == 0, output_of(done)
    assert json.loads((children_of(run, "play")[0] / "play.json").read_text())["episodes"] == 20
    (run / "checkpoints" / "agent.npz").unlink()
    assert_one_error_line(dlx("play", run, cwd=tmp_path), "holds no model", "finished dlx run")


def test_explain_names_the_methods_that_apply(runs, tmp_path):
    line = assert_one_error_line(dlx("explain", runs["supervised"], "-m", "one_pixel", "-i", 0, cwd=tmp_path),
                                 "applies to", "image data", "methods that apply here:")
    fitting = line.split("methods that apply here: ")[1].split(", ")
    assert {"lime", "saliency", "integrated_gradients"} <= set(fitting) and "one_pixel" not in fitting
    assert not [c for c in children_of(runs["supervised"], "explain") if "one_pixel" in c.parent.name]
