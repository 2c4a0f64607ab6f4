"""Graph models from config sections: the YAML forms, their errors, and model.json round trips."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from dlx import Tensor
from dlx.errors import ShapeError
from dlx.models.builder import build_model, describe_model, model_from_description
from dlx.models.graph import GraphSpecError, is_graph_config
from dlx.nn import Dense, Sequential
from dlx.nn.graph import MERGES, SHORTCUTS
from dlx.train.penalties import penalised_weights
from tests.cli.cli_process import same_threads

ROOT = Path(__file__).resolve().parents[2]

EVERY_FORM = {  # residual (both shortcuts), three merges, repeat, a block used twice
    "blocks": {"unit": [{"dense": {"units": 6}}, "tanh"]},
    "layers": [{"dense": {"units": 6}},
               {"residual": [{"use": "unit"}, {"dense": {"units": 6}}]},
               {"branches": {"merge": "add", "paths": [[{"dense": {"units": 6}}], [{"use": "unit"}]]}},
               {"branches": {"merge": "multiply", "paths": [[{"dense": {"units": 6}}], ["sigmoid"]]}},
               {"branches": {"paths": [[{"dense": {"units": 3}}], [{"dense": {"units": 2}}]]}},  # concat: 5
               {"residual": {"layers": [{"dense": {"units": 4}}], "shortcut": "projection"}},
               {"repeat": {"times": 2, "layers": [{"dense": {"units": 4}}, "relu"]}},
               {"dense": {"units": "outputs"}}]}
ENCODER_DECODER = {
    "inputs": ["source", "target"], "blocks": {"encoder": [{"dense": {"units": 8}}, "tanh"]},
    "nodes": {"code": {"from": "source", "layers": [{"use": "encoder"}]},
              "out": {"from": ["target", "code"], "merge": "concat", "layers": [{"dense": {"units": "outputs"}}]}},
    "outputs": ["out", "code"]}
SHAPES = {"source": (5,), "target": (2,)}


def error_of(config, input_shape=(5,), error=GraphSpecError):
    with pytest.raises(error) as caught:
        build_model(config, input_shape, 3, np.random.default_rng(0))
    return caught.value.key_path, str(caught.value)


def test_every_form_builds_with_its_parameters_once(rng):
    model = build_model(EVERY_FORM, (5,), 3, rng)
    assert model.output_shape((5,)) == (3,)
    unit = 6 * 6 + 6
    expected = (5 * 6 + 6) + (unit + 6 * 6 + 6) + (6 * 6 + 6) + (6 * 6 + 6) + (6 * 3 + 3 + 6 * 2 + 2) \
        + (5 * 4 + 4 + 5 * 4) + (4 * 4 + 4) * 2 + (4 * 3 + 3)  # the block once; repeat: two copies
    assert model.num_parameters() == expected
    weights = [id(w) for w, _, _ in penalised_weights(model, 0.0, 0.1)]
    assert len(weights) == len(set(weights)) == 12  # every weight matrix once, the shared one too


@pytest.mark.parametrize("config, shapes", [(EVERY_FORM, (5,)), (ENCODER_DECODER, SHAPES)])
def test_model_json_rebuilds_every_graph_bit_identically(config, shapes, rng, tmp_path):
    model = build_model(config, shapes, 3, rng)
    description = json.loads(json.dumps(describe_model(model, shapes, 3)))
    assert description["architecture"]["name"] in ("sequential", "graph") and list(description["blocks"]) == \
        list(config["blocks"])
    again = model_from_description(description)
    again.load_state_dict(model.state_dict())
    inputs = [rng.standard_normal((4, *s)).astype(np.float32) for s in ([shapes] if isinstance(shapes, tuple)
                                                                      else shapes.values())]
    outputs = model(*map(Tensor, inputs))
    outputs = [o.data for o in (outputs if isinstance(outputs, tuple) else (outputs,))]
    again_outputs = again(*map(Tensor, inputs))
    for a, b in zip(outputs, again_outputs if isinstance(again_outputs, tuple) else (again_outputs,)):
        np.testing.assert_array_equal(a, b.data)
    # and in a fresh process, from files: the same outputs to the last bit
    (tmp_path / "model.json").write_text(json.dumps(description))
    np.savez(tmp_path / "weights.npz", **model.state_dict())
    np.savez(tmp_path / "inputs.npz", *inputs)
    script = ("import json, numpy as np; from dlx import Tensor; from dlx.models import model_from_description\n"
              "m = model_from_description(json.load(open('model.json')))\n"
              "m.load_state_dict(dict(np.load('weights.npz', allow_pickle=False)))\n"
              "xs = np.load('inputs.npz', allow_pickle=False); out = m(*[Tensor(xs[k]) for k in xs.files])\n"
              "np.savez('out.npz', *[o.data for o in (out if isinstance(out, tuple) else (out,))])\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                          env=same_threads())
    assert done.returncode == 0, done.stderr
    fresh = np.load(tmp_path / "out.npz")
    for i, expected in enumerate(outputs):
        np.testing.assert_array_equal(fresh[f"arr_{i}"], expected)


def test_graph_errors_name_their_key_path():
    def with_layers(*items, **extra):
        return {"layers": [{"dense": {"units": 6}}, *items], **extra}

    blocks = {"unit": [{"dense": {"units": 6}}]}
    assert error_of(with_layers({"use": "unti"}, blocks=blocks)) == \
        (("layers", 1, "use"), "unknown block 'unti'; did you mean 'unit'? blocks: unit")
    path, message = error_of(with_layers({"use": "a"}, blocks={"a": [{"use": "b"}], "b": [{"use": "a"}]}))
    assert path == ("blocks", "b", 0, "use") and "a -> b -> a" in message
    assert error_of(with_layers({"residual": {"layer": []}}))[0] == ("layers", 1, "residual", "layer")
    assert "at least two paths" in error_of(with_layers({"branches": {"paths": [["relu"]]}}))[1]
    assert error_of(with_layers({"repeat": {"times": 0, "layers": ["relu"]}}))[0] == ("layers", 1, "repeat", "times")
    assert "never used" in error_of(with_layers("relu", blocks=blocks))[1]
    assert error_of({"nodes": {"a": {"from": "nowhere", "layers": ["relu"]}}})[0] == ("nodes", "a", "from")


def test_shape_errors_name_the_node_that_does_not_fit():
    concat = {"layers": [{"branches": {"paths": [["flatten"], [{"dense": {"units": 2}}]]}}]}
    path, message = error_of(concat, (2, 3), ShapeError)
    assert path == ("layers", 0, "branches", "paths", 1, 0) and "add a 'flatten' layer" in message
    shared = {"blocks": {"unit": [{"dense": {"units": 4}}]},
              "layers": [{"use": "unit"}, {"dense": {"units": 3}}, {"use": "unit"}]}
    path, message = error_of(shared, (5,), ShapeError)
    assert path == ("layers", 2, "use") and "every use needs the same input shape" in message
    identity = {"layers": [{"residual": {"layers": [{"dense": {"units": 2}}], "shortcut": "identity"}}]}
    assert error_of(identity, (5,), ShapeError)[0] == ("layers", 0, "residual")


def test_plain_chains_build_the_same_sequential_with_the_same_weights():
    chain = {"layers": [{"dense": {"units": 8}}, "relu", {"dense": {"units": "outputs"}}]}
    model = build_model(chain, (4,), 3, np.random.default_rng(5))
    by_hand = Sequential([Dense(8), model.layers[1], Dense(3)])
    by_hand.build((4,), np.random.default_rng(5))
    assert type(model) is Sequential
    for a, b in zip(model.parameters(), by_hand.parameters()):
        np.testing.assert_array_equal(a.data, b.data)
    graphs = [p.name for p in sorted((ROOT / "configs").glob("*.yaml"))
              if is_graph_config((yaml.safe_load(p.read_text()).get("model") or {}))]
    assert graphs == ["digits_graph.yaml", "resnet_digits.yaml", "resnet_mnist.yaml", "squeezenet_digits.yaml"]


def test_the_editor_schema_knows_the_merges_and_shortcuts():
    from dlx.config import components
    assert components.MERGES == list(MERGES) and components.SHORTCUTS == list(SHORTCUTS)


def test_the_model_record_check_accepts_graphs_and_names_a_missing_block(rng):
    from dlx.errors import CheckpointError
    from dlx.runs.records import check_record
    model = build_model(ENCODER_DECODER, SHAPES, 3, rng)
    meta = {"kind": "model", "task": "regression", "loss": "mse",
            "description": json.loads(json.dumps(describe_model(model, SHAPES, 3)))}
    check_record(Path("model.npz"), meta)
    del meta["description"]["blocks"]
    with pytest.raises(CheckpointError, match="description.architecture.nodes.0.body.layers.0 uses block 'encoder'"):
        check_record(Path("model.npz"), meta)
