"""``dlx explain`` as a user runs it: fresh processes, on runs another ``dlx train`` process wrote."""
import json
from pathlib import Path

import pytest

from dlx.runs.children import children_of
from tests.cli import forked
from tests.conftest import BREAST_CANCER_SMALL


def dlx(*args, cwd):
    return forked.run(args, timeout=300, cwd=cwd)


def trained(tmp_path, config_text=None, config_file=None, *settings):
    if config_text is not None:
        config_file = tmp_path / "config.yaml"
        config_file.write_text(config_text)
    done = dlx("train", config_file, "--results", tmp_path / "results", *settings, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return next((tmp_path / "results").rglob("model.npz")).parent


def one_error_line(done, *fragments):
    assert done.returncode == 1 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and all(f in lines[0] for f in fragments), done.stderr
    return lines[0]


@pytest.mark.slow
def test_a_breast_cancer_run_is_explained_and_reported(tmp_path):
    run_dir = trained(tmp_path, BREAST_CANCER_SMALL)
    for method in ("lime", "integrated_gradients", "saliency"):
        done = dlx("explain", run_dir, "--method", method, "--index", 7, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    assert dlx("explain", run_dir, "--method", "pdp", "--option", "features=[mean radius]",
               cwd=tmp_path).returncode == 0
    for method in ("kernel_shap", "anchors"):
        done = dlx("explain", run_dir, "--method", method, "--index", 7, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    assert dlx("explain", run_dir, "--method", "permutation_importance", "-o", "repeats=2",
               cwd=tmp_path).returncode == 0
    assert dlx("explain", run_dir, "--report", cwd=tmp_path).returncode == 0
    folders = children_of(run_dir, "explain")
    assert sorted(f.parent.name.split("-")[1] for f in folders) == ["anchors", "integrated_gradients", "kernel_shap",
                                                                    "lime", "pdp", "permutation_importance", "saliency"]

    def written(method):
        return json.loads(next(f for f in folders if f.parent.name.startswith(f"explain-{method}")).joinpath(
            "explanation.json").read_text())
    shap = written("kernel_shap")
    assert abs(sum(shap["weights"].values()) - (shap["f_x"] - shap["base_value"])) < 1e-6   # efficiency
    importance = written("permutation_importance")
    assert importance["data"] == "test" and importance["score"] == "accuracy"
    lime = written("lime")
    from sklearn.datasets import load_breast_cancer
    assert lime["index"] == 7 and len(lime["weights"]) == 10  # LIME's default num_features
    assert set(lime["weights"]) <= set(load_breast_cancer().feature_names)
    assert {"method", "class", "intercept", "score", "local_prediction"} <= set(lime)
    (report,) = children_of(run_dir, "report")
    assert (report / "explanations.html").read_text().count("<section>") == 7


@pytest.mark.slow
def test_a_digits_cnn_run_is_explained_and_bad_requests_are_one_line(tmp_path):
    config = Path(__file__).resolve().parents[2] / "configs" / "digits_cnn.yaml"
    run_dir = trained(tmp_path, None, config, "--set", "training.epochs=2", "--set", "output.plots=false")
    for args in (("--method", "lime", "--index", 0), ("--method", "integrated_gradients", "--index", 0),
                 ("--method", "featvis", "--layer", 0, "--unit", 1), ("--method", "grad_cam", "--index", 0)):
        done = dlx("explain", run_dir, *args, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    names = sorted(f.parent.name for f in children_of(run_dir, "explain"))
    assert names == ["explain-featvis-layer0-unit1", "explain-grad_cam-0", "explain-integrated_gradients-0",
                     "explain-lime-0"]
    one_error_line(dlx("explain", run_dir, "--method", "limme", "--index", 0, cwd=tmp_path), "lime", "Known")
    one_error_line(dlx("explain", tmp_path / "nowhere", "--method", "lime", "--index", 0, cwd=tmp_path),
                   "not found")
    one_error_line(dlx("explain", run_dir, "--method", "lime", "--index", 10**6, cwd=tmp_path), "choose 0..")
    one_error_line(dlx("explain", run_dir, "--method", "featvis", "--layer", 42, "--unit", 0, cwd=tmp_path),
                   "0 (Conv2D)")
