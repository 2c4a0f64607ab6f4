"""The Transformer's parts on their own: masks, positional codes, shapes and config errors (no PyTorch needed)."""
import numpy as np
import pytest

from dlx.errors import ConfigError, ShapeError
from dlx.nn.attention_layers import MultiHeadAttention, PositionalEncoding, sinusoidal_table
from dlx.nn.transformer import SequenceMean, TransformerDecoderLayer, TransformerEncoderLayer
from dlx.ops.attention import scaled_dot_product_attention
from dlx.tensor import Tensor, gradcheck


def _encoder(causal=False, seed=0):
    layer = TransformerEncoderLayer(num_heads=2, hidden=8, causal=causal)
    layer.build((5, 4), np.random.default_rng(seed))
    return layer


def test_causal_outputs_do_not_depend_on_later_steps(rng):
    layer = _encoder(causal=True)
    x = rng.standard_normal((2, 5, 4))
    changed = x.copy()
    changed[:, 3:] = rng.standard_normal((2, 2, 4))
    a, b = layer(Tensor(x)).data, layer(Tensor(changed)).data
    np.testing.assert_allclose(a[:, :3], b[:, :3], atol=1e-12)
    assert not np.allclose(a[:, 3:], b[:, 3:])


def test_padded_steps_change_nothing_at_the_real_ones(rng):
    layer = _encoder()
    x, mask = rng.standard_normal((2, 5, 4)), np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], dtype=bool)
    changed = x.copy()
    changed[0, 3:] = 100.0
    a, b = layer(Tensor(x), mask).data, layer(Tensor(changed), mask).data
    np.testing.assert_allclose(a[0, :3], b[0, :3], atol=1e-12)
    pooled = SequenceMean()(Tensor(a), mask).data
    np.testing.assert_allclose(pooled[0], a[0, :3].mean(axis=0), atol=1e-12)


def test_attention_weights_with_equal_keys_average_the_values():
    q = Tensor(np.ones((1, 1, 3, 2)))
    k = Tensor(np.zeros((1, 1, 3, 2)))
    v = Tensor(np.arange(6.0).reshape(1, 1, 3, 2))
    out = scaled_dot_product_attention(q, k, v, causal=True).data[0, 0]
    np.testing.assert_allclose(out, [[0, 1], [1, 2], [2, 3]])  # step t: the mean of values 0..t
    nothing = scaled_dot_product_attention(q, k, v, key_mask=np.zeros((1, 3), dtype=bool)).data
    np.testing.assert_array_equal(nothing, 0.0)  # no key to attend to: zeros, not NaN


def test_sinusoidal_table_is_the_papers_formula():
    table = sinusoidal_table(50, 6)
    t, i = 17, 1
    assert table[t, 2 * i] == pytest.approx(np.sin(t / 10000 ** (2 * i / 6)))
    assert table[t, 2 * i + 1] == pytest.approx(np.cos(t / 10000 ** (2 * i / 6)))
    assert sinusoidal_table(4, 5).shape == (4, 5)  # an odd width keeps its last sine
    with pytest.raises(ShapeError, match="longer than max_length"):
        PositionalEncoding(max_length=4).output_shape((5, 6))


def test_decoder_layer_gradcheck_through_the_memory(rng):
    layer = TransformerDecoderLayer(num_heads=2, hidden=6, norm_first=True)
    layer.build((3, 4), rng)
    memory_mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], dtype=bool)

    def forward(x, memory):
        return layer(x, memory, None, memory_mask)

    assert gradcheck(forward, [rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4, 4))]) < 1e-6


def test_heads_must_divide_the_features_and_options_are_checked():
    with pytest.raises(ShapeError, match="multiple of num_heads"):
        MultiHeadAttention(num_heads=3).output_shape((5, 8))
    with pytest.raises(ConfigError, match="num_heads must be a positive integer"):
        MultiHeadAttention(num_heads=0)
    with pytest.raises(ConfigError, match="dropout"):
        TransformerEncoderLayer(dropout=1.0)
    with pytest.raises(ConfigError, match="causal must be true or false"):
        TransformerEncoderLayer(causal="maybe")
    with pytest.raises(ShapeError, match="before transformer_encoder_layer"):
        TransformerEncoderLayer().output_shape((8,))


def test_summary_counts_the_products_with_weights():
    from dlx.models.trace import multiply_adds
    layer = TransformerEncoderLayer(num_heads=2, hidden=8)
    assert multiply_adds(layer, (5, 4), (5, 4)) == 4 * 5 * 4 * 4 + 2 * 5 * 4 * 8  # W_q, W_k, W_v, W_o; W1, W2
    assert multiply_adds(TransformerDecoderLayer(num_heads=2, hidden=8), (5, 4), (5, 4)) == 8 * 5 * 4 * 4 + 2 * 5 * 4 * 8
