"""A sweep's ``plots: false`` leaves out the report's pictures, and only them (run as a user runs it)."""
from tests.cli.cli_process import XOR, dlx, output_of, write


def test_a_sweep_with_plots_false_writes_its_tables_and_no_pictures(tmp_path):
    config = write(tmp_path, XOR.replace("output: {plots: false}", "output: {plots: true}"), "xor.yaml")
    done = dlx("sweep", config, "--param", "optimiser.lr", "--values", "0.01,0.1", "--set", "plots=false",
               "--backend", "serial", "--results", tmp_path / "r", cwd=tmp_path)
    assert done.returncode == 0, output_of(done)
    (sweep_dir,) = (tmp_path / "r" / "sweeps" / "xor").iterdir()
    assert not list((sweep_dir / "plots").glob("*.png"))
    report = (sweep_dir / "report.md").read_text()
    assert "None: the sweep says `plots: false`" in report
    assert "| lr=0.01 |" in report and "| lr=0.1 |" in report  # the groups table
    assert len((sweep_dir / "summary.csv").read_text().splitlines()) == 3  # a header and a row per group
    trial_plots = sorted(p.name for p in sweep_dir.glob("trials/*/plots/*.png"))
    assert trial_plots == ["loss.png", "loss.png"]  # each trial follows its own output.plots
