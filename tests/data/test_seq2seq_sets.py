"""The seq2seq data sets: what each target is, the vocabulary, held-out date formats."""
import datetime

import numpy as np
import pytest

from dlx.data.dates import HELD_OUT, all_formats, formats_of, ordinal, write_date
from dlx.data.seq2seq_sets import END, decode_tokens, encode_text
from dlx.errors import ConfigError, DataError
from dlx.registry import datasets


def texts(ds, arrays):
    return [decode_tokens(row, ds.class_names) for row in arrays]


@pytest.mark.parametrize("name,rule", [("reverse_digits", lambda s: s[::-1]), ("sort_digits", lambda s: "".join(sorted(s))),
                                       ("copy_digits", lambda s: s)])
def test_digit_string_targets(name, rule, rng):
    ds = datasets.get(name)(rng=rng, n=50, length=6, min_length=2)
    sources, targets = texts(ds, ds.X), texts(ds, ds.y)
    assert all(t == rule(s) for s, t in zip(sources, targets))
    assert {len(s) for s in sources} <= set(range(2, 7)) and (ds.lengths == [len(s) for s in sources]).all()
    rows = np.arange(len(ds))
    assert (ds.y[rows, ds.target_lengths - 1] == END).all()  # the target ends with the end token
    assert ds.task == "seq2seq" and ds.X.dtype == np.int64 and ds.output_size == len(ds.class_names) == 13


def test_addition_is_the_sum_written_out(rng):
    ds = datasets.get("addition")(rng=rng, n=200, digits=3)
    for source, target in zip(texts(ds, ds.X), texts(ds, ds.y)):
        a, b = source.split("+")
        assert int(target) == int(a) + int(b) and len(a) <= 3 and len(b) <= 3


def test_dates_are_written_in_the_promised_formats():
    date = datetime.date(2021, 3, 3)
    written = {write_date(date, f) for f in all_formats()}
    assert {"3rd of March 2021", "03/03/21", "March 3, 2021", "2021-03-03", "3.3.2021"} <= written
    assert [ordinal(d) for d in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31)] == \
        ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "31st"]


def test_date_targets_are_iso_and_held_out_combinations_are_new(rng):
    ds = datasets.get("dates")(rng=rng, n=300)
    for source, target in zip(texts(ds, ds.X), texts(ds, ds.y)):
        assert datetime.date.fromisoformat(target).isoformat() == target and source
    seen = formats_of("seen")
    assert not set(HELD_OUT) & set(seen) and set(seen) | set(HELD_OUT) == set(all_formats())
    for part in range(4):  # every template and style of a held-out combination is trained on in others
        assert {f[part] for f in HELD_OUT} <= {f[part] for f in seen}
    held = datasets.get("dates")(rng=rng, n=50, formats="held_out")
    assert held.class_names == ds.class_names  # one vocabulary, whatever was drawn


def test_bad_options_and_unknown_characters():
    with pytest.raises(ConfigError, match="min_length=7 is more than length=6"):
        datasets.get("reverse_digits")(n=5, length=6, min_length=7)
    with pytest.raises(ConfigError, match="formats must be seen, held_out or all"):
        datasets.get("dates")(n=5, formats="new")
    names = datasets.get("addition")(n=2).class_names
    with pytest.raises(DataError, match="unknown character 'x'"):
        encode_text("1x2", names)
