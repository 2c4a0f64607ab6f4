"""The VAE and the autoencoders on the digits: the figures of experiments/GENERATIVE.md.

* vae_digits (8-D latent, binarised digits): the test negative ELBO in nats per image,
  with its reconstruction and KL terms, at initialisation and after training, against the
  best model without a latent variable (one Bernoulli per pixel with the training frequencies).
* vae_digits_2d: the same with a 2-D latent space, for the latent map and the scatter.
* ae_digits (convolutional, transposed convolution, 8-D code): the test reconstruction error
  against PCA with 8 components.

Run ``python -m experiments.vae_digits`` (add ``--quick`` for a smoke run).
"""
from __future__ import annotations

import numpy as np

from dlx.data.generative import digits_images, split_train_test
from experiments.generative_common import arguments, run_config


def independent_pixels_nll(seed: int = 0, test: float = 0.2) -> float:
    """Test NLL in nats per image of one Bernoulli per pixel (the split of the configs' seed 0).

    The configs draw their split first from default_rng(seed), so this is the same split.
    """
    X, y = digits_images(binarised=True)
    X_train, _, X_test, _ = split_train_test(X, y, test, np.random.default_rng(seed))
    p = np.clip(X_train.mean(axis=0), 1e-3, 1 - 1e-3)
    return float(-(X_test * np.log(p) + (1 - X_test) * np.log1p(-p)).sum(axis=1).mean())


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    overrides = {"epochs": 2} if args.quick else None
    baseline = independent_pixels_nll()
    print(f"one Bernoulli per pixel (no latent): test NLL {baseline:.2f} nats per image; 64 ln 2 = {64 * np.log(2):.2f}")
    for name in ("vae_digits", "vae_digits_2d"):
        summary = run_config(name, args.out, overrides, args.verbose)
        init, final = summary["test_at_init"], summary["test"]
        print(f"  test -ELBO at init {init['neg_elbo']:.2f} (reconstruction {init['reconstruction']:.2f}, "
              f"KL {init['kl']:.2f}) -> trained {final['neg_elbo']:.2f} (reconstruction "
              f"{final['reconstruction']:.2f}, KL {final['kl']:.2f}) nats per image")
    summary = run_config("ae_digits", args.out, overrides, args.verbose)
    print(f"  test reconstruction MSE per pixel: autoencoder {summary['test_mse']:.4f}, "
          f"PCA with {summary['code_dim']} components {summary['pca_test_mse']:.4f}")


if __name__ == "__main__":
    main()
