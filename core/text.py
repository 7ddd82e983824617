"""Persian names as duplicates compare them: the same name written with Arabic or Persian letters, with or
without a zero-width non-joiner, is one name (crm/normalize.py).

Keyboards and imported data write ي and ك (Arabic) where Persian uses ی and ک, and put a ZWNJ inside
words such as «می‌خواهم». Searches fold more than this (digits, diacritics, tatweel): core/search_text.py.
The duplicate keys stay on this narrower folding, which the stored keys of existing records were made with.
"""

ZWNJ = "\u200c"
_FOLDS = (("\u064a", "\u06cc"), ("\u0649", "\u06cc"), ("\u0643", "\u06a9"), (ZWNJ, ""))
_TABLE = str.maketrans(dict(_FOLDS))


def fold_persian(text: str) -> str:
    """Arabic yeh and kaf as the Persian letters, and no ZWNJ."""
    return text.translate(_TABLE)
