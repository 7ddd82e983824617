"""The placeholders of reps' email templates (`{first_name}`...), checked and filled without Django templates.

A template's text is written by managers and goes out in a rep's name, so it is filled by a small formatter
that knows only these names: no attribute or index lookups, no format specs, nothing evaluated.
"""

from string import Formatter

from django.utils.translation import gettext_lazy as _

PLACEHOLDERS: dict[str, str] = {
    "first_name": _("the contact's first name"),
    "last_name": _("the contact's last name"),
    "company": _("the contact's company"),
    "rep_name": _("your name, as the email is signed"),
}


class PlaceholderError(ValueError):
    """A template text with a placeholder we do not know, or braces that do not pair up."""


def _pieces(text: str) -> list[tuple[str, str | None]]:
    """The text as (literal, placeholder name or None) pairs; PlaceholderError on anything but a known name."""
    try:
        parsed = list(Formatter().parse(text))
    except ValueError as error:
        raise PlaceholderError(_("Braces must come in pairs: write {{ and }} for a brace itself.")) from error
    unknown = sorted({name for _literal, name, spec, conversion in parsed
                      if name is not None and (name not in PLACEHOLDERS or spec or conversion)})
    if unknown:
        raise PlaceholderError(_("Unknown placeholder: %(names)s. Use %(known)s.") % {
            "names": ", ".join(f"{{{name}}}" for name in unknown),
            "known": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)})
    return [(literal, name) for literal, name, _spec, _conversion in parsed]


def check_placeholders(text: str) -> None:
    """Raise PlaceholderError when `text` holds an unknown placeholder or unpaired braces."""
    _pieces(text)


def fill_placeholders(text: str, values: dict[str, str]) -> str:
    """`text` with each placeholder replaced by its value (empty when the record has none)."""
    return "".join(literal + (values.get(name, "") if name is not None else "") for literal, name in _pieces(text))
