"""Standard Webhooks verification (standardwebhooks.com, "Verifying webhooks"): HMAC-SHA256 of
`{webhook-id}.{webhook-timestamp}.{body}` keyed by the base64 secret after `whsec_`, sent as
space-separated `v1,<base64>` entries."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from typing import Mapping, Optional, Sequence, Union

from .._exceptions import TransmuteError

WEBHOOK_TOLERANCE_SECONDS = 5 * 60
"""Messages older or newer than this are refused, so a captured request cannot be replayed later."""

Secrets = Union[str, Sequence[str]]


class WebhookVerificationError(TransmuteError):
    pass


def verify_signature(payload: Union[str, bytes], headers: Mapping[str, str], secrets: Secrets, *, now: Optional[float] = None) -> None:
    """Returns when one signature matches one secret within the tolerance; else raises with why."""
    lowered = {name.lower(): value for name, value in headers.items()}
    msg_id, timestamp, signatures = (lowered.get(h) for h in ("webhook-id", "webhook-timestamp", "webhook-signature"))
    if not msg_id or not timestamp or not signatures:
        raise WebhookVerificationError("Missing webhook-id, webhook-timestamp or webhook-signature header.")
    if not timestamp.isdigit():
        raise WebhookVerificationError("Invalid webhook-timestamp header.")
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > WEBHOOK_TOLERANCE_SECONDS:
        raise WebhookVerificationError("Webhook timestamp is outside the 5 minute tolerance.")
    body = payload.encode() if isinstance(payload, str) else payload
    signed = f"{msg_id}.{timestamp}.".encode() + body
    candidates = [_b64(entry[3:]) for entry in signatures.split(" ") if entry.startswith("v1,")]
    for secret in [secrets] if isinstance(secrets, str) else secrets:
        key = _b64(secret[len("whsec_"):] if secret.startswith("whsec_") else secret)
        expected = hmac.new(key, signed, hashlib.sha256).digest()
        # compare_digest takes the same time wherever the bytes differ.
        if any(hmac.compare_digest(candidate, expected) for candidate in candidates):
            return
    raise WebhookVerificationError("No webhook signature matches the secret(s).")


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return b""
