"""``dlx explain --method featvis`` on a digits CNN that another process trained (issue 27, item 1).

With its default settings, feature visualisation must give pictures that are not
the average training digit (Pearson's correlation with the training mean below
0.5), whose objective has converged (it changed by under 1% over the last 10% of
the steps), and that differ from unit to unit.
"""
import numpy as np
import pytest

from tests.cli.cli_process import ROOT, dlx

UNITS = [(0, 0), (0, 1), (3, 0), (3, 1)]


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(np.ravel(a), np.ravel(b))[0, 1])


@pytest.mark.slow
def test_default_feature_visualisation_of_digits_cnn_units(tmp_path):
    from dlx.explain.runs import target_for_run
    trained = dlx("train", ROOT / "configs" / "digits_cnn.yaml", "--set", "training.epochs=5",
                  "--set", "output.plots=false", "--results", tmp_path / "results", cwd=tmp_path, timeout=600)
    assert trained.returncode == 0, trained.stderr
    run_dir = next((tmp_path / "results").rglob("model.npz")).parent
    pictures = []
    for layer, unit in UNITS:
        done = dlx("explain", run_dir, "--method", "featvis", "--layer", layer, "--unit", unit, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        folder = next((run_dir / "children").glob(f"explain-featvis-layer{layer}-unit{unit}/*"))
        with np.load(folder / "arrays.npz", allow_pickle=False) as arrays:
            pictures.append(arrays["image"])
            trace = arrays["activations"]
        tenth = int(np.ceil(0.1 * (len(trace) - 1)))
        assert abs(trace[-1] - trace[-1 - tenth]) < 0.01 * abs(trace[-1]), (layer, unit)
        assert (folder / "image.png").is_file()
    mean = target_for_run(run_dir, "test")[0].train_X.mean(axis=0)
    assert all(correlation(picture, mean) < 0.5 for picture in pictures), [correlation(p, mean) for p in pictures]
    for i in range(len(pictures)):
        for j in range(i):
            assert correlation(pictures[i], pictures[j]) < 0.9, (UNITS[i], UNITS[j])
