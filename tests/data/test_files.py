"""CSV and .npz loaders: task inference, label encoding, and error messages that say what to do."""
import zipfile

import numpy as np
import pytest

from dlx.data import infer_task
from dlx.errors import ConfigError, DataError
from dlx.registry import datasets
from tests.data.conftest import write_csv

csv_loader, npz_loader = datasets.get("csv"), datasets.get("npz")


def test_csv_maps_string_labels_and_keeps_names(csv_file):
    ds = csv_loader(path=str(csv_file), target="label")
    assert ds.task == "binary" and ds.class_names == ["cat", "dog"]
    assert ds.feature_names == ["a", "b"] and ds.name == "pets"
    assert ds.y.tolist() == [1, 0] * 5 and ds.X[3].tolist() == [3.0, 0.0]


def test_csv_features_option_and_inferred_tasks(tmp_path):
    rows = ["x,z,grade,price"] + [f"{i},{-i},{i % 4},{i * 1.5 + 0.25}" for i in range(12)]
    path = write_csv(tmp_path / "t.csv", "\n".join(rows))
    grades = csv_loader(path=str(path), target="grade", features=["x"])
    assert grades.task == "multiclass" and grades.input_shape == (1,) and grades.class_names == ["0", "1", "2", "3"]
    price = csv_loader(path=str(path), target="price")
    assert price.task == "regression" and price.y.shape == (12, 1) and price.input_shape == (3,)
    forced = csv_loader(path=str(path), target="grade", task="regression")
    assert forced.task == "regression" and forced.y.dtype == np.float32
    both = csv_loader(path=str(path), target=["grade", "price"])
    assert both.task == "regression" and both.output_size == 2


def test_csv_delimiter(tmp_path):
    path = write_csv(tmp_path / "semi.csv", "a;b;y\n1;2;0\n3;4;1\n")
    assert csv_loader(path=str(path), target="y", delimiter=";").X.tolist() == [[1, 2], [3, 4]]


def test_infer_task_rules():
    assert infer_task(np.array([0, 1, 1])) == "binary"
    assert infer_task(np.array(["a", "b", "c"])) == "multiclass"
    assert infer_task(np.array([0.5, 1.25, 3.0])) == "regression"
    assert infer_task(np.arange(100)) == "regression"  # integers, but too many distinct values
    assert infer_task(np.array([[0, 1], [1, 1]])) == "multilabel"


@pytest.mark.parametrize("text,options,message", [
    ("a,y\n1,0\n", {"target": "label"}, r"no column 'label'.*columns present: a, y"),
    ("a,color,y\n1,red,0\n2,blue,1\n", {"target": "y"}, r"column 'color'.*not numeric.*encode it"),
    ("a,y\n1,0\n,1\n", {"target": "y"}, r"column 'a'.*empty cell.*row 3"),
    ("", {"target": "y"}, r"is empty"),
    ("a,y\n", {"target": "y"}, r"is empty"),
    ("a,y\n1,0\n2\n", {"target": "y"}, r"row 3 has 1 cells"),
    ("a,y\n1,0\n", {"target": "y", "features": ["b"]}, r"no column 'b'.*dataset.features"),
    ("a,y\n1,0\n", {"target": "y", "features": ["a", "y"]}, r"'y'.*both target and feature"),
    ("a,y\n1,a\n2,b\n3,c\n", {"target": "y", "task": "binary"}, r"3 classes.*multiclass"),
    ("a,y\n1,a\n2,b\n", {"target": "y", "task": "regression"}, r"not numeric"),
])
def test_csv_errors_name_the_problem(tmp_path, text, options, message):
    path = write_csv(tmp_path / "bad.csv", text)
    with pytest.raises(DataError, match=message):
        csv_loader(path=str(path), **options)


def test_missing_file_says_check_dataset_path(tmp_path):
    with pytest.raises(DataError, match=r"data file 'nowhere.csv' not found; check dataset.path"):
        csv_loader(path="nowhere.csv", target="y")
    with pytest.raises(DataError, match="not found; check dataset.path"):
        npz_loader(path=str(tmp_path / "nowhere.npz"))


def test_bad_options_are_config_errors(csv_file):
    with pytest.raises(ConfigError, match="dataset.task"):
        csv_loader(path=str(csv_file), target="label", task="classification")
    with pytest.raises(ConfigError, match="dataset.delimiter"):
        csv_loader(path=str(csv_file), target="label", delimiter="tab")


def test_npz_loads_keys_and_string_labels(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, inputs=np.arange(12.0).reshape(6, 2), labels=np.array(["b", "a", "c"] * 2))
    ds = npz_loader(path=str(path), x_key="inputs", y_key="labels")
    assert ds.task == "multiclass" and ds.class_names == ["a", "b", "c"] and ds.y.tolist() == [1, 0, 2] * 2
    np.savez(path, X=np.ones((4, 3)), y=np.eye(4, 2))
    assert npz_loader(path=str(path)).task == "multilabel"


def test_npz_missing_key_lists_the_arrays_present(npz_file):
    with pytest.raises(DataError, match=r"no array 'targets'; arrays present: X, y"):
        npz_loader(path=str(npz_file), y_key="targets")


def test_npz_refuses_object_arrays(tmp_path):
    path = tmp_path / "pickled.npz"
    np.savez(path, X=np.ones((2, 2)), y=np.array([{"a": 1}, None], dtype=object))
    with pytest.raises(DataError, match="object arrays"):
        npz_loader(path=str(path))


def test_npz_rejects_files_that_are_not_npz(tmp_path):
    path = write_csv(tmp_path / "fake.npz", "a,b\n1,2\n")
    with pytest.raises(DataError, match="not a .npz file"):
        npz_loader(path=str(path))


@pytest.mark.parametrize("data,message", [
    (b"a,b,y\n1,2,0\n\xe9,4,1\n", "line 3: byte 0xe9 is not UTF-8 text"),
    (b"a,b,y\n1,2,0\n3,\x00,1\n", "line 3: a NUL byte"),
])
def test_csv_bytes_that_are_not_text_are_data_errors(tmp_path, data, message):
    path = tmp_path / "data.csv"
    path.write_bytes(data)
    with pytest.raises(DataError, match=message):
        datasets.get("csv")(path=str(path), target="y")


def test_csv_keeps_quoted_newlines_and_a_byte_order_mark(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes('\ufeffa,note,y\n1,"two\nlines",0\n2,x,1\n'.encode())
    ds = datasets.get("csv")(path=str(path), target="y", features=["a"])
    assert ds.X[:, 0].tolist() == [1.0, 2.0] and ds.feature_names == ["a"]


def test_npz_member_that_is_not_an_array_is_refused(tmp_path):
    path = tmp_path / "data.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("X.npy", b"\x80\x04\x95not an npy header")
        archive.writestr("y.npy", b"\x80\x04K\x01.")
    with pytest.raises(DataError, match="'X' is not a NumPy array"):
        datasets.get("npz")(path=str(path))
