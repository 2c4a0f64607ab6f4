"""Bad and hostile inputs, run through the real ``dlx`` command in a fresh process (issue 8).

Each case asserts the exit code, one ``error:`` line, no traceback, and no run
folder (or a complete one).
"""
import gzip
import json
import shutil
import struct
import zipfile

import numpy as np
import pytest

from tests.cli.cli_process import (XOR, assert_no_run_folder, assert_one_error_line, dlx, output_of, rewrite_record,
                                   train, write)

BASE = XOR.replace("training: {epochs: 3, batch_size: full}\n", "")


def train_fails(tmp_path, text, *fragments, extra=()):
    result = dlx("train", write(tmp_path, text), "--results", tmp_path / "results", *extra, cwd=tmp_path)
    line = assert_one_error_line(result, *fragments)
    assert_no_run_folder(tmp_path / "results")
    return line


# --- configs: denial of service and recursion -------------------------------------------------------------

def billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_fast(tmp_path):
    assert len(billion_laughs().splitlines()) == 9
    result = dlx("train", write(tmp_path, billion_laughs()), "--results", tmp_path / "results", cwd=tmp_path,
                 timeout=30)  # the unfixed loader hangs with memory growing
    assert_one_error_line(result, "exp.yaml:", "alias")
    assert_no_run_folder(tmp_path / "results")


def test_a_recursive_alias_is_one_line(tmp_path):
    train_fails(tmp_path, BASE + "training: &t {epochs: 3, again: *t}\n", "exp.yaml:", "recursive alias")


def test_five_thousand_levels_of_nesting_are_one_line(tmp_path):
    train_fails(tmp_path, BASE + "training: " + "[" * 5000 + "]" * 5000 + "\n", "nested more than")


def test_a_duplicate_section_names_both_lines(tmp_path):
    text = BASE + "training:\n  epochs: 3\ntraining:\n  epochs: 4\n"
    train_fails(tmp_path, text, "exp.yaml:9:", "'training' is given twice (lines 7 and 9)")


def test_non_utf8_bytes_in_a_config(tmp_path):
    (tmp_path / "exp.yaml").write_bytes(XOR.encode() + b"# caf\xe9\n")
    result = dlx("train", tmp_path / "exp.yaml", "--results", tmp_path / "results", cwd=tmp_path)
    assert_one_error_line(result, "exp.yaml:8:", "not UTF-8")


def test_binary_garbage_as_a_config(tmp_path):
    (tmp_path / "exp.yaml").write_bytes(bytes(range(256)) * 4)
    result = dlx("train", tmp_path / "exp.yaml", "--results", tmp_path / "results", cwd=tmp_path)
    assert_one_error_line(result, "exp.yaml")
    assert_no_run_folder(tmp_path / "results")


def test_a_config_path_that_is_a_folder(tmp_path):
    (tmp_path / "configs").mkdir()
    assert_one_error_line(dlx("train", tmp_path / "configs", cwd=tmp_path), "is a folder, not a file")


# --- configs: values the schema used to accept ---------------------------------------------------------------

@pytest.mark.parametrize("section,fragments", [
    ("training: {epochs: yes}", ["training.epochs", "valid integer", "True"]),
    ("training: {epochs: 3, shuffle: 1}", ["training.shuffle", "valid boolean"]),
    ("regularisation: {l2: .inf}", ["regularisation.l2", "not a finite number"]),
    ("regularisation: {input_noise: .inf}", ["regularisation.input_noise", "not a finite number"]),
    ("optimiser: {name: adam, beta1: .nan}", ["optimiser.beta1", "not a finite number"]),
    ("regularisation: {early_stopping: {monitor: val_acuracy}}", ["monitor", "did you mean 'val_accuracy'?"]),
])
def test_values_that_are_not_what_they_seem_are_refused(tmp_path, section, fragments):
    base = BASE if section.startswith("training") else XOR
    text = base.replace("optimiser: {name: adam, lr: 0.05}\n", "" if section.startswith("optimiser") else
                        "optimiser: {name: adam, lr: 0.05}\n") + section + "\n"
    train_fails(tmp_path, text, *fragments)


