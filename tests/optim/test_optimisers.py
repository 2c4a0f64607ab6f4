"""Optimisers: registry-wide convergence, hand-computed first steps, PyTorch agreement, mechanics."""
import io

import numpy as np
import pytest

import dlx.optim  # noqa: F401  (registers the optimisers)
from dlx.errors import ConfigError, ShapeError
from dlx.nn.module import Parameter
from dlx.registry import optimisers

ALL = sorted(optimisers.canonical())

# Learning rates for the convergence tests, one per optimiser. Plain gradient methods
# need lr < 2 / (largest curvature) = 2 / 100 on the ravine, so 0.01. Adaptive methods
# move each weight by about lr per step whatever the gradient's size, so they need lr
# on the scale of the distance to travel (about 1 here); Adadelta's default (1.0) is
# the paper's. Optimisers not listed run with their defaults.
CONVERGENCE_KWARGS = {
    "sgd": {"lr": 0.01}, "momentum": {"lr": 0.01}, "nesterov": {"lr": 0.01},
    "adagrad": {"lr": 0.3}, "adadelta": {}, "rmsprop": {"lr": 0.03}, "adam": {"lr": 0.1},
}


def make_param(values, dtype=np.float64):
    return Parameter(np.array(values, dtype=dtype), dtype=dtype)


def run_steps(optimiser, params, grad_fn, steps):
    for _ in range(steps):
        for p in params:
            p.grad = grad_fn(p.data)
        optimiser.step()


# ---- registry-wide: every optimiser minimises ------------------------------------------------
def spd_quadratic(rng, eigenvalues=(1.0, 2.0, 4.0, 7.0, 10.0)):
    q, _ = np.linalg.qr(rng.normal(size=(len(eigenvalues), len(eigenvalues))))
    return q @ np.diag(eigenvalues) @ q.T, rng.normal(size=len(eigenvalues))


@pytest.mark.parametrize("name", ALL)
def test_lowers_a_convex_quadratic(name, rng):
    a, b = spd_quadratic(rng)
    f = lambda t: 0.5 * t @ a @ t - b @ t  # noqa: E731
    f_min = f(np.linalg.solve(a, b))
    p = make_param(np.ones(5))
    f_start = f(p.data)
    opt = optimisers.create(name, params=[p], **CONVERGENCE_KWARGS.get(name, {}))
    run_steps(opt, [p], lambda t: a @ t - b, 500)
    assert f(p.data) - f_min < 0.01 * (f_start - f_min)


@pytest.mark.parametrize("name", ALL)
def test_moves_towards_the_bottom_of_a_ravine(name):
    curvature = np.array([1.0, 100.0])  # f = 0.5 * (x^2 + 100 y^2), minimum at 0
    p = make_param([-3.0, 1.0])
    start = np.linalg.norm(p.data)
    opt = optimisers.create(name, params=[p], **CONVERGENCE_KWARGS.get(name, {}))
    run_steps(opt, [p], lambda t: curvature * t, 500)
    assert np.all(np.isfinite(p.data))
    assert np.linalg.norm(p.data) < 0.5 * start


# ---- the first three steps equal the update rule written out by hand --------------------------
A = np.array([[3.0, 0.5, 0.0, 0.2], [0.5, 2.0, 0.3, 0.0], [0.0, 0.3, 1.5, 0.1], [0.2, 0.0, 0.1, 1.0]])
B = np.array([1.0, -2.0, 0.5, 0.0])
THETA0 = np.array([0.5, -1.0, 2.0, 0.3])


def gradient(theta):
    return A @ theta - B


def hand_sgd(t, lr=0.1):
    out = []
    for _ in range(3):
        t = t - lr * gradient(t)
        out.append(t)
    return out


def hand_momentum(t, lr=0.1, gamma=0.8, nesterov=False):
    v, out = np.zeros_like(t), []
    for _ in range(3):
        g = gradient(t)
        v = gamma * v + lr * g
        t = t - (gamma * v + lr * g if nesterov else v)
        out.append(t)
    return out


