"""Word language models trained by the real ``dlx train``: perplexity next to the count-based baselines."""
import json
import math
from pathlib import Path

import numpy as np

from tests.cli.trained_runs import CONFIGS, trained


def test_bengio_model_reports_perplexity_next_to_kneser_ney(tmp_path):
    rng = np.random.default_rng(0)
    words = [f"w{k}" for k in range(12)]
    text = " ".join(words[(3 * i + int(rng.integers(0, 2))) % 12] for i in range(3000))  # a near-periodic text
    (tmp_path / "corpus.txt").write_text(text)
    run = trained(tmp_path, CONFIGS / "word_lm_bengio.yaml", f"dataset.options.path={tmp_path / 'corpus.txt'}",
                  "dataset.options.min_count=1", "training.epochs=2", "output.plots=false")
    test = json.loads((Path(run) / "summary.json").read_text())["test"]
    assert math.isclose(test["test_perplexity"], math.exp(test["test_loss"]), rel_tol=1e-6)
    # the next word is one of two given the last one: every bigram model is near 2, the add-1 one higher
    assert 1.5 < test["test_kneser_ney_bigram_perplexity"] < 2.5
    assert test["test_add_1_bigram_perplexity"] > test["test_kneser_ney_bigram_perplexity"]
