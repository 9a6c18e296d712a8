"""Standard Webhooks signing (https://www.standardwebhooks.com, spec v1).

Every request carries three headers:

- ``webhook-id``: the message's id, the same on every retry and replay of one event, so a
  consumer drops what it has already handled;
- ``webhook-timestamp``: when it was sent, whole seconds since the Unix epoch (UTC);
- ``webhook-signature``: ``v1,<base64 of HMAC-SHA256(key, "<id>.<timestamp>.<body>")>``;
  several space-separated signatures may be sent while a secret is being rotated.

The secret is ``whsec_`` followed by the base64 of the key's bytes (here 32 random bytes); the
key is the decoded bytes, not the text. A verifier refuses a timestamp more than ``tolerance``
seconds (five minutes by default) from its own clock, against replayed captures, and compares
signatures in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"
KEY_BYTES = 32
DEFAULT_TOLERANCE = 5 * 60


class InvalidSignature(Exception):
    """A request whose headers are missing, badly formed, too old or too new, or whose
    signatures all fail to match."""


def secret_generate() -> str:
    """A new endpoint secret: ``whsec_`` and 32 random bytes in base64 (44 characters)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The key bytes of a ``whsec_…`` secret (the prefix is optional). Raises ValueError for
    text that is not base64 or decodes to nothing."""
    text = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValueError("the secret is not base64 after its whsec_ prefix") from error
    if not key:
        raise ValueError("the secret is empty")
    return key


def signature(*, secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256>`` of ``<msg_id>.<timestamp>.<body>`` under the secret's key."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signed_headers(*, secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers of one request (and its JSON content type)."""
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(
            secret=secret, msg_id=msg_id, timestamp=timestamp, body=body
        ),
    }


def verify(
    *,
    secret: str,
    headers: dict[str, str],
    body: bytes,
    now: int,
    tolerance: int = DEFAULT_TOLERANCE,
) -> None:
    """Check a received request (``now``: the receiver's clock, Unix seconds). Header names
    are matched case-insensitively; any one ``v1`` signature matching is enough. Raises
    InvalidSignature."""
    lowered = {name.lower(): value for name, value in headers.items()}
    msg_id = lowered.get("webhook-id", "")
    stamp = lowered.get("webhook-timestamp", "")
    sent = lowered.get("webhook-signature", "")
    if not (msg_id and stamp and sent):
        raise InvalidSignature("missing webhook-id, webhook-timestamp or webhook-signature")
    if not stamp.isdigit():
        raise InvalidSignature("webhook-timestamp is not whole seconds")
    timestamp = int(stamp)
    if abs(now - timestamp) > tolerance:
        raise InvalidSignature("webhook-timestamp is too old or too new")
    expected = signature(secret=secret, msg_id=msg_id, timestamp=timestamp, body=body)
    for candidate in sent.split(" "):
        if hmac.compare_digest(candidate.encode(), expected.encode()):
            return
    raise InvalidSignature("no signature matches")
