"""report.html in a real headless browser (Debian's chromium): it renders, every image loads, verdicts are there."""
import re
import shutil
import subprocess

import pytest
import yaml

from dlx.sweep.driver import run_sweep
from dlx.sweep.spec import parse_sweep
from tests.conftest import BREAST_CANCER_SMALL

CHROMIUM = next((shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(name)), None)
# after loading, the page writes what it saw into its title (the report itself has no script)
PROBE = """<script>window.addEventListener('load', () => {
  const images = [...document.images];
  const ok = images.filter(i => i.complete && i.naturalWidth > 0).length;
  const verdicts = document.querySelectorAll('#verdicts tr').length - 1;
  document.title = `probe images ${ok}/${images.length} verdicts ${verdicts}`;
});</script>"""


def browser(*args, timeout=120):
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                           "--virtual-time-budget=10000", *args], capture_output=True, text=True, timeout=timeout)


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary (apt-get install -y chromium)")
def test_the_html_report_renders_with_its_images_and_verdicts(tmp_path):
    text = yaml.safe_dump({"name": "t", "base": yaml.safe_load(BREAST_CANCER_SMALL), "set": ["training.epochs=2"],
                           "parameters": {"optimiser.name": ["sgd", "adam"], "optimiser.lr": [0.003, 0.03]},
                           "expect": {"adam_beats_sgd": "adam.val_loss < sgd.val_loss",
                                      "nothing_diverges": "not lr[0.03].status == diverged"}})
    outcome = run_sweep(parse_sweep(text), backend="serial", results_root=str(tmp_path))
    report = outcome.sweep_dir / "report.html"
    probe = tmp_path / "probe.html"
    probe.write_text(report.read_text().replace("</body>", PROBE + "</body>"))
    dom = browser("--dump-dom", probe.as_uri()).stdout
    seen = re.search(r"<title>probe images (\d+)/(\d+) verdicts (\d+)</title>", dom)
    assert seen, dom[:500]
    loaded, images, verdicts = map(int, seen.groups())
    assert images == 5 and loaded == images and verdicts == 2  # 3 plots, parallel coordinates, importance
    assert "adam_beats_sgd" in dom and "nothing_diverges" in dom
    shot = tmp_path / "report.png"
    browser(f"--screenshot={shot}", "--window-size=1200,2400", report.as_uri())
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
    shutil.copy(shot, outcome.sweep_dir / "screenshot.png")  # kept for a person to look at
