"""A generative model from the ``model`` section of a generative config, and back from a run folder.

    model:
      kind: vae                 # autoencoder | denoising_autoencoder | vae | gan
      latent_dim: 2             # the code (autoencoders), z (VAE) or the noise (GAN)
      encoder: [...]            # autoencoders and VAE
      decoder: [...]
      generator: [...]          # GAN
      discriminator: [...]
      options: {noise: gaussian, noise_level: 0.3}   # denoising autoencoder only

The folder format: ``model.json`` (format "dlx-generative", the model section and the
data's shape) and ``model.npz`` (the parameters; read with ``allow_pickle=False``).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from dlx.errors import CheckpointError, ConfigError, DlxError
from dlx.generative.models import generative_models
from dlx.inference.formats import register_format
from dlx.runs.checkpoint import read_arrays
from dlx.runs.files import atomic_save_npz, atomic_write_json
from dlx.runs.run_kind import read_json_record

FORMAT = "dlx-generative"


class NotGenerativeError(DlxError):
    """A run folder that holds no generative model."""


def build_generative_model(section: dict, data_shape, rng: np.random.Generator):
    """The model described by a config's ``model`` section, built for samples of ``data_shape``.

    Raises ConfigError for an unknown kind or a missing part, ShapeError (one line) when a
    decoder or generator does not output the data's shape.
    """
    section = dict(section)
    kind, known = section.get("kind"), generative_models()
    if kind not in known:
        raise ConfigError(f"model.kind '{kind}' is unknown; use one of {', '.join(known)}")
    parts = known[kind].parts
    allowed = {"kind", "latent_dim", "options", *parts}
    unknown = sorted(set(section) - allowed)
    if unknown:
        raise ConfigError(f"model.{unknown[0]} is not a setting of a {kind}; allowed: {', '.join(sorted(allowed))}")
    missing = [part for part in ("latent_dim", *parts) if part not in section]
    if missing:
        raise ConfigError(f"model.{missing[0]} is missing; a {kind} needs {', '.join(('latent_dim',) + parts)}")
    latent_dim = section["latent_dim"]
    if isinstance(latent_dim, bool) or not isinstance(latent_dim, int) or latent_dim < 1:
        raise ConfigError(f"model.latent_dim must be a positive whole number (the size of the code, z or the "
                          f"noise), got {latent_dim!r}")
    options = dict(section.get("options") or {})
    if options and kind != "denoising_autoencoder":
        raise ConfigError(f"model.options are for the denoising autoencoder (noise, noise_level); remove them "
                          f"for a {kind}")
    first, second = (section[part] for part in parts)
    model = known[kind](first, second, tuple(data_shape), latent_dim, rng, **options)
    model.section = section  # kept to rebuild the model from a run folder
    return model


def save_generative(model, folder) -> None:
    """Write model.json and model.npz into ``folder``."""
    folder = Path(folder)
    atomic_write_json(folder / "model.json", {"format": FORMAT, "version": 1, "kind": model.kind,
                                              "data_shape": list(model.data_shape), "model": model.section})
    atomic_save_npz(folder / "model.npz", model.state_dict())


def load_generative(folder):
    """The trained model saved in a run folder; NotGenerativeError if it holds another kind of model."""
    folder = Path(folder)
    description_file = folder / "model.json"
    if not description_file.is_file():
        raise CheckpointError(f"no model.json in '{folder}'; give the folder of a finished dlx run")
    description = read_json_record(description_file)
    if description.get("format") != FORMAT:
        raise NotGenerativeError(f"'{folder}' holds a {_kind_of(description)}, not a generative model or a "
                                 f"language model; dlx sample needs the run of a VAE or GAN config (a picture) or "
                                 f"of a character language model (text, e.g. configs/char_lm.yaml)")
    if not isinstance(description.get("model"), dict) or not isinstance(description.get("data_shape"), list):
        raise CheckpointError(f"'{description_file}' lacks 'model' or 'data_shape'; the run folder is damaged: "
                              f"restore the file or train the run again")
    arrays = read_arrays(folder / "model.npz")
    model = build_generative_model(description["model"], description["data_shape"], np.random.default_rng(0))
    model.load_state_dict(arrays)
    return model


@register_format(FORMAT)
def load_generative_model(run_dir: Path, description: dict):
    """The ``dlx-generative`` loader of ``dlx.inference.load_model``."""
    return load_generative(run_dir)


def _kind_of(description: dict) -> str:
    if description.get("format") == "dlx-model":
        return "supervised model (a classifier or regressor)"
    return "file that is not a dlx generative model"
