"""A run written by `dlx train` in one process is explained in a fresh one (the CLI wiring is the lead's)."""
import json
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import BREAST_CANCER_SMALL

EXPLAIN_IN_A_FRESH_PROCESS = textwrap.dedent("""
    import sys
    from pathlib import Path
    import numpy as np
    import dlx.data  # noqa: F401  (registers the data sets)
    from dlx.registry import datasets
    from dlx.explain import explain_to_folder
    from dlx.explain.report import report_for_run
    from dlx.explain.target import affine_preprocess, target_for_model
    from dlx.train.saved import load_trained

    run_dir = Path(sys.argv[1])
    trained = load_trained(run_dir)
    data = datasets.create("breast_cancer")
    state = trained.scaler.state
    target = target_for_model(trained.model, trained.meta["task"], data.X, data.y,
                              affine_preprocess(state["mean"], state["std"]),
                              feature_names=trained.meta["feature_names"], class_names=trained.meta["class_names"])
    for method in ("lime", "integrated_gradients", "saliency"):
        explain_to_folder(target, method, run_dir, X=data.X, index=7, seed=0)
    explain_to_folder(target, "pdp", run_dir, features=["mean radius"])
    print(report_for_run(run_dir))
""")


@pytest.mark.slow
def test_a_trained_run_is_explained_in_a_fresh_process(tmp_path):
    config = tmp_path / "bc.yaml"
    config.write_text(BREAST_CANCER_SMALL)
    results = tmp_path / "results"
    train = subprocess.run([sys.executable, "-m", "dlx.cli.app", "train", str(config), "--results", str(results)],
                           capture_output=True, text=True, timeout=300)
    assert train.returncode == 0, train.stderr
    run_dir = next(p for p in results.rglob("model.npz")).parent
    explain = subprocess.run([sys.executable, "-c", EXPLAIN_IN_A_FRESH_PROCESS, str(run_dir)],
                             capture_output=True, text=True, timeout=300)
    assert explain.returncode == 0, explain.stderr
    folders = sorted((run_dir / "explanations").iterdir())
    assert [f.name.split("-")[0] for f in folders] == sorted(["integrated_gradients", "lime", "pdp", "saliency"])
    lime = json.loads(next(f for f in folders if f.name.startswith("lime")).joinpath("explanation.json").read_text())
    from sklearn.datasets import load_breast_cancer
    assert lime["index"] == 7 and len(lime["weights"]) == 10                 # LIME's default num_features
    assert set(lime["weights"]) <= set(load_breast_cancer().feature_names)
    page = (run_dir / "explanations.html").read_text()
    assert page.count("<section>") == 4
