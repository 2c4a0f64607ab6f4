"""Every registered explainer runs on a small target of each kind it applies to and writes its folder."""
import json

import numpy as np
import pytest

import dlx.explain  # noqa: F401  (registers the methods)
from dlx.errors import DlxError, UnknownNameError
from dlx.explain import ExplainTarget, describe_explainer
from dlx.explain.report import build_report, report_for_run
from dlx.explain.run import explain_to_folder, run_method
from dlx.models.interpretable import DecisionTree, LogisticRegression
from dlx.nn import Conv2D, Dense, Flatten, ReLU, Sequential
from dlx.registry import explainers
from dlx.runs.children import open_child

FAST = {"lime": {"n_samples": 200}, "featvis": {"steps": 3}, "one_pixel": {"population": 8, "generations": 2},
        "adversarial_patch": {"steps": 2}, "counterfactual": {"rounds": 1, "steps": 5},
        "integrated_gradients": {"steps": 8}, "pdp": {"features": [0, 1], "background": 10},
        "ale": {"features": [0, 1]}}


def _tabular(model=None):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    model = model or Sequential([Dense(6), ReLU(), Dense(1)])
    model.build((4,), rng)
    if hasattr(model, "fit_closed_form"):
        model.fit_closed_form(X, y.reshape(-1, 1))
    return ExplainTarget(forward=model, kind="binary", input_shape=(4,), train_X=X, train_y=y, model=model)


def _image():
    rng = np.random.default_rng(0)
    net = Sequential([Conv2D(2, 3, padding=1), ReLU(), Flatten(), Dense(3)])
    net.build((1, 8, 8), rng)
    X = rng.uniform(0, 1, (30, 1, 8, 8))
    return ExplainTarget(forward=net, kind="multiclass", input_shape=(1, 8, 8), train_X=X,
                         train_y=rng.integers(0, 3, 30), model=net)


def _cases():
    for name in explainers.names():
        fn = explainers.get(name)
        if "tabular" in fn.data_kinds and "binary" in fn.model_kinds:
            yield name, "tabular"
        if "image" in fn.data_kinds and "multiclass" in fn.model_kinds and name not in ("weights", "tree_rules"):
            yield name, "image"


@pytest.mark.parametrize("name,data", list(_cases()))
def test_every_explainer_writes_its_folder(tmp_path, name, data):
    model = {"weights": LogisticRegression(1), "tree_rules": DecisionTree(1, max_depth=2)}.get(name)
    target = _image() if data == "image" else _tabular(model)
    folder = explain_to_folder(target, name, tmp_path, X=target.train_X, index=2, seed=0, **FAST.get(name, {}))
    assert folder.parent.parent == tmp_path / "children" and folder.parent.name.startswith(f"explain-{name}-")
    summary = json.loads((folder / "explanation.json").read_text())
    assert summary["method"] == name
    for picture in summary["pictures"]:
        assert (folder / picture).stat().st_size > 0
    assert describe_explainer(name).endswith(")") and "models:" in describe_explainer(name)


def test_lime_json_has_the_required_fields(tmp_path):
    folder = explain_to_folder(_tabular(), "lime", tmp_path, X=_tabular().train_X, index=0, n_samples=200)
    summary = json.loads((folder / "explanation.json").read_text())
    for key in ("method", "index", "class", "weights", "intercept", "score", "local_prediction"):
        assert key in summary
    assert summary["randomisation"]["message"]


def test_folders_are_never_reused(tmp_path):
    first, second = (open_child(tmp_path, "explain", {}, tag="lime-3") for _ in range(2))
    first.close(), second.close()
    assert first.run_dir != second.run_dir and first.run_dir.is_dir() and second.run_dir.is_dir()


def test_report_embeds_every_folder(tmp_path):
    target = _tabular()
    for name in ("saliency", "lime"):
        explain_to_folder(target, name, tmp_path, X=target.train_X, index=1, **FAST.get(name, {}))
    page = report_for_run(tmp_path).read_text()
    assert page.count("<section>") == 2 and page.count("data:image/png;base64,") >= 4
    assert "src='plots" not in page and "Model randomisation" in page
    assert build_report([], tmp_path / "empty.html").read_text().count("<section>") == 0


def test_user_errors_are_one_line():
    target = _tabular()
    with pytest.raises(UnknownNameError, match=r"unknown explainer 'lyme'. Did you mean 'lime'\? Known explainers: "):
        run_method(target, "lyme", target.train_X, 0)
    with pytest.raises(DlxError, match=r"^index 40 is out of range for the test split; choose 0..39$"):
        run_method(target, "saliency", target.train_X, 40)
    with pytest.raises(DlxError, match=r"method 'one_pixel' applies to binary/multiclass models on image data"):
        run_method(target, "one_pixel", target.train_X, 0)
    with pytest.raises(DlxError, match=r"method 'saliency' has no option 'colour'; its options: "):
        run_method(target, "saliency", target.train_X, 0, colour=1)
