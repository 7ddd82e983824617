"""Files that come with a ticket message, before they are stored: their name, size and type. Pure functions,
no database; `support.services` stores them.

The type is sniffed from the content (the `filetype` package reads the magic numbers at its start), never
taken from what the sender claimed: the download serves it with that type and `nosniff`.
"""

import posixpath
import unicodedata
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files import File

SNIFF_BYTES = 8192
UNKNOWN_TYPE = "application/octet-stream"
DEFAULT_NAME = "attachment"
MAX_NAME_CHARS = 255


@dataclass(frozen=True)
class IncomingFile:
    """A file to attach: `content` is None when it is larger than the limit and was not read."""

    filename: str
    size_bytes: int
    content: bytes | File | None


def limit_bytes() -> int:
    """CRM_ATTACHMENT_MAX_MB in bytes: no attachment larger than this is kept."""
    return settings.CRM_ATTACHMENT_MAX_MB * 1024 * 1024


def clean_filename(name: str | None) -> str:
    """The name as the sender gave it, without folders or control characters, at most 255 characters."""
    base = posixpath.basename((name or "").replace("\\", "/"))
    base = "".join(char for char in base if unicodedata.category(char)[0] != "C").strip().strip(".")
    if not base:
        return DEFAULT_NAME
    if len(base) <= MAX_NAME_CHARS:
        return base
    stem, dot, extension = base.rpartition(".")
    if dot and len(extension) <= 10:
        return f"{stem[:MAX_NAME_CHARS - len(extension) - 1]}.{extension}"
    return base[:MAX_NAME_CHARS]


def head_of(content: bytes | File) -> bytes:
    """The first bytes of the content, leaving a file where it was (at its start)."""
    if isinstance(content, bytes):
        return content[:SNIFF_BYTES]
    content.seek(0)
    head = content.read(SNIFF_BYTES)
    content.seek(0)
    return head


def sniff_type(head: bytes) -> str:
    """The content's type from its first bytes: a known format's magic number, else text when it reads as
    UTF-8 text, else application/octet-stream."""
    kind = filetype.guess(head) if head else None
    if kind is not None:
        return kind.mime
    if head and b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            if error.start < len(head) - 4:  # not just a character cut at the end of the sample
                return UNKNOWN_TYPE
        return "text/plain"
    return UNKNOWN_TYPE
