"""Generative models: autoencoders, the variational autoencoder and the GAN (TOPICS [X]).

Entry points: ``run_generative(config, out_dir)`` runs a generative config end to end;
``sample_run(run_dir, n)`` writes samples of a trained VAE or GAN; the models, loops and
metrics below are the library underneath.
"""
from dlx.generative.building import NotGenerativeError, build_generative_model, load_generative, save_generative
from dlx.generative.data import GenerativeData, load_generative_data
from dlx.generative.experiment import run_generative
from dlx.generative.gan_training import GANHistory, GANSettings, train_gan
from dlx.generative.metrics import evaluate_vae, modes_covered, pca_reconstruction_error, reconstruction_error
from dlx.generative.models import GAN, VAE, Autoencoder, DenoisingAutoencoder
from dlx.generative.sampling import draw_samples, sample_run, write_samples
from dlx.generative.training import TrainSettings, train_autoencoder, train_vae

__all__ = ["GAN", "GANHistory", "GANSettings", "VAE", "Autoencoder", "DenoisingAutoencoder", "GenerativeData",
           "NotGenerativeError", "TrainSettings", "build_generative_model", "draw_samples", "evaluate_vae",
           "load_generative", "load_generative_data", "modes_covered", "pca_reconstruction_error",
           "reconstruction_error", "run_generative", "sample_run", "save_generative", "train_autoencoder",
           "train_gan", "train_vae", "write_samples"]
