"""Explanation pictures say what their colours mean, and the report reads as a story, oldest first."""
import importlib
import json
import os

import numpy as np

from dlx.explain.pictures import heat_colours
from dlx.explain.report import report_for_run
from dlx.explain.run import explain_to_folder
from tests.explain.test_common import FAST, _image, _tabular

gradients = importlib.import_module("dlx.explain.gradients")
lime = importlib.import_module("dlx.explain.lime")   # the package exports a function of the same name


def test_zero_attribution_is_transparent_and_unsigned_maps_use_the_whole_scale():
    heat = np.array([[0.0, 0.5], [1.0, 2.0]])
    rgba, mappable = heat_colours(heat, signed=False)
    assert rgba[0, 0, 3] == 0.0 and rgba[1, 1, 3] > rgba[0, 1, 3] > 0.0   # opacity follows the magnitude
    assert (mappable.norm.vmin, mappable.norm.vmax) == (0.0, 2.0)          # no unused negative half
    rgba, mappable = heat_colours(-heat, signed=True)
    assert (mappable.norm.vmin, mappable.norm.vmax) == (-2.0, 2.0) and rgba[0, 0, 3] == 0.0


def _overlay_calls(monkeypatch, module):
    calls = []
    real = module.overlay

    def spy(*args, **kwargs):
        calls.append({"title": args[3], **kwargs})
        return real(*args, **kwargs)
    monkeypatch.setattr(module, "overlay", spy)
    return calls


def test_saliency_is_drawn_unsigned_and_integrated_gradients_signed(tmp_path, monkeypatch):
    calls = _overlay_calls(monkeypatch, gradients)
    target = _image()
    explain_to_folder(target, "saliency", tmp_path, X=target.train_X, index=0, check=False)
    explain_to_folder(target, "integrated_gradients", tmp_path, X=target.train_X, index=0, check=False, steps=8)
    assert [call.get("signed", True) for call in calls] == [False, True]


def test_lime_marks_the_superpixel_numbers_on_the_image(tmp_path, monkeypatch):
    calls = _overlay_calls(monkeypatch, lime)
    target = _image()
    folder = explain_to_folder(target, "lime", tmp_path, X=target.train_X, index=0, check=False, n_samples=200)
    segments = np.load(folder / "arrays.npz", allow_pickle=False)["segments"]
    assert len(calls) == 1 and np.array_equal(calls[0]["labels"], segments)
    assert "numbers as in the bar chart" in calls[0]["title"] and "showing it raises" in calls[0]["meaning"]


def test_report_tells_the_run_then_each_explanation_oldest_first(tmp_path):
    (tmp_path / "summary.json").write_text(json.dumps(
        {"description": "a small test model", "status": "finished", "test": {"accuracy": 0.9}}))
    target = _tabular()
    made = []
    for name in ("saliency", "lime"):   # made in this order; the folders' names sort the other way
        made.append(explain_to_folder(target, name, tmp_path, X=target.train_X, index=1, **FAST.get(name, {})))
    os.utime(made[0], (1e9, 1e9))       # even an older mtime on the first must not reorder by name
    page = report_for_run(tmp_path).read_text()
    assert page.index("The run") < page.index("1. saliency") < page.index("2. lime")
    assert "a small test model" in page and "accuracy 0.9" in page
    assert page.count("Quality checks") == 2 and "<figcaption>" in page
    assert "surrogate fit (weighted R^2 on the perturbed samples)" in page
