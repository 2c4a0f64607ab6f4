"""SmoothGrad, gradient x input, Grad-CAM, KernelSHAP, permutation importance, infidelity and sensitivity
against their reference implementations (captum, shap, scikit-learn) on the same weights, and closed forms."""
import numpy as np
import pytest

from dlx.explain.fidelity import infidelity, sensitivity_max
from dlx.explain.gradcam import grad_cam, upsample
from dlx.explain.permutation import permutation_importance
from dlx.explain.shapley import kernel_shap
from dlx.explain.smooth import gradient_x_input, smoothgrad, smoothgrad_samples
from dlx.explain.target import target_for_model
from dlx.nn import Conv2D, Dense, Flatten, ReLU, Sequential, Tanh
from tests.nn.test_graph import _torch_conv, _torch_linear, built64


def _mlp_target(features=5, classes=3, rows=60, seed=0):
    rng = np.random.default_rng(seed)
    net = built64(Sequential([Dense(7), Tanh(), Dense(classes)]), (features,), seed)
    X = rng.normal(size=(rows, features))
    y = net(X).data.argmax(axis=1) if classes > 1 else None
    return target_for_model(net, "multiclass", X, y), net, X


def _torch_mlp(torch, net):
    return torch.nn.Sequential(_torch_linear(torch, net.layers[0]), torch.nn.Tanh(),
                               _torch_linear(torch, net.layers[2]))


def _cnn_target(seed=0):
    rng = np.random.default_rng(seed)
    net = built64(Sequential([Conv2D(3, 3, padding=1), ReLU(), Conv2D(4, 3, stride=2, padding=1), ReLU(),
                              Flatten(), Dense(3)]), (2, 8, 8), seed)
    X = rng.uniform(0, 1, (20, 2, 8, 8))
    return target_for_model(net, "multiclass", X, rng.integers(0, 3, 20)), net, X


def test_gradient_x_input_equals_captum():
    torch = pytest.importorskip("torch")
    captum = pytest.importorskip("captum.attr")
    target, net, X = _mlp_target()
    ours = gradient_x_input(target, X[4], class_index=2, check=False).arrays["attribution"]
    theirs = captum.InputXGradient(_torch_mlp(torch, net)).attribute(torch.tensor(X[4:5]), target=2)
    np.testing.assert_allclose(ours, theirs.detach().numpy()[0], rtol=1e-10, atol=1e-12)


def test_smoothgrad_agrees_with_captums_noise_tunnel_within_sampling_error():
    torch = pytest.importorskip("torch")
    captum = pytest.importorskip("captum.attr")
    target, net, X = _mlp_target()
    n = 400
    result = smoothgrad(target, X[1], class_index=0, samples=n, noise_level=0.2, check=False,
                        rng=np.random.default_rng(1))
    sigma = result.summary["noise_std"]
    torch.manual_seed(0)
    tunnel = captum.NoiseTunnel(captum.Saliency(_torch_mlp(torch, net)))
    theirs = tunnel.attribute(torch.tensor(X[1:2]), nt_type="smoothgrad", nt_samples=n, stdevs=sigma,
                              target=0, abs=False).detach().numpy()[0]
    spread = smoothgrad_samples(target, X[1], 0, "logit", n, sigma, np.random.default_rng(2)).std(axis=0)
    error = np.abs(result.arrays["attribution"] - theirs) / (spread * np.sqrt(2.0 / n))
    assert error.max() < 4.5          # two independent means of n draws: |difference| within 4.5 standard errors


def test_grad_cam_equals_captums_layer_grad_cam_and_its_upsampling_equals_torch():
    torch = pytest.importorskip("torch")
    captum = pytest.importorskip("captum.attr")
    target, net, X = _cnn_target()
    result = grad_cam(target, X[3], class_index=1, check=False)
    assert result.summary["layer"] == 3            # the last convolution's ReLU
    model = torch.nn.Sequential(_torch_conv(torch, net.layers[0]), torch.nn.ReLU(), _torch_conv(torch, net.layers[2]),
                                torch.nn.ReLU(), torch.nn.Flatten(), _torch_linear(torch, net.layers[5]))
    theirs = captum.LayerGradCam(model, model[3]).attribute(torch.tensor(X[3:4]), target=1,
                                                            relu_attributions=True)
    np.testing.assert_allclose(result.arrays["cam"], theirs.detach().numpy()[0, 0], rtol=1e-10, atol=1e-12)
    grown = torch.nn.functional.interpolate(theirs, size=(8, 8), mode="bilinear", align_corners=False)
    np.testing.assert_allclose(upsample(result.arrays["cam"], 8, 8), grown.detach().numpy()[0, 0], atol=1e-12)
    np.testing.assert_allclose(result.arrays["attribution"].sum(axis=0), upsample(result.arrays["cam"], 8, 8))


def test_kernel_shap_enumerated_equals_shap_exactly():
    shap = pytest.importorskip("shap")
    target, net, X = _mlp_target(features=5)
    ours = kernel_shap(target, X[7], class_index=1, background=20, check=False, rng=np.random.default_rng(0))
    rows = X[np.random.default_rng(0).choice(len(X), 20, replace=False)]
    assert ours.summary["exact"] and ours.summary["coalitions"] == 2 ** 5 - 2

    def probability(batch):
        return target.score_array(batch)[:, 1]
    theirs = shap.KernelExplainer(probability, rows).shap_values(X[7:8], nsamples=2 ** 5, silent=True)
    np.testing.assert_allclose(ours.arrays["attribution"], np.asarray(theirs).reshape(-1), atol=1e-8)
    assert abs(ours.summary["base_value"] - float(np.mean(probability(rows)))) < 1e-12


