"""The explanation methods of issue 27 item 6 against their reference implementations on the same weights.

    python -m experiments.explain_against_references

Prints one row per method: the reference (captum, shap, scikit-learn), the model, and the largest
absolute difference (or, for the sampled methods, the largest difference in standard errors).
Needs the reference extra (torch, captum, shap; scikit-learn is a dependency).
"""
from __future__ import annotations

import numpy as np

from tests.explain.test_reference_methods import _cnn_target, _Estimator, _mlp_target, _torch_mlp
from tests.nn.test_graph import _torch_conv, _torch_linear


def main() -> None:
    import captum.attr as attr
    import captum.metrics as metrics
    import shap
    import torch
    from sklearn.inspection import permutation_importance as sk_permutation

    from dlx.explain.fidelity import infidelity, sensitivity_max
    from dlx.explain.gradcam import grad_cam
    from dlx.explain.permutation import permutation_importance
    from dlx.explain.shapley import kernel_shap
    from dlx.explain.smooth import gradient_x_input, smoothgrad, smoothgrad_samples
    rows = []
    target, net, X = _mlp_target()
    model = _torch_mlp(torch, net)
    ours = gradient_x_input(target, X[4], class_index=2, check=False).arrays["attribution"]
    theirs = attr.InputXGradient(model).attribute(torch.tensor(X[4:5]), target=2).detach().numpy()[0]
    rows.append(("gradient x input", "captum InputXGradient", "MLP 5-7-3 tanh", f"{np.abs(ours - theirs).max():.1e}"))
    n = 400
    result = smoothgrad(target, X[1], class_index=0, samples=n, noise_level=0.2, check=False,
                        rng=np.random.default_rng(1))
    sigma = result.summary["noise_std"]
    torch.manual_seed(0)
    theirs = attr.NoiseTunnel(attr.Saliency(model)).attribute(torch.tensor(X[1:2]), nt_type="smoothgrad",
                                                              nt_samples=n, stdevs=sigma, target=0,
                                                              abs=False).detach().numpy()[0]
    spread = smoothgrad_samples(target, X[1], 0, "logit", n, sigma, np.random.default_rng(2)).std(axis=0)
    errors = np.abs(result.arrays["attribution"] - theirs) / (spread * np.sqrt(2.0 / n))
    rows.append(("SmoothGrad (400 samples)", "captum NoiseTunnel(Saliency)", "MLP 5-7-3 tanh",
                 f"{errors.max():.2f} standard errors (max over features)"))
    cnn_target, cnn, images = _cnn_target()
    cam = grad_cam(cnn_target, images[3], class_index=1, check=False).arrays["cam"]
    torch_cnn = torch.nn.Sequential(_torch_conv(torch, cnn.layers[0]), torch.nn.ReLU(), _torch_conv(torch, cnn.layers[2]),
                                    torch.nn.ReLU(), torch.nn.Flatten(), _torch_linear(torch, cnn.layers[5]))
    theirs = attr.LayerGradCam(torch_cnn, torch_cnn[3]).attribute(torch.tensor(images[3:4]), target=1,
                                                                 relu_attributions=True).detach().numpy()[0, 0]
    rows.append(("Grad-CAM", "captum LayerGradCam", "CNN 2-conv 8x8", f"{np.abs(cam - theirs).max():.1e}"))
    shapped = kernel_shap(target, X[7], class_index=1, background=20, check=False, rng=np.random.default_rng(0))
    background = X[np.random.default_rng(0).choice(len(X), 20, replace=False)]
    reference = shap.KernelExplainer(lambda b: target.score_array(b)[:, 1], background).shap_values(
        X[7:8], nsamples=32, silent=True)
    rows.append(("KernelSHAP (5 features, every coalition)", "shap KernelExplainer", "MLP 5-7-3 tanh",
                 f"{np.abs(shapped.arrays['attribution'] - np.asarray(reference).reshape(-1)).max():.1e}"))
    big_target, _, big_X = _mlp_target(rows=300)
    ours = permutation_importance(big_target, repeats=30, rng=np.random.default_rng(0)).summary
    theirs = sk_permutation(_Estimator(big_target), big_X, big_target.train_y, n_repeats=30, random_state=0)
    names = big_target.names()
    gap = [abs(ours["weights"][k] - m) / np.sqrt((ours["std"][k] ** 2 + s ** 2) / 30 + 1e-300)
           for k, m, s in zip(names, theirs.importances_mean, theirs.importances_std)]
    rows.append(("permutation importance (30 shuffles)", "scikit-learn permutation_importance", "MLP 5-7-3 tanh",
                 f"{max(gap):.2f} standard errors (max over features)"))
    phi, noise = np.random.default_rng(3).normal(size=5), np.random.default_rng(4).normal(0, 0.3, (10, 5))
    ours = infidelity(target, X[2], phi, 2, output="logit", perturbations=noise, normalize=True)
    theirs = float(metrics.infidelity(model, lambda i: (torch.tensor(noise), i - torch.tensor(noise)),
                                      torch.tensor(X[2:3]), torch.tensor(phi[None]), target=2, n_perturb_samples=10,
                                      normalize=True)[0])
    rows.append(("infidelity (normalised)", "captum.metrics.infidelity", "MLP 5-7-3 tanh", f"{abs(ours - theirs):.1e}"))
    deltas = np.random.default_rng(5).uniform(-0.02, 0.02, (10, 5))
    theirs = float(metrics.sensitivity_max(attr.Saliency(model).attribute, torch.tensor(X[2:3]),
                                           perturb_func=lambda i: i + torch.tensor(deltas), n_perturb_samples=10,
                                           target=0, abs=False)[0])
    ours = sensitivity_max(lambda z: target.input_gradient(z[None], 0)[1][0], X[2], perturbations=deltas)
    rows.append(("sensitivity (max)", "captum.metrics.sensitivity_max", "MLP 5-7-3 tanh", f"{abs(ours - theirs):.1e}"))
    print("| method | reference | model | largest difference |\n|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
