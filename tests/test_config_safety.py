"""The config loader refuses hostile YAML cheaply; the schema takes numbers for numbers (in process)."""
import re
import time
from pathlib import Path

import pytest

from dlx.config import parse_config
from dlx.config.components import with_component_defaults
from dlx.config.safe_yaml import MAX_DEPTH, MAX_NODES, check_yaml_structure
from dlx.config.schema import MONITOR_METRICS, MONITOR_NAMES
from dlx.errors import ConfigError
from dlx.tasks.metrics import METRICS_BY_TASK

GOOD = "dataset: {name: xor}\nmodel: {layers: [{dense: {units: outputs}}]}\n"


def error_of(text, overrides=()):
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "c.yaml", list(overrides))
    return str(caught.value)


def alias_bomb(levels: int) -> str:
    lines = ['l0: &l0 ["x","x","x","x","x","x","x","x","x","x"]']
    lines += [f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_before_the_tree_is_walked():
    """10^6 values once expanded (the 10^9 of "billion laughs" runs in a subprocess with a timeout)."""
    start = time.process_time()
    assert "alias bomb" in error_of(alias_bomb(6))
    assert time.process_time() - start < 5, "the refusal must not expand the aliases"


def test_aliases_that_stay_small_are_allowed():
    text = GOOD + "training: &t {epochs: 2}\noutput: {plots: false}\n"
    check_yaml_structure(text + "x: *t\n", "c.yaml")  # no error
    assert parse_config(text, "c.yaml").config.training.epochs == 2
    check_yaml_structure(alias_bomb(4), "c.yaml")  # 10^4 values: under MAX_NODES
    assert 10**4 < MAX_NODES < 10**6


def test_merge_keys_are_not_duplicates():
    check_yaml_structure("base: &b {a: 1}\nderived:\n  <<: *b\n  b: 2\n", "c.yaml")


@pytest.mark.parametrize("text,fragment", [
    ("a: &a [*a]\n", "c.yaml:1: alias '*a' refers to the node that contains it"),
    ("a: &a {b: *a}\n", "recursive alias"),
    ("a: " + "[" * 5000 + "]" * 5000 + "\n", f"nested more than {MAX_DEPTH} levels"),
    ("a: " + "{b: " * 200 + "1" + "}" * 200 + "\n", f"nested more than {MAX_DEPTH} levels"),
    ("a: 1\nb: 2\na: 3\n", "c.yaml:3: key 'a' is given twice (lines 1 and 3)"),
    ("s:\n  x: 1\n  y: 2\n  x: 3\n", "key 'x' is given twice (lines 2 and 4)"),
])
def test_hostile_structures_are_one_line_config_errors(text, fragment):
    message = error_of(text)
    assert fragment in message and "\n" not in message


def test_libyaml_reads_every_shipped_yaml_as_pyyaml_does_and_a_broken_one_is_worded_by_pyyaml():
    """Configs are read by libyaml (C) where PyYAML has it; the data and the line of every key must be what
    PyYAML's own parser gives (``yaml.safe_load`` with YAML 1.2 floats, ``yaml.compose``), and a text libyaml
    refuses is worded by PyYAML, which names the offending character."""
    import yaml

    from dlx.config.loading import _line_map, read_yaml
    from dlx.config.safe_yaml import _CheckedLoader, load_yaml

    assert yaml.__with_libyaml__ and issubclass(_CheckedLoader, yaml.CSafeLoader)  # the C path is what runs
    root = Path(__file__).resolve().parents[1]
    files = sorted(root.glob("configs/*.yaml")) + sorted(root.glob("experiments/**/*.yaml"))
    texts = [f.read_text(encoding="utf-8") for f in files] + [
        "a: 1e-5\nb: .5\nc: 1_000\nd: 0x1F\ne: yes\nf: ~\ng: 2001-12-14\nh: .inf\ni: 1:30\nj: '1e-5'\n",
        "a: [1, {b: [2, 3]}, null]\n? c\n: 1\n", "a: 'it''s'\nb: \"\\u00e9\\x41\"\n", "\ufeffa: 1\r\nb: 2\r\n", ""]
    assert len(files) > 50
    for text in texts:
        assert read_yaml(text, "c.yaml") == (load_yaml(text), _line_map(yaml.compose(text, Loader=yaml.SafeLoader)))
    for text, words in [("\ta: 1\n", "found character '\\t' that cannot start any token"),
                        ("a: &x 1\nb: *y\n", "found undefined alias 'y'"), ("a: \x07\n", "special characters")]:
        with pytest.raises(ConfigError, match=re.escape(words)):
            read_yaml(text, "c.yaml")


@pytest.mark.parametrize("section,fragment", [
    ("training: {epochs: true}", "training.epochs: Input should be a valid integer"),
    ("training: {seed: -1}", "training.seed: Input should be greater than or equal to 0"),
    ("training: {checkpoint_seconds: .inf}", "not a finite number"),
    ("regularisation: {l2: .nan}", "not a finite number"),
    ("dataset2: {x: .inf}", "not a finite number"),
    ("optimiser: {lr: yes}", "optimiser.lr"),
    ("training: {shuffle: 0}", "training.shuffle: Input should be a valid boolean"),
])
def test_numbers_are_finite_numbers_and_booleans_are_not(section, fragment):
    assert fragment in error_of(GOOD + section + "\n")


def test_integers_are_numbers_for_float_keys():
    assert parse_config(GOOD + "regularisation: {l2: 1}\n", "c.yaml").config.regularisation.l2 == 1.0


def test_non_finite_overrides_are_refused():
    assert "not a finite number" in error_of(GOOD, ["regularisation.input_noise=.inf"])


def test_monitor_names_are_the_splits_times_the_metrics():
    metrics = {m for names in METRICS_BY_TASK.values() for m in names} | {"loss"}
    assert set(MONITOR_METRICS) == metrics
    assert {"val_loss", "val_accuracy", "train_r2"} <= set(MONITOR_NAMES)
    message = error_of(GOOD + "regularisation: {early_stopping: {monitor: val_acuracy}}\n")
    assert "did you mean 'val_accuracy'?" in message


def test_lr_left_out_is_null_until_the_optimiser_fills_it_in():
    import dlx.optim  # noqa: F401  (registers the optimisers)
    config = parse_config(GOOD + "optimiser: {name: adadelta}\n", "c.yaml").config
    assert config.optimiser.lr is None and "lr" not in config.optimiser.hyperparameters()
    shown = with_component_defaults(config.model_dump(mode="json"))
    assert shown["optimiser"]["lr"] == 1.0 and shown["optimiser"]["rho"] == 0.9


def test_defaults_fill_layers_and_schedules_but_keep_what_is_given():
    import dlx.nn  # noqa: F401
    import dlx.optim  # noqa: F401
    raw = {"optimiser": {"name": "sgd", "lr": 0.5, "schedule": "step"},
           "model": {"layers": [{"dense": {"units": 3, "bias": False}}, "relu"]}}
    shown = with_component_defaults(raw)
    assert shown["optimiser"]["lr"] == 0.5 and shown["optimiser"]["momentum"] == 0.0
    assert shown["optimiser"]["schedule"] == {"name": "step", "step_size": 10, "gamma": 0.1}
    assert shown["model"]["layers"][0]["dense"]["bias"] is False
    assert shown["model"]["layers"][0]["dense"]["init"] == "glorot_uniform"
    assert shown["model"]["layers"][1] == "relu" and raw["optimiser"]["schedule"] == "step"  # input untouched


def test_a_boolean_for_a_numeric_component_argument_is_a_problem():
    import dlx.data  # noqa: F401
    import dlx.nn  # noqa: F401
    import dlx.optim  # noqa: F401
    from dlx.config.components import argument_problem, keyword_parameters
    from dlx.registry import datasets, layers, optimisers
    adam, sgd = keyword_parameters(optimisers.get("adam")), keyword_parameters(optimisers.get("sgd"))
    assert "is a boolean" in argument_problem(adam["beta1"], True)
    assert argument_problem(adam["beta1"], 0.9) is None and argument_problem(sgd["nesterov"], True) is None
    assert "is a boolean" in argument_problem(keyword_parameters(layers.get("dense"))["units"], False)
    assert "is a boolean" in argument_problem(keyword_parameters(datasets.get("xor"))["repeat"], True)


def test_every_shipped_config_validates_against_the_editor_schema_and_a_typo_does_not():
    jsonschema = pytest.importorskip("jsonschema")
    from pathlib import Path

    import yaml

    import dlx.nn  # noqa: F401
    import dlx.optim  # noqa: F401
    from dlx.config import json_schema
    from dlx.config.components import add_component_schemas
    from dlx.experiments import kind_of as experiment_kind
    validator = jsonschema.Draft7Validator(add_component_schemas(json_schema(), {"l1": {}, "l2": {}, "frozen": {}}))
    # the schema is the supervised experiment's; RL and generative configs have their own checks
    configs = sorted(p for p in (Path(__file__).resolve().parents[1] / "configs").glob("*.yaml")
                     if experiment_kind(yaml.safe_load(p.read_text())) == "supervised")
    assert len(configs) >= 8
    for path in configs:
        errors = [error.message for error in validator.iter_errors(yaml.safe_load(path.read_text()))]
        assert not errors, (path.name, errors[:3])
    conv = GOOD.replace("{dense: {units: outputs}}", "{conv2d: {filters: 3, kernel_size: 3}}")
    assert not list(validator.iter_errors(yaml.safe_load(conv)))
    assert list(validator.iter_errors(yaml.safe_load(conv.replace("filters:", "filter:"))))  # a typo is flagged


def test_unknown_names_list_the_known_in_plain_english():
    from dlx.registry import Registry, unknown_name_message
    assert unknown_name_message("loss", "mse_los", ["mse", "cross_entropy"]).endswith(
        "Known losses: cross_entropy, mse.")
    assert "Known optimisers: adam." in unknown_name_message("optimiser", "adma", ["adam"])
    empty = pytest.raises(KeyError, Registry("loss").get, "x").value
    assert "Known losses: none (is its module imported?)." in str(empty)