def test_kernel_shap_of_a_linear_model_is_w_times_distance_to_the_background_mean_even_when_sampled():
    rng = np.random.default_rng(0)
    net = built64(Sequential([Dense(1)]), (30,))
    X = rng.normal(size=(80, 30))
    target = target_for_model(net, "regression", X, X @ net.layers[0].weight.data)
    result = kernel_shap(target, X[0], background=80, samples=300, check=False, rng=rng)
    assert not result.summary["exact"]
    expected = net.layers[0].weight.data[:, 0] * (X[0] - X.mean(axis=0))
    np.testing.assert_allclose(result.arrays["attribution"], expected, atol=1e-9)


class _Estimator:
    """The dlx model seen by scikit-learn: fit does nothing, score is accuracy."""

    def __init__(self, target):
        self.target = target

    def fit(self, X, y):
        return self

    def score(self, X, y):
        return float(np.mean(self.target.predict(X) == y))


def test_permutation_importance_agrees_with_sklearn_within_shuffle_noise():
    inspection = pytest.importorskip("sklearn.inspection")
    target, net, X = _mlp_target(rows=300)
    ours = permutation_importance(target, repeats=30, rng=np.random.default_rng(0))
    theirs = inspection.permutation_importance(_Estimator(target), X, target.train_y, n_repeats=30, random_state=0)
    names = target.names()
    mean = np.array([ours.summary["weights"][n] for n in names])
    std = np.array([ours.summary["std"][n] for n in names])
    bound = 4.5 * np.sqrt((std ** 2 + theirs.importances_std ** 2) / 30) + 1e-12
    assert np.all(np.abs(mean - theirs.importances_mean) <= bound)
    assert ours.summary["baseline_score"] == 1.0          # the labels are the model's own predictions


def _fixed(torch, perturbations):
    return torch.tensor(perturbations)


def test_infidelity_equals_captum_on_the_same_perturbations():
    torch = pytest.importorskip("torch")
    metrics = pytest.importorskip("captum.metrics")
    target, net, X = _mlp_target()
    x, phi = X[2], np.random.default_rng(3).normal(size=5)
    noise = np.random.default_rng(4).normal(0, 0.3, (10, 5))

    def perturb(inputs):
        perturbation = torch.tensor(noise)
        return perturbation, inputs - perturbation
    model = _torch_mlp(torch, net)
    for normalize in (False, True):
        theirs = metrics.infidelity(model, perturb, torch.tensor(x[None]), torch.tensor(phi[None]), target=2,
                                    n_perturb_samples=10, normalize=normalize)
        ours = infidelity(target, x, phi, 2, output="logit", perturbations=noise, normalize=normalize)
        assert abs(ours - float(theirs[0])) < 1e-10 * max(1.0, abs(ours))


def test_sensitivity_max_equals_captum_on_the_same_perturbations():
    torch = pytest.importorskip("torch")
    captum = pytest.importorskip("captum")
    target, net, X = _mlp_target()
    deltas = np.random.default_rng(5).uniform(-0.02, 0.02, (10, 5))

    def perturb(inputs):
        return inputs + torch.tensor(deltas)
    saliency = captum.attr.Saliency(_torch_mlp(torch, net))
    theirs = captum.metrics.sensitivity_max(saliency.attribute, torch.tensor(X[2:3]), perturb_func=perturb,
                                            n_perturb_samples=10, target=0, abs=False)

    def ours_at(z):
        return target.input_gradient(z[None], 0)[1][0]
    ours = sensitivity_max(ours_at, X[2], perturbations=deltas)
    assert abs(ours - float(theirs[0])) < 1e-10


def test_anchors_find_the_two_conditions_of_an_and_rule():
    from dlx.explain.anchors import anchors
    from dlx.explain.target import ExplainTarget
    from dlx.ops import relu
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 4))

    def forward(x):            # logit 40 min(x0, x1): class 1 exactly when both are positive
        a, b = x[:, 0:1], x[:, 1:2]
        return (a - relu(a - b)) * 40.0
    target = ExplainTarget(forward=forward, kind="binary", input_shape=(4,), train_X=X)
    x = np.array([1.5, 1.2, 0.0, -0.3])           # both in their top quartile bins (> 0)
    result = anchors(target, x, rng=np.random.default_rng(1))
    s = result.summary
    assert s["features"] == ["x0", "x1"] and s["holds"] and s["class"] == 1
    assert s["precision"] == 1.0 and abs(s["coverage"] - np.mean((X[:, 0] > np.quantile(X[:, 0], 0.75))
                                                              & (X[:, 1] > np.quantile(X[:, 1], 0.75)))) < 1e-12
    assert s["rules"][0].startswith("x0 > ")
    negative = anchors(target, np.array([-1.0, 1.0, 0.0, 0.0]), rng=np.random.default_rng(1)).summary
    assert negative["features"] == ["x0"] and negative["class"] == 0    # x0 <= q1 < 0 decides it alone