def hand_adagrad(t, lr=0.1, eps=1e-2):
    s, out = np.zeros_like(t), []
    for _ in range(3):
        g = gradient(t)
        s = s + g ** 2
        t = t - lr * g / (np.sqrt(s) + eps)
        out.append(t)
    return out


def hand_adadelta(t, lr=0.5, rho=0.8, eps=1e-2):
    eg2, ed2, out = np.zeros_like(t), np.zeros_like(t), []
    for _ in range(3):
        g = gradient(t)
        eg2 = rho * eg2 + (1 - rho) * g ** 2
        delta = -np.sqrt(ed2 + eps) / np.sqrt(eg2 + eps) * g
        ed2 = rho * ed2 + (1 - rho) * delta ** 2
        t = t + lr * delta
        out.append(t)
    return out


def hand_rmsprop(t, lr=0.1, gamma=0.8, eps=1e-2):
    e, out = np.zeros_like(t), []
    for _ in range(3):
        g = gradient(t)
        e = gamma * e + (1 - gamma) * g ** 2
        t = t - lr * g / np.sqrt(e + eps)
        out.append(t)
    return out


def hand_adam(t, lr=0.1, beta1=0.8, beta2=0.9, eps=1e-2):
    m, v, out = np.zeros_like(t), np.zeros_like(t), []
    for step in range(1, 4):
        g = gradient(t)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g ** 2
        m_hat, v_hat = m / (1 - beta1 ** step), v / (1 - beta2 ** step)
        t = t - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(t)
    return out


# name -> (constructor kwargs, hand-written trajectory); eps chosen large so its place matters
HAND_CASES = {
    "sgd": ({"lr": 0.1}, hand_sgd(THETA0)),
    "momentum": ({"lr": 0.1, "gamma": 0.8}, hand_momentum(THETA0)),
    "nesterov": ({"lr": 0.1, "gamma": 0.8}, hand_momentum(THETA0, nesterov=True)),
    "adagrad": ({"lr": 0.1, "eps": 1e-2}, hand_adagrad(THETA0)),
    "adadelta": ({"lr": 0.5, "rho": 0.8, "eps": 1e-2}, hand_adadelta(THETA0)),
    "rmsprop": ({"lr": 0.1, "gamma": 0.8, "eps": 1e-2}, hand_rmsprop(THETA0)),
    "adam": ({"lr": 0.1, "beta1": 0.8, "beta2": 0.9, "eps": 1e-2}, hand_adam(THETA0)),
}


def test_every_optimiser_has_a_hand_computed_case():
    assert sorted(HAND_CASES) == ALL


@pytest.mark.parametrize("name", sorted(HAND_CASES))
def test_first_three_steps_follow_the_update_rule(name):
    kwargs, expected = HAND_CASES[name]
    p = make_param(THETA0)
    opt = optimisers.create(name, params=[p], **kwargs)
    for want in expected:
        p.grad = gradient(p.data)
        opt.step()
        np.testing.assert_allclose(p.data, want, rtol=0, atol=1e-12)


def test_sgd_with_momentum_keywords_equals_the_named_classes():
    for nesterov in (False, True):
        p = make_param(THETA0)
        opt = optimisers.create("sgd", params=[p], lr=0.1, momentum=0.8, nesterov=nesterov)
        for want in hand_momentum(THETA0, nesterov=nesterov):
            p.grad = gradient(p.data)
            opt.step()
            np.testing.assert_allclose(p.data, want, rtol=0, atol=1e-12)


