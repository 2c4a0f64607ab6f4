"""summary.json and package versions."""
from __future__ import annotations

import json
import platform

import numpy as np
import pytest

import dlx
from dlx.errors import DlxError
from dlx.runs.summary import package_versions, read_summary, write_summary


def test_package_versions_has_the_core_and_installed_extras():
    versions = package_versions()
    assert versions["python"] == platform.python_version()
    assert versions["numpy"] == np.__version__
    assert versions["dlx"] == dlx.__version__
    for name in ("pyyaml", "matplotlib", "scikit-learn"):
        assert isinstance(versions[name], str) and versions[name]


def test_write_and_read_summary(tmp_path):
    summary = {"best_epoch": np.int64(4), "test": {"accuracy": np.float32(0.5), "cm": np.eye(2, dtype=int)}}
    path = write_summary(tmp_path, summary)
    assert path == tmp_path / "summary.json"
    expected = {"best_epoch": 4, "test": {"accuracy": 0.5, "cm": [[1, 0], [0, 1]]}}
    assert json.loads(path.read_text()) == expected
    assert read_summary(tmp_path) == expected


def test_read_summary_errors(tmp_path):
    with pytest.raises(DlxError, match="does not exist"):
        read_summary(tmp_path)
    (tmp_path / "summary.json").write_text("{oops")
    with pytest.raises(DlxError, match="not valid JSON"):
        read_summary(tmp_path)
    (tmp_path / "summary.json").write_text("[1]")
    with pytest.raises(DlxError, match="not hold a JSON object"):
        read_summary(tmp_path)
