"""Where PyTorch is installed: multi-head attention and the Transformer layers equal PyTorch's in float64.

Weights are copied from the PyTorch module (its in_proj_weight holds W_q, W_k, W_v as rows,
ours are their transposes), dropout is 0, the padding and causal masks are on; the outputs
and the gradients of the input, the memory and every parameter agree to 1e-8.
"""
import numpy as np
import pytest

from dlx.nn.attention_layers import MultiHeadAttention
from dlx.nn.transformer import TransformerDecoderLayer, TransformerEncoderLayer
from dlx.tensor import Tensor

torch = pytest.importorskip("torch")

N, T, S, D, H, HIDDEN = 3, 5, 4, 8, 2, 12
LENGTHS, MEMORY_LENGTHS = np.array([5, 3, 1]), np.array([4, 2, 3])


def _rows(a, b):
    return lambda t: t[a:b].T  # in_proj_weight rows a:b, transposed to our (D, D) weight


def _attention_pairs(ours, theirs):
    """(our parameter, PyTorch parameter, how ours reads from it) for one attention block.

    Our W_q, W_k, W_v are in_proj_weight's rows transposed; the key bias is left out (no effect)."""
    w, b, out = theirs.in_proj_weight, theirs.in_proj_bias, theirs.out_proj
    same, transposed = (lambda t: t), (lambda t: t.T)
    return [(ours.w_q, w, _rows(0, D)), (ours.b_q, b, lambda t: t[:D]), (ours.w_k, w, _rows(D, 2 * D)),
            (ours.w_v, w, _rows(2 * D, 3 * D)), (ours.b_v, b, lambda t: t[2 * D:]),
            (ours.w_o, out.weight, transposed), (ours.b_o, out.bias, same)]


def _layer_pairs(ours, theirs, decoder=False):
    same, transposed = (lambda t: t), (lambda t: t.T)
    pairs = _attention_pairs(ours.self_attention, theirs.self_attn)
    norms = [(ours.norm1, theirs.norm1), (ours.norm2, theirs.norm2)]
    if decoder:  # PyTorch's norm2 follows the cross-attention, ours is norm3
        pairs += _attention_pairs(ours.cross_attention, theirs.multihead_attn)
        norms = [(ours.norm1, theirs.norm1), (ours.norm3, theirs.norm2), (ours.norm2, theirs.norm3)]
    ff = ours.feed_forward
    pairs += [(ff.w1, theirs.linear1.weight, transposed), (ff.b1, theirs.linear1.bias, same),
              (ff.w2, theirs.linear2.weight, transposed), (ff.b2, theirs.linear2.bias, same)]
    for mine, reference in norms:
        pairs += [(mine.gamma, reference.weight, same), (mine.beta, reference.bias, same)]
    return pairs


def _copy(pairs):
    for mine, reference, view in pairs:
        mine.data = view(reference.detach()).numpy().copy()


