"""The filter language of dlx runs: a table of expressions that hold, fail or do not parse; no code runs."""
from pathlib import Path

import pytest

from dlx.runs.filter_expr import FilterError, parse_filter, tokenize

RUN = {"status": "finished", "kind": "supervised", "name": "digits-mlp", "stamp": "20261201-101500", "epochs": 30,
       "val_accuracy": 0.975, "val_loss": 0.081, "optimiser.name": "adam", "optimiser.lr": 0.001,
       "model.layers": '[{"dense": {"units": 64}}]', "training.checkpoint": True, "test_accuracy": float("nan")}

VALID = [  # (expression, does RUN match it)
    ("status=finished", True),
    ("status == finished", True),
    ("status != finished", False),
    ("val_accuracy>0.97", True),
    ("val_accuracy > 0.98", False),
    ("val_accuracy>=0.975", True),
    ("val_loss<=0.081", True),
    ("val_loss < 8.1e-2", False),
    ("optimiser.lr = 1e-3", True),
    ("optimiser.lr < 0.01 and optimiser.lr > 0.0001", True),
    ("optimiser.name in (adam, sgd)", True),
    ("optimiser.name in ('sgd', \"rmsprop\")", False),
    ("optimiser.name not in (sgd)", True),
    ("status=finished and val_accuracy>0.97 and optimiser.name in (adam, sgd)", True),
    ("status=failed or val_accuracy>0.97", True),
    ("status=failed or kind=rl", False),
    ("not status=failed", True),
    ("not (status=finished and epochs>10)", False),
    ("(status=failed or epochs=30) and name=digits-mlp", True),
    ("status=failed or epochs=30 and name=other", False),   # 'and' binds tighter than 'or'
    ("STATUS=finished AND Epochs>5".replace("STATUS", "status").replace("Epochs", "epochs"), True),  # keywords any case
    ("name ~ digits", True),
    ("name ~ cnn", False),
    ("model.layers ~ 'units'", True),
    ("stamp > 20261130", True),
    ("stamp < '20261201-000000'", False),
    ("val_accuracy exists", True),
    ("reward exists", False),
    ("reward > 1", False),                                     # a key a run lacks: no match
    ("reward != 1", True),
    ("training.checkpoint = true", True),
    ("test_accuracy > 0.5", False),                            # NaN compares as nothing
    ("epochs in (10, 30)", True),
    ("epochs = 30.0", True),
]

MALFORMED = [  # (expression, a fragment of the one-line message)
    ("", "empty"),
    ("   ", "empty"),
    ("status=", "expected a value after '=' at column 8"),
    ("val_accuracy >", "expected a value after '>'"),
    ("> 0.9", "expected a key"),
    ("0.9 < val_accuracy", "expected a key"),
    ("status finished", "expected an operator"),
    ("status=finished and", "expected a key"),
    ("status=finished or or epochs>1", "expected a key"),
    ("(status=finished", "expected ')'"),
    ("status=finished)", "expected 'and', 'or' or the end"),
    ("optimiser.name in adam", "expected '(' after 'in'"),
    ("optimiser.name in (adam sgd)", "expected ',' or ')'"),
    ("optimiser.name in ()", "expected a value in the list"),
    ("optimiser.name not adam", "expected 'in' after 'not'"),
    ("status='finished", "unexpected character"),
    ("val_accuracy > 0.9; rm -rf /", "unexpected character ';'"),
    ("status=finished && epochs>1", "unexpected character '&'"),
    ("a = b = c", "expected 'and', 'or' or the end"),
    ("and = 1", "expected a key"),
]

CODE = ["__import__('os').system('touch PWNED')", "open('PWNED', 'w')", "status=finished or exec('x=1')",
        "[x for x in ().__class__.__bases__]", "lambda: 1", "status=`touch PWNED`", "{{7*7}}"]


@pytest.mark.parametrize("text, expected", VALID)
def test_a_valid_expression_selects_as_written(text, expected):
    assert parse_filter(text)(RUN) is expected


@pytest.mark.parametrize("text, fragment", MALFORMED)
def test_a_malformed_expression_is_one_line_naming_the_place(text, fragment):
    with pytest.raises(FilterError) as caught:
        parse_filter(text)
    message = str(caught.value)
    assert fragment in message and "\n" not in message and "e.g. status=finished" in message


@pytest.mark.parametrize("text", CODE)
def test_code_in_a_filter_is_refused_and_never_run(text, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FilterError):
        parse_filter(text)(RUN)
    assert not Path("PWNED").exists()


def test_the_table_is_as_large_as_the_issue_asks():
    assert len(VALID) + len(MALFORMED) >= 30 and len(VALID) >= 15 and len(MALFORMED) >= 15


def test_the_keys_read_are_known_so_a_typo_can_be_named():
    assert parse_filter("optimiser.lr<1 and not (status=failed or epochs exists)").keys == \
        {"optimiser.lr", "status", "epochs"}
    assert [t.kind for t in tokenize("a>=1")] == ["word", "op", "word", "end"]
