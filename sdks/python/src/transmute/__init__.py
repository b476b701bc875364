"""Transmute's Python SDK: `Transmute` (sync) and `AsyncTransmute` on httpx."""
from ._base_client import DEFAULT_BASE_URL, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, AsyncClientOptions, ClientOptions
from ._client import AsyncTransmute, Transmute
from ._exceptions import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    TransmuteError,
    UnprocessableEntityError,
)
from ._pagination import AsyncPage, AsyncPaginator, SyncPage
from ._response import APIResponse
from ._streaming import AsyncStream, Stream
from ._types import NOT_GIVEN, NotGiven, RequestOptions
from ._version import __version__
from .lib._signature import WebhookVerificationError
from .types import models

__all__ = [
    "Transmute",
    "AsyncTransmute",
    "ClientOptions",
    "AsyncClientOptions",
    "RequestOptions",
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
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
    "WebhookVerificationError",
    "SyncPage",
    "AsyncPage",
    "AsyncPaginator",
    "APIResponse",
    "Stream",
    "AsyncStream",
    "NOT_GIVEN",
    "NotGiven",
    "models",
    "__version__",
]
