"""Reading an email a customer sent to the support mailbox. Pure functions, no database.

`read_email` parses the raw bytes with Python's `email` package (`policy.default`: RFC 2047 headers and any
charset Python knows, windows-1256 and UTF-16 included) into what filing needs: the sender, the addresses it
was sent to, the Message-IDs it answers, the text, and whether it is an automatic message that must never
open or touch a ticket. `new_text` folds the quoted history and the signature out of a reply.
"""

import html
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

import nh3
from mailparser_reply import EmailReplyParser

from support.attachments import IncomingFile, clean_filename

# The languages mail-parser-reply knows the quote headers of ("On ... wrote:", "Am ... schrieb:" ...).
REPLY_LANGUAGES = ["en", "de", "fr", "es", "it", "nl"]
TICKET_NUMBER = re.compile(r"\[#(\d{1,18})\]")
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
BULK_PRECEDENCE = {"bulk", "list", "junk"}
RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")
# Reading an HTML email as text: these tags survive the sanitiser (bare, without attributes) only to mark
# where lines break; the content of the others is kept as text, and of these it is dropped whole.
LINE_TAGS = {"p", "br", "div", "li", "ul", "ol", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
             "pre", "hr"}
DROPPED_CONTENT_TAGS = {"script", "style", "head", "title", "template", "noscript", "iframe", "object", "svg"}
LINE_END = re.compile(r"<(?:br|hr)\s*/?>|</?(?:p|div|li|ul|ol|table|tr|h[1-6]|blockquote|pre)>", re.IGNORECASE)
ANY_TAG = re.compile(r"<[^>]*>")
BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*)+")


@dataclass(frozen=True)
class Bounce:
    """A delivery report (RFC 3464) saying that an email we sent could not be delivered."""

    original_message_id: str  # the Message-ID of our email, from the report's copy of its headers
    recipient: str
    status: str  # the enhanced status code, 5.1.1 for an unknown mailbox
    diagnostic: str  # what the receiving server answered

    @property
    def reason(self) -> str:
        return " ".join(part for part in (self.status, self.diagnostic, self.recipient and f"({self.recipient})")
                        if part)


class MalformedEmailError(ValueError):
    """The bytes are not an email that can be filed; the message says why."""


@dataclass(frozen=True)
class ReadEmail:
    sender: str
    sender_name: str
    subject: str
    message_id: str
    answers: list[str]  # In-Reply-To, then References newest first
    recipients: list[str]
    text: str
    automatic: str = ""  # why it is an automatic message (an auto-reply, a list, a bounce), else empty
    headers: dict[str, str] = field(default_factory=dict)
    attachments: list[IncomingFile] = field(default_factory=list)
    bounce: Bounce | None = None  # set for a report that one of our emails failed for good

    @property
    def ticket_number(self) -> int | None:
        found = TICKET_NUMBER.search(self.subject)
        return int(found.group(1)) if found else None


def _header(message: EmailMessage, name: str) -> str:
    value = message.get(name)
    return " ".join(str(value).split()) if value is not None else ""


def _message_ids(value: str) -> list[str]:
    return MESSAGE_ID.findall(value)


