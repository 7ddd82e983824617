"""Webhooks go to the public internet only, unless the business says otherwise.

An address a staff member types is fetched by the server, so without a check a webhook could reach
what only the server can: the database, Redis, a cloud metadata service (169.254.169.254) or the
office network. Two checks close that: registration refuses a host that is, or resolves to, a private,
loopback, link-local, reserved or multicast address; and each delivery checks the address it actually
connected to (after DNS, so a name that later resolves somewhere private is caught too) before it sends
anything. `CRM_WEBHOOK_ALLOW_PRIVATE=1` lifts both, for a CRM whose receivers are on its own network.
"""

import http.client
import ipaddress
import socket
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


class PrivateAddressError(OSError):
    """The receiver's address is not on the public internet."""


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def private_allowed() -> bool:
    return bool(getattr(settings, "CRM_WEBHOOK_ALLOW_PRIVATE", False))


def url_address_problem(url: str) -> str | None:
    """Why `url` may not receive webhooks, or None. A host that does not resolve now is accepted: it is
    checked again, on the address connected to, at every delivery."""
    if private_allowed():
        return None
    try:
        host = urlsplit(url).hostname or ""
        resolved = {info[4][0] for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)}
    except (OSError, UnicodeError, ValueError):
        return None
    private = sorted(address for address in resolved if not is_public(address))
    if private:
        return _("This address is on a private network (%(address)s): webhooks go to public addresses only.") % {
            "address": private[0]}
    return None


class _PublicPeerOnly:
    """Refuse to send a request once connected to a non-public address."""

    sock: socket.socket

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        peer = self.sock.getpeername()[0]
        if not private_allowed() and not is_public(peer):
            self.sock.close()
            raise PrivateAddressError(_("refused: %(address)s is a private address") % {"address": peer})


class _PublicHTTPConnection(_PublicPeerOnly, http.client.HTTPConnection):
    pass


class _PublicHTTPSConnection(_PublicPeerOnly, http.client.HTTPSConnection):
    pass


class _PublicHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_PublicHTTPConnection, req)


class _PublicHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_PublicHTTPSConnection, req, context=self._context)


def public_opener() -> urllib.request.OpenerDirector:
    """An opener that sends only to public addresses, follows no redirects (a receiver cannot point the
    request elsewhere) and uses no proxy from the environment (the peer checked is the receiver itself)."""
    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    return urllib.request.build_opener(urllib.request.ProxyHandler({}), _PublicHTTPHandler, _PublicHTTPSHandler,
                                       _NoRedirect)