def test_a_negative_seed_is_a_config_error(tmp_path):
    train_fails(tmp_path, XOR, "training.seed", "greater than or equal to 0", extra=("--set", "training.seed=-1"))


# --- data files --------------------------------------------------------------------------------------------

def csv_config(path) -> str:
    return XOR.replace("{name: xor, options: {repeat: 4}", f"{{name: csv, options: {{path: '{path}', target: y}}")


def test_a_csv_data_set_that_is_not_utf8(tmp_path):
    data = tmp_path / "data.csv"
    data.write_bytes(b"a,b,y\n1,2,0\n3,4,1\n\xff\xfe,6,0\n")
    train_fails(tmp_path, csv_config(data), "data.csv' line 4", "not UTF-8")


def test_a_csv_data_set_of_binary_garbage(tmp_path):
    data = tmp_path / "data.csv"
    data.write_bytes(b"a,b,y\n\x00\x01\x02\x03\n")
    train_fails(tmp_path, csv_config(data), "data.csv")


def test_an_npz_member_that_is_a_raw_pickle(tmp_path):
    data = tmp_path / "data.npz"
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("X.npy", b"\x80\x04\x95" + b"cos\nsystem\n" * 3)  # pickle bytes, not an .npy array
        archive.writestr("y.npy", b"\x80\x04K\x01.")
    text = XOR.replace("{name: xor, options: {repeat: 4}", f"{{name: npz, options: {{path: '{data}'}}")
    train_fails(tmp_path, text, "data.npz", "not a NumPy array")


def idx_config(folder) -> str:
    return (f"description: idx\ndataset: {{name: mnist, options: {{path: '{folder}', flatten: true}}, "
            f"validation: 0, test: 0}}\nmodel: {{layers: [{{dense: {{units: outputs}}}}]}}\n"
            f"training: {{epochs: 1}}\noutput: {{plots: false}}\n")


def test_a_gzip_bomb_in_an_idx_file(tmp_path):
    folder = tmp_path / "idx"
    folder.mkdir()
    header = struct.pack(">IIII", 0x803, 10, 28, 28)  # promises 7,840 bytes ...
    with gzip.open(folder / "t10k-images-idx3-ubyte.gz", "wb") as handle:
        handle.write(header + bytes(64 * 2**20))  # ... and decompresses to 64 MiB
    with gzip.open(folder / "t10k-labels-idx1-ubyte.gz", "wb") as handle:
        handle.write(struct.pack(">II", 0x801, 10) + bytes(10))
    train_fails(tmp_path, idx_config(folder), "t10k-images-idx3-ubyte.gz", "10x28x28 needs 7840")


def test_an_idx_header_whose_dimensions_overflow(tmp_path):
    folder = tmp_path / "idx"
    folder.mkdir()
    (folder / "t10k-images-idx3-ubyte").write_bytes(struct.pack(">IIII", 0x803, 2**31, 2**31, 4) + bytes(64))
    (folder / "t10k-labels-idx1-ubyte").write_bytes(struct.pack(">II", 0x801, 1) + bytes(1))
    train_fails(tmp_path, idx_config(folder), "2147483648x2147483648x4", "more than the limit")


# --- checkpoints ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("finished")
    return train(folder, XOR.replace("epochs: 3", "epochs: 2, checkpoint_seconds: 0"))


@pytest.fixture
def run_copy(finished_run, tmp_path):
    return shutil.copytree(finished_run, tmp_path / "run")


def drop_name(meta):
    del meta["description"]["architecture"]["layers"][0]["name"]


def add_argument(meta):
    meta["description"]["architecture"]["layers"][0]["colour"] = "red"


@pytest.mark.parametrize("edit,fragment", [
    (drop_name, "layers.0 has no layer 'name'"),
    (add_argument, "unknown argument 'colour'"),
    (lambda meta: meta.pop("task"), "no 'task'"),
    (lambda meta: meta["description"].update(input_shape=["two"]), "input_shape"),
])
def test_a_malformed_model_record_names_the_file(run_copy, tmp_path, edit, fragment):
    rewrite_record(run_copy / "model.npz", edit)
    assert_one_error_line(dlx("evaluate", run_copy, cwd=tmp_path), "model.npz", fragment)



