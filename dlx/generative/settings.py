"""The typed schema of a generative config (autoencoder, denoising autoencoder, VAE, GAN).

A generative config reads::

    task: generative
    dataset: {name: digits, options: {binarised: true}, test: 0.2}
    model: {kind: vae, latent_dim: 8, encoder: [...], decoder: [...]}
    optimiser: {name: adam, lr: 0.002}
    training: {epochs: 60, batch_size: 64, seed: 0}
    output: {run_name: vae-digits}

A GAN has ``generator``/``discriminator`` instead of ``encoder``/``decoder``, an optional
``discriminator_optimiser`` (default: the generator's) and counts ``training.steps``, not
epochs. Unknown keys are errors at load time, with the file's line, like every dlx config.
The defaults are those of the training loops (``TrainSettings``, ``GANSettings``).
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from dlx.config.schema import Float, Int, LayerSpec, OptimiserConfig, OutputConfig, Strict
from dlx.errors import UnknownNameError
from dlx.generative.data import dataset_options
from dlx.generative.models import generative_models
from dlx.registry import datasets, unknown_name_message

EPOCH_DEFAULTS = {"epochs": 20, "batch_size": 64}  # dlx.generative.training.TrainSettings
GAN_DEFAULTS = {"steps": 3000, "batch_size": 128, "d_steps": 1, "g_steps": 1, "generator_loss": "non_saturating",
                "checkpoint_every": 250, "eval_samples": 1000}  # dlx.generative.gan_training.GANSettings


def _enum_of(names):
    """A JSON-schema hook listing the registered names when ``dlx schema`` runs (after registration)."""
    return lambda schema: schema.update(enum=sorted(names()))


class GenerativeDataset(Strict):
    """Any registered data set (ring: 8 Gaussians on a circle, digits, mnist, ...), split into train and test."""

    name: str = Field(description="a registered data set (dlx list datasets), e.g. ring, digits, mnist",
                      json_schema_extra=_enum_of(lambda: datasets.canonical()))
    options: dict[str, Any] = Field(default_factory=dict, description="the loader's own options (ring: n_samples, "
                                    "n_modes, radius, std; mnist: path, subset, limit, flatten) and binarised, "
                                    "threshold")
    test: Float = Field(0.2, ge=0, lt=1, description="fraction held out for the test metrics")

    @model_validator(mode="after")
    def _known_options(self):
        try:
            allowed = dataset_options(self.name)
        except UnknownNameError:
            raise ValueError(unknown_name_message("dataset", self.name, datasets.canonical())) from None
        unknown = sorted(set(self.options) - allowed)
        if unknown:
            raise ValueError(f"'{unknown[0]}' is not an option of '{self.name}'; allowed: "
                             f"{', '.join(sorted(allowed))}")
        return self


class GenerativeModelConfig(Strict):
    """The model: its kind, the size of the code/latent/noise, and its two parts as layer lists."""

    kind: str = Field(description="a registered generative model: autoencoder, denoising_autoencoder, vae, gan",
                      json_schema_extra=_enum_of(generative_models))
    latent_dim: Int = Field(ge=1, description="the code (autoencoders), z (VAE) or the noise (GAN)")
    encoder: list[LayerSpec] | None = Field(None, description="layers from the data to the code (not a GAN)")
    decoder: list[LayerSpec] | None = Field(None, description="layers from the code to the data (not a GAN)")
    generator: list[LayerSpec] | None = Field(None, description="GAN: layers from the noise to a sample")
    discriminator: list[LayerSpec] | None = Field(None, description="GAN: layers from a sample to one logit")
    options: dict[str, Any] = Field(default_factory=dict, description="denoising autoencoder only: "
                                    "{noise: gaussian|masking, noise_level: 0.3}")

    @field_validator("kind")
    @classmethod
    def _registered(cls, kind: str) -> str:
        if kind not in generative_models():
            raise ValueError(unknown_name_message("generative model", kind, generative_models()))
        return kind

    @model_validator(mode="after")
    def _parts_of_the_kind(self):
        parts = generative_models()[self.kind].parts
        for part in ("encoder", "decoder", "generator", "discriminator"):
            given = getattr(self, part) is not None
            if given != (part in parts):
                need = " and ".join(parts)
                raise ValueError(f"a {self.kind} needs {need}" + (f"; remove '{part}'" if given else ""))
        unknown = sorted(set(self.options) - ({"noise", "noise_level"} if self.kind == "denoising_autoencoder"
                                              else set()))
        if unknown:
            raise ValueError(f"options.{unknown[0]} is not an option of a {self.kind}"
                             + ("; use noise, noise_level" if self.kind == "denoising_autoencoder" else ""))
        return self


class GenerativeTraining(Strict):
    """Epochs for autoencoders and VAEs; steps, D and G steps and checkpoints for a GAN."""

    seed: Int = Field(0, ge=0, description="one seed for data, initialisation and shuffling")
    threads: Int | None = Field(None, ge=1, description="BLAS and dlx threads (default: $DLX_NUM_THREADS, "
                                                       "else one: these models' products are small)")
    batch_size: Int | None = Field(None, ge=1, description="samples per step (default 64; a GAN's 128)")
    epochs: Int | None = Field(None, ge=1, description="autoencoders, VAE: passes over the data (default 20)")
    steps: Int | None = Field(None, ge=1, description="GAN: iterations (default 3000)")
    d_steps: Int | None = Field(None, ge=1, description="GAN: discriminator steps per iteration (default 1)")
    g_steps: Int | None = Field(None, ge=1, description="GAN: generator steps per iteration (default 1)")
    generator_loss: Literal["non_saturating", "saturating"] | None = Field(
        None, description="GAN: -log D(G(z)) (non_saturating, default) or log(1 - D(G(z)))")
    checkpoint_every: Int | None = Field(None, ge=1, description="GAN: iterations between rows (default 250)")
    eval_samples: Int | None = Field(None, ge=1, description="GAN: samples drawn at a checkpoint (default 1000)")


class GenerativeOptimiser(OptimiserConfig):
    """The optimiser by name and its hyperparameters (default adam, lr 0.001); no schedules here."""

    name: str = Field("adam", description="registered optimiser (dlx list optimisers)")

    @model_validator(mode="after")
    def _no_schedule(self):
        if self.schedule is not None:
            raise ValueError("generative training has no learning-rate schedules; remove 'schedule'")
        return self


def default_adam() -> GenerativeOptimiser:
    return GenerativeOptimiser(name="adam", lr=1e-3)


class GenerativeConfig(Strict):
    """A whole generative experiment."""

    kind: Literal["generative"] | None = Field(None, exclude=True, description="the experiment kind")
    description: str = Field("", description="what this experiment shows")
    task: Literal["generative"] = Field("generative", description="marks a generative config")
    dataset: GenerativeDataset
    model: GenerativeModelConfig
    optimiser: GenerativeOptimiser = Field(default_factory=default_adam, description="the model's optimiser "
                                           "(a GAN's generator's)")
    discriminator_optimiser: GenerativeOptimiser | None = Field(None, description="GAN: the discriminator's "
                                                                "optimiser (default: the generator's)")
    training: GenerativeTraining = Field(default_factory=GenerativeTraining)
    output: OutputConfig = Field(default_factory=OutputConfig)

    @field_validator("discriminator_optimiser")
    @classmethod
    def _only_for_a_gan(cls, optimiser, info: ValidationInfo):
        model = info.data.get("model")
        if optimiser is not None and model is not None and model.kind != "gan":
            raise ValueError(f"a discriminator's optimiser is for a GAN; remove it for a {model.kind}")
        return optimiser

    @field_validator("training")
    @classmethod
    def _training_of_the_kind(cls, training: GenerativeTraining, info: ValidationInfo):
        """Only the settings of the model's loop; the loop's defaults for those not given."""
        model = info.data.get("model")
        if model is None:  # the model's own error is reported
            return training
        defaults = GAN_DEFAULTS if model.kind == "gan" else EPOCH_DEFAULTS
        wrong = sorted(set(training.model_fields_set) - {"seed", "threads", *defaults})
        if wrong:
            raise ValueError(f"training.{wrong[0]} is not a setting of a {model.kind}; allowed: "
                             f"{', '.join(['seed', 'threads', *defaults])}")
        for key, value in defaults.items():
            if getattr(training, key) is None:
                setattr(training, key, value)
        return training

