"""Early stopping and the divergence guard on scripted loss sequences."""
import math

import pytest

from dlx.errors import DivergenceError
from dlx.train.callbacks import DivergenceGuard, EarlyStopping


def test_nan_or_infinity_stops_at_once():
    for bad in (math.nan, math.inf):
        with pytest.raises(DivergenceError, match="epoch 1, step 3.*learning rate 0.5 is probably too high"):
            guard = DivergenceGuard(factor=1e3)
            guard.check(1.0, 1, 1, 0.5)
            guard.check(1.0, 1, 2, 0.5)
            guard.check(bad, 1, 3, 0.5)


def test_explosion_is_judged_against_the_first_epochs_largest_loss():
    guard = DivergenceGuard(factor=10)
    for step, loss in enumerate([0.0, 2.0, 1.0], start=1):  # a zero first loss does not set the scale
        guard.check(loss, 1, step, 0.1)
    guard.check(19.9, 2, 1, 0.1)
    with pytest.raises(DivergenceError, match="grew to 20.1"):
        guard.check(20.1, 2, 2, 0.1)


def test_guard_state_round_trip():
    guard = DivergenceGuard(factor=10)
    guard.check(3.0, 1, 1, 0.1)
    guard.check(1.0, 2, 1, 0.1)
    other = DivergenceGuard(factor=10)
    other.load_state(guard.state())
    with pytest.raises(DivergenceError):
        other.check(31.0, 3, 1, 0.1)


def test_early_stopping_counts_epochs_without_improvement():
    stopper = EarlyStopping("val_loss", patience=2, min_delta=0.01)
    decisions = [stopper.update({"epoch": e, "val_loss": v}) for e, v in enumerate([1.0, 0.5, 0.495, 0.6], 1)]
    assert decisions == [(True, False), (True, False), (False, False), (False, True)]
    assert stopper.best == 0.5 and stopper.best_epoch == 2


def test_early_stopping_on_accuracy_wants_it_higher():
    stopper = EarlyStopping("val_accuracy", patience=1)
    assert stopper.update({"epoch": 1, "val_accuracy": 0.8}) == (True, False)
    assert stopper.update({"epoch": 2, "val_accuracy": 0.9}) == (True, False)
    assert stopper.update({"epoch": 3, "val_accuracy": 0.85}) == (False, True)
