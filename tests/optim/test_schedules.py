"""Learning-rate schedules: closed forms, continuity of warm-up, purity, argument checks."""
import math

import pytest

import dlx.optim  # noqa: F401  (registers the schedules)
from dlx.errors import ConfigError, UnknownNameError
from dlx.optim.schedules import Warmup, get_schedule
from dlx.registry import schedules

ALL = sorted(schedules.canonical())
BASE = 0.2


# ---- closed forms -----------------------------------------------------------------------------
@pytest.mark.parametrize("epoch", [0, 3.7, 99])
def test_constant(epoch):
    assert get_schedule(None)(BASE, epoch, 100) == BASE
    assert get_schedule("constant")(BASE, epoch, 100) == BASE


@pytest.mark.parametrize("epoch, factor", [(0, 1.0), (2.99, 1.0), (3, 0.5), (5.5, 0.5), (7.5, 0.25)])
def test_step_decay(epoch, factor):
    schedule = get_schedule({"name": "step", "step_size": 3, "gamma": 0.5})
    assert schedule(BASE, epoch, 10) == pytest.approx(BASE * factor, rel=1e-15)


@pytest.mark.parametrize("epoch", [0, 1, 2.5, 9.25])
def test_exponential_decay(epoch):
    schedule = get_schedule({"name": "exponential", "gamma": 0.9})
    assert schedule(BASE, epoch, 10) == pytest.approx(BASE * 0.9 ** epoch, rel=1e-15)


@pytest.mark.parametrize("epoch, expected", [
    (0, BASE),
    (2.5, 0.01 + (BASE - 0.01) * (1 + math.sqrt(0.5)) / 2),   # cos(pi / 4)
    (5, 0.01 + (BASE - 0.01) / 2),
    (7.5, 0.01 + (BASE - 0.01) * (1 - math.sqrt(0.5)) / 2),
    (10, 0.01),
    (12, 0.01),  # held at min_lr after the end
])
def test_cosine(epoch, expected):
    schedule = get_schedule({"name": "cosine", "min_lr": 0.01})
    assert schedule(BASE, epoch, 10) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("epoch, factor", [(0, 0.1), (1, 0.55), (1.5, 0.775), (2, 1.0), (9, 1.0)])
def test_linear_warmup_then_constant(epoch, factor):
    schedule = get_schedule({"name": "warmup", "warmup_epochs": 2, "start_factor": 0.1})
    assert schedule(BASE, epoch, 10) == pytest.approx(BASE * factor, rel=1e-12)


def test_warmup_then_cosine_counts_epochs_from_the_end_of_warmup():
    schedule = get_schedule({"name": "warmup", "warmup_epochs": 2, "then": {"name": "cosine"}})
    # inner cosine over 10 - 2 = 8 epochs: epoch 6 is its half-way point
    assert schedule(BASE, 6, 10) == pytest.approx(BASE / 2, rel=1e-12)
    assert schedule(BASE, 10, 10) == pytest.approx(0.0, abs=1e-15)


# ---- continuity and purity --------------------------------------------------------------------
@pytest.mark.parametrize("inner", [name for name in ALL if name != "warmup"])
def test_warmup_is_continuous_at_the_boundary(inner):
    schedule = Warmup(warmup_epochs=3, start_factor=0.0, then=inner)
    before, at = schedule(BASE, 3 - 1e-9, 20), schedule(BASE, 3, 20)
    assert at == pytest.approx(BASE, rel=1e-12)
    assert before == pytest.approx(at, rel=1e-8)
    assert schedule(BASE, 0, 20) == 0.0


@pytest.mark.parametrize("name", ALL)
def test_every_schedule_is_a_pure_positive_function_of_progress(name):
    schedule = schedules.create(name)
    epochs = [i / 4 for i in range(40)]  # fractional epochs of a 10-epoch run
    forward = [schedule(BASE, e, 10) for e in epochs]
    backward = [schedule(BASE, e, 10) for e in reversed(epochs)][::-1]
    assert forward == backward  # no hidden state: order of calls does not matter
    assert all(0.0 < lr <= BASE for lr in forward)


@pytest.mark.parametrize("name", ALL)
def test_every_schedule_documents_itself(name):
    assert schedules.describe(name).endswith(".")
    assert "Example" in schedules.get(name).__doc__


# ---- invalid arguments ------------------------------------------------------------------------
@pytest.mark.parametrize("spec, message", [
    ({"name": "step", "step_size": 0}, "step: step_size must be > 0, got 0"),
    ({"name": "step", "gamma": 0}, r"step: gamma must lie in \(0, 1\], got 0"),
    ({"name": "exponential", "gamma": 1.5}, r"exponential: gamma must lie in \(0, 1\], got 1.5"),
    ({"name": "cosine", "min_lr": -1}, "cosine: min_lr must be >= 0, got -1"),
    ({"name": "warmup", "warmup_epochs": 0}, "warmup: warmup_epochs must be > 0, got 0"),
    ({"name": "warmup", "start_factor": 1.5}, r"warmup: start_factor must lie in \[0, 1\], got 1.5"),
    ({"name": "warmup", "then": {"name": "cosine", "min_lr": -2}}, "cosine: min_lr must be >= 0, got -2"),
    ({"name": "cosine", "eta_min": 0.0}, "schedule 'cosine': unknown argument.* eta_min; allowed: min_lr"),
    ({"min_lr": 0.0}, "has no 'name'"),
    (3, "a schedule must be a name"),
])
def test_invalid_schedule_specs_are_config_errors(spec, message):
    with pytest.raises(ConfigError, match=message):
        get_schedule(spec)


def test_unknown_schedule_names_suggest_the_closest():
    with pytest.raises(UnknownNameError, match="Did you mean 'cosine'"):
        get_schedule("cosin")
    with pytest.raises(UnknownNameError):
        get_schedule({"name": "warmup", "then": "linear-ish"})


def test_total_epochs_must_leave_room_after_warmup():
    with pytest.raises(ConfigError, match="warmup_epochs must be less than total_epochs"):
        get_schedule({"name": "warmup", "warmup_epochs": 5})(BASE, 1, 5)
    with pytest.raises(ConfigError, match="total_epochs must be > 0"):
        get_schedule("cosine")(BASE, 0, 0)
