"""The one normaliser of searched text: stored search keys and what people type go through `search_text`,
so a search compares like with like.

Persian is typed in many ways for one word: Arabic yeh and kaf (ي ك ى) where Persian has ی and ک, the
tā marbūṭa and heh-with-yeh forms (ة ۀ) for ه, tatweel (ـ) stretching a word, diacritics, a zero-width
non-joiner inside words (می‌خواهم or میخواهم), and Persian or Arabic-Indic digits. Phone numbers are
written with spaces, hyphens and brackets. Folded here:

- NFKC first (Arabic presentation forms become their letters), then case folded;
- ي ى → ی, ك → ک, ة ۀ ھ ہ → ه; tatweel, Arabic diacritics (U+064B–U+065F, U+0670) and ZWNJ/ZWJ removed;
- Persian and Arabic-Indic digits → Latin;
- runs of whitespace (and the no-break and narrow spaces) → one space.

A phone number is searched by its digits: a stored key carries each phone's digits, and a query that is
only a phone number (digits with spaces, `+ - ( ) .`; at least PHONE_QUERY_MIN_DIGITS digits) is one word
of its digits, so `2025550136`, `(202) 555-0136` and `+1 202 555 0136` all find `+1-202-555-0136`.

Removing a ZWNJ rather than making it a space means «میخواهم» finds «می‌خواهم»; a query typed with a
space («می خواهم») is two words, each of which is found inside the key.
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence

from django.db.models import F, Func, Q, QuerySet, TextField, Value

from core.digits import ARABIC_INDIC_DIGITS, PERSIAN_DIGITS

DIACRITICS = [chr(code) for code in range(0x064B, 0x0660)] + ["\u0670"]
REMOVED = ["\u0640", "\u200c", "\u200d", *DIACRITICS]  # tatweel, ZWNJ, ZWJ, harakat

# One table: the database expression `folded_expression` applies the same replacements.
CHARACTER_FOLDS: dict[str, str] = {
    "\u064a": "\u06cc", "\u0649": "\u06cc",  # ي ى → ی
    "\u0643": "\u06a9",  # ك → ک
    "\u0629": "\u0647", "\u06c0": "\u0647", "\u06be": "\u0647", "\u06c1": "\u0647",  # ة ۀ ھ ہ → ه
    **{digit: str(value) for value, digit in enumerate(PERSIAN_DIGITS)},
    **{digit: str(value) for value, digit in enumerate(ARABIC_INDIC_DIGITS)},
    **dict.fromkeys(REMOVED, ""),
}
_TABLE = str.maketrans(CHARACTER_FOLDS)

PHONE_QUERY_MIN_DIGITS = 6
PHONE_LIKE = re.compile(r"\+?[\d\s().\-]+")
MAX_QUERY_WORDS = 8
MAX_WORD_LENGTH = 100


def search_text(text: str) -> str:
    """`text` as searches compare it (see the module docstring)."""
    folded = unicodedata.normalize("NFKC", text or "").translate(_TABLE).casefold()
    return " ".join(folded.split())


def phone_digits(text: str) -> str:
    """The digits of a phone number as typed, in Latin digits: `+1 (202) 555-0136` is `12025550136`."""
    return "".join(character for character in search_text(text) if character.isascii() and character.isdigit())


def search_key(*parts: str, phones: Iterable[str] = ()) -> str:
    """The stored key of a record: its searchable parts normalised and joined, then each phone's digits."""
    pieces = [search_text(part) for part in parts if part]
    pieces += [digits for digits in (phone_digits(phone) for phone in phones) if digits]
    return " ".join(piece for piece in pieces if piece)


def search_words(query: str) -> list[str]:
    """The words a query must all match, normalised as keys are; a phone number is one word of its digits.

    At most MAX_QUERY_WORDS words of at most MAX_WORD_LENGTH characters are kept: a search never grows
    without bound with what was pasted into the box."""
    text = search_text(query)
    if PHONE_LIKE.fullmatch(text) and len(digits := phone_digits(text)) >= PHONE_QUERY_MIN_DIGITS:
        return [digits]
    return [word[:MAX_WORD_LENGTH] for word in text.split()[:MAX_QUERY_WORDS]]


_FOLD_FROM = "".join(CHARACTER_FOLDS)
_FOLD_TO = "".join(CHARACTER_FOLDS[character] for character in _FOLD_FROM if CHARACTER_FOLDS[character])
assert all(CHARACTER_FOLDS[character] for character in _FOLD_FROM[: len(_FOLD_TO)]), "removals come last"


class Translate(Func):
    """SQL `TRANSLATE(text, from, to)`: each character of `from` becomes the one at its place in `to`, or is
    removed past the end of `to`. PostgreSQL has it; SQLite gets `sqlite_translate` (CoreConfig.ready)."""

    function = "TRANSLATE"
    output_field = TextField()


def sqlite_translate(text: str | None, source: str, target: str) -> str | None:
    """The SQLite function behind `Translate`, with PostgreSQL's meaning."""
    if text is None:
        return None
    return text.translate(str.maketrans(source[: len(target)], target, source[len(target):]))


def folded_expression(field: str) -> Func:
    """The database expression of CHARACTER_FOLDS over `field`, for the small tables searched without a
    stored key (staff, campaigns): compare it case-insensitively with a `search_words` word."""
    return Translate(F(field), Value(_FOLD_FROM), Value(_FOLD_TO))


def key_matches(words: Sequence[str], field: str = "search_key") -> Q:
    """Rows whose stored key (normalised by `search_key`) holds every word. A plain LIKE on the key, which
    PostgreSQL answers from the key's trigram index."""
    condition = Q()
    for word in words:
        condition &= Q(**{f"{field}__contains": word})
    return condition


def folded_matches(queryset: QuerySet, fields: Sequence[str], words: Sequence[str]) -> QuerySet:
    """Rows where every word is in one of `fields`, both sides folded (CHARACTER_FOLDS) and case-insensitive:
    the search of tables without a stored key."""
    if not words:
        return queryset
    aliases = {f"folded_{index}": folded_expression(name) for index, name in enumerate(fields)}
    queryset = queryset.alias(**aliases)
    for word in words:
        condition = Q()
        for alias in aliases:
            condition |= Q(**{f"{alias}__icontains": word})
        queryset = queryset.filter(condition)
    return queryset
