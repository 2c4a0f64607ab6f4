"""Where hierarchical attention looks: the sentence and word weights of a trained ``documents`` run.

For every test document of a run of ``configs/documents_han.yaml`` this finds the one "the train
to ... was late" sentence (the one that decides the class) and counts how often the sentence
attention gives it the largest weight, and the mean weight it gets; for ``--show`` documents it
draws a heatmap (sentences down, words across: each word's weight times its sentence's weight)
into the run's ``plots/han_attention_<i>.png``.

    python -m experiments.han_attention results/documents-han/<run> --show 3
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from dlx.data.sequences import tagging_vocabulary
from dlx.experiments import load_experiment
from dlx.inference.loaded import load_run
from dlx.inference.splits import run_splits
from dlx.tensor import no_grad


def draw(words: np.ndarray, sentence: np.ndarray, tokens: np.ndarray, title: str, path: Path) -> Path:
    """Heatmap of word weight x sentence weight, each word written in its cell."""
    from dlx.runs.plots import new_figure, save_png
    vocabulary = tagging_vocabulary()
    shown = words * sentence[:, None]
    figure = new_figure(1.0 + 0.9 * tokens.shape[1], 1.0 + 0.5 * tokens.shape[0])
    axes = figure.subplots()
    image = axes.imshow(shown, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
    for (s, w), token in np.ndenumerate(tokens):
        if token:
            axes.text(w, s, vocabulary[token], ha="center", va="center", fontsize=7,
                      color="black" if shown[s, w] > 0.5 else "white")
    axes.set_yticks(range(len(sentence)), [f"{weight:.2f}" for weight in sentence])
    axes.set_ylabel("sentence (its attention weight)")
    axes.set_xticks([])
    axes.set_title(title, fontsize=9)
    figure.colorbar(image, ax=axes, shrink=0.8, label="word weight x sentence weight")
    return save_png(figure, path)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--show", type=int, default=3, help="documents to draw")
    args = parser.parse_args(argv)
    run = load_run(args.run_dir)
    test = run_splits(args.run_dir, load_experiment(args.run_dir / "config.yaml"))["test"]
    mask = np.arange(test.X.shape[1])[None, :] < test.lengths[:, None]
    with no_grad():
        logits, words, sentences = run.network.attend(test.X, mask)
    train_token = tagging_vocabulary().index("train")
    key = np.array([np.flatnonzero((doc == train_token).any(axis=1))[0] for doc in test.X])
    rows = np.arange(len(key))
    result = {"documents": len(key), "largest_on_key_sentence": float((sentences.argmax(axis=1) == key).mean()),
              "mean_weight_on_key_sentence": float(sentences[rows, key].mean()),
              "accuracy": float((logits.data.argmax(axis=1) == test.y).mean())}
    print(f"{len(key)} test documents: accuracy {result['accuracy']:.4f}; the sentence attention's largest weight "
          f"is on the deciding sentence in {result['largest_on_key_sentence']:.1%} (mean weight there "
          f"{result['mean_weight_on_key_sentence']:.2f})")
    for i in range(min(args.show, len(key))):
        n = int(test.lengths[i])
        path = draw(words[i, :n], sentences[i, :n], test.X[i, :n], f"test document {i}: class "
                    f"{test.class_names[int(test.y[i])]}", args.run_dir / "plots" / f"han_attention_{i}.png")
        print(f"wrote {path}")
    return result


if __name__ == "__main__":
    main()
