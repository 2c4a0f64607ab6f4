"""The claim grammar (no eval), the group lookup, and ASHA's rung decisions."""
import math

import pytest

from dlx.errors import ConfigError
from dlx.sweep.asha import Asha
from dlx.sweep.expect import Ref, evaluate_claim, parse_claim, refs_of
from dlx.sweep.groups import GroupLookup, group_table


def record(group, params, seed, status="finished", **final):
    return {"id": f"{group}-{seed}", "group": group, "params": params, "seed": seed, "status": status,
            "message": "boom" if status != "finished" else "", "summary": {"final": final, "epochs_completed": 3},
            "history": []}


RECORDS = [
    record("lr=0.1 name=sgd", {"optimiser.lr": 0.1, "optimiser.name": "sgd"}, 0, val_loss=0.5, steps=100),
    record("lr=0.1 name=sgd", {"optimiser.lr": 0.1, "optimiser.name": "sgd"}, 1, val_loss=0.7, steps=120),
    record("lr=0.01 name=sgd", {"optimiser.lr": 0.01, "optimiser.name": "sgd"}, 0, val_loss=0.9, steps=80),
    record("lr=0.1 name=adam", {"optimiser.lr": 0.1, "optimiser.name": "adam"}, 0, val_loss=0.2, steps=30),
    record("lr=1 name=adam", {"optimiser.lr": 1.0, "optimiser.name": "adam"}, 0, "diverged", val_loss=1e30),
]


def test_the_parser_builds_a_tree_with_precedence():
    tree = parse_claim("a.x < 0.5 * min(b[1e-3].y) + 1 and not c&d[e].status == diverged")
    assert tree[0] == "and"
    assert refs_of(tree) == [Ref((("a", None),), "x"), Ref((("b", 0.001),), "y", "min"),
                             Ref((("c", None), ("d", "e")), "status")]


@pytest.mark.parametrize("text, message", [
    ("a.x < ", "ends early"), ("a.x < 1 1", "unexpected '1'"), ("__import__('os').system('x')", "unexpected"),
    ("a.x ; b.y", "unexpected character ';'"), ("a[].x < 1", r"expected a value inside a\[\.\.\.\]"), ("", "empty"),
])
def test_what_does_not_parse_is_one_error_and_nothing_runs(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_claim(text)


def test_claims_are_judged_with_the_numbers_they_compared():
    lookup = GroupLookup(RECORDS)
    verdict = evaluate_claim("adam_wins", "adam.val_loss < sgd.val_loss", lookup)
    # adam: only the finished trial counts (a diverged trial has no metric); sgd: mean of 0.5, 0.7, 0.9
    assert verdict.held and verdict.numbers == {"adam.val_loss": 0.2, "sgd.val_loss": pytest.approx(0.7)}
    assert evaluate_claim("d", "lr[1.0].status == diverged", lookup).held
    assert evaluate_claim("d", "adam.status == diverged", lookup).numbers == {"adam.status": "mixed"}
    both = evaluate_claim("both", "sgd&lr[0.1].val_loss < 0.65", lookup)  # seeds 0 and 1 of one group
    assert both.held and both.numbers == {"sgd&lr[0.1].val_loss": pytest.approx(0.6)}
    best = evaluate_claim("f", "adam.steps < 0.5 * min(sgd.steps)", lookup)
    assert best.held and best.numbers["min(sgd.steps)"] == 80  # sgd at its best setting
    assert not evaluate_claim("n", "adam.steps < 0.3 * min(sgd.steps)", lookup).held
    assert not evaluate_claim("nan", "lr[1.0].val_loss < 1", lookup).held  # NaN compares false


def test_the_group_table_is_sorted_by_the_metric_with_failures_last():
    rows = group_table(RECORDS, "val_loss", "min")
    assert [r["group"] for r in rows] == ["lr=0.1 name=adam", "lr=0.1 name=sgd", "lr=0.01 name=sgd",
                                          "lr=1 name=adam"]
    assert rows[1]["val_loss_mean"] == pytest.approx(0.6)
    assert rows[1]["val_loss_std"] == pytest.approx(math.sqrt(0.02))  # sample std (ddof=1) of 0.5, 0.7
    assert rows[3]["statuses"] == "diverged:1" and "seed 0: boom" in rows[3]["failures"]
    assert [r["group"] for r in group_table(RECORDS, "val_loss", "max")][0] == "lr=0.01 name=sgd"


def test_asha_stops_trials_outside_the_best_third_at_each_rung():
    asha = Asha("min", grace_epochs=1, reduction=3)
    assert [asha.is_rung(e) for e in range(1, 10)] == [True, False, True, False, False, False, False, False, True]
    assert asha.report("a", 1, 0.5) is False  # alone at the rung: never stopped
    assert asha.report("b", 1, 0.9) is True
    assert asha.report("c", 1, 0.4) is False
    assert asha.report("d", 1, float("nan")) is True  # a missing value is the worst
    assert asha.report("a", 2, 100.0) is False  # not a rung
    assert not Asha("min", 1, 3, max_epochs=3).is_rung(3)  # the last epoch: nothing left to save
    maximise = Asha("max", grace_epochs=2, reduction=2)
    assert maximise.report("a", 2, 0.9) is False and maximise.report("b", 2, 0.5) is True


def report_epochs(coordinator, trial_id, values):
    """In a spawned worker: report one rung value per epoch through the manager's proxy."""
    return [coordinator.epoch(trial_id, {"epoch": epoch, "val_loss": value}) for epoch, value in values]


def test_the_coordinator_decides_for_workers_of_a_spawned_pool():
    import concurrent.futures
    import multiprocessing

    from dlx.sweep.executors import CoordinatorManager
    context = multiprocessing.get_context("spawn")
    with CoordinatorManager(ctx=context) as manager:
        coordinator = manager.Coordinator("val_loss", Asha("min", 1, 3))
        with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
            assert pool.submit(report_epochs, coordinator, "a", [(1, 0.5), (2, 0.4)]).result() == [False, False]
            assert pool.submit(report_epochs, coordinator, "b", [(1, 0.9)]).result() == [True]
        assert coordinator.progress() == {"a": {"epoch": 2, "val_loss": 0.4}, "b": {"epoch": 1, "val_loss": 0.9}}


def test_a_boolean_parameter_is_selected_by_true_or_false_in_either_case():
    records = [record("b", {"model.layers.1.gru.bidirectional": True}, 0, val_token_accuracy=0.99),
               record("u", {"model.layers.1.gru.bidirectional": False}, 0, val_token_accuracy=0.9)]
    lookup = GroupLookup(records)
    for text in ("bidirectional[true].val_token_accuracy > bidirectional[false].val_token_accuracy",
                 "bidirectional[True].val_token_accuracy > bidirectional[False].val_token_accuracy"):
        assert evaluate_claim("c", text, lookup).held
