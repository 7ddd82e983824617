"""The signature a receiver checks: HMAC-SHA256, keyed with the endpoint's secret, of `<timestamp>.<body>`.

Header: `X-CRM-Signature: t=<unix seconds>,v1=<hex digest>`. Signing the timestamp with the body lets a
receiver refuse an old request replayed later (check that `t` is recent), not only a forged one.
"""

import hashlib
import hmac

SIGNATURE_HEADER = "X-CRM-Signature"


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret=secret, timestamp=timestamp, body=body)}"


def verify(*, secret: str, header: str, body: bytes, now: int, tolerance_seconds: int = 300) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    expected = signature(secret=secret, timestamp=timestamp, body=body)
    return abs(now - timestamp) <= tolerance_seconds and hmac.compare_digest(expected, parts.get("v1", ""))
