"""The site and the compare page in a real headless browser (Debian's chromium): every image loads, and the
index sorts when its header is clicked and filters as a filter is typed (events handled by the page's own script).

Each page is probed through a copy beside it holding one more script, which clicks and types after loading
and writes what it saw into the title (the pages themselves have no test code). Needs ``chromium``
(``apt-get install -y chromium``); skipped without it.
"""
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli.cli_process import dlx, output_of
from tests.runs.conftest import copy_results

CHROMIUM = next((shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(name)), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary (apt-get install -y chromium)")

IMAGES = """<script>window.addEventListener('load', () => {
  const images = [...document.images], ok = images.filter(i => i.complete && i.naturalWidth > 0).length;
  document.title = `probe images ${ok}/${images.length}`;
});</script>"""

CLICKS = """<script>window.addEventListener('load', () => {
  const visible = () => [...document.querySelectorAll('#runs tbody tr')].filter(r => r.style.display !== 'none');
  const header = [...document.querySelectorAll('#runs th')].find(h => h.dataset.key === 'optimiser.lr');
  const column = header.cellIndex, values = () => visible().map(r => r.cells[column].textContent).join(',');
  header.click(); const up = values();
  header.click(); const down = values();
  const filter = document.getElementById('filter');
  filter.value = 'optimiser.lr>0.1'; filter.dispatchEvent(new Event('input', {bubbles: true}));
  const kept = values();
  filter.value = 'status=finished'; filter.dispatchEvent(new Event('input', {bubbles: true}));
  document.title = `probe up ${up} down ${down} kept ${kept} all ${visible().length} link ${
    visible()[0].cells[0].querySelector('a').getAttribute('href')}`;
});</script>"""


def browser(*args, timeout=120) -> str:
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                           "--allow-file-access-from-files", "--virtual-time-budget=5000", *args],
                          capture_output=True, text=True, timeout=timeout).stdout


def probe(page: Path, script: str) -> str:
    """The title the page has after ``script`` ran in it (a copy beside it, so relative links hold)."""
    copy = page.with_name(f"probe-{page.name}")
    copy.write_text(page.read_text().replace("</body>", script + "</body>"))
    found = re.search(r"<title>(probe [^<]*)</title>", browser("--dump-dom", copy.as_uri()))
    copy.unlink()
    assert found, f"the probe did not run in {page}"
    return found.group(1)


def test_the_site_sorts_filters_and_loads_every_image(two_runs, tmp_path):
    results, runs = copy_results(two_runs, tmp_path)
    made = dlx("site", results, cwd=tmp_path)
    assert made.returncode == 0, output_of(made)
    index = results / "site" / "index.html"
    seen = probe(index, CLICKS)
    assert "up 0.05,0.2 down 0.2,0.05 kept 0.2 all 2" in seen, seen
    run_page = index.parent / re.search(r"link (\S+)", seen).group(1)  # the first row's link: one run's page
    loaded, total = map(int, re.search(r"images (\d+)/(\d+)", probe(run_page, IMAGES)).groups())
    assert total >= 1 and loaded == total, run_page  # loss.png (and any other plot of the run)
    shot = tmp_path / "site.png"  # kept in the test folder for a person to look at
    browser(f"--screenshot={shot}", "--window-size=1100,600", index.as_uri())
    assert shot.stat().st_size > 10_000  # a rendered page, not a blank one


def test_the_compare_page_loads_its_curves(two_runs, tmp_path):
    results, runs = copy_results(two_runs, tmp_path)
    page = tmp_path / "compare.html"
    assert dlx("compare", *runs, "--html", page, cwd=tmp_path).returncode == 0
    assert probe(page, IMAGES) == "probe images 1/1"
