"""Dates written in many human formats, and their ISO 8601 form: a translation task (TOPICS [N]).

A format is one combination of a template (the order and the separators), a way to
write the day, the month and the year::

    "3rd of March 2021"   "March 3, 2021"   "03/03/21"   "3.3.2021"   "2021-03-03"  ->  "2021-03-03"

Some combinations are held out (``HELD_OUT``): every template, day, month and year
style is seen in training, but never these combinations of them, so a model tested
on them must combine what it learned. Years run from 1950 to 2049; a two-digit year
yy means 19yy for yy >= 50 and 20yy otherwise.
"""
from __future__ import annotations

import datetime
import itertools

import numpy as np

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
NUMERIC_TEMPLATES = ["{d}/{m}/{y}", "{d}.{m}.{y}", "{d}-{m}-{y}", "{Y}-{m}-{d}"]
WORD_TEMPLATES = ["{d} of {m} {y}", "{m} {d}, {y}", "{d} {m} {y}", "{m} {d} {y}"]
DAY_STYLES = {"numeric": ["plain", "padded"], "word": ["plain", "ordinal"]}
MONTH_STYLES = {"numeric": ["plain", "padded"], "word": ["name", "short", "lower"]}
YEAR_STYLES = ["full", "short"]
FIRST, DAYS = datetime.date(1950, 1, 1), 36525  # 1950-01-01 .. 2049-12-31


def all_formats() -> list[tuple[str, str, str, str]]:
    """Every (template, day style, month style, year style); "{Y}" templates always write four digits."""
    formats = []
    for kind, templates in (("numeric", NUMERIC_TEMPLATES), ("word", WORD_TEMPLATES)):
        for template, day, month, year in itertools.product(templates, DAY_STYLES[kind], MONTH_STYLES[kind],
                                                            YEAR_STYLES):
            if "{Y}" in template and year == "short":
                continue
            formats.append((template, day, month, year))
    return formats


# every 5th combination is never trained on; each template and style stays in training with others
HELD_OUT = tuple(f for i, f in enumerate(all_formats()) if i % 5 == 2)


def formats_of(which: str) -> list[tuple[str, str, str, str]]:
    """The formats of ``which``: "seen" (all but the held-out ones), "held_out" or "all"."""
    if which == "all":
        return all_formats()
    if which == "held_out":
        return list(HELD_OUT)
    return [f for f in all_formats() if f not in HELD_OUT]


def ordinal(day: int) -> str:
    """1 -> "1st", 2 -> "2nd", 3 -> "3rd", 11 -> "11th", 22 -> "22nd"."""
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def write_date(date: datetime.date, fmt: tuple[str, str, str, str]) -> str:
    """``date`` written in the format ``fmt`` (see ``all_formats``)."""
    template, day_style, month_style, year_style = fmt
    day = {"plain": str(date.day), "padded": f"{date.day:02d}", "ordinal": ordinal(date.day)}[day_style]
    name = MONTHS[date.month - 1]
    month = {"plain": str(date.month), "padded": f"{date.month:02d}", "name": name, "short": name[:3],
             "lower": name.lower()}[month_style]
    year = str(date.year) if year_style == "full" else f"{date.year % 100:02d}"
    return template.format(d=day, m=month, y=year, Y=str(date.year))


def date_pairs(n: int, formats: list, rng: np.random.Generator) -> list[tuple[str, str]]:
    """``n`` (written date, ISO date) pairs: uniform dates of 1950-2049, each in a uniformly drawn format."""
    offsets = rng.integers(0, DAYS, n)
    choices = rng.integers(0, len(formats), n)
    pairs = []
    for offset, choice in zip(offsets, choices):
        date = FIRST + datetime.timedelta(days=int(offset))
        pairs.append((write_date(date, formats[choice]), date.isoformat()))
    return pairs


def date_alphabet() -> str:
    """Every character any format can write (independent of the data drawn, so the vocabulary is fixed)."""
    chars = set("0123456789")
    for fmt in all_formats():
        for month in range(1, 13):
            chars |= set(write_date(datetime.date(2021, month, 23), fmt))
    chars |= set("snrdth")
    return "".join(sorted(chars))
