"""The Transformer encoder-decoder: causal decoding, the step interface agrees with teacher forcing, gradients."""
import numpy as np

from dlx.nn.transformer_seq2seq import TransformerSeq2Seq
from dlx.tensor import Tensor


def _model(seed=0):
    model = TransformerSeq2Seq(12, d_model=8, heads=2, num_layers=1, hidden=16, max_output_length=6)
    model.build((5,), np.random.default_rng(seed))
    for p in model.parameters():
        p.data = p.data.astype(np.float64)
    model.eval()
    return model


def test_a_later_target_never_changes_an_earlier_step():
    model, rng = _model(), np.random.default_rng(1)
    source, targets = rng.integers(3, 12, (2, 5)), rng.integers(3, 12, (2, 4))
    changed = targets.copy()
    changed[:, 3] = (changed[:, 3] + 1) % 12
    a, b = model(source, targets=targets).data, model(source, targets=changed).data
    np.testing.assert_array_equal(a[:, :4], b[:, :4])      # step t reads the targets before t only
    assert a.shape == (2, 4, 12)


def test_step_by_step_decoding_equals_the_teacher_forced_pass_on_its_own_tokens():
    model, rng = _model(), np.random.default_rng(2)
    source = rng.integers(3, 12, (3, 5))
    logits, tokens, _ = model.greedy(source, max_length=4)
    forced = model(source, targets=tokens).data
    np.testing.assert_allclose(logits.data, forced, rtol=0, atol=1e-10)


def test_padding_of_the_source_changes_nothing():
    model, rng = _model(), np.random.default_rng(3)
    source, targets = rng.integers(3, 12, (1, 3)), rng.integers(3, 12, (1, 4))
    padded, mask = np.concatenate([source, np.zeros((1, 2), np.int64)], axis=1), np.array([[1, 1, 1, 0, 0]])
    np.testing.assert_allclose(model(source, targets=targets).data, model(padded, mask=mask, targets=targets).data,
                               rtol=0, atol=1e-10)


def test_gradient_of_the_output_layer_matches_finite_differences():
    model, rng = _model(), np.random.default_rng(4)
    source, targets = rng.integers(3, 12, (2, 5)), rng.integers(3, 12, (2, 3))
    weights = rng.standard_normal((2, 3, 12))

    def loss():
        return float((model(source, targets=targets).data * weights).sum())
    out = model(source, targets=targets)
    (out * Tensor(weights)).sum().backward()
    for p in (model.w_out, model.encoder_0.self_attention.parameters()[0]):
        index = tuple(rng.integers(0, n) for n in p.data.shape)
        analytic = p.grad[index]
        p.data[index] += 1e-6
        up = loss()
        p.data[index] -= 2e-6
        down = loss()
        p.data[index] += 1e-6
        assert abs((up - down) / 2e-6 - analytic) < 1e-6 * max(1.0, abs(analytic))
