"""`TRANSMUTE_LOG=info|debug`: method, URL, status, attempt and timing; credentials redacted."""
from __future__ import annotations

import logging
import os
from typing import Dict, Mapping

logger = logging.getLogger("transmute")

# The same set and marker in every SDK (sdks/conformance/logging.json).
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "x-api-key", "cookie", "set-cookie"})
_REDACTED = "[redacted]"


def setup_logging() -> None:
    """Applies TRANSMUTE_LOG once; without it the library stays silent (the logging default)."""
    level = {"info": logging.INFO, "debug": logging.DEBUG}.get((os.environ.get("TRANSMUTE_LOG") or "").lower())
    if level is None or logger.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s transmute %(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)


def redact_headers(headers: Mapping[str, str]) -> Dict[str, str]:
    return {name: _REDACTED if name.lower() in _SECRET_HEADERS else value for name, value in headers.items()}
