"""Unsupervised spike-timing-dependent plasticity (STDP) in one layer of competing LIF neurons.

The lecture: training works on the spike timing between directly connected pairs of neurons, and
it changes the thresholds. After Diehl & Cook (2015), "Unsupervised learning of digit recognition
using spike-timing-dependent plasticity", in discrete time (one step = one unit of time):

- Input: each pixel fires Bernoulli spikes with probability ``max_rate`` x intensity per step.
- Neurons: v_t = beta v_{t-1} + s^pre_t W (no bias), firing when v_t > threshold + theta_j.
- Winner-take-all by lateral inhibition: at most one neuron fires per step, the one furthest above
  its threshold; it resets to zero and every other membrane drops by ``inhibition``.
- Pair-based STDP with exponential windows, kept as traces (x <- x exp(-1/tau), x += 1 on a spike):
    pre before post potentiates: when neuron j fires,  W[:, j] += eta_plus  x_pre
    post before pre depresses:   when input i fires,   W[i, :] -= eta_minus x_post
  (x_pre holds the pre spikes of the same step too: a spike that helped cause the post spike
  counts as before it), weights clipped to [0, w_max].
- Homeostasis: each spike raises its neuron's threshold theta_j by ``theta_plus``; theta decays
  with time constant ``tau_theta``. A neuron that wins often becomes harder to excite, so others
  win other inputs and the neurons specialise.
- Weight normalisation: after each image, each neuron's weights are scaled to sum ``weight_sum``.

Classification without labels in training (Diehl & Cook): each neuron is assigned the class for
which it fired most on labelled images; an image's class is the one whose neurons fired most.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from dlx.errors import ConfigError


@dataclass
class STDPSettings:
    """The network's and the rule's constants (defaults for the 8x8 digits; docs in the module)."""

    neurons: int = 50
    steps: int = 50
    max_rate: float = 0.4
    beta: float = 0.95
    threshold: float = 1.0
    inhibition: float = 1.0
    tau_pre: float = 4.0
    tau_post: float = 4.0
    eta_plus: float = 0.002
    eta_minus: float = 0.0015
    w_max: float = 1.0
    weight_sum: float = 3.0
    theta_plus: float = 0.05
    tau_theta: float = 20000.0

    def __post_init__(self):
        positive = {k: v for k, v in asdict(self).items() if k not in ("eta_minus", "theta_plus", "inhibition")}
        bad = next((k for k, v in positive.items() if not v > 0), None)
        if bad is not None:
            raise ConfigError(f"stdp: {bad} must be positive, got {getattr(self, bad)}")
        if not 0 < self.beta <= 1 or not 0 < self.max_rate <= 1:
            raise ConfigError("stdp: beta and max_rate must lie in (0, 1]")


@dataclass
class Presentation:
    """What one image did: spike counts per neuron, and (when recorded) the steps' input spikes
    (T, D), output spikes (T, H) and membranes before the reset (T, H)."""

    counts: np.ndarray
    input_spikes: np.ndarray | None = None
    spikes: np.ndarray | None = None
    membrane: np.ndarray | None = None


class STDPNetwork:
    """``D`` inputs onto ``settings.neurons`` competing LIF neurons; ``present`` runs one image."""

    def __init__(self, inputs: int, settings: STDPSettings, rng: np.random.Generator):
        self.settings = settings
        self.weights = rng.uniform(0.0, 0.3, (inputs, settings.neurons))  # (D, H)
        self.normalise()
        self.theta = np.zeros(settings.neurons)  # adaptive thresholds (homeostasis)

    def normalise(self) -> None:
        """Scale each neuron's incoming weights to sum ``weight_sum``."""
        self.weights *= self.settings.weight_sum / np.maximum(self.weights.sum(axis=0), 1e-12)

    def present(self, image: np.ndarray, rng: np.random.Generator, learn: bool = True,
                record: bool = False) -> Presentation:
        """Run ``image`` (D,) in [0, 1] for ``steps`` steps from rest; with ``learn`` apply STDP,
        homeostasis and normalisation."""
        s = self.settings
        pre = rng.random((s.steps, self.weights.shape[0])) < s.max_rate * np.clip(image, 0, 1)  # (T, D)
        shown = self.run(pre, learn, record)
        if learn:
            self.normalise()
        return shown

    def run(self, pre: np.ndarray, learn: bool = True, record: bool = False) -> Presentation:
        """Run the input spikes ``pre`` (T, D) of 0/1 from rest, with STDP and homeostasis if ``learn``."""
        s, W, pre = self.settings, self.weights, np.asarray(pre, dtype=bool)
        v, x_pre, x_post = np.zeros(W.shape[1]), np.zeros(W.shape[0]), np.zeros(W.shape[1])
        decay_pre, decay_post, decay_theta = np.exp(-1 / s.tau_pre), np.exp(-1 / s.tau_post), np.exp(-1 / s.tau_theta)
        counts = np.zeros(W.shape[1])
        spikes = np.zeros((len(pre), W.shape[1])) if record else None
        membrane = np.zeros((len(pre), W.shape[1])) if record else None
        for t in range(len(pre)):
            x_pre *= decay_pre
            x_post *= decay_post
            active = pre[t]
            v = s.beta * v + active @ W
            if record:
                membrane[t] = v
            if learn and active.any():  # post before pre: depress by the post traces
                W[active] -= s.eta_minus * x_post
            x_pre[active] += 1.0
            margin = v - (s.threshold + self.theta)
            winner = int(np.argmax(margin))
            if margin[winner] > 0:
                if learn:  # pre before post: potentiate by the pre traces
                    W[:, winner] += s.eta_plus * x_pre
                    self.theta[winner] += s.theta_plus
                x_post[winner] += 1.0
                v -= s.inhibition  # lateral inhibition of the others ...
                v[winner] = 0.0  # ... and the winner's reset
                counts[winner] += 1
                if record:
                    spikes[t, winner] = 1
            if learn:
                np.clip(W, 0.0, s.w_max, out=W)
                self.theta *= decay_theta
        return Presentation(counts, pre.astype(np.float64) if record else None, spikes, membrane)

    def responses(self, images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Spike counts (N, H) of ``images`` without learning."""
        return np.stack([self.present(image, rng, learn=False).counts for image in images])


def assign_classes(counts: np.ndarray, labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Each neuron's class: the one of the labelled images it fired most for on average (H,)."""
    means = np.stack([counts[labels == c].mean(axis=0) if np.any(labels == c) else np.zeros(counts.shape[1])
                      for c in range(n_classes)])  # (C, H)
    return np.argmax(means, axis=0)


def classify(counts: np.ndarray, assignment: np.ndarray, n_classes: int) -> np.ndarray:
    """Each image's class: the one whose assigned neurons fired most on average (N,)."""
    votes = np.stack([counts[:, assignment == c].mean(axis=1) if np.any(assignment == c)
                      else np.full(len(counts), -1.0) for c in range(n_classes)], axis=1)  # (N, C)
    return np.argmax(votes, axis=1)
