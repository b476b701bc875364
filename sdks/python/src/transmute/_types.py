"""Argument types shared by the generated resources and the runtime."""
from __future__ import annotations

from typing import Dict

from typing_extensions import TypedDict


class NotGiven:
    """An argument that was not passed, as opposed to `None`, which is sent as JSON null."""

    _instance: "NotGiven | None" = None

    def __new__(cls) -> "NotGiven":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = NotGiven()


class RequestOptions(TypedDict, total=False):
    """Per-call overrides of the client's options."""

    timeout: float
    """Seconds for the whole call, retries included."""
    max_retries: int
    headers: Dict[str, str]
    """Sent with this call; win over the client's default headers."""
    idempotency_key: str
    """Reused on every retry; default `transmute-python-retry-<uuid>` for non-GET requests."""
    extra_query: Dict[str, str]
    """Query parameters the method has no argument for, such as what an identity provider adds to
    the sign-in callback (RFC 9207 `iss`); they win over the method's arguments."""
