"""The one error tree (SDK.md "Errors"): callers catch by class, and every API failure carries the
problem+json fields (RFC 9457 plus our `code`, `request_id`, `errors`)."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Type

import httpx

__all__ = [
    "TransmuteError",
    "APIError",
    "APIStatusError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "UnprocessableEntityError",
    "RateLimitError",
    "InternalServerError",
    "APIConnectionError",
    "APITimeoutError",
    "error_for",
]


class TransmuteError(Exception):
    """Base of every error this SDK raises."""


class APIError(TransmuteError):
    """A failure while talking to the API (as opposed to a misuse of the SDK)."""


class APIStatusError(APIError):
    """The API answered with a status that is not a success."""

    status: int
    code: Optional[str]
    """The catalog code (`E1001`...), or None when the body was not a problem document."""
    title: Optional[str]
    detail: Optional[str]
    request_id: Optional[str]
    errors: List[Dict[str, Any]]
    """Per-field validation errors; empty when there are none."""
    headers: httpx.Headers
    body: object
    """The parsed JSON body, or the text when it was not JSON."""

    def __init__(self, status: int, body: object, headers: httpx.Headers) -> None:
        problem: Dict[str, Any] = body if isinstance(body, dict) else {}

        def text(key: str) -> Optional[str]:
            value = problem.get(key)
            return value if isinstance(value, str) else None

        self.status = status
        self.code = text("code")
        self.title = text("title")
        self.detail = text("detail")
        self.request_id = text("request_id") or headers.get("x-request-id")
        errors = problem.get("errors")
        self.errors = list(errors) if isinstance(errors, list) else []
        self.headers = headers
        self.body = body
        summary = ": ".join(part for part in (self.title, self.detail) if part)
        super().__init__(f"{status} {summary or 'status code with no problem body'}")

    @property
    def status_code(self) -> int:
        """The same as `status`, under the name httpx users expect."""
        return self.status


class BadRequestError(APIStatusError):
    pass


class AuthenticationError(APIStatusError):
    pass


class PermissionDeniedError(APIStatusError):
    pass


class NotFoundError(APIStatusError):
    pass


class ConflictError(APIStatusError):
    pass


class UnprocessableEntityError(APIStatusError):
    pass


class RateLimitError(APIStatusError):
    pass


class InternalServerError(APIStatusError):
    pass


class APIConnectionError(APIError):
    """The request never got a response (DNS, refused, reset)."""

    def __init__(self, message: str = "Connection error.") -> None:
        super().__init__(message)


class APITimeoutError(APIConnectionError):
    """The call's overall deadline passed (retries included)."""

    def __init__(self, message: str = "Request timed out.") -> None:
        super().__init__(message)


_BY_STATUS: Dict[int, Type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def error_for(status: int, body: object, headers: httpx.Headers) -> APIStatusError:
    """The error for a status: one class per documented status, InternalServerError for any 5xx."""
    cls = _BY_STATUS.get(status) or (InternalServerError if status >= 500 else APIStatusError)
    return cls(status, body, headers)
