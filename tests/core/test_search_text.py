"""The one normaliser of searched text (core/search_text.py), worked by hand."""

import pytest

from core.search_text import (
    MAX_QUERY_WORDS,
    MAX_WORD_LENGTH,
    phone_digits,
    search_key,
    search_text,
    search_words,
    sqlite_translate,
)


@pytest.mark.parametrize(("typed", "stored"), [
    ("علي", "علی"),  # Arabic yeh
    ("كريمي", "کریمی"),  # Arabic kaf and yeh
    ("موسى", "موسی"),  # alef maksura
    ("مدرسة", "مدرسه"),  # teh marbuta
    ("خانۀ", "خانه"),  # heh with yeh above
    ("کـــتاب", "کتاب"),  # tatweel
    ("مُحَمَّد", "محمد"),  # diacritics
    ("می\u200cخواهم", "میخواهم"),  # ZWNJ
    ("۱۲۳٤٥", "12345"),  # Persian and Arabic-Indic digits
    ("ﻋﻠﻰ", "علی"),  # presentation forms (NFKC)
    ("  Ada\u00a0 LOVELACE ", "ada lovelace"),  # case, no-break space, runs of spaces
    ("STRASSE", "strasse"),
])
def test_every_way_of_typing_a_word_is_one_text(typed, stored):
    assert search_text(typed) == search_text(stored) == stored


def test_a_phone_query_is_one_word_of_its_digits_however_it_is_written():
    for typed in ("+1 202 555 0136", "(202) 555-0136", "202.555.0136", "۲۰۲۵۵۵۰۱۳۶", "+1-202-555-0136"):
        assert search_words(typed) in (["12025550136"], ["2025550136"]), typed
    assert search_words("12 34") == ["12", "34"]  # too few digits to be a phone number


def test_a_key_carries_each_phone_by_its_digits():
    key = search_key("Ada", "Lovelace", "ada@example.com", phones=("+1 (202) 555-0136", "+12025550136", ""))
    assert key == "ada lovelace ada@example.com 12025550136 12025550136"
    assert all(word in key for word in search_words("202 555 0136"))
    assert phone_digits("+۱ ۲۰۲") == "1202"


def test_words_are_folded_and_a_pasted_essay_is_bounded():
    assert search_words("علي  كريمي") == ["علی", "کریمی"]
    words = search_words(" ".join(["x" * 10_000] * 20))
    assert len(words) == MAX_QUERY_WORDS
    assert {len(word) for word in words} == {MAX_WORD_LENGTH}
    assert search_words("!!!  ") == ["!!!"]
    assert search_words("   ") == []


def test_the_sqlite_translate_means_what_postgresql_translate_means():
    assert sqlite_translate("abcabc", "ab", "x") == "xcxc"  # a → x; b has no counterpart: removed
    assert sqlite_translate(None, "a", "b") is None