def automatic_reason(message: EmailMessage) -> str:
    """Why `message` is an automatic one (RFC 3834's Auto-Submitted, a bulk or list Precedence, an
    auto-responder's own headers, a delivery report), or "" for a message a person wrote."""
    auto_submitted = _header(message, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = _header(message, "Precedence").lower()
    if precedence in BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond"):
        if name in message:
            return f"{name} header"
    if message.get_content_type() == "multipart/report":
        return "delivery report"
    if _header(message, "Return-Path") == "<>":
        return "empty return path (a bounce)"
    return ""


def _delivery_status_parts(report: EmailMessage) -> tuple[list[EmailMessage], EmailMessage | None]:
    """The report's per-recipient field blocks and its copy of the original email's headers (or whole email)."""
    blocks: list[EmailMessage] = []
    original = None
    for part in report.walk():
        content_type = part.get_content_type()
        if content_type == "message/delivery-status":
            blocks = [block for block in part.get_payload() if "Action" in block]
        elif content_type == "message/rfc822" and original is None:
            original = part.get_payload(0)
        elif content_type == "text/rfc822-headers" and original is None:
            original = message_from_bytes(part.get_content().encode("utf-8", "replace"), policy=policy.default)
    return blocks, original


def bounce_of(message: EmailMessage) -> Bounce | None:
    """The permanent failure a delivery report tells of, or None (not a report, only a delay, or no copy of
    the original's Message-ID to tell which email failed)."""
    if message.get_content_type() != "multipart/report" or \
            str(message.get_param("report-type", "")).lower() != "delivery-status":
        return None
    blocks, original = _delivery_status_parts(message)
    failed = next((block for block in blocks if _header(block, "Action").lower() == "failed"), None)
    original_ids = _message_ids(_header(original, "Message-ID")) if original is not None else []
    if failed is None or not original_ids:
        return None
    recipient = _header(failed, "Final-Recipient").partition(";")[2].strip()
    diagnostic = _header(failed, "Diagnostic-Code").partition(";")[2].strip()
    return Bounce(original_message_id=original_ids[0], recipient=recipient[:254],
                  status=_header(failed, "Status")[:20], diagnostic=diagnostic[:500])


def _text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        content = body.get_content()
    except (LookupError, UnicodeError):  # a charset Python does not know, or bytes that are not in it
        payload = body.get_payload(decode=True) or b""
        content = payload.decode("utf-8", errors="replace")
    if body.get_content_type() == "text/html":
        return html_to_text(content)
    return content.replace("\r\n", "\n").strip()


def html_to_text(markup: str) -> str:
    """The text of an HTML email, as a person reads it: sanitised by nh3 first, so scripts, styles and
    other active content are dropped with what they contain, and no attribute (no `javascript:` link, no
    remote image) survives; then the tags that remain become line breaks and entities become characters.
    The result is plain text, escaped wherever it is shown."""
    clean = nh3.clean(markup, tags=LINE_TAGS, attributes={}, clean_content_tags=DROPPED_CONTENT_TAGS,
                      strip_comments=True, link_rel=None)
    text = html.unescape(ANY_TAG.sub("", LINE_END.sub("\n", clean)))
    lines = "\n".join(" ".join(line.split()) for line in text.replace("\r\n", "\n").split("\n"))
    return BLANK_LINES.sub("\n\n", lines).strip()


def decoded_size(part: EmailMessage) -> int:
    """The size of a part's content once decoded, without decoding base64 (four characters make three bytes),
    so a huge attachment is measured without being copied."""
    if part.get("Content-Transfer-Encoding", "").strip().lower() == "base64":
        encoded = part.get_payload(decode=False)
        if isinstance(encoded, str):
            stripped = encoded.rstrip()
            padding = len(stripped) - len(stripped.rstrip("="))
            length = len(stripped) - sum(stripped.count(space) for space in ("\n", "\r", " ", "\t"))
            return max(0, length * 3 // 4 - padding)
    return len(part.get_payload(decode=True) or b"")


def attachments_of(message: EmailMessage, *, max_bytes: int | None = None) -> list[IncomingFile]:
    """The email's attachments (and inline files with a name), each with its decoded size; one larger than
    `max_bytes` is listed without its content."""
    found = []
    for number, part in enumerate(message.iter_attachments(), start=1):
        if part.is_multipart() or part.get_content_type() == "message/rfc822":
            continue
        name = clean_filename(part.get_filename() or f"attachment-{number}")
        size = decoded_size(part)
        content = None if max_bytes is not None and size > max_bytes else part.get_payload(decode=True) or b""
        found.append(IncomingFile(filename=name, size_bytes=len(content) if content is not None else size,
                                  content=content))
    return found


def read_email(raw: bytes, *, max_attachment_bytes: int | None = None) -> ReadEmail:
    """Parse an email; `MalformedEmailError` when it has no sender address or cannot be read. Attachments
    larger than `max_attachment_bytes` come without their content."""
    try:
        message = message_from_bytes(raw, policy=policy.default)
        _name, sender = parseaddr(_header(message, "From"))
        if "@" not in sender:
            raise MalformedEmailError("no sender address")
        sender_name = parseaddr(_header(message, "From"))[0]
        recipients = [address.lower() for _name, address in
                      getaddresses([_header(message, name) for name in RECIPIENT_HEADERS if name in message])
                      if address]
        in_reply_to = _message_ids(_header(message, "In-Reply-To"))
        references = _message_ids(_header(message, "References"))
        return ReadEmail(
            sender=sender, sender_name=sender_name, subject=_header(message, "Subject")[:300],
            message_id=(_message_ids(_header(message, "Message-ID")) or [""])[0],
            answers=[*in_reply_to, *reversed(references)], recipients=recipients, text=_text_of(message),
            automatic=automatic_reason(message),
            attachments=attachments_of(message, max_bytes=max_attachment_bytes), bounce=bounce_of(message),
        )
    except MalformedEmailError:
        raise
    except Exception as error:  # the email package raises many kinds on broken input; all mean "malformed"
        raise MalformedEmailError(f"unreadable: {type(error).__name__}: {error}") from error


def new_text(text: str) -> str:
    """The part of a reply its writer added: the quoted history ("On ... wrote:", "> ..." lines) and the
    signature folded away. The whole text when nothing is left (a message that is all quotation)."""
    latest = EmailReplyParser(languages=REPLY_LANGUAGES).parse_reply(text) or ""
    return latest.strip() or text.strip()


def token_of(recipients: list[str], *, local: str, domain: str) -> str | None:
    """The ticket token of the first `<local>+<token>@<domain>` address among `recipients`."""
    prefix, suffix = f"{local.lower()}+", f"@{domain.lower()}"
    for address in recipients:
        if address.startswith(prefix) and address.endswith(suffix):
            token = address[len(prefix):-len(suffix)]
            if token:
                return token
    return None
