"""``search: tpe | cmaes | random``: Optuna's sampler chooses each draw after the earlier results; dlx runs the
trials, records them and resumes the study from trials.jsonl."""
import math

import pytest
import yaml

from dlx.sweep.driver import open_resumed, run_sweep
from dlx.sweep.spec import parse_sweep
from tests.conftest import BREAST_CANCER_SMALL
from tests.sweep.test_sweep_run import StopAfter

optuna = pytest.importorskip("optuna")
BASE = yaml.safe_load(BREAST_CANCER_SMALL)
LR = {"distribution": "log_uniform", "low": 1.0e-4, "high": 0.3}


def search_sweep(search: str, samples: int, **parameters) -> str:
    return yaml.safe_dump({"name": "s", "base": BASE, "set": ["training.epochs=1"], "search": search,
                           "samples": samples, "parameters": {"optimiser.lr": LR, **parameters}}, sort_keys=False)


def test_each_draw_is_the_samplers_answer_to_the_results_before_it(tmp_path):
    outcome = run_sweep(parse_sweep(search_sweep("tpe", 3, **{"model.layers.0.dense.units": [4, 8]})),
                        backend="serial", results_root=str(tmp_path))
    assert outcome.status == "finished" and len(outcome.records) == 3
    # the same study driven by hand with the recorded results asks for exactly the recorded values
    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=0))
    distributions = {"optimiser.lr": optuna.distributions.FloatDistribution(1e-4, 0.3, log=True),
                     "model.layers.0.dense.units": optuna.distributions.CategoricalDistribution([4, 8])}
    for record in outcome.records:
        asked = study.ask(distributions)
        assert asked.params == record["params"]
        study.tell(asked, record["metric"])
    assert all(math.isfinite(r["metric"]) and 1e-4 <= r["params"]["optimiser.lr"] <= 0.3 for r in outcome.records)


def test_an_interrupted_search_resumes_from_its_records(tmp_path):
    loaded = parse_sweep(search_sweep("random", 3))
    first = run_sweep(loaded, backend="serial", results_root=str(tmp_path), display=StopAfter(1))
    assert first.status == "interrupted" and first.ran == 1
    kept = [r["id"] for r in first.records]
    resumed = run_sweep(open_resumed(first.sweep_dir), backend="serial", resume_dir=first.sweep_dir)
    assert resumed.status == "finished" and resumed.ran == 2 and len(resumed.records) == 3
    assert [r["id"] for r in resumed.records][:1] == kept
    whole = run_sweep(parse_sweep(search_sweep("random", 3)), backend="serial", results_root=str(tmp_path / "b"))
    assert [r["params"] for r in resumed.records] == [r["params"] for r in whole.records]  # as if never stopped


def test_a_search_without_a_sampled_parameter_is_refused_at_its_line(tmp_path):
    text = yaml.safe_dump({"name": "s", "base": BASE, "search": "tpe", "parameters": {"optimiser.lr": [0.1, 0.01]}})
    with pytest.raises(Exception, match="a search needs at least one sampled parameter"):
        run_sweep(parse_sweep(text, "s.yaml"), backend="serial", results_root=str(tmp_path))
    assert not (tmp_path / "sweeps").exists()
