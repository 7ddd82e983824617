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
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

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


def attachment_response(attachment: object) -> FileResponse:
    """A stored attachment as the page and the API serve it: always a download (never shown in the product's
    origin), with the type sniffed when it was stored, `nosniff`, and not cached; 404 when the file is gone."""
    try:
        content = attachment.file.open("rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404(_("This file is no longer stored.")) from error
    response = FileResponse(content, as_attachment=True, filename=attachment.filename,
                            content_type=attachment.content_type or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
