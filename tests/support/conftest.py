"""Real mail servers for the mail tests (tests/mail_servers.py), as fixtures.

`smtp_server` points Django's SMTP backend at an aiosmtpd server (no TLS, no login) and hands back its
handler, whose `messages` are the mails it accepted, parsed, with their envelopes. Set `refuse` to an SMTP
answer ("550 ...") to have it refuse every mail at DATA.

`imap_server` starts a private Dovecot and points CRM_INBOUND_IMAP_URL at its INBOX; `append` delivers a
mail to it as the server would have received it at a given time.
"""

import pytest

from tests.mail_servers import DovecotError, running_dovecot, running_smtp_server


@pytest.fixture
def smtp_server(settings):
    with running_smtp_server() as (handler, port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 5
        yield handler


@pytest.fixture
def imap_server(settings):
    try:
        with running_dovecot() as server:
            settings.CRM_INBOUND_IMAP_URL = server.url
            yield server
    except DovecotError as error:  # missing or not started: a failure, never a skip
        pytest.fail(str(error))
