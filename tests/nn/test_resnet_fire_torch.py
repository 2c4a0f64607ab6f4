"""A ResNet basic block and a SqueezeNet Fire module, built by dlx's model builder from a config
mapping, against the same PyTorch modules: outputs and input gradients to 1e-8 in float64.

The basic block is relu(x + bn(conv(relu(bn(conv(x)))))) with bias-free 3x3 convolutions (He et
al. 2016); batch norm is checked in evaluation mode with set running statistics and in training
mode (batch statistics, and the running averages it leaves). The Fire module is squeeze 1x1 + relu,
then expand 1x1 + relu and 3x3 + relu joined along the channels (Iandola et al. 2016).
"""
import numpy as np
import pytest

from dlx.models.builder import build_model
from dlx.nn import BatchNorm2D, Conv2D
from dlx.tensor import Tensor

CONV = {"kernel_size": 3, "padding": 1, "bias": False}
BASIC_BLOCK = {"layers": [
    {"residual": {"layers": [{"conv2d": {"filters": 4, **CONV}}, "batch_norm2d", "relu",
                             {"conv2d": {"filters": 4, **CONV}}, "batch_norm2d"], "shortcut": "identity"}},
    "relu"]}
FIRE = {"layers": [
    {"conv2d": {"filters": 3, "kernel_size": 1}}, "relu",
    {"branches": {"merge": "concat", "paths": [[{"conv2d": {"filters": 4, "kernel_size": 1}}, "relu"],
                                                [{"conv2d": {"filters": 5, "kernel_size": 3, "padding": 1}},
                                                 "relu"]]}}]}


def built64(section: dict, input_shape: tuple, rng) -> object:
    """The model of a config's ``model`` section, parameters and buffers in float64."""
    model = build_model(section, input_shape, output_size=10, rng=rng)
    for module in model.modules():
        for name, value in list(module._buffers.items()):
            module._buffers[name] = value.astype(np.float64)
    for parameter in model.parameters():
        parameter.data = parameter.data.astype(np.float64)
    return model


def layers_of(model, kind) -> list:
    return [m for m in model.modules() if isinstance(m, kind)]


def torch_conv(torch, conv):
    layer = torch.nn.Conv2d(conv.in_channels, conv.filters, conv.kernel_size, padding=conv.padding,
                            bias=conv.b is not None, dtype=torch.float64)
    layer.weight.data = torch.tensor(conv.weight.data.copy())
    if conv.b is not None:
        layer.bias.data = torch.tensor(conv.b.data.copy())
    return layer


def torch_batch_norm(torch, norm):
    layer = torch.nn.BatchNorm2d(norm.num_features, eps=norm.eps, momentum=norm.momentum, dtype=torch.float64)
    layer.weight.data, layer.bias.data = torch.tensor(norm.gamma.data), torch.tensor(norm.beta.data)
    layer.running_mean.data = torch.tensor(norm.running_mean.copy())
    layer.running_var.data = torch.tensor(norm.running_var.copy())
    return layer


def output_and_input_gradient(model, x: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """dlx: the output and d(sum(weights * output))/dx."""
    inputs = Tensor(x, requires_grad=True)
    out = model(inputs)
    (out * Tensor(weights)).sum().backward()
    return out.data, inputs.grad


def torch_output_and_input_gradient(torch, forward, x, weights):
    inputs = torch.tensor(x, requires_grad=True)
    out = forward(inputs)
    (out * torch.tensor(weights)).sum().backward()
    return out.detach().numpy(), inputs.grad.numpy()


def assert_same(ours, theirs):
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-8)


@pytest.mark.parametrize("training", [False, True], ids=["eval", "train"])
def test_a_basic_block_equals_pytorch(training, rng):
    torch = pytest.importorskip("torch")
    model = built64(BASIC_BLOCK, (4, 5, 5), rng)
    convs, norms = layers_of(model, Conv2D), layers_of(model, BatchNorm2D)
    assert len(convs) == len(norms) == 2 and all(conv.b is None for conv in convs)
    for norm in norms:  # trained-looking statistics and affine parameters, not the initial 0/1
        norm.gamma.data, norm.beta.data = rng.uniform(0.5, 1.5, 4), rng.normal(0, 0.5, 4)
        norm._buffers["running_mean"][:] = rng.normal(0, 0.5, 4)
        norm._buffers["running_var"][:] = rng.uniform(0.5, 2.0, 4)
    conv1, conv2 = (torch_conv(torch, conv) for conv in convs)
    bn1, bn2 = (torch_batch_norm(torch, norm) for norm in norms)
    model.train(training)
    for layer in (bn1, bn2):
        layer.train(training)

    def forward(x):
        return torch.relu(x + bn2(conv2(torch.relu(bn1(conv1(x))))))

    x, weights = rng.standard_normal((6, 4, 5, 5)), rng.standard_normal((6, 4, 5, 5))
    assert_same(output_and_input_gradient(model, x, weights), torch_output_and_input_gradient(torch, forward, x, weights))
    for norm, layer in zip(norms, (bn1, bn2)):  # training updates the running averages as PyTorch does
        np.testing.assert_allclose(norm.running_mean, layer.running_mean.numpy(), rtol=0, atol=1e-8)
        np.testing.assert_allclose(norm.running_var, layer.running_var.numpy(), rtol=0, atol=1e-8)


def test_a_fire_module_equals_pytorch(rng):
    torch = pytest.importorskip("torch")
    model = built64(FIRE, (6, 5, 5), rng)
    for conv in layers_of(model, Conv2D):  # non-zero biases, so that a dropped bias would show
        conv.b.data = rng.normal(0, 0.3, conv.b.data.shape)
    squeeze, expand1, expand3 = (torch_conv(torch, conv) for conv in layers_of(model, Conv2D))

    def forward(x):
        s = torch.relu(squeeze(x))
        return torch.cat([torch.relu(expand1(s)), torch.relu(expand3(s))], dim=1)

    x, weights = rng.standard_normal((3, 6, 5, 5)), rng.standard_normal((3, 9, 5, 5))
    assert_same(output_and_input_gradient(model, x, weights), torch_output_and_input_gradient(torch, forward, x, weights))
