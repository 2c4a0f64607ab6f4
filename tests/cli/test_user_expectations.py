"""What a new user expects, run as they run it: MNIST without a path, defaults that are the components' own.

The download cases use a real HTTP server on 127.0.0.1 that the test starts
(``DLX_MNIST_MIRROR`` points at it) and a cache folder under the test's folder
(``DLX_CACHE_DIR``), so nothing leaves the machine and the user's cache is untouched.
"""
import json

import pytest

from tests.cli.cli_process import (XOR, assert_no_run_folder, assert_one_error_line, dlx, output_of, train,
                                   write)
from tests.data.test_download import NAMES, write_fake_mnist
from tests.local_http import serve

MNIST = """\
description: mnist from the cache
dataset: {name: mnist, options: {flatten: true, subset: test}, validation: 0, test: 0}
model: {layers: [{dense: {units: outputs}}]}
training: {epochs: 1}
output: {plots: false}
"""


def test_a_corrupted_download_is_refused_and_not_cached(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    write_fake_mnist(served)  # MNIST-shaped files, but not the published bytes: their SHA-256 differs
    cache = tmp_path / "cache"
    with serve(served) as (url, requests):
        result = dlx("train", write(tmp_path, MNIST), "--results", tmp_path / "results", cwd=tmp_path,
                     env={"DLX_CACHE_DIR": str(cache), "DLX_MNIST_MIRROR": url})
    assert requests, "the server was asked"
    assert_one_error_line(result, "SHA-256", "not the published", "not kept")
    assert not any(p.is_file() for p in cache.rglob("*")), "nothing unverified is cached"
    assert_no_run_folder(tmp_path / "results")


def test_offline_the_error_says_which_files_to_put_where(tmp_path):
    cache = tmp_path / "cache"
    result = dlx("train", write(tmp_path, MNIST), "--results", tmp_path / "results", cwd=tmp_path,
                 env={"DLX_CACHE_DIR": str(cache), "DLX_MNIST_MIRROR": "http://127.0.0.1:9/"})
    line = assert_one_error_line(result, "offline?", str(cache / "mnist"))
    assert all(name in line for name in NAMES), line
    assert_no_run_folder(tmp_path / "results")


def test_cached_files_are_used_without_the_network(tmp_path):
    cache = tmp_path / "cache"
    (cache / "mnist").mkdir(parents=True)
    write_fake_mnist(cache / "mnist")
    run = train(tmp_path, MNIST, "--set", "dataset.options.mirror=http://127.0.0.1:9/")
    assert json.loads((run / "summary.json").read_text())["status"] == "finished"


def test_the_cache_folder_option_wins_over_the_environment(tmp_path):
    option = tmp_path / "option-cache"
    result = dlx("train", write(tmp_path, MNIST), "--results", tmp_path / "results",
                 "--set", f"dataset.options.cache_dir={option}", cwd=tmp_path,
                 env={"DLX_CACHE_DIR": str(tmp_path / "env-cache"), "DLX_MNIST_MIRROR": "http://127.0.0.1:9/"})
    assert_one_error_line(result, str(option / "mnist"))


@pytest.mark.parametrize("optimiser,lr", [("adadelta", "1.0"), ("adam", "0.001"), ("sgd", "0.01")])
def test_config_show_prints_the_optimisers_own_learning_rate(tmp_path, optimiser, lr):
    text = XOR.replace("optimiser: {name: adam, lr: 0.05}", f"optimiser: {{name: {optimiser}}}")
    result = dlx("config", "show", write(tmp_path, text), cwd=tmp_path)
    assert result.returncode == 0, output_of(result)
    assert f"  name: {optimiser}\n  lr: {lr}\n" in result.stdout, result.stdout


def test_a_learning_rate_given_is_kept(tmp_path):
    result = dlx("config", "show", write(tmp_path, XOR), "--set", "optimiser.name=adadelta", cwd=tmp_path)
    assert "  lr: 0.05\n" in result.stdout, output_of(result)


def test_schema_lists_each_components_keys_from_its_signature(tmp_path):
    result = dlx("schema", cwd=tmp_path)
    assert result.returncode == 0, output_of(result)
    schema = json.loads(result.stdout)
    layer_options = schema["$defs"]["ModelConfig"]["properties"]["layers"]["anyOf"][0]["items"]["anyOf"]
    conv2d = next(o for o in layer_options if "conv2d" in o.get("properties", {}))["properties"]["conv2d"]
    assert {"filters", "kernel_size", "stride", "padding"} <= set(conv2d["properties"])
    assert conv2d["required"] == ["filters", "kernel_size"] and conv2d["additionalProperties"] is False
    optimiser = schema["$defs"]["OptimiserConfig"]["properties"]
    assert {"beta1", "beta2", "momentum", "rho"} <= set(optimiser) and "adadelta" in optimiser["name"]["enum"]
    schedules = optimiser["schedule"]["anyOf"]
    step = next(o for o in schedules if o.get("properties", {}).get("name", {}).get("const") == "step")
    assert {"step_size", "gamma"} <= set(step["properties"])
