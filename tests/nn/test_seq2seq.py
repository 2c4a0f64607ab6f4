"""The encoder-decoder and its attention: gradcheck of each score, masks, teacher forcing, beam search."""
import itertools

import numpy as np
import pytest

from dlx.inference.decoding import Hypothesis, beam_search
from dlx.nn.attention_rnn import SCORES, make_attention
from dlx.nn.seq2seq import Seq2Seq
from dlx.ops.activation import log_softmax_array
from dlx.ops.masked_softmax import masked_softmax
from dlx.tensor import Tensor, gradcheck, no_grad

MASK = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]], dtype=bool)


def model(attention=None, cell="gru", bidirectional=False, seed=0, **options):
    net = Seq2Seq(7, embedding_dim=3, units=4, cell=cell, bidirectional=bidirectional, attention=attention,
                  **options)
    net.build((5,), np.random.default_rng(seed))
    return net


def swapper(module):
    """A function that points the module's parameters (``named_parameters`` order, read once) at new
    values: gradcheck's leaves, which are Tensors and no longer Parameters."""
    names = [name for name, _ in module.named_parameters()]
    return lambda values: _swap(module, names, values)


def _swap(module, names, values):
    for dotted, value in zip(names, values):
        owner_path, _, attr = dotted.rpartition(".")
        owner = module
        for part in owner_path.split(".") if owner_path else []:
            owner = getattr(owner, part)
        setattr(owner, attr, value)


def as_float64(net):
    for p in net.parameters():
        p.data = p.data.astype(np.float64)
    return net


@pytest.mark.parametrize("score", SCORES)
def test_each_attention_score_passes_gradcheck(score, rng):
    attention = make_attention(score, 4, 4, 3, rng)
    params, swap = list(attention.parameters()), swapper(attention)

    def context_and_weights(query, keys, *values):
        swap(values)
        context, weights = attention(query, keys, MASK)
        return (context * 1.5).sum(axis=2) + weights.sum(axis=1)[:, :1]

    query, keys = rng.standard_normal((3, 2, 4)), rng.standard_normal((3, 5, 4))
    assert gradcheck(context_and_weights, [query, keys, *[p.data.astype(np.float64) for p in params]]) < 1e-6


def test_masked_softmax_puts_no_weight_on_padding(rng):
    scores = rng.standard_normal((3, 5))
    weights = masked_softmax(Tensor(scores), MASK).data
    np.testing.assert_allclose(weights.sum(axis=1), 1.0)
    assert (weights[~MASK] == 0).all()
    row = np.exp(scores[0, :3]) / np.exp(scores[0, :3]).sum()  # the softmax of the valid part alone
    np.testing.assert_allclose(weights[0, :3], row, rtol=1e-12)
    scores[~MASK] = np.inf  # whatever the padded scores hold
    np.testing.assert_allclose(masked_softmax(Tensor(scores), MASK).data, weights)


@pytest.mark.parametrize("attention,cell", [(None, "lstm"), ("additive", "gru"), ("dot", "lstm")])
def test_the_whole_model_passes_gradcheck(attention, cell, rng):
    net = as_float64(model(attention, cell, bidirectional=attention == "dot"))
    source, targets = rng.integers(3, 7, (3, 5)), rng.integers(3, 7, (3, 4))
    # weights of order one: at the small initial scale some gradients are ~1e-8, below the differences' noise
    swap, params = swapper(net), [rng.standard_normal(p.shape) * 0.7 for p in net.parameters()]

    def loss(*values):
        swap(values)
        return net(Tensor(source), mask=MASK, targets=targets)

    assert gradcheck(loss, params) < 1e-6


@pytest.mark.parametrize("attention", [None, "dot", "general", "concat"])
def test_fused_teacher_forcing_equals_the_step_by_step_decoder(attention, rng):
    net = model(attention, bidirectional=True)
    source, targets = rng.integers(3, 7, (3, 5)), rng.integers(3, 7, (3, 4))
    fused = net(Tensor(source), mask=MASK, targets=targets).data
    steps = net._decode_steps(net.encode(source, MASK), net.decoder_inputs(targets), 1.0).data
    np.testing.assert_allclose(fused, steps, atol=1e-6)


