"""Graph layers: residual blocks, branches and their merges, shared blocks and graphs of several inputs.

Gradients are checked against central differences in float64 through every
parameter; a shared block is one set of parameters whose gradient is the sum of
both uses; the residual and concat blocks equal hand-written PyTorch modules
with the same weights to 1e-8 (float64).
"""
import numpy as np
import pytest

from dlx.errors import ShapeError
from dlx.nn import Conv2D, Dense, Graph, GraphNode, ReLU, Sequential, Tanh
from dlx.nn.graph import Branches, Residual, SharedBlock, merged_shape
from dlx.tensor import Tensor, gradcheck
from tests.nn.test_layers_common import _restore, _swap_parameters


def built64(model, input_shape, seed=0):
    """``model`` built for ``input_shape`` with float64 parameters."""
    model.build(input_shape, np.random.default_rng(seed))
    for p in model.parameters():
        p.data = p.data.astype(np.float64)
    return model


def check_gradients(model, *inputs):
    """gradcheck of ``model(*inputs)`` with respect to the inputs and every parameter (each once)."""
    count = len(inputs)

    def forward(*values):
        originals = _swap_parameters(model, values[count:])
        try:
            out = model(*values[:count])
            return out if isinstance(out, Tensor) else sum(o.sum() for o in out)
        finally:
            _restore(originals)

    return gradcheck(forward, [*inputs, *[p.data.copy() for p in model.parameters()]])


def test_residual_identity_and_projection_pass_gradcheck(rng):
    identity = built64(Residual(Sequential([Dense(5), Tanh(), Dense(5)])), (5,))
    assert identity.projection is None
    assert check_gradients(identity, rng.standard_normal((3, 5))) < 1e-6
    projection = built64(Residual(Sequential([Conv2D(4, 3, stride=2, padding=1), Tanh()])), (2, 6, 6))
    assert isinstance(projection.projection, Conv2D) and projection.projection.stride == (2, 2)
    assert projection.output_shape((2, 6, 6)) == (4, 3, 3)
    assert check_gradients(projection, rng.standard_normal((2, 2, 6, 6))) < 1e-6


@pytest.mark.parametrize("merge, shape", [("add", (4,)), ("multiply", (4,)), ("concat", (7,))])
def test_branches_merge_and_pass_gradcheck(merge, shape, rng):
    widths = (4, 4) if merge != "concat" else (4, 3)
    block = built64(Branches([Sequential([Dense(w), Tanh()]) for w in widths], merge=merge), (5,))
    assert block.output_shape((5,)) == shape
    assert check_gradients(block, rng.standard_normal((3, 5))) < 1e-6


def test_concat_joins_image_channels_and_sequence_features():
    assert merged_shape([(16, 8, 8), (8, 8, 8)], "concat") == (24, 8, 8)
    assert merged_shape([(7, 3), (7, 5)], "concat", axis=-1) == (7, 8)
    with pytest.raises(ShapeError, match="other axes equal"):
        merged_shape([(16, 8, 8), (8, 4, 4)], "concat")
    with pytest.raises(ShapeError, match="one shape"):
        merged_shape([(4,), (3,)], "add")


def test_a_shared_block_has_one_set_of_weights_and_the_gradient_of_both_uses(rng):
    block = Sequential([Dense(4), Tanh()])
    model = built64(Sequential([Dense(4), SharedBlock("unit", block), Dense(4), SharedBlock("unit", block)]), (3,))
    assert model.num_parameters() == 3 * 4 + 4 + 4 * 4 + 4 + 4 * 4 + 4  # the block's 20 counted once
    assert len(model.parameters()) == 6 and list(model.state_dict()).count("layers.1.block.layers.0.weight") == 1
    x = rng.standard_normal((5, 3))
    assert check_gradients(model, x) < 1e-6  # finite differences move the one weight in both uses
    # the tape's gradient is the sum of the gradients of two untied copies of the block
    upstream = rng.standard_normal((5, 4))
    model.zero_grad()
    (model(Tensor(x)) * Tensor(upstream)).sum().backward()
    tied = block.layers[0].weight.grad.copy()
    first, second = Sequential([Dense(4), Tanh()]), Sequential([Dense(4), Tanh()])
    untied = built64(Sequential([model.layers[0], first, model.layers[2], second]), (3,))
    for copy in (first, second):
        copy.load_state_dict(block.state_dict())
    untied.zero_grad()
    (untied(Tensor(x)) * Tensor(upstream)).sum().backward()
    np.testing.assert_allclose(tied, first.layers[0].weight.grad + second.layers[0].weight.grad, rtol=1e-12)


