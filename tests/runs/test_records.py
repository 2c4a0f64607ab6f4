"""What each kind of checkpoint record must hold: one CheckpointError line naming the file and the key."""
import copy
from pathlib import Path

import pytest

import dlx.nn  # noqa: F401  (registers the layers)
from dlx.errors import CheckpointError
from dlx.runs.records import check_record

FILE = Path("run/model.npz")
MODEL = {"kind": "model", "task": "binary", "loss": "bce_with_logits",
         "description": {"input_shape": [2], "architecture": {"name": "sequential", "layers": [
             {"name": "dense", "units": 8, "bias": True}, {"name": "tanh"}]}}}
TRAINING = {"kind": "training", "epoch": 3, "history": [{"epoch": 1}], "generators": {},
            "stopper": {"best": 0.1, "best_epoch": 1, "wait": 0}, "guard": {"reference": 1.0, "first_epoch_done": True}}


def edited(record, edit):
    record = copy.deepcopy(record)
    edit(record)
    return record


def test_records_as_dlx_writes_them_pass():
    check_record(FILE, MODEL)
    check_record(FILE, TRAINING)
    check_record(FILE, {"kind": "weights", "epoch": None})
    check_record(FILE, {"epoch": 3})  # no kind: a plain checkpoint, nothing required


@pytest.mark.parametrize("record,fragment", [
    (edited(MODEL, lambda r: r.pop("description")), "the model record has no 'description'"),
    (edited(MODEL, lambda r: r.update(task=3)), "'task' of the model record is a int, not a string"),
    (edited(MODEL, lambda r: r["description"].update(input_shape=[0])), "description.input_shape"),
    (edited(MODEL, lambda r: r["description"].pop("architecture")), "description.architecture is missing"),
    (edited(MODEL, lambda r: r["description"]["architecture"]["layers"][0].pop("name")),
     "description.architecture.layers.0 has no layer 'name'"),
    (edited(MODEL, lambda r: r["description"]["architecture"]["layers"][0].update(colour="red")),
     "layers.0 (dense) has an unknown argument 'colour'"),
    (edited(MODEL, lambda r: r["description"]["architecture"]["layers"][0].pop("units")),
     "layers.0 (dense) lacks its argument 'units'"),
    (edited(MODEL, lambda r: r["description"]["architecture"]["layers"][1].update(name="warp")),
     "unknown layer 'warp'"),
    (edited(MODEL, lambda r: r["description"]["architecture"].update(layers={"a": 1})), "layers is missing or not"),
    (edited(TRAINING, lambda r: r.pop("history")), "the training record has no 'history'"),
    (edited(TRAINING, lambda r: r.update(epoch=True)), "'epoch' of the training record is a bool"),
    (edited(TRAINING, lambda r: r.update(history=[1, 2])), "must be a list of rows"),
    (edited(TRAINING, lambda r: r["stopper"].pop("wait")), "'stopper' of the training record has no 'wait'"),
])
def test_a_malformed_record_is_one_line_naming_the_file(record, fragment):
    with pytest.raises(CheckpointError) as caught:
        check_record(FILE, record)
    message = str(caught.value)
    assert message.startswith(f"'{FILE}': ") and fragment in message and "\n" not in message
