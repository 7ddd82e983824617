"""The support mailbox over IMAP (IMAPClient): fetch the unseen emails, hand each to a filing function, and
mark it seen only once that returned, so an email is never lost to a crash between fetching and filing
(it is fetched again and recognised by its mailbox key)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote, urlsplit

from imapclient import SEEN, IMAPClient

FETCH_BATCH = 50
IMAP_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    ssl: bool
    username: str
    password: str
    folder: str

    @classmethod
    def from_url(cls, url: str) -> "Mailbox":
        """`imap://user:password@host:port/FOLDER` (or `imaps://`); user and password percent-encoded."""
        parts = urlsplit(url)
        if parts.scheme not in ("imap", "imaps") or not parts.hostname:
            raise ValueError("CRM_INBOUND_IMAP_URL must look like imap://user:password@host:143/INBOX")
        ssl = parts.scheme == "imaps"
        return cls(host=parts.hostname, port=parts.port or (993 if ssl else 143), ssl=ssl,
                   username=unquote(parts.username or ""), password=unquote(parts.password or ""),
                   folder=unquote(parts.path.lstrip("/")) or "INBOX")


FileEmail = Callable[..., object]  # file(raw=bytes, received_at=datetime, mailbox_key=str)


def poll(mailbox: Mailbox, file: FileEmail) -> int:
    """File every unseen email of the mailbox's folder, oldest first; returns how many were handed over."""
    handed = 0
    with IMAPClient(mailbox.host, port=mailbox.port, ssl=mailbox.ssl, timeout=IMAP_TIMEOUT_SECONDS) as client:
        client.normalise_times = False  # INTERNALDATE with its zone, not in this machine's local time
        client.login(mailbox.username, mailbox.password)
        selected = client.select_folder(mailbox.folder)
        validity = selected[b"UIDVALIDITY"]
        uids = sorted(client.search(["UNSEEN"]))
        for start in range(0, len(uids), FETCH_BATCH):
            batch = uids[start:start + FETCH_BATCH]
            fetched = client.fetch(batch, ["BODY.PEEK[]", "INTERNALDATE"])
            for uid in batch:
                data = fetched.get(uid)
                if data is None:  # expunged meanwhile
                    continue
                received_at: datetime = data[b"INTERNALDATE"]
                file(raw=data[b"BODY[]"], received_at=received_at,
                     mailbox_key=f"{mailbox.host}/{mailbox.folder}/{validity}/{uid}")
                client.add_flags([uid], [SEEN])
                handed += 1
    return handed