@pytest.mark.parametrize("attention,cell", [("additive", "lstm"), ("dot", "gru"), (None, "gru")])
def test_padding_the_source_changes_nothing(attention, cell, rng):
    net = model(attention, cell, bidirectional=True)
    source, targets = rng.integers(3, 7, (3, 5)), rng.integers(3, 7, (3, 4))
    lengths = MASK.sum(axis=1)
    longer = np.zeros((3, 8), dtype=np.int64)
    longer[:, :5] = np.where(MASK, source, 0)
    padded = net(Tensor(longer), mask=np.arange(8)[None] < lengths[:, None], targets=targets).data
    np.testing.assert_allclose(net(Tensor(source), mask=MASK, targets=targets).data, padded, atol=1e-6)


def test_the_encoder_final_state_initialises_the_decoder(rng):
    net = model(None)
    targets = rng.integers(3, 7, (2, 4))
    first = net(Tensor(np.array([[3, 4, 5, 6, 3]] * 2)), targets=targets)
    other = net(Tensor(np.array([[6, 5, 4, 3, 3]] * 2)), targets=targets)
    assert not np.allclose(first.data, other.data)  # without attention the source reaches it only so
    first.sum().backward()
    assert np.abs(net.encoder.w_x.grad).sum() > 0


def test_teacher_forcing_ratio_follows_its_schedule():
    net = model(teacher_forcing=1.0, teacher_forcing_end=0.2, teacher_forcing_epochs=5)
    ratios = []
    for epoch in range(1, 8):
        net.start_epoch(epoch)
        ratios.append(net.ratio)
    np.testing.assert_allclose(ratios, [1.0, 0.8, 0.6, 0.4, 0.2, 0.2, 0.2])


def test_ratio_zero_feeds_the_models_own_guesses(rng):
    net = model("additive", teacher_forcing=0.0)
    source = rng.integers(3, 7, (3, 5))
    logits, tokens, _ = net.greedy(source, MASK, 4)
    with no_grad():
        sampled = net(Tensor(source), mask=MASK, targets=rng.integers(3, 7, (3, tokens.shape[1])))  # training mode
    np.testing.assert_allclose(sampled.data, logits.data, atol=1e-6)  # the targets were never read after step 0


def test_beam_search_finds_the_most_probable_output_by_exhaustive_search(rng):
    net = model("additive", seed=3, max_output_length=3)
    net.eval()
    source = rng.integers(3, 7, 5)
    best = beam_search(net, source, width=7 ** 3, alpha=0.0)
    exhaustive = -np.inf
    for length in (1, 2, 3):
        for tokens in itertools.product(range(7), repeat=length):
            if net.end_token in tokens[:-1] or (length < 3 and tokens[-1] != net.end_token):
                continue
            exhaustive = max(exhaustive, log_probability(net, source, tokens))
    assert best.log_probability == pytest.approx(exhaustive, abs=1e-6)
    assert beam_search(net, source, width=1).tokens == greedy_tokens(net, source)


def log_probability(net, source, tokens) -> float:
    memory, state, total, token = net.encode(source[None]), None, 0.0, net.start_token
    state = memory.state
    with no_grad():
        for t in tokens:
            logits, state, _ = net.step(np.array([token]), state, memory)
            total += log_softmax_array(logits.data.astype(np.float64))[0, t]
            token = t
    return total


def greedy_tokens(net, source) -> list:
    tokens = net.greedy(source[None], None, 3)[1][0].tolist()
    return tokens[:tokens.index(net.end_token) + 1] if net.end_token in tokens else tokens


def test_length_normalisation_divides_by_the_length_to_the_alpha():
    h = Hypothesis([5, 6, 2], -6.0, None)
    assert (h.score(0.0), h.score(1.0), h.score(0.5)) == (-6.0, -2.0, pytest.approx(-6.0 / np.sqrt(3)))