def _randomise(module, seed=3):
    """Non-trivial weights, biases and norms (PyTorch starts the biases at 0 and the norms at 1)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=generator, dtype=torch.float64) * 0.5)


def _inputs(rng, steps):
    x = rng.standard_normal((N, steps, D))
    return Tensor(x.copy(), requires_grad=True), torch.tensor(x, requires_grad=True)


def _mask(lengths, steps):
    return np.arange(steps)[None, :] < lengths[:, None]  # True at real steps


@pytest.mark.parametrize("causal", [False, True])
def test_multi_head_attention_matches_torch(causal):
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(D, H, batch_first=True, dtype=torch.float64)
    _randomise(theirs)
    ours = MultiHeadAttention(num_heads=H, causal=causal)
    ours.build((T, D), np.random.default_rng(0))
    x, tx = _inputs(np.random.default_rng(1), T)
    mask = _mask(LENGTHS, T)
    causal_mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1) if causal else None
    expected, _ = theirs(tx, tx, tx, key_padding_mask=torch.tensor(~mask), attn_mask=causal_mask)
    pairs = _attention_pairs(ours, theirs)
    _copy(pairs)
    out = ours(x, mask)
    _compare_parameters(out, expected, x, tx, ours, theirs, pairs)


def test_cross_attention_matches_torch():
    theirs = torch.nn.MultiheadAttention(D, H, batch_first=True, dtype=torch.float64)
    _randomise(theirs)
    ours = MultiHeadAttention(num_heads=H)
    ours.build((T, D), np.random.default_rng(0))
    x, tx = _inputs(np.random.default_rng(1), T)
    memory, tmemory = _inputs(np.random.default_rng(2), S)
    memory_mask = _mask(MEMORY_LENGTHS, S)
    expected, _ = theirs(tx, tmemory, tmemory, key_padding_mask=torch.tensor(~memory_mask))
    pairs = _attention_pairs(ours, theirs)
    _copy(pairs)
    out = ours(x, memory=memory, memory_mask=memory_mask)
    _compare_parameters(out, expected, x, tx, ours, theirs, pairs)
    np.testing.assert_allclose(memory.grad, tmemory.grad.numpy(), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("causal", [False, True])
def test_encoder_layer_matches_torch(norm_first, causal):
    theirs = torch.nn.TransformerEncoderLayer(D, H, HIDDEN, dropout=0.0, batch_first=True, norm_first=norm_first,
                                              dtype=torch.float64)
    _randomise(theirs)
    ours = TransformerEncoderLayer(num_heads=H, hidden=HIDDEN, norm_first=norm_first, causal=causal)
    ours.build((T, D), np.random.default_rng(0))
    x, tx = _inputs(np.random.default_rng(1), T)
    mask = _mask(LENGTHS, T)
    causal_mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1) if causal else None
    expected = theirs(tx, src_mask=causal_mask, src_key_padding_mask=torch.tensor(~mask))
    pairs = _layer_pairs(ours, theirs)
    _copy(pairs)
    _compare_parameters(ours(x, mask), expected, x, tx, ours, theirs, pairs)


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_matches_torch(norm_first):
    theirs = torch.nn.TransformerDecoderLayer(D, H, HIDDEN, dropout=0.0, batch_first=True, norm_first=norm_first,
                                              dtype=torch.float64)
    _randomise(theirs)
    ours = TransformerDecoderLayer(num_heads=H, hidden=HIDDEN, norm_first=norm_first)
    ours.build((T, D), np.random.default_rng(0))
    x, tx = _inputs(np.random.default_rng(1), T)
    memory, tmemory = _inputs(np.random.default_rng(2), S)
    mask, memory_mask = _mask(LENGTHS, T), _mask(MEMORY_LENGTHS, S)
    expected = theirs(tx, tmemory, tgt_mask=torch.triu(torch.ones(T, T, dtype=torch.bool), 1),
                      tgt_key_padding_mask=torch.tensor(~mask), memory_key_padding_mask=torch.tensor(~memory_mask))
    pairs = _layer_pairs(ours, theirs, decoder=True)
    _copy(pairs)
    out = ours(x, memory, mask, memory_mask)
    _compare_parameters(out, expected, x, tx, ours, theirs, pairs)
    np.testing.assert_allclose(memory.grad, tmemory.grad.numpy(), rtol=1e-8, atol=1e-10)


def _compare_parameters(out, expected, x, tx, ours, theirs, pairs):
    """Outputs, the input's gradient and every parameter's gradient (PyTorch's read after backward)."""
    upstream = np.random.default_rng(0).standard_normal(out.shape)
    out.backward(upstream)
    expected.backward(torch.tensor(upstream))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-8, atol=1e-10)
    for mine, reference, view in pairs:
        assert mine.grad is not None, "a parameter got no gradient"
        np.testing.assert_allclose(mine.grad, view(reference.grad).numpy(), rtol=1e-8, atol=1e-10)
    assert {id(p) for p, _, _ in pairs} == {id(p) for p in ours.parameters()}, "every parameter is compared"
    for name, p in theirs.named_parameters():  # the key bias we leave out has no effect in PyTorch either
        if name.endswith("in_proj_bias"):
            np.testing.assert_allclose(p.grad[D:2 * D].numpy(), 0, atol=1e-10)
