"""Small helpers of the contract suite: unique accounts, TOTP codes, waiting for what the server does
in the background (jobs, deliveries, exports, usage counts)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time
import uuid
from typing import Callable, Optional, TypeVar

T = TypeVar("T")

PASSWORD = "correct horse battery staple"


def unique_email() -> str:
    return f"python-sdk-{uuid.uuid4().hex[:12]}@example.com"


def totp(secret: str, at: Optional[float] = None) -> str:
    """RFC 6238 with the parameters the server announces (SHA-1, 6 digits, 30 s steps)."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)
    step = struct.pack(">Q", int((time.time() if at is None else at) // 30))
    digest = hmac.new(key, step, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def eventually(probe: Callable[[], Optional[T]], what: str, timeout: float = 30.0) -> T:
    """Calls `probe` until it returns something other than None. Polls slowly enough to stay far
    below the free plan's 60 requests a minute."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.5)


def csv_rows(count: int) -> str:
    """A CSV document big enough that its conversion is still running when the test cancels it."""
    return "id,name,score\n" + "".join(f"{i},name {i},{i * 7 % 101}\n" for i in range(count))
