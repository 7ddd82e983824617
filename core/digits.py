"""Numbers as people type them: Persian (۰–۹) and Arabic-Indic (٠–٩) digits and their separators.

A Persian keyboard types ۱۲۵۰۰ for 12500, ٬ (U+066C) between thousands and ٫ (U+066B) as the decimal
point; people also paste `12,500` from a spreadsheet. `number_text` turns such an input into the plain
Latin form that Django's and DRF's number fields parse, before they validate it, so their errors (and
limits) stay theirs.

A separator is only removed where it plainly groups thousands (`12,500`, `1,250,000.5`): `1,5` could be a
European one and a half, so it is left for the field to refuse rather than read as fifteen. Digits of
different scripts in one number (`۱2۳`) are one number, 123: each digit means the same in every script.
"""

import re

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
ARABIC_THOUSANDS_SEPARATOR = "\u066c"  # ٬
ARABIC_DECIMAL_SEPARATOR = "\u066b"  # ٫
LATIN_DIGITS_OF = str.maketrans(PERSIAN_DIGITS + ARABIC_INDIC_DIGITS, "0123456789" * 2)
SPACES = str.maketrans(dict.fromkeys("\u00a0\u202f\u2009\u200e\u200f", " "))

_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-"})


def latin_digits(text: str) -> str:
    """`text` with Persian and Arabic-Indic digits written as Latin ones; nothing else changes."""
    return text.translate(LATIN_DIGITS_OF)


def number_text(text: str) -> str:
    """A typed number in the form Python's `Decimal` and `int` read: Latin digits, `.` as the decimal point,
    no grouping separators or surrounding spaces. Text that is not a plain number comes back with only
    its digits and marks normalised, for the field to refuse with its own message."""
    plain = latin_digits(text).translate(SPACES).translate(_MINUS_SIGNS).strip()
    plain = plain.replace(ARABIC_DECIMAL_SEPARATOR, ".").replace(ARABIC_THOUSANDS_SEPARATOR, ",")
    if _GROUPED.fullmatch(plain):
        plain = plain.replace(",", "")
    return plain
