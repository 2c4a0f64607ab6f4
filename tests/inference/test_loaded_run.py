"""A run trained by ``dlx train`` opens in another process into a model that starts at the raw input."""
import json
import subprocess
import sys

import numpy as np
import pytest

from tests.cli import forked

CHECK = """
import json, sys
import numpy as np
from dlx.data import bundled
from dlx.inference import load_run
from dlx.tensor import Tensor, gradcheck

run = load_run(sys.argv[1])
for p in run.model.parameters():          # float64 so that central differences are exact enough
    p.data = p.data.astype(np.float64)
for module in run.model.modules():
    module._buffers = {k: v.astype(np.float64) for k, v in vars(module).get("_buffers", {}).items()}
X = bundled.digits(rng=np.random.default_rng(0)).X[:3].astype(np.float64)   # raw pixels 0..16
worst = gradcheck(lambda x: run.model(x), [X], eps=1e-6, tol=1e-6, raise_on_failure=False)
x = Tensor(X, requires_grad=True)
run.model(x)[:, 3].sum().backward()
z = Tensor((X - run.scaler._buffers["shift"]) / run.scaler._buffers["divisor"], requires_grad=True)
run.network(z)[:, 3].sum().backward()
print(json.dumps({"worst": worst, "scaled": float(np.abs(x.grad * run.scaler._buffers["divisor"] - z.grad).max()),
                  "grad": float(np.abs(x.grad).max())}))
"""


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    results = tmp_path_factory.mktemp("results")
    done = forked.run(["train", "configs/digits_mlp.yaml", "--set", "training.epochs=2", "--results", results])
    assert done.returncode == 0, done.stderr
    return next((results / "digits-mlp").iterdir())


def test_the_gradient_with_respect_to_the_raw_input_matches_central_differences(digits_run):
    done = subprocess.run([sys.executable, "-c", CHECK, str(digits_run)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["grad"] > 0
    assert result["worst"] < 1e-6  # the tape's d(outputs)/d(raw x) against central differences
    # the scaler is in the path: d/dx = d/dz * dz/dx with z = (x - mean) / std
    assert result["scaled"] < 1e-9


def test_predict_in_a_fresh_process_matches_the_models_own_decisions(digits_run, tmp_path):
    from dlx.data import bundled
    from dlx.inference import load_run
    X = bundled.digits(rng=np.random.default_rng(0)).X[:20]
    rows = tmp_path / "rows.csv"
    rows.write_text(",".join(f"f{i}" for i in range(64)) + "\n" +
                    "\n".join(",".join(f"{v:g}" for v in row.ravel()) for row in X) + "\n")
    done = forked.run(["predict", digits_run, rows])
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    labels, _ = load_run(digits_run).predict(X)
    run_classes = json.loads((digits_run / "model.json").read_text())["class_names"]
    assert [line.split(",")[0] for line in lines[1:]] == [run_classes[i] for i in labels]
