"""The typed schema of an STDP config (``kind: stdp``): unsupervised spike-timing-dependent plasticity.

    kind: stdp
    dataset: {name: digits, test: 0.2}
    network: {neurons: 50, steps: 50, max_rate: 0.4, eta_plus: 0.002, eta_minus: 0.0015, weight_sum: 3}
    training: {epochs: 3, images_per_step: 100, label_images: 600, seed: 0}
    output: {run_name: stdp-digits}

``network`` holds the constants of ``dlx.spiking.stdp.STDPSettings`` (its defaults where not given).
Unknown keys are errors at load time, with the file's line, like every dlx config.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from dlx.config.schema import Float, Int, OutputConfig, Strict
from dlx.spiking.stdp import STDPSettings

DATASET_OPTIONS = {"digits": {"binarised", "threshold"}, "mnist": {"path", "subset", "limit", "binarised", "threshold"}}
_DEFAULT = STDPSettings()


class STDPDataset(Strict):
    """Images in [0, 1]: the 8x8 digits (bundled) or MNIST from IDX files; labels only name the neurons."""

    name: Literal["digits", "mnist"] = Field(description="digits or mnist")
    options: dict[str, Any] = Field(default_factory=dict, description="digits: binarised, threshold; "
                                    "mnist: path, subset, limit, binarised, threshold")
    test: Float = Field(0.2, gt=0, lt=1, description="fraction held out for the test accuracy")

    @model_validator(mode="after")
    def _known_options(self):
        unknown = sorted(set(self.options) - DATASET_OPTIONS[self.name])
        if unknown:
            raise ValueError(f"'{unknown[0]}' is not an option of '{self.name}'; allowed: "
                             f"{', '.join(sorted(DATASET_OPTIONS[self.name]))}")
        return self


class STDPNetworkConfig(Strict):
    """The competing LIF layer and its learning rule (dlx.spiking.stdp)."""

    neurons: Int = Field(_DEFAULT.neurons, ge=1, description="excitatory neurons (receptive fields)")
    steps: Int = Field(_DEFAULT.steps, ge=1, description="time steps per image")
    max_rate: Float = Field(_DEFAULT.max_rate, gt=0, le=1, description="spike probability per step of a white pixel")
    beta: Float = Field(_DEFAULT.beta, gt=0, le=1, description="membrane decay per step")
    threshold: Float = Field(_DEFAULT.threshold, gt=0, description="base firing threshold")
    inhibition: Float = Field(_DEFAULT.inhibition, ge=0, description="lateral inhibition: drop of the other "
                              "membranes per spike")
    tau_pre: Float = Field(_DEFAULT.tau_pre, gt=0, description="time constant of the presynaptic traces (steps)")
    tau_post: Float = Field(_DEFAULT.tau_post, gt=0, description="time constant of the postsynaptic traces (steps)")
    eta_plus: Float = Field(_DEFAULT.eta_plus, gt=0, description="potentiation rate (pre before post)")
    eta_minus: Float = Field(_DEFAULT.eta_minus, ge=0, description="depression rate (post before pre)")
    w_max: Float = Field(_DEFAULT.w_max, gt=0, description="largest weight")
    weight_sum: Float = Field(_DEFAULT.weight_sum, gt=0, description="each neuron's weights sum to this after "
                              "an image")
    theta_plus: Float = Field(_DEFAULT.theta_plus, ge=0, description="threshold rise per spike (homeostasis)")
    tau_theta: Float = Field(_DEFAULT.tau_theta, gt=0, description="time constant of the threshold's decay (steps)")


class STDPTraining(Strict):
    """Passes over the training images; labels are used only after learning, to name the neurons."""

    epochs: Int = Field(3, ge=1, description="passes over the training images")
    images_per_step: Int = Field(100, ge=1, description="images per trainer step (progress granularity)")
    label_images: Int = Field(600, ge=1, description="training images whose labels assign each neuron a class")
    seed: Int = Field(0, ge=0, description="one seed for the split, weights and spikes")


class STDPConfig(Strict):
    """A whole STDP experiment."""

    kind: Literal["stdp"] = Field(description="the experiment kind")
    description: str = Field("", description="what this experiment shows")
    dataset: STDPDataset
    network: STDPNetworkConfig = Field(default_factory=STDPNetworkConfig)
    training: STDPTraining = Field(default_factory=STDPTraining)
    output: OutputConfig = Field(default_factory=OutputConfig)
