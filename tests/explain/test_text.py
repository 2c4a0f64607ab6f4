"""Explaining text: LIME recovers a bag of words' own weights; token IG is complete; occlusion; the HTML view."""
import numpy as np
import pytest

import dlx.explain  # noqa: F401  (registers the explainers)
from dlx.explain.text import lime_text, token_integrated_gradients, token_occlusion, write_text_html
from dlx.models.text_classifiers import BagOfWords, TextCNN
from dlx.nn import LSTM, Dense, Embedding, Sequential


def bag_of_words(rng):
    model = BagOfWords(output_size=3, vocab_size=40)
    model.build((15,), rng)
    model.table.weight.data = rng.standard_normal((40, 3)).astype(np.float32)
    return model


TEXT = np.array([3, 9, 14, 21, 5, 30, 7, 11, 26, 18, 33, 2, 0, 0, 0])  # 12 different words, then padding


def test_lime_recovers_the_bag_of_words_weight_ranking(rng):
    model = bag_of_words(rng)
    found = lime_text(model, TEXT, class_index=1, n_samples=1000, rng=np.random.default_rng(0))
    own = model.word_weights()[TEXT[:12], 1]
    assert list(np.argsort(-found["weights"])[:5]) == list(np.argsort(-own)[:5])
    np.testing.assert_allclose(found["weights"], own, atol=1e-3)  # the logit is linear in the words present
    assert found["score"] > 0.999


def lstm_classifier(rng):
    model = Sequential([Embedding(40, 6), LSTM(5), Dense(3)])
    model.build((15,), rng)
    return model


def text_cnn(rng):
    model = TextCNN(output_size=3, vocab_size=40, dim=6, filters=4, widths=[2, 3], dropout=0.5)
    model.build((15,), rng)
    return model


@pytest.mark.parametrize("build", [bag_of_words, lstm_classifier, text_cnn])
@pytest.mark.parametrize("output", ["logit", "probability"])
def test_token_integrated_gradients_add_up_to_the_output_change(build, output, rng):
    model = build(rng)
    found = token_integrated_gradients(model, TEXT, class_index=2, steps=64, output=output)
    change = found["output"] - found["baseline_output"]
    total = found["attributions"].sum() + found["padding_attribution"]
    assert abs(total - change) <= 0.01 * abs(change)
    assert found["attributions"].shape == (12,)


def test_occlusion_of_a_bag_of_words_is_its_weight(rng):
    model = bag_of_words(rng)
    np.testing.assert_allclose(token_occlusion(model, TEXT, 0)["differences"], model.word_weights()[TEXT[:12], 0],
                               rtol=1e-5, atol=1e-6)


def test_html_view_colours_and_escapes_words(tmp_path):
    page = write_text_html(["<b>", "good"], [-1.0, 2.0], tmp_path / "words.html", "class pos").read_text()
    assert "&lt;b&gt;" in page and "<b>" not in page
    assert "rgb(255,0,0)" in page and "rgb(128,128,255)" in page  # the strongest red, half-strong blue


def test_tabular_methods_refuse_text_and_text_methods_refuse_tables(rng):
    from dlx.errors import DlxError
    from dlx.explain.base import check_applies
    from dlx.explain.target import target_for_model
    model = bag_of_words(rng)
    target = target_for_model(model, "multiclass", TEXT[None])
    with pytest.raises(DlxError, match="method 'lime_text' applies to binary/multiclass models on text data, "
                                       "not a multiclass model on tabular data"):
        check_applies("lime_text", target)
    target.extra.update(data="text")
    with pytest.raises(DlxError, match="method 'lime' applies to .* not a multiclass model on text data"):
        check_applies("lime", target)