def test_a_graph_of_two_inputs_and_two_outputs_passes_gradcheck(rng):
    graph = Graph(["source", "target"],
                  [GraphNode("code", ["source"], body=Sequential([Dense(3), Tanh()])),
                   GraphNode("joined", ["target", "code"], merge="concat"),
                   GraphNode("out", ["joined"], body=Sequential([Dense(2)]))], outputs=["out", "code"])
    assert graph.output_shape({"source": (4,), "target": (2,)}) == ((2,), (3,))
    built64(graph, {"source": (4,), "target": (2,)})
    assert check_gradients(graph, rng.standard_normal((3, 4)), rng.standard_normal((3, 2))) < 1e-6
    with pytest.raises(ShapeError, match="neither an input nor an earlier node"):
        Graph(["x"], [GraphNode("a", ["b"])])


def _torch_linear(torch, dense):
    layer = torch.nn.Linear(dense.in_features, dense.units, dtype=torch.float64)
    layer.weight.data = torch.tensor(dense.weight.data.T.copy())
    layer.bias.data = torch.tensor(dense.b.data.copy())
    return layer


def _torch_conv(torch, conv, bias=True):
    layer = torch.nn.Conv2d(conv.in_channels, conv.filters, conv.kernel_size, stride=conv.stride,
                            padding=conv.padding, bias=bias, dtype=torch.float64)
    layer.weight.data = torch.tensor(conv.weight.data.copy())
    if bias:
        layer.bias.data = torch.tensor(conv.b.data.copy())
    return layer


def test_residual_blocks_equal_pytorch_modules(rng):
    torch = pytest.importorskip("torch")
    block = built64(Residual(Sequential([Dense(6), ReLU(), Dense(6)])), (6,))
    l1, l2 = (_torch_linear(torch, block.body.layers[i]) for i in (0, 2))
    x = rng.standard_normal((4, 6))
    expected = torch.tensor(x) + l2(torch.relu(l1(torch.tensor(x))))  # out = f(x) + x
    np.testing.assert_allclose(block(Tensor(x)).data, expected.detach().numpy(), rtol=0, atol=1e-8)
    down = built64(Residual(Sequential([Conv2D(4, 3, stride=2, padding=1), ReLU()])), (2, 6, 6))
    conv, shortcut = _torch_conv(torch, down.body.layers[0]), _torch_conv(torch, down.projection, bias=False)
    images = rng.standard_normal((2, 2, 6, 6))
    expected = torch.relu(conv(torch.tensor(images))) + shortcut(torch.tensor(images))  # f(x) + W_s x
    np.testing.assert_allclose(down(Tensor(images)).data, expected.detach().numpy(), rtol=0, atol=1e-8)


def test_a_concat_block_equals_a_pytorch_module(rng):
    torch = pytest.importorskip("torch")
    block = built64(Branches([Sequential([Conv2D(3, 3, padding=1), ReLU()]), Sequential([Conv2D(2, 1), Tanh()])],
                             merge="concat"), (2, 5, 5))
    wide, narrow = _torch_conv(torch, block.paths[0].layers[0]), _torch_conv(torch, block.paths[1].layers[0])
    images = torch.tensor(rng.standard_normal((2, 2, 5, 5)))
    expected = torch.cat([torch.relu(wide(images)), torch.tanh(narrow(images))], dim=1)
    out = block(Tensor(images.numpy()))
    assert out.shape == (2, 5, 5, 5)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=0, atol=1e-8)


def test_projection_shortcuts_for_vectors_sequences_and_strided_images():
    from dlx.nn import TimeDense
    from dlx.nn.graph import projection_for
    assert isinstance(projection_for((5,), (3,)), Dense) and projection_for((5,), (3,)).bias is False
    per_step = projection_for((7, 4), (7, 6))
    assert isinstance(per_step, TimeDense) and per_step.output_shape((7, 4)) == (7, 6)
    assert projection_for((3, 9, 9), (8, 3, 3)).stride == (3, 3)  # floor((9 - 1) / 3) + 1 = 3
    with pytest.raises(ShapeError, match="no projection shortcut maps"):
        projection_for((3, 8, 8), (8,))


def test_shortcut_none_is_the_plain_twin(rng):
    """``shortcut: none`` gives f(x) alone: the same layers as the residual block, its output minus x."""
    residual = built64(Residual(Sequential([Dense(4), Tanh()]), "identity"), (4,))
    plain = built64(Residual(Sequential([Dense(4), Tanh()]), "none"), (4,))
    plain.load_state_dict(residual.state_dict())
    x = Tensor(rng.standard_normal((3, 4)))
    np.testing.assert_allclose(plain(x).data, residual(x).data - x.data)
    assert plain.output_shape((4,)) == (4,) and plain.projection is None
