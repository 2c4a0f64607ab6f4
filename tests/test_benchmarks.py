"""``python -m benchmarks`` runs as a user runs it (from the repository root) and writes its table."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_benchmark_suite_runs_and_writes_json_and_markdown(tmp_path):
    out = tmp_path / "bench"
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--workloads", "digits_cnn", "--threads", "1",
                           "--repeats", "1", "--no-torch", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads((out / "bench.json").read_text())
    (row,) = result["workloads"]
    assert row["workload"] == "digits_cnn" and row["dlx_ms"] > 0 and row["peak_mib"] > 0 and "ratio" not in row
    assert {c["convolution"] for c in result["convolutions"]} == {"conv1 1->16 5x5 on 28x28", "conv2 16->32 5x5 on 14x14"}
    assert result["help_s"] > 0
    table = (out / "bench.md").read_text()
    assert "| digits_cnn | 1 |" in table and "GFLOP/s" in table and table in done.stdout


def test_an_unknown_workload_is_one_line_and_exit_2():
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--workloads", "resnet"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "unknown workload 'resnet'" in done.stderr
