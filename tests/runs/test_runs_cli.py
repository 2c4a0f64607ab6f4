"""dlx runs, dlx compare and dlx site as a user runs them, on run folders that other processes wrote."""
import json
import shutil

from tests.cli.cli_process import assert_one_error_line, dlx, output_of
from tests.runs.conftest import copy_results
from tests.runs.test_compare import make_sweep


def lines(result) -> list[str]:
    return output_of(result).splitlines()


def test_runs_lists_filters_sorts_and_prints_json(two_runs, tmp_path):
    results, runs = copy_results(two_runs, tmp_path)
    listed = dlx("runs", "--results", results, cwd=tmp_path)
    assert listed.returncode == 0 and listed.stderr == ""
    header = lines(listed)[0].split()
    assert header[:5] == ["name", "kind", "stamp", "status", "epochs"] and "optimiser.lr" in header
    assert len(lines(listed)) == 4  # header, rule, two runs
    chosen = dlx("runs", "--results", results, "--filter", "optimiser.lr > 0.1 and status=finished", "--json",
                 cwd=tmp_path)
    records = json.loads(chosen.stdout)
    assert [r["path"] for r in records] == [runs[1].relative_to(results).as_posix()]
    assert records[0]["config"]["optimiser.lr"] == 0.2 and records[0]["epochs"] == 3
    ordered = json.loads(dlx("runs", "--results", results, "--sort", "optimiser.lr", "--json", cwd=tmp_path).stdout)
    assert [r["config"]["optimiser.lr"] for r in ordered] == [0.05, 0.2]
    assert (results / "index.sqlite").is_file()


def test_a_malformed_filter_or_unknown_key_is_one_line(two_runs, tmp_path):
    results, _ = copy_results(two_runs, tmp_path)
    assert_one_error_line(dlx("runs", "--results", results, "--filter", "train_loss <", cwd=tmp_path),
                          "expected a value after '<'")
    assert_one_error_line(dlx("runs", "--results", results, "--filter", "optimser.lr>1", cwd=tmp_path),
                          "no listed run has the key 'optimser.lr'", "did you mean 'optimiser.lr'")
    assert_one_error_line(dlx("runs", "--results", results, "--columns", "train_los", cwd=tmp_path),
                          "no listed run has the column 'train_los'", "did you mean 'train_loss'")


def test_a_folder_deleted_by_hand_or_a_corrupt_summary_gives_one_warning(two_runs, tmp_path):
    results, runs = copy_results(two_runs, tmp_path)
    assert dlx("runs", "--results", results, cwd=tmp_path).returncode == 0  # indexed
    shutil.rmtree(runs[0])
    after = dlx("runs", "--results", results, cwd=tmp_path)
    warnings = [line for line in lines(after) if line.startswith("warning:")]
    assert after.returncode == 0 and len(warnings) == 1 and runs[0].name in warnings[0], output_of(after)
    assert len(lines(after)) == 4  # the warning, header, rule, the run left
    (runs[1] / "summary.json").write_text('{"status": "finis')
    damaged = dlx("runs", "--results", results, cwd=tmp_path)
    warnings = [line for line in lines(damaged) if line.startswith("warning:")]
    assert damaged.returncode == 0 and len(warnings) == 1 and "summary.json" in warnings[0], output_of(damaged)
    assert "unreadable" in damaged.stdout and "Traceback" not in output_of(damaged)


def test_prune_asks_and_deletes_or_archives_what_matches(two_runs, tmp_path):
    results, runs = copy_results(two_runs, tmp_path)
    assert_one_error_line(dlx("runs", "--results", results, "--prune", "optimiser.lr>0.1", cwd=tmp_path),
                          "1 run matches", "add --yes to delete it")
    assert runs[1].is_dir()
    archived = dlx("runs", "--results", results, "--prune", "optimiser.lr>0.1", "--archive", "--yes", cwd=tmp_path)
    assert archived.returncode == 0 and not runs[1].exists(), output_of(archived)
    assert (results / ".archive" / runs[1].relative_to(results) / "summary.json").is_file()
    deleted = dlx("runs", "--results", results, "--prune", "status=finished", "--yes", cwd=tmp_path)
    assert deleted.returncode == 0 and not runs[0].exists()
    assert lines(dlx("runs", "--results", results, cwd=tmp_path)) == [f"no runs in '{results}'"]


def test_compare_prints_the_differences_and_writes_a_page(two_runs, tmp_path):
    results, runs = copy_results(two_runs, tmp_path)
    page = tmp_path / "compare.html"
    shown = dlx("compare", *runs, "--html", page, cwd=tmp_path, env={"COLUMNS": "200"})
    assert shown.returncode == 0, output_of(shown)
    assert "optimiser.lr" in shown.stdout and "Δ" in shown.stdout and "train_loss" in shown.stdout
    text = page.read_text()
    assert "data:image/png;base64," in text and "<td>optimiser.lr</td><td>0.05</td><td>0.2</td>" in text
    chosen = dlx("compare", "--filter", "optimiser.lr < 1", "--results", results, "--html", tmp_path / "f.html",
                 cwd=tmp_path)
    assert chosen.returncode == 0 and "<td>optimiser.lr</td>" in (tmp_path / "f.html").read_text(), output_of(chosen)
    assert_one_error_line(dlx("compare", runs[0], cwd=tmp_path), "at least two run folders")
    assert_one_error_line(dlx("compare", runs[0], tmp_path, cwd=tmp_path), "not a run folder")


def test_site_writes_an_index_a_page_per_run_explanations_and_claims(two_runs, tmp_path):
    results, runs = copy_results(two_runs, tmp_path)
    (runs[0] / "explanations.html").write_text("<html><body>lime of row 3</body></html>")
    sweep = make_sweep(results, "20261201-101500-aaaaaa", [0.3, 0.2])
    (sweep / "report.html").write_text("<html><body>the sweep's report</body></html>")
    state = json.loads((sweep / "state.json").read_text())
    state["verdicts"] = [{"name": "adam_wins", "claim": "adam.val_loss < sgd.val_loss", "held": False,
                          "numbers": {"adam.val_loss": 0.3, "sgd.val_loss": 0.2}}]
    (sweep / "state.json").write_text(json.dumps(state))
    made = dlx("site", results, cwd=tmp_path)
    assert made.returncode == 0, output_of(made)
    site = results / "site"
    index = (site / "index.html").read_text()
    assert index.count("<tr>") == 4 and "<script>" in index  # the header, two runs, the sweep
    assert "files/sweeps__lr__20261201-101500-aaaaaa/report.html" in index
    pages = sorted((site / "runs").glob("*.html"))
    assert len(pages) == 2 and "optimiser" in pages[0].read_text()
    run_page = (site / "runs" / f"{runs[0].parent.name}__{runs[0].name}.html").read_text()
    assert "explanations.html" in run_page
    assert "lime of row 3" in next(site.glob("files/*/explanations.html")).read_text()
    claims = (site / "claims.html").read_text()
    assert "adam_wins" in claims and "FAILED" in claims and "adam.val_loss = 0.3" in claims
    assert_one_error_line(dlx("site", tmp_path / "nowhere", cwd=tmp_path), "no results folder")
    assert dlx("site", results, cwd=tmp_path).returncode == 0  # an earlier site is replaced
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    assert_one_error_line(dlx("site", results, "--out", tmp_path / "mine", cwd=tmp_path), "holds other files")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"
