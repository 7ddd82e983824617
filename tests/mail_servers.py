"""Real mail servers for the mail tests and the mail benchmarks: SMTP (aiosmtpd, in this process) and IMAP (a
private Dovecot, Debian's dovecot-imapd, which `make install` installs), each on a free port of 127.0.0.1 and
stopped when its `with` block ends. tests/support/conftest.py makes fixtures of them; bench/mail.py uses
them directly.
"""

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from imapclient import IMAPClient


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class RecordingHandler:
    messages: list[Received] = field(default_factory=list)
    refuse: str | None = None

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        if self.refuse:
            return self.refuse
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                      message_from_bytes(envelope.original_content, policy=policy.default)))
        return "250 OK"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_smtp_server() -> Iterator[tuple[RecordingHandler, int]]:
    """(the handler that keeps what the server accepted, the server's port)."""
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


# IMAP: a private Dovecot, its mail in a temporary folder, one user "support".

DOVECOT = Path("/usr/sbin/dovecot")
IMAP_USER, IMAP_PASSWORD = "support", "secret"


@dataclass
class ImapServer:
    port: int
    url: str

    def client(self) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(IMAP_USER, IMAP_PASSWORD)
        return client

    def append(self, raw: bytes, received_at: datetime) -> None:
        """Deliver an email to INBOX as the server would have received it at `received_at`."""
        with self.client() as client:
            client.append("INBOX", raw, msg_time=received_at)

    def unseen(self) -> list[int]:
        with self.client() as client:
            client.select_folder("INBOX", readonly=True)
            return client.search(["UNSEEN"])


def _dovecot_conf(root: Path, port: int) -> str:
    if os.geteuid() == 0:  # Dovecot refuses to run its login and mail processes as root: the package's users
        internal, login = "dovecot", "dovenull"
        mail = pwd.getpwnam("dovecot")
        uid, gid = mail.pw_uid, mail.pw_gid
    else:
        internal = login = pwd.getpwuid(os.getuid()).pw_name
        uid, gid = os.getuid(), os.getgid()
    for folder in ("Maildir", "home"):
        (root / folder).mkdir()
        os.chown(root / folder, uid, gid)
    (root / "users").write_text(f"{IMAP_USER}:{{PLAIN}}{IMAP_PASSWORD}\n")
    return textwrap.dedent(f"""\
        base_dir = {root}/run
        state_dir = {root}/state
        instance_name = crm-test-{port}
        log_path = {root}/dovecot.log
        listen = 127.0.0.1
        protocols = imap
        ssl = no
        disable_plaintext_auth = no
        auth_mechanisms = plain
        first_valid_uid = 1
        default_internal_user = {internal}
        default_internal_group = {grp.getgrgid(gid).gr_name}
        default_login_user = {login}
        mail_location = maildir:{root}/Maildir
        passdb {{
          driver = passwd-file
          args = scheme=PLAIN username_format=%u {root}/users
        }}
        userdb {{
          driver = static
          args = uid={uid} gid={gid} home={root}/home
        }}
        service imap-login {{
          chroot =
          inet_listener imap {{
            address = 127.0.0.1
            port = {port}
          }}
          inet_listener imaps {{
            port = 0
          }}
        }}
        service anvil {{
          chroot =
        }}
        service stats {{
          unix_listener stats-writer {{
            mode = 0666
          }}
        }}
        """)


class DovecotError(RuntimeError):
    """Dovecot is missing or did not start; the message says which, with its log."""


@contextmanager
def running_dovecot() -> Iterator[ImapServer]:
    if not DOVECOT.exists():
        raise DovecotError("Dovecot is not installed: `make install` (or `make dovecot`) installs Debian's "
                           "dovecot-imapd")
    root = Path(tempfile.mkdtemp(prefix="crm-dovecot-"))
    root.chmod(0o755)  # the login processes run as another user and must reach the sockets in it
    port = free_port()
    conf = root / "dovecot.conf"
    conf.write_text(_dovecot_conf(root, port))
    process = subprocess.Popen([str(DOVECOT), "-F", "-c", str(conf)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.STDOUT)
    try:
        _wait_for_greeting(process, root, port)
        yield ImapServer(port=port, url=f"imap://{IMAP_USER}:{IMAP_PASSWORD}@127.0.0.1:{port}/INBOX")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)


def _wait_for_greeting(process: subprocess.Popen, root: Path, port: int) -> None:
    deadline = time.monotonic() + 15
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                if probe.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
            raise DovecotError(f"Dovecot did not start (exit {process.poll()}):\n{log}")
        time.sleep(0.1)
