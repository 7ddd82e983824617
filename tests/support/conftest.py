"""Real mail servers for the mail tests: SMTP (aiosmtpd, in this process) and IMAP (a private Dovecot).

The SMTP server for the outbound mail tests: aiosmtpd on a free port of 127.0.0.1.

`smtp_server` points Django's SMTP backend at it (no TLS, no login) and hands back the server, whose
`messages` are the mails it accepted, parsed, with their envelopes. Set `refuse` to an SMTP answer
("550 ...") to have it refuse every mail at DATA.
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
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
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


@pytest.fixture
def smtp_server(settings):
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    try:
        yield handler
    finally:
        controller.stop()


# A real IMAP server for the inbound mail tests: a private Dovecot (Debian's dovecot-imapd, which `make
# install` installs) on a free port of 127.0.0.1, its mail in a temporary folder, one user "support".

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


@pytest.fixture
def imap_server(settings):
    if not DOVECOT.exists():
        pytest.fail("Dovecot is not installed: `make install` (or `make dovecot`) installs Debian's dovecot-imapd")
    root = Path(tempfile.mkdtemp(prefix="crm-dovecot-"))
    root.chmod(0o755)  # the login processes run as another user and must reach the sockets in it
    port = free_port()
    conf = root / "dovecot.conf"
    conf.write_text(_dovecot_conf(root, port))
    process = subprocess.Popen([str(DOVECOT), "-F", "-c", str(conf)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                    if probe.recv(100).startswith(b"* OK"):
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                pytest.fail(f"Dovecot did not start (exit {process.poll()}):\n{log}")
            time.sleep(0.1)
        server = ImapServer(port=port, url=f"imap://{IMAP_USER}:{IMAP_PASSWORD}@127.0.0.1:{port}/INBOX")
        settings.CRM_INBOUND_IMAP_URL = server.url
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)
