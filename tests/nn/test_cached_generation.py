"""Generation that carries states or key-value caches gives the distributions of a full recompute.

In float64 every next-token distribution of the carried (LSTM, GRU) or cached (causal Transformer)
reader must equal that of a pass over the whole context the model keeps, to 1e-10; a fixed-seed
sample must be the text the full recompute draws; beam search with the cached Transformer decoder
must find the hypothesis that rerunning the decoder over the prefix finds.
"""
from functools import partial
from types import SimpleNamespace

import numpy as np
import pytest

from dlx.inference import text
from dlx.inference.decoding import beam_search
from dlx.nn import Sequential
from dlx.nn.transformer_seq2seq import TransformerSeq2Seq
from dlx.ops.activation import softmax_array
from dlx.registry import layers
from dlx.tasks import predict_outputs

V, WINDOW = 7, 10


def network(kind: str, rng) -> Sequential:
    middle = {"lstm": [("lstm", {"units": 8, "return_sequences": True})],
              "gru": [("gru", {"units": 8, "return_sequences": True})],
              "transformer_learned": [("learned_positional_encoding", {"max_length": WINDOW})]
              + [("transformer_encoder_layer", {"num_heads": 2, "hidden": 16, "causal": True, "norm_first": True})] * 2
              + [("layer_norm", {})],
              "transformer_sinusoidal": [("positional_encoding", {"max_length": WINDOW}),
                                         ("transformer_encoder_layer", {"num_heads": 2, "hidden": 16, "causal": True})]}
    net = Sequential([layers.create("embedding", vocab_size=V, dim=8)]
                     + [layers.create(name, **options) for name, options in middle[kind]]
                     + [layers.create("time_dense", units=V)])
    net.build((WINDOW,), rng)
    for p in net.parameters():
        p.data = p.data.astype(np.float64)
    net.eval()
    return net


KINDS = ["lstm", "gru", "transformer_learned", "transformer_sinusoidal"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_next_token_distribution_equals_a_full_pass_over_the_context_kept(kind, rng):
    net = network(kind, rng)
    assert text.StatefulReader.fits(net)
    bounded = text.StatefulReader.bounded(net)
    assert bounded == kind.startswith("transformer")
    tokens = rng.integers(0, V, 3 * WINDOW)
    start = 3
    next_logits = text._next_logits(net, list(tokens[:start]), WINDOW)
    kept = start  # the policy written out: the whole text (recurrent), else a window, restarted at half
    for t in range(start, len(tokens) + 1):
        logits = next_logits(None if t == start else int(tokens[t - 1]))
        if t > start:
            kept = kept + 1 if not bounded or kept < WINDOW else WINDOW // 2
        full = predict_outputs(net, tokens[None, t - kept:t])[0, -1]
        np.testing.assert_allclose(softmax_array(logits, axis=-1), softmax_array(full, axis=-1), rtol=0, atol=1e-10)
    assert kept < 3 * WINDOW if bounded else kept == 3 * WINDOW


@pytest.mark.parametrize("kind", ["lstm", "transformer_learned"])
def test_a_fixed_seed_sample_is_the_text_of_the_full_recompute(kind, rng, monkeypatch):
    run = SimpleNamespace(network=network(kind, rng), class_names=list("abcdefg"), input_shape=(WINDOW,))
    draw = partial(text._draw, run, "abc", "abc", WINDOW - 3, 0.8, chunk=4)  # the context stays within the window
    carried = "".join(draw(np.random.default_rng(5)))
    assert carried == "".join(draw(np.random.default_rng(5)))  # the same seed, the same text
    monkeypatch.setattr(text, "_next_logits", partial(text._next_logits, carry=False))
    assert "".join(draw(np.random.default_rng(5))) == carried
    assert len(carried) == WINDOW


def test_cached_beam_search_finds_what_rerunning_the_decoder_finds(monkeypatch):
    model = TransformerSeq2Seq(12, d_model=8, heads=2, num_layers=2, hidden=16, max_output_length=7)
    model.build((5,), np.random.default_rng(0))
    for p in model.parameters():
        p.data = p.data.astype(np.float64)
    model.eval()
    source = np.random.default_rng(1).integers(3, 12, 5)
    cached = beam_search(model, source, width=3)

    def rerun(token, state, memory):  # the decoder over the whole prefix for each new token
        prefix = np.concatenate([state[0], np.asarray(token, dtype=np.int64)[:, None]], axis=1)
        return model.decode(prefix, memory)[:, -1], (prefix,), None
    monkeypatch.setattr(model, "step", rerun)
    full = beam_search(model, source, width=3)
    assert cached.tokens == full.tokens and len(full.tokens) > 1
    assert cached.log_probability == pytest.approx(full.log_probability, abs=1e-10)


def test_draw_index_draws_what_numpy_choice_draws():
    weights = np.random.default_rng(2).random((300, 40)) ** 4  # peaked and flat rows
    mine, numpys = np.random.default_rng(7), np.random.default_rng(7)
    for row in weights:
        p = row / row.sum()
        assert text.draw_index(mine, p) == int(numpys.choice(len(p), p=p))


def test_cached_greedy_decoding_ignores_the_padding_of_the_source():
    model = TransformerSeq2Seq(12, d_model=8, heads=2, num_layers=1, hidden=16, max_output_length=5)
    model.build((5,), np.random.default_rng(0))
    for p in model.parameters():
        p.data = p.data.astype(np.float64)
    model.eval()
    source = np.random.default_rng(3).integers(3, 12, (1, 3))
    padded, mask = np.concatenate([source, np.zeros((1, 2), np.int64)], axis=1), np.array([[1, 1, 1, 0, 0]])
    plain, tokens, _ = model.greedy(source)
    masked, masked_tokens, _ = model.greedy(padded, mask=mask)
    np.testing.assert_array_equal(tokens, masked_tokens)
    np.testing.assert_allclose(masked.data, plain.data, rtol=0, atol=1e-10)
