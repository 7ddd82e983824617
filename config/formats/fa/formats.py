"""Persian number formats: the Persian decimal (٫) and thousands (٬) separators, grouped by thousands.

Only the numbers differ from Django's Persian formats (django/conf/locale/fa/formats.py); its date
formats, which Django reads after this module, still apply. Digits stay Latin in the HTML: the
Farsi-digits typeface (static/css/fonts.css) draws them as Persian digits, so inputs, CSV and
copied text stay machine-readable.

With CRM_LATIN_DIGITS the page shows Latin digits, and Latin separators go with them (1,234.5), as
the charts' `fa-u-nu-latn` number format writes them; the setting is read when a separator is
first asked for, so a PEP 562 module `__getattr__` supplies the two separators.
"""

from django.conf import settings

NUMBER_GROUPING = 3

_SEPARATORS = {
    # name: (with Persian digits, with Latin digits)
    "DECIMAL_SEPARATOR": ("\u066b", "."),  # ٫ ARABIC DECIMAL SEPARATOR
    "THOUSAND_SEPARATOR": ("\u066c", ","),  # ٬ ARABIC THOUSANDS SEPARATOR
}


def __getattr__(name: str) -> str:
    if name in _SEPARATORS:
        persian, latin = _SEPARATORS[name]
        return latin if getattr(settings, "CRM_LATIN_DIGITS", False) else persian
    raise AttributeError(name)
