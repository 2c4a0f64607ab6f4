"""A digits CNN trained for one epoch by the real ``dlx train`` in another process, shared by the export tests."""
from pathlib import Path

import pytest

from tests.cli.cli_process import dlx, output_of


@pytest.fixture(scope="package")
def trained_cnn(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("export")
    config = Path(__file__).resolve().parents[2] / "configs" / "digits_cnn.yaml"
    result = dlx("train", config, "--set", "training.epochs=1", "--set", "output.plots=false",
                 "--results", folder / "results", cwd=folder)
    assert result.returncode == 0, output_of(result)
    return Path(result.stdout.strip().splitlines()[-1].removeprefix("run folder: "))