# ---- agreement with torch.optim on the same gradients ----------------------------------------
def torch_cases(torch):
    """(dlx name, dlx kwargs, torch optimiser class, torch kwargs): the same rule in both.

    SGD momentum: torch keeps b = mu b + g and steps lr * b; ours keeps v = mu v + lr g
    and steps v. With a constant lr, v = lr * b, so the trajectories agree.
    RMSProp: torch divides by sqrt(E) + eps, ours by sqrt(E + eps). We give ours
    eps=1e-300 and torch eps=0: in float64, E + 1e-300 == E for every E the random
    gradients produce, so both compute g / sqrt(E) and the comparison tests the rest
    of the rule (the decay gamma = torch's alpha) exactly.
    """
    o = torch.optim
    return {
        "sgd": ("sgd", {"lr": 0.05}, o.SGD, {"lr": 0.05}),
        "sgd-momentum": ("sgd", {"lr": 0.05, "momentum": 0.9}, o.SGD, {"lr": 0.05, "momentum": 0.9}),
        "momentum": ("momentum", {"lr": 0.05, "gamma": 0.9}, o.SGD, {"lr": 0.05, "momentum": 0.9}),
        "nesterov": ("nesterov", {"lr": 0.05, "gamma": 0.9}, o.SGD,
                     {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
        "adagrad": ("adagrad", {"lr": 0.1, "eps": 1e-8}, o.Adagrad, {"lr": 0.1, "eps": 1e-8}),
        "adadelta": ("adadelta", {"lr": 1.0, "rho": 0.9, "eps": 1e-6}, o.Adadelta,
                     {"lr": 1.0, "rho": 0.9, "eps": 1e-6}),
        "rmsprop": ("rmsprop", {"lr": 0.01, "gamma": 0.9, "eps": 1e-300}, o.RMSprop,
                    {"lr": 0.01, "alpha": 0.9, "eps": 0.0}),
        "adam": ("adam", {"lr": 0.01}, o.Adam, {"lr": 0.01}),
        "adam-weight-decay": ("adam", {"lr": 0.01, "weight_decay": 0.1}, o.Adam,
                              {"lr": 0.01, "weight_decay": 0.1}),
        "sgd-weight-decay": ("sgd", {"lr": 0.05, "weight_decay": 0.1}, o.SGD,
                             {"lr": 0.05, "weight_decay": 0.1}),
    }


TORCH_CASE_NAMES = ["sgd", "sgd-momentum", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop",
                    "adam", "adam-weight-decay", "sgd-weight-decay"]


@pytest.mark.parametrize("case", TORCH_CASE_NAMES)
def test_twenty_steps_match_torch(case, rng):
    torch = pytest.importorskip("torch")
    name, kwargs, torch_class, torch_kwargs = torch_cases(torch)[case]
    start = [rng.normal(size=(3, 4)), rng.normal(size=5)]
    grads = [[rng.normal(size=s.shape) for s in start] for _ in range(20)]
    ours = [make_param(s) for s in start]
    theirs = [torch.tensor(s, dtype=torch.float64, requires_grad=True) for s in start]
    opt = optimisers.create(name, params=ours, **kwargs)
    torch_opt = torch_class(theirs, **torch_kwargs)
    for step_grads in grads:
        for p, t, g in zip(ours, theirs, step_grads):
            p.grad, t.grad = g, torch.tensor(g, dtype=torch.float64)
        opt.step()
        torch_opt.step()
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=1e-6, atol=1e-12)


# ---- clipping and weight decay ----------------------------------------------------------------
def test_clip_value_clips_each_element():
    p = make_param([0.0, 0.0, 0.0])
    p.grad = np.array([-5.0, 0.5, 3.0])
    optimisers.create("sgd", params=[p], lr=1.0, clip_value=1.0).step()
    np.testing.assert_array_equal(p.data, [1.0, -0.5, -1.0])


def test_clip_norm_rescales_all_gradients_together():
    p, q = make_param([0.0, 0.0]), make_param([0.0])
    p.grad, q.grad = np.array([3.0, 4.0]), np.array([12.0])  # global norm 13
    optimisers.create("sgd", params=[p, q], lr=1.0, clip_norm=6.5).step()
    np.testing.assert_allclose(p.data, [-1.5, -2.0], rtol=1e-15)
    np.testing.assert_allclose(q.data, [-6.0], rtol=1e-15)


def test_clip_norm_leaves_small_gradients_alone():
    p = make_param([0.0, 0.0])
    p.grad = np.array([0.3, 0.4])  # norm 0.5
    optimisers.create("sgd", params=[p], lr=1.0, clip_norm=1.0).step()
    np.testing.assert_array_equal(p.data, [-0.3, -0.4])


def test_weight_decay_is_coupled_l2():
    p = make_param([1.0, -2.0])
    p.grad = np.array([0.5, 0.5])
    optimisers.create("sgd", params=[p], lr=0.1, weight_decay=0.01).step()
    np.testing.assert_allclose(p.data, np.array([1.0, -2.0]) - 0.1 * (0.5 + 0.01 * np.array([1.0, -2.0])),
                               rtol=1e-15)


# ---- invalid hyperparameters ------------------------------------------------------------------
INVALID = [
    ("sgd", "lr", 0), ("sgd", "lr", -0.1), ("sgd", "momentum", 1.0), ("momentum", "gamma", -0.1),
    ("nesterov", "gamma", 1.5), ("adagrad", "eps", 0), ("adadelta", "rho", 1.0),
    ("adadelta", "eps", -1e-6), ("rmsprop", "gamma", 2), ("rmsprop", "eps", 0.0),
    ("adam", "beta1", 1.5), ("adam", "beta2", -0.1), ("adam", "eps", -1e-8), ("adam", "lr", float("nan")),
    ("adam", "weight_decay", -0.01), ("sgd", "clip_norm", 0), ("adagrad", "clip_value", -1.0),
    ("adam", "lr", "fast"),
]


@pytest.mark.parametrize("name, key, value", INVALID)
def test_invalid_hyperparameters_are_config_errors(name, key, value):
    with pytest.raises(ConfigError) as error:
        optimisers.create(name, params=[make_param([1.0])], **{key: value})
    message = str(error.value)
    shown = repr(value) if isinstance(value, str) else format(value, "g")
    assert message.startswith(f"{name}: {key} must ")
    assert f"got {shown}" in message


def test_invalid_message_names_the_allowed_range():
    with pytest.raises(ConfigError, match=r"^adam: beta1 must lie in \[0, 1\), got 1\.5$"):
        optimisers.create("adam", params=[make_param([1.0])], beta1=1.5)


@pytest.mark.parametrize("name", ALL)
def test_every_optimiser_rejects_a_negative_lr_and_no_parameters(name):
    with pytest.raises(ConfigError, match="lr must be > 0, got -1"):
        optimisers.create(name, params=[make_param([1.0])], lr=-1.0)
    with pytest.raises(ConfigError, match="parameter list is empty"):
        optimisers.create(name, params=[])


def test_nesterov_without_momentum_is_an_error():
    with pytest.raises(ConfigError, match="nesterov=True needs momentum"):
        optimisers.create("sgd", params=[make_param([1.0])], nesterov=True)


def test_lr_can_be_assigned_but_not_negative():
    opt = optimisers.create("adam", params=[make_param([1.0])])
    opt.lr = np.float64(0.0)  # a warm-up may start at zero
    assert opt.lr == 0.0 and type(opt.lr) is float
    with pytest.raises(ConfigError, match="lr must be >= 0, got -0.1"):
        opt.lr = -0.1


# ---- state dicts: exact resume ----------------------------------------------------------------
def random_grads(rng, shapes, steps, dtype):
    return [[rng.normal(size=s).astype(dtype) for s in shapes] for _ in range(steps)]


def apply(opt, params, grads):
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = g
        opt.step()


@pytest.mark.parametrize("name", ALL)
def test_state_dict_round_trip_resumes_bit_identically(name, rng):
    shapes, kwargs = [(3, 2), (4,)], {"weight_decay": 0.01, "clip_norm": 2.0}
    grads = random_grads(rng, shapes, 8, np.float32)
    start = [rng.normal(size=s).astype(np.float32) for s in shapes]
    params = [Parameter(s.copy()) for s in start]
    opt = optimisers.create(name, params=params, **kwargs)
    apply(opt, params, grads[:4])
    opt.lr = opt.lr * 0.5  # as a schedule would
    saved = io.BytesIO()
    np.savez(saved, **opt.state_dict())
    saved.seek(0)
    with np.load(saved, allow_pickle=False) as archive:
        state = {key: archive[key] for key in archive.files}

    resumed_params = [Parameter(p.data.copy()) for p in params]
    resumed = optimisers.create(name, params=resumed_params, **kwargs)
    resumed.load_state_dict(state)
    assert resumed.lr == opt.lr and resumed.step_count == 4
    apply(opt, params, grads[4:])
    apply(resumed, resumed_params, grads[4:])
    for p, r in zip(params, resumed_params):
        assert r.data.dtype == np.float32
        np.testing.assert_array_equal(p.data, r.data)


@pytest.mark.parametrize("name", ALL)
def test_state_dict_holds_only_arrays_and_copies(name, rng):
    params = [make_param(rng.normal(size=3))]
    opt = optimisers.create(name, params=params)
    apply(opt, params, random_grads(rng, [(3,)], 2, np.float64))
    state = opt.state_dict()
    assert {"step", "lr"} <= set(state) and state["step"] == 2
    assert all(isinstance(v, np.ndarray) for v in state.values())
    before = {k: v.copy() for k, v in state.items()}
    apply(opt, params, random_grads(rng, [(3,)], 1, np.float64))
    for key, value in state.items():
        np.testing.assert_array_equal(value, before[key])


def test_load_state_dict_rejects_a_foreign_state():
    from dlx.errors import CheckpointError
    opt = optimisers.create("adam", params=[make_param([1.0, 2.0])])
    with pytest.raises(CheckpointError, match="lacks"):
        opt.load_state_dict({})
    state = {"step": np.array(1), "lr": np.array(0.1), "param.0.m": np.zeros(5)}
    with pytest.raises(CheckpointError, match="shape"):
        opt.load_state_dict(state)
    state = {"step": np.array(1), "lr": np.array(0.1), "param.3.m": np.zeros(2)}
    with pytest.raises(CheckpointError, match="unexpected optimiser state key 'param.3.m'"):
        opt.load_state_dict(state)


# ---- mechanics --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("grad_dtype", [np.float32, np.float64])
def test_float32_parameters_stay_float32(name, grad_dtype, rng):
    p = Parameter(rng.normal(size=(4, 3)).astype(np.float32))
    opt = optimisers.create(name, params=[p])
    apply(opt, [p], random_grads(rng, [(4, 3)], 3, grad_dtype))
    assert p.data.dtype == np.float32
    assert all(v.dtype in (np.float32, np.int64) for v in opt.state_dict().values() if v.ndim)


@pytest.mark.parametrize("name", ALL)
def test_gradients_are_not_modified(name, rng):
    p = make_param(rng.normal(size=5))
    grad = rng.normal(size=5) * 10
    grad.flags.writeable = False  # any in-place write would raise
    p.grad = grad
    original = grad.copy()
    opt = optimisers.create(name, params=[p], weight_decay=0.1, clip_norm=1.0, clip_value=2.0)
    opt.step()
    assert p.grad is grad
    np.testing.assert_array_equal(grad, original)


def test_parameters_without_gradients_are_skipped_and_zero_grad_clears():
    p, q = make_param([1.0, 2.0]), make_param([3.0])
    opt = optimisers.create("adam", params=iter([p, q]))  # any iterable
    p.grad = np.array([0.1, 0.1])
    opt.step()
    np.testing.assert_array_equal(q.data, [3.0])
    assert not any(key.startswith("param.1.") for key in opt.state_dict())
    opt.zero_grad()
    assert p.grad is None and q.grad is None


def test_a_gradient_of_the_wrong_shape_is_a_shape_error():
    p = make_param([1.0, 2.0])
    p.grad = np.zeros(3)
    with pytest.raises(ShapeError, match=r"shape \(2,\) but its grad has shape \(3,\)"):
        optimisers.create("sgd", params=[p]).step()


@pytest.mark.parametrize("name", ALL)
def test_docstring_states_the_update_rule(name):
    cls = optimisers.get(name)
    first_line = optimisers.describe(name)
    assert first_line.endswith(".") and len(first_line) < 100
    assert "Update rule" in cls.__doc__ and "Example" in cls.__doc__
