"""Hierarchical attention (Yang et al. 2016): gradcheck, padding ignored, the documents data set."""
import numpy as np

from dlx.data.documents import PLACES
from dlx.data.sequences import tagging_vocabulary
from dlx.nn.hierarchical import HierarchicalAttention
from dlx.registry import datasets
from dlx.tensor import Tensor, gradcheck
from tests.nn.test_seq2seq import swapper

SENTENCE_MASK = np.array([[1, 1, 0], [1, 1, 1]], dtype=bool)


def documents(rng):
    x = rng.integers(1, 9, (2, 3, 4))
    x[0, 2] = 0  # a padded sentence
    x[1, 0, 2:] = 0  # a short sentence
    return x


def test_hierarchical_attention_passes_gradcheck(rng):
    net = HierarchicalAttention(3, 9, embedding_dim=3, units=2, attention_units=3)
    net.build((3, 4), np.random.default_rng(0))
    x, swap = documents(rng), swapper(net)
    params = [rng.standard_normal(p.shape) * 0.7 for p in net.parameters()]

    def logits(*values):
        swap(values)
        return net(Tensor(x), mask=SENTENCE_MASK)

    assert gradcheck(logits, params) < 1e-6


def test_padding_words_and_sentences_changes_nothing(rng):
    net = HierarchicalAttention(3, 9, embedding_dim=3, units=2, attention_units=3)
    net.build((3, 4), np.random.default_rng(0))
    x = documents(rng)
    logits, words, sentences = net.attend(x, SENTENCE_MASK)
    wider = np.zeros((2, 5, 7), dtype=np.int64)
    wider[:, :3, :4] = x
    longer_mask = np.zeros((2, 5), dtype=bool)
    longer_mask[:, :3] = SENTENCE_MASK
    np.testing.assert_allclose(net(Tensor(wider), mask=longer_mask).data, logits.data, atol=1e-6)
    np.testing.assert_allclose(sentences.sum(axis=1), 1.0, rtol=1e-6)
    assert sentences[0, 2] == 0 and (words[1, 0, 2:] == 0).all()  # no weight on padding


def test_documents_class_is_the_place_of_the_train_sentence(rng):
    ds = datasets.get("documents")(rng=rng, n=40, sentences=4)
    words = tagging_vocabulary()
    for doc, label, length in zip(ds.X, ds.y, ds.lengths):
        text = [" ".join(words[t] for t in sentence if t) for sentence in doc[:length]]
        key = [s for s in text if s.startswith("the train to")]
        assert len(key) == 1 and key[0] == f"the train to {PLACES[label]} was late"
        assert 3 <= length <= 4 and not doc[length:].any()
