"""An RL config has the ``output`` section of every other kind: ``run_name``, ``results_dir``, ``plots``."""
import json
import shutil

from tests.cli.cli_process import ROOT, assert_one_error_line, dlx, output_of


def test_an_rl_run_takes_its_name_folder_and_plots_from_output(tmp_path):
    config = shutil.copy(ROOT / "configs" / "frozenlake_vi.yaml", tmp_path / "frozenlake_vi.yaml")
    done = dlx("train", config, "--set", "output.run_name=lake", "--set", "output.results_dir=elsewhere",
               "--set", "output.plots=false", cwd=tmp_path)
    assert done.returncode == 0, output_of(done)
    (run_dir,) = (tmp_path / "elsewhere" / "lake").iterdir()
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "finished" and summary["kind"] == "rl"
    assert not list((run_dir / "plots").iterdir())  # the folder every run has, left empty
    assert not [a for a in summary["artifacts"] if a.startswith("plots/")]
    assert (run_dir / "model.npz").is_file()


def test_an_unknown_output_key_of_an_rl_config_is_one_line(tmp_path):
    config = shutil.copy(ROOT / "configs" / "frozenlake_vi.yaml", tmp_path / "frozenlake_vi.yaml")
    done = dlx("train", config, "--set", "output.plot=false", "--results", tmp_path / "r", cwd=tmp_path)
    assert_one_error_line(done, "output.plot", "plots")
    assert not (tmp_path / "r").exists()
