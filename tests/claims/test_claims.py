"""``dlx claims``: the catalog of the notes' claims, runs in fresh processes, the report in a real browser."""
import re
import shutil
from pathlib import Path

import pytest
import yaml

from dlx.claims.catalog import load_catalog
from dlx.sweep.driver import validate
from dlx.sweep.spec import load_sweep
from tests.sweep.test_report_browser import CHROMIUM, browser
from tests.sweep.test_sweep_cli import dlx

ROOT = Path(__file__).resolve().parents[2]


def test_every_claim_file_is_a_claim_of_the_notes_and_every_runnable_one_a_valid_sweep():
    catalog = load_catalog(ROOT / "experiments" / "claims")
    assert len(catalog) >= 25 and len({c.name for c in catalog}) == len(catalog)
    for claim in catalog:
        assert re.match(r"\[[FCRGNLXE]\] ", claim.section), claim.name      # TOPICS.md's section tags
        if claim.runnable:
            loaded = load_sweep(claim.path)
            validate(loaded)
            seeds = loaded.spec.seeds
            assert (seeds if isinstance(seeds, int) else len(seeds)) >= 3 and loaded.spec.expect, claim.name
        else:
            assert claim.pending.startswith("needs "), claim.name


XOR = {"claim": {"statement": "A linear hidden layer adds nothing.", "section": "[F] Foundations"},
       "name": "xor-claim", "base": str(ROOT / "configs" / "xor.yaml"), "set": ["training.epochs=60"],
       "parameters": {"model.layers.1": ["linear", "tanh"]}, "seeds": 3, "metric": "train_loss",
       "expect": {"tanh_learns": "tanh.train_loss < linear.train_loss at 95%"}}
PENDING = "claim:\n  statement: Attention helps.\n  section: '[N] Language'\npending: needs attention\n"


def claims_folder(tmp_path, **changes):
    folder = tmp_path / "claims"
    folder.mkdir()
    (folder / "xor.yaml").write_text(yaml.safe_dump({**XOR, **changes}, sort_keys=False))
    (folder / "attention.yaml").write_text(PENDING)
    return folder


@pytest.mark.parametrize("changes, message", [
    ({"expect": {"bad": "tanh.train_loss <"}}, "ends early"),
    ({"expect": {"bad": "relu.train_loss < tanh.train_loss at 95%"}}, "'relu.train_loss' names no group"),
    ({"seeds": 2}, "needs at least 3; the sweep runs 2"),
])
def test_a_broken_claim_is_one_line_before_any_trial(tmp_path, changes, message):
    folder = claims_folder(tmp_path, **changes)
    done = dlx("claims", "run", "--claims", str(folder), "--results", str(tmp_path / "r"), cwd=tmp_path)
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1 and message in done.stderr, \
        done.stderr
    assert not (tmp_path / "r").exists()


def test_claims_run_resume_and_report_in_a_browser(tmp_path):
    folder = claims_folder(tmp_path)
    results = tmp_path / "r"
    listed = dlx("claims", "list", "--claims", str(folder), cwd=tmp_path)
    assert listed.returncode == 0 and "pending: needs attention" in listed.stdout
    done = dlx("claims", "run", "--claims", str(folder), "--results", str(results), "--workers", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "claim attention: pending: needs attention" in done.stderr
    page = (results / "report.html").read_text()
    assert "<td class='held'>held</td>" in page and "<td class='pending'>pending</td>" in page
    assert "3 seeds: mean difference" in page
    again = dlx("claims", "run", "--claims", str(folder), "--results", str(results), "--resume", cwd=tmp_path)
    assert again.returncode == 0 and "claim xor: finished before (--resume)" in again.stderr
    if CHROMIUM is None:
        pytest.skip("no chromium binary (apt-get install -y chromium) for the browser half")
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", PROBE + "</body>"))
    dom = browser("--dump-dom", probe.as_uri()).stdout
    seen = re.search(r"<title>probe images (\d+)/(\d+) rows (\d+) verdicts (\d+)</title>", dom)
    assert seen, dom[:500]
    loaded, images, rows, verdicts = map(int, seen.groups())
    assert images >= 1 and loaded == images and rows == 2 and verdicts == 2
    shot = tmp_path / "claims.png"
    browser(f"--screenshot={shot}", "--window-size=1200,1800", (results / "report.html").as_uri())
    assert shot.stat().st_size > 20_000
    shutil.copy(shot, results / "screenshot.png")


PROBE = """<script>window.addEventListener('load', () => {
  const images = [...document.images];
  const ok = images.filter(i => i.complete && i.naturalWidth > 0).length;
  const rows = document.querySelectorAll('#claims tr').length - 1;
  const verdicts = [...document.querySelectorAll('#claims tr td:last-child')].filter(td => td.textContent).length;
  document.title = `probe images ${ok}/${images.length} rows ${rows} verdicts ${verdicts}`;
});</script>"""
