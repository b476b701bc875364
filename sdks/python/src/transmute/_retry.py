"""When to retry and how long to wait (SDK.md "Retries"); sdks/conformance/retries.json pins every
rule here."""
from __future__ import annotations

import random as _random
import re
import time
from email.utils import parsedate_to_datetime
from typing import Callable, Mapping, Optional

MAX_HINT_SECONDS = 60.0
"""Server hints longer than this are ignored in favour of the computed backoff."""
BASE_DELAY_SECONDS = 0.5
MAX_DELAY_SECONDS = 8.0

# draft-ietf-httpapi-ratelimit-headers: `RateLimit: "policy";r=0;t=<seconds until reset>`.
_RESET = re.compile(r"(?:^|;)\s*t=(\d+)")


def should_retry(status: Optional[int], headers: Optional[Mapping[str, str]] = None) -> bool:
    """Whether a response (or, with `status` None, a connection failure) is worth retrying."""
    override = headers.get("x-should-retry") if headers is not None else None
    if override == "true":
        return True
    if override == "false":
        return False
    if status is None:
        return True
    return status in (408, 409, 429) or status >= 500


def retry_delay(
    attempt: int,
    status: Optional[int],
    headers: Optional[Mapping[str, str]],
    now: Optional[float] = None,
    random: Callable[[], float] = _random.random,
) -> float:
    """Seconds to wait before retry number `attempt` (0 for the first): the server's hint when it
    gives one within 60 s, else min(0.5 s x 2^attempt, 8 s) with jitter in [0.75, 1.0]."""
    hint = _usable(_server_hint(status, headers, time.time() if now is None else now)) if headers is not None else None
    if hint is not None:
        return hint
    base: float = min(BASE_DELAY_SECONDS * 2**attempt, MAX_DELAY_SECONDS)
    return base * (1 - 0.25 * random())


def poll_hint(headers: Mapping[str, str], now: Optional[float] = None) -> Optional[float]:
    """Seconds a job's answer asks to wait before it is polled again: `retry-after-ms`, else
    `Retry-After`, when within 60 s; None leaves the polling schedule in charge."""
    return _usable(_server_hint(None, headers, time.time() if now is None else now))


def _usable(hint: Optional[float]) -> Optional[float]:
    return hint if hint is not None and 0 <= hint <= MAX_HINT_SECONDS else None


def _server_hint(status: Optional[int], headers: Mapping[str, str], now: float) -> Optional[float]:
    ms = _number(headers.get("retry-after-ms"))
    if ms is not None:
        return ms / 1000
    retry_after = headers.get("retry-after")
    if retry_after is not None:
        seconds = _number(retry_after)
        if seconds is not None:
            return seconds
        try:
            return parsedate_to_datetime(retry_after).timestamp() - now
        except (TypeError, ValueError, IndexError):
            pass
    if status == 429:
        reset = _RESET.search(headers.get("ratelimit") or "")
        if reset:
            return float(reset.group(1))
    return None


def _number(text: Optional[str]) -> Optional[float]:
    if text is None or text.strip() == "":
        return None
    try:
        return float(text)
    except ValueError:
        return None
