"""STDP through the one trainer: a learner with manual updates (no gradients, no optimiser).

Each trainer step presents ``images_per_step`` training images one after another, the network
changing its weights and thresholds as it goes (``STDPNetwork.present``); after each epoch the
neurons are named by the labels of the first ``label_images`` training images (the only use of
labels) and the row reports how well that naming classifies those images.
"""
from __future__ import annotations

import numpy as np

from dlx.spiking.stdp import STDPNetwork, assign_classes, classify
from dlx.train.learner import Batch, LazyBatches, Learner

EVAL_SEED = 12345  # the spikes of every evaluation are drawn alike, so epochs compare


class STDPLearner(Learner):
    """Unsupervised STDP on ``X_train`` (N, D); rows: epoch, mean_spikes, label_accuracy, theta_mean."""

    automatic_optimisation = False

    def __init__(self, network: STDPNetwork, X_train: np.ndarray, y_train: np.ndarray, training,
                 n_classes: int, rng: np.random.Generator):
        self.network, self.X, self.y, self.training, self.rng = network, X_train, y_train, training, rng
        self.n_classes = n_classes
        self.assignment = np.zeros(network.weights.shape[1], dtype=np.int64)

    def planned_epochs(self) -> int:
        return self.training.epochs

    def train_batches(self, epoch: int) -> LazyBatches:
        order, size = self.rng.permutation(len(self.X)), self.training.images_per_step
        return LazyBatches([order[i:i + size] for i in range(0, len(order), size)],
                           lambda index: Batch(self.X[index], index=index))

    def training_step(self, batch: Batch) -> dict:
        spikes = [self.network.present(image, self.rng).counts.sum() for image in batch.inputs]
        return {"spikes": float(np.sum(spikes)), "size": len(batch)}

    def label_neurons(self) -> float:
        """Name each neuron by the labelled images; the accuracy of that naming on them."""
        labelled = slice(0, min(self.training.label_images, len(self.X)))
        counts = self.network.responses(self.X[labelled], np.random.default_rng(EVAL_SEED))
        self.assignment = assign_classes(counts, self.y[labelled], self.n_classes)
        return float(np.mean(classify(counts, self.assignment, self.n_classes) == self.y[labelled]))

    def predict(self, inputs: np.ndarray, lengths=None) -> np.ndarray:
        """The class of each image by its neurons' votes (after ``label_neurons``)."""
        counts = self.network.responses(inputs, np.random.default_rng(EVAL_SEED))
        return classify(counts, self.assignment, self.n_classes)

    def validation_step(self, epoch: int, outputs: list[dict], seconds: float) -> dict:
        images = sum(out["size"] for out in outputs)
        return {"epoch": epoch, "mean_spikes": sum(out["spikes"] for out in outputs) / max(images, 1),
                "label_accuracy": self.label_neurons(), "theta_mean": float(self.network.theta.mean()),
                "seconds": round(seconds, 2)}

    def weights(self) -> dict:
        return {"weights": self.network.weights.copy(), "theta": self.network.theta.copy()}
