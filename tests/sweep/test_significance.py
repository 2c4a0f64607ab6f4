"""Statistical claims ("at 95%"): the t distribution and the paired test against scipy.stats, the three
verdicts, the grammar's one-line errors, and a sweep that judges a claim over its seeds end to end."""
import json

import numpy as np
import pytest

from dlx.errors import ConfigError
from dlx.sweep.expect import evaluate_claim, parse_claim
from dlx.sweep.groups import GroupLookup
from dlx.sweep.significance import paired_test, t_cdf, t_quantile
from tests.sweep.test_expect import record
from tests.conftest import BREAST_CANCER_SMALL
from tests.sweep.test_sweep_cli import dlx, write_sweep


@pytest.fixture
def small(tmp_path):
    (tmp_path / "small.yaml").write_text(BREAST_CANCER_SMALL)   # write_sweep's base


def test_the_t_distribution_equals_scipys():
    stats = pytest.importorskip("scipy.stats")
    for df in (1, 2, 4, 9, 30):
        for t in (-7.5, -1.3, 0.0, 0.7, 2.5, 12.0):
            assert abs(t_cdf(t, df) - stats.t.cdf(t, df)) < 1e-12
        for p in (0.025, 0.05, 0.95, 0.975):
            assert abs(t_quantile(p, df) - stats.t.ppf(p, df)) < 1e-7


@pytest.mark.parametrize("op, alternative", [("<", "less"), (">", "greater")])
def test_the_paired_test_equals_scipys_ttest_rel(op, alternative):
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(0)
    for n in (3, 5, 10):
        a, b = rng.normal(0.0, 1.0, n), rng.normal(0.3, 1.0, n)
        ours = paired_test(list(a), list(b), op, 0.95)
        theirs = stats.ttest_rel(a, b, alternative=alternative)
        assert abs(ours["p_value"] - theirs.pvalue) < 1e-10
        interval = stats.ttest_rel(a, b).confidence_interval(0.95)
        assert np.allclose(ours["interval"], [interval.low, interval.high], atol=1e-7)
        d = a - b
        assert abs(ours["effect_size"] - d.mean() / d.std(ddof=1)) < 1e-12


def test_held_failed_and_not_shown():
    assert paired_test([0.10, 0.12, 0.09], [0.20, 0.21, 0.19], "<", 0.95)["outcome"] == "held"
    assert paired_test([0.20, 0.21, 0.19], [0.10, 0.12, 0.09], "<", 0.95)["outcome"] == "failed"
    assert paired_test([0.10, 0.30, 0.15], [0.20, 0.10, 0.16], "<", 0.95)["outcome"] == "not shown"


def _records(values_a, values_b):
    params_a, params_b = {"optimiser.name": "adam"}, {"optimiser.name": "sgd"}
    return ([record("adam", params_a, seed, val_loss=v) for seed, v in enumerate(values_a)]
            + [record("sgd", params_b, seed, val_loss=v) for seed, v in enumerate(values_b)])


def test_a_claim_with_a_level_is_judged_by_seed_and_says_so():
    lookup = GroupLookup(_records([0.10, 0.12, 0.09, 0.11], [0.20, 0.21, 0.19, 0.13]))
    verdict = evaluate_claim("adam", "adam.val_loss < sgd.val_loss at 95%", lookup)
    assert verdict.outcome == "held" and verdict.statistics["seeds"] == 4
    assert abs(verdict.statistics["p_value"] - 0.013883522036685) < 1e-9   # scipy.stats.ttest_rel(less)
    assert verdict.record()["verdict"] == "held" and "statistics" in verdict.record()
    scaled = evaluate_claim("x", "mean(adam.val_loss) < 0.1 * mean(sgd.val_loss) at 95%", lookup)
    assert scaled.outcome == "failed"           # 0.1 x sgd is far below adam on every seed
    noisy = GroupLookup(_records([0.10, 0.30, 0.15], [0.20, 0.10, 0.16]))
    assert evaluate_claim("n", "adam.val_loss < sgd.val_loss at 95%", noisy).outcome == "not shown"


@pytest.mark.parametrize("text, message", [
    ("adam.val_loss < sgd.val_loss at 95% and adam.steps < 3", "must be a single comparison"),
    ("adam.status == sgd.status at 95%", "judges <, <=, > or >=, not '=='"),
    ("adam.val_loss < sgd.val_loss at 120%", "between 50% and 100%"),
    ("adam.val_loss < sgd.val_loss at 95", "ends early; expected %"),
])
def test_malformed_levels_are_one_error(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_claim(text)


def test_too_few_seeds_for_a_test_is_one_line_before_any_trial(tmp_path, small):
    sweep = write_sweep(tmp_path, parameters={"optimiser.name": ["adam", "sgd"]}, seeds=2,
                        expect={"adam_wins": "adam.val_loss < sgd.val_loss at 95%"})
    done = dlx("sweep", str(sweep), "--results", str(tmp_path / "r"), cwd=tmp_path)
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "needs at least 3; the sweep runs 2" in done.stderr and not (tmp_path / "r").exists()


def test_a_sweep_reports_a_statistical_verdict_with_its_numbers(tmp_path, small):
    sweep = write_sweep(tmp_path, parameters={"optimiser.lr": [1e-4, 3e-2]}, seeds=3, set=["training.epochs=2"],
                        expect={"bigger_lr_learns": "lr[0.03].val_loss < lr[0.0001].val_loss at 95%"})
    done = dlx("sweep", str(sweep), "--backend", "serial", "--results", str(tmp_path / "r"), cwd=tmp_path)
    assert done.returncode in (0, 3), done.stderr  # the verdict is tested, not the pool
    sweep_dir = next((tmp_path / "r" / "sweeps" / "s").iterdir())
    state = json.loads((sweep_dir / "state.json").read_text())
    verdict = state["verdicts"][0]
    assert verdict["verdict"] in ("held", "failed", "not shown") and verdict["statistics"]["seeds"] == 3
    assert "3 seeds: mean difference" in (sweep_dir / "report.md").read_text()