def test_weights_that_do_not_fit_the_architecture_name_the_file(run_copy, tmp_path):
    path = run_copy / "model.npz"
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    weight = next(name for name in arrays if name.endswith("weight"))
    arrays[weight] = arrays[weight][:, :3]
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)
    assert_one_error_line(dlx("evaluate", run_copy, cwd=tmp_path), "model.npz", "shape")


def test_a_training_checkpoint_without_history(run_copy, tmp_path):
    rewrite_record(run_copy / "checkpoints" / "last.npz", lambda meta: meta.pop("history"))
    summary = json.loads((run_copy / "summary.json").read_text())
    summary["status"] = "interrupted"  # so that --resume reads the checkpoint
    (run_copy / "summary.json").write_text(json.dumps(summary))
    assert_one_error_line(dlx("train", "--resume", run_copy, cwd=tmp_path), "last.npz", "no 'history'")



def test_a_model_record_asking_for_a_billion_units(run_copy, tmp_path):
    def huge(meta):  # a hidden layer of 10^9 units: 8 + 8 GB of float32 weights
        layers = meta["description"]["architecture"]["layers"]
        layers[0]["units"] = layers[2]["in_features"] = 10**9
    rewrite_record(run_copy / "model.npz", huge)
    result = dlx("evaluate", run_copy, cwd=tmp_path, env={"DLX_MEMORY_LIMIT": "1GiB"}, timeout=60,
                 address_space=4 * 2**30)
    assert_one_error_line(result, "DLX_MEMORY_LIMIT")


# --- fixed in the training and inference floors -----------------------------------------------------------------


def test_a_config_asking_for_a_billion_units(tmp_path):
    text = XOR.replace("units: 8", "units: 1000000000")
    result = dlx("train", write(tmp_path, text), "--results", tmp_path / "results", cwd=tmp_path,
                 env={"DLX_MEMORY_LIMIT": "1GiB"}, timeout=60, address_space=4 * 2**30)
    assert_one_error_line(result, "DLX_MEMORY_LIMIT", "training.memory_limit")
    assert_no_run_folder(tmp_path / "results")



def test_an_augmentation_that_does_not_fit_the_data_leaves_no_folder(tmp_path):
    text = ("description: aug\ndataset: {name: breast_cancer, augment: [{name: shift, max_shift: 2}]}\n"
            "model: {layers: [{dense: {units: outputs}}]}\ntraining: {epochs: 1}\noutput: {plots: false}\n")
    train_fails(tmp_path, text, "shift", "images")



def test_a_data_set_with_one_class_says_so(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("a,b,y\n" + "".join(f"{i},{i % 3},cat\n" for i in range(20)))
    text = csv_config(data).replace("loss: bce_with_logits\n", "")
    result = dlx("train", write(tmp_path, text), "--results", tmp_path / "results", cwd=tmp_path)
    assert "Traceback" not in output_of(result)
    assert "one class" in output_of(result).lower(), output_of(result)



@pytest.mark.parametrize("edit,fragment", [
    (lambda t: t.replace("name: adam,", "name: adam, beta1: yes,"), "optimiser.beta1"),
    (lambda t: t.replace("repeat: 4", "repeat: yes"), "dataset.options.repeat"),
])
def test_a_boolean_for_a_component_number(tmp_path, edit, fragment):
    train_fails(tmp_path, edit(XOR), fragment, "is a boolean")



def test_predict_works_on_a_run_trained_from_the_command_line(finished_run, tmp_path):
    rows = write(tmp_path, "x1,x2\n0,0\n1,1\n", "rows.csv")
    result = dlx("predict", finished_run, rows, cwd=tmp_path)
    assert result.returncode == 0, output_of(result)
    assert result.stdout.splitlines()[0].startswith("prediction")



def test_a_predict_input_that_is_not_utf8(finished_run, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_bytes(b"x1,x2\n0,\xff\n")
    assert_one_error_line(dlx("predict", finished_run, rows, cwd=tmp_path), "rows.csv", "not UTF-8")
