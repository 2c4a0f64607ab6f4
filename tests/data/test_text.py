"""The text pipeline: tokens, vocabulary, subsampling, noise, corpora, word2vec rows and GloVe counts."""
import numpy as np
import pytest

from dlx.data.planted_words import planted_analogies, planted_groups, planted_text
from dlx.data.text import (Vocabulary, keep_probabilities, noise_distribution, read_corpus, subsample,
                           tokenise)
from dlx.data.text_sets import text_csv, text_vocabulary
from dlx.data.word_sets import cbow_rows, cooccurrence, cooccurrence_counts, skipgram_rows, word_contexts
from dlx.errors import DataError


def test_tokenise_words_and_characters():
    assert tokenise("The cat's hat, 2 hats.") == ["the", "cat's", "hat", "2", "hats"]
    assert tokenise("Hi, yo", punctuation=True, lowercase=False) == ["Hi", ",", "yo"]
    assert tokenise("ab c", "characters") == ["a", "b", " ", "c"]


def test_vocabulary_min_count_unknown_and_order():
    vocab = Vocabulary.build("b a b c a b".split(), min_count=2)
    assert vocab.tokens == ["<unk>", "b", "a"]  # most frequent first
    assert vocab.counts.tolist() == [1, 3, 2]  # "c" counted as unknown
    assert vocab.encode(["a", "c", "zzz"]).tolist() == [2, 0, 0]
    with pytest.raises(DataError, match="'bb' is not in the vocabulary.*Did you mean 'b'"):
        vocab.id_of("bb")
    with pytest.raises(DataError, match="no token occurs 9 times"):
        Vocabulary.build(["a"], min_count=9)


def test_subsampling_keeps_words_with_word2vecs_probability():
    counts = np.array([0, 8999, 1000, 1])  # frequencies 0.8999, 0.1 and 0.0001
    t = 1e-2
    f = counts / counts.sum()
    expected = [1.0, (np.sqrt(f[1] / t) + 1) * t / f[1], (np.sqrt(f[2] / t) + 1) * t / f[2], 1.0]  # rare: kept
    np.testing.assert_allclose(keep_probabilities(counts, t), expected)
    ids = np.repeat([1, 2, 3], [90000, 10000, 10])
    kept = subsample(ids, counts, t, np.random.default_rng(0))
    assert np.sum(kept == 3) == 10
    for word, n in ((1, 90000), (2, 10000)):  # binomial shares, within 4 standard deviations
        p = expected[word]
        assert abs(np.sum(kept == word) / n - p) < 4 * np.sqrt(p * (1 - p) / n)


def test_noise_is_the_unigram_to_the_three_quarters():
    np.testing.assert_allclose(noise_distribution([16, 1, 0]), [8 / 9, 1 / 9, 0.0])


def test_skipgram_and_cbow_rows():
    ids = np.arange(6)
    centre, context = skipgram_rows(ids, 1, np.random.default_rng(0))  # window 1: every neighbour pair
    assert sorted(zip(centre[:, 0].tolist(), context.tolist())) == sorted(
        [(i, i + 1) for i in range(5)] + [(i + 1, i) for i in range(5)])
    context, centre = cbow_rows(ids, 2)
    assert centre.tolist() == [2, 3] and context.tolist() == [[0, 1, 3, 4], [1, 2, 4, 5]]


def test_cooccurrence_counts_weigh_one_over_distance():
    pairs, counts = cooccurrence_counts(np.array([0, 1, 0]), window=2, size=2)
    found = {tuple(p): c for p, c in zip(pairs.tolist(), counts)}
    assert found == {(0, 1): 2.0, (1, 0): 2.0, (0, 0): 1.0}  # "0 1" twice at distance 1; "0 . 0" at 2: 2 x 1/2


def test_word_contexts_rows_hold_target_and_noise():
    ds = word_contexts(np.random.default_rng(0), corpus="planted", sentences=200, negatives=3, passes=2)
    assert ds.X.shape[1] == 1 + 1 + 3 and ds.feature_names[-3:] == ["noise1", "noise2", "noise3"]
    np.testing.assert_array_equal(ds.X[:, 1], ds.y)
    cbow = word_contexts(np.random.default_rng(0), corpus="planted", sentences=200, method="cbow", window=2,
                         negatives=0)
    assert cbow.X.shape[1] == 4 and cbow.class_names[0] == "<unk>"
    glove = cooccurrence(np.random.default_rng(0), corpus="planted", sentences=200, x_max=10)
    assert glove.y.shape[1] == 2 and np.all((glove.y[:, 1] > 0) & (glove.y[:, 1] <= 1))
    np.testing.assert_allclose(glove.y[:, 1], np.minimum(1, (np.exp(glove.y[:, 0]) / 10) ** 0.75), rtol=1e-5)


def test_planted_corpus_plants_groups_and_analogies():
    groups = planted_groups(3, 2)
    assert groups == [["antred", "antblue"], ["beered", "beeblue"], ["catred", "catblue"]]
    assert ("antred", "antblue", "beeblue", "beered") in planted_analogies(3, 2)
    assert len(planted_analogies(3, 2)) == 3 * 2 * 2 * 1
    assert set(tokenise(planted_text(np.random.default_rng(0), 50, 3, 2))) >= {w for g in groups for w in g}


@pytest.mark.parametrize("content, message", [(b"", "is empty"), (b"  \n", "is empty"),
                                              (b"\x89PNG\x00\x01", "binary file"), (b"caf\xe9", "not UTF-8")])
def test_bad_corpus_files_are_one_clear_error(tmp_path, content, message):
    path = tmp_path / "corpus.txt"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        read_corpus(str(path))


def test_text_csv_reads_texts_and_labels(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text('review,stars\n"good, very good",pos\nbad film,neg\n,neg\n', encoding="utf-8")
    ds = text_csv(path=str(path), text_column="review", target_column="stars")
    assert ds.class_names == ["neg", "pos"] and ds.y.tolist() == [1, 0, 0]
    assert ds.lengths.tolist() == [3, 2, 1]  # an empty text is one <unk>
    vocab = text_vocabulary(str(path), "review", "stars")
    assert vocab.tokens[:2] == ["<pad>", "<unk>"] and vocab.encode(["good", "very"]).tolist() == [2, 5]
    assert ds.X[0, :3].tolist() == [2, 5, 2]  # good, very, good
    with pytest.raises(DataError, match="no column 'text'.*review, stars.*text_column"):
        text_csv(path=str(path))


def test_template_qa_answers_with_the_persons_last_place():
    from dlx.data.template_qa import PEOPLE, PLACES, template_qa, vocabulary
    ds = template_qa(np.random.default_rng(0), n=200, sentences=3, people=2)
    words = vocabulary()
    for ids, length, answer in zip(ds.X, ds.lengths, ds.y):
        text = [words[i] for i in ids[:length]]
        assert text[-4:-1] == ["where", "is", text[-2]] and text[-1] == "?" and not ids[length:].any()
        asked, last = text[-2], None
        for position, word in enumerate(text[:-4]):
            if word == asked:
                last = next(w for w in text[position:] if w in PLACES)
        assert asked in PEOPLE[:2] and PLACES[answer] == last
