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


def test_text_explanations_of_a_bag_of_words_run(tmp_path):
    from dlx.inference import load_run
    from tests.cli.cli_process import dlx, output_of
    run = trained(tmp_path, CONFIGS / "docstrings_bow.yaml", "training.epochs=2", "output.plots=false",
                  "dataset.options.packages=[email, logging]")
    found = {}
    for method in ("lime_text", "integrated_gradients_text", "occlusion_text"):
        result = dlx("explain", run, "-m", method, "--index", "3", cwd=tmp_path)
        assert result.returncode == 0, output_of(result)
        folder = Path(result.stdout.split("wrote ")[-1].strip())
        found[method] = json.loads((folder / "explanation.json").read_text())
        assert (folder / "words.html").read_text().count("<span") == len(found[method]["words"])
    loaded = load_run(run)
    lime = found["lime_text"]
    network, class_index = loaded.network, loaded.class_names.index(lime["class"])
    from dlx.explain.text_methods import run_vocabulary
    vocabulary = run_vocabulary("python_docstrings", {"packages": ["email", "logging"]})
    own = {w["word"]: float(network.word_weights()[vocabulary.index(w["word"]), class_index]) for w in lime["words"]}
    top = sorted({w["word"]: w["weight"] for w in lime["words"]}.items(), key=lambda item: -item[1])[:5]
    assert [word for word, _ in top] == sorted(own, key=lambda word: -own[word])[:5]
    occlusion = {w["word"]: w["weight"] for w in found["occlusion_text"]["words"]}
    assert all(abs(occlusion[word] - own[word]) < 1e-4 for word in own)  # a bag of words: removing a word loses its weight
    ig = found["integrated_gradients_text"]
    assert ig["completeness_gap"] <= 0.01 * abs(ig["output"] - ig["baseline_output"])
    refused = dlx("explain", run, "-m", "attention", "--index", "3", cwd=tmp_path)  # a bag of words: no attention
    assert refused.returncode != 0 and "has none" in refused.stderr + refused.stdout, output_of(refused)
    assert len((refused.stderr + refused.stdout).strip().splitlines()) == 1, output_of(refused)


def test_attention_weights_of_a_hierarchical_attention_run_as_words(tmp_path):
    from tests.cli.cli_process import dlx, output_of
    run = trained(tmp_path, CONFIGS / "documents_han.yaml", "dataset.options.n=60", "training.epochs=1",
                  "output.plots=false")
    result = dlx("explain", run, "-m", "attention", "--index", "2", cwd=tmp_path)
    assert result.returncode == 0, output_of(result)
    folder = Path(result.stdout.split("wrote ")[-1].strip())
    found = json.loads((folder / "explanation.json").read_text())
    assert (folder / "words.html").read_text().count("<span") == len(found["words"]) > 0
    # softmax weights: each sentence's word weights and the sentence weights sum to 1, so word x sentence does too
    assert math.isclose(sum(found["sentence_weights"]), 1.0, rel_tol=1e-5)
    assert math.isclose(sum(w["weight"] for w in found["words"]), 1.0, rel_tol=1e-5)
    refused = dlx("explain", run, "-m", "occlusion_text", "--index", "2", cwd=tmp_path)
    assert refused.returncode != 0 and "methods that apply here: attention" in refused.stderr + refused.stdout
