"""Word-vector tasks: predicting a target word from input words (word2vec) and fitting co-occurrences (GloVe).

``word_context``: with ``cross_entropy`` the model scores the whole vocabulary (full softmax)
and the target is the word's id; with ``negative_sampling`` the model scores the row's
target and its K noise words, (N, 1 + K), and the targets are 1 for the first column and 0
for the others. Metric: ``accuracy``, the share of rows whose target scores highest
(among the vocabulary, or among target and noise).

``word_language_model`` and ``next_word``: next-word prediction (a recurrent model over windows,
Bengio's feed-forward model over n-grams), reported as perplexity next to add-k and Kneser-Ney
bigram baselines on the same held-out words.

``cooccurrence``: the model gives log X_ij's estimate (N, 1); the loss is GloVe's weighted
squared error against y = [log X_ij, f(X_ij)]. The word vectors are what a run is for;
``dlx embed`` evaluates them (neighbours, analogies).
"""
from __future__ import annotations

import math

import numpy as np

from dlx.errors import ConfigError
from dlx.registry import tasks
from dlx.tasks.base import Task
from dlx.tasks.kinds import Multiclass
from dlx.tasks.sequence import LanguageModel, Tagging, _pairs
from dlx.tensor import no_grad

WORD_LOSSES = ("cross_entropy", "negative_sampling")


def noise_columns(ds) -> int:
    """K, the noise words per row of a ``word_contexts`` data set (0: full softmax)."""
    return sum(1 for name in ds.feature_names or () if name.startswith("noise"))


@tasks.register("word_context")
class WordContext(Task):
    """Target words from input words (skip-gram, CBOW): full softmax or negative sampling."""

    name = "word_context"
    metrics = ("accuracy",)

    def outputs(self, ds, loss) -> int:
        """The vocabulary size V: the model's tables have V rows either way."""
        return len(ds.class_names)

    def output_shape(self, ds, n_outputs):
        k = noise_columns(ds)
        return (1 + k,) if k else (n_outputs,)

    def default_loss(self, final_activation):
        return "cross_entropy"

    def check_loss(self, loss, where):
        if loss.registry_name not in WORD_LOSSES:
            raise ConfigError(f"{where}: task '{self.name}' trains with loss cross_entropy (full softmax) or "
                              f"negative_sampling, got '{loss.registry_name}'")

    def targets(self, ds, loss, n_outputs):
        if loss.registry_name == "cross_entropy":
            return ds.y
        k = noise_columns(ds)
        targets = np.zeros((len(ds), 1 + k), np.float32)
        targets[:, 0] = 1.0
        return targets

    def decide(self, outputs, loss):
        return np.argmax(outputs, axis=-1)

    def measure(self, ds, decisions):
        truth = ds.y if noise_columns(ds) == 0 else np.zeros(len(ds), np.int64)
        return {"accuracy": float(np.mean(decisions == truth))}


@tasks.register("cooccurrence")
class Cooccurrence(Task):
    """log X_ij from the pair (i, j) with GloVe's weighted squared error."""

    name = "cooccurrence"
    metrics = ("weighted_mse",)

    def outputs(self, ds, loss) -> int:
        return len(ds.class_names)

    def output_shape(self, ds, n_outputs):
        return (1,)

    def default_loss(self, final_activation):
        return "glove"

    def check_loss(self, loss, where):
        if loss.registry_name != "glove":
            raise ConfigError(f"{where}: task '{self.name}' trains with loss glove, got '{loss.registry_name}'")

    def targets(self, ds, loss, n_outputs):
        return ds.y

    def scores(self, outputs, loss):
        return outputs

    def measure(self, ds, decisions):
        log_x, weight = ds.y[:, 0], ds.y[:, 1]
        return {"weighted_mse": float(np.mean(weight * (decisions[:, 0] - log_x) ** 2))}


def _perplexity_references(train_pairs, held_pairs, size: int) -> dict:
    from dlx.data.ngram_counts import bigram_perplexities
    references = bigram_perplexities(train_pairs, held_pairs, size, k=1.0)
    references.update(bigram_perplexities(train_pairs, held_pairs, size, k=0.01))
    return references


def _held_out(splits):
    return splits["test"] if len(splits["test"]) else splits["validation"]


@tasks.register("word_language_model")
class WordLanguageModel(LanguageModel):
    """The next word at every step of a window (a recurrent model); perplexity = exp(loss in nats)."""

    name = "word_language_model"
    metrics = ("perplexity", "token_accuracy")

    def evaluate(self, model, ds, loss, n_outputs, batch_size: int = 256) -> dict:
        result = Tagging.evaluate(self, model, ds, loss, n_outputs, batch_size)
        if result:
            result["perplexity"] = math.exp(result["loss"])
        return result

    def references(self, splits):
        """Add-k (k = 1, 0.01) and Kneser-Ney bigram perplexities counted on the training windows and
        measured on the held-out windows' words (test, else validation)."""
        train, held = splits["train"], _held_out(splits)
        if not len(train) or not len(held):
            return {}
        return _perplexity_references(_pairs(train), _pairs(held), len(train.class_names))


@tasks.register("next_word")
class NextWord(Multiclass):
    """The next word after a fixed context (Bengio's n-gram model); accuracy and perplexity = exp(loss)."""

    name = "next_word"
    metrics = ("accuracy", "perplexity")

    @no_grad()
    def evaluate(self, model, ds, loss, n_outputs, batch_size: int = 1024) -> dict:
        result = super().evaluate(model, ds, loss, n_outputs, batch_size)
        if result:
            result["perplexity"] = math.exp(result["loss"])
        return result

    def measure(self, ds, decisions):
        return {"accuracy": float(np.mean(decisions == ds.y))}

    def references(self, splits):
        """Add-k (k = 1, 0.01) and Kneser-Ney bigram perplexities of the held-out rows' next words
        given their last context word, counted on the training rows."""
        train, held = splits["train"], _held_out(splits)
        if not len(train) or not len(held):
            return {}
        return _perplexity_references((train.X[:, -1], train.y), (held.X[:, -1], held.y), len(train.class_names))

    def plots(self, model, splits, test, folder) -> None:
        """None: a confusion matrix over the whole vocabulary says nothing."""
