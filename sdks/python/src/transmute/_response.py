"""`with_raw_response`: the same call, answering with the HTTP response beside the parsed value."""
from __future__ import annotations

from contextvars import ContextVar
from typing import Any, Awaitable, Callable, Generic, Optional, TypeVar, cast

import httpx
from typing_extensions import ParamSpec

P = ParamSpec("P")
R = TypeVar("R")

# Set while a raw-response wrapper runs; the client then answers with an APIResponse.
RAW_RESPONSE: ContextVar[bool] = ContextVar("transmute_raw_response", default=False)


class APIResponse(Generic[R]):
    """An HTTP response and the value the plain method would have returned."""

    def __init__(self, http_response: httpx.Response, parsed: Any) -> None:
        self.http_response = http_response
        self._parsed = parsed

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def request_id(self) -> Optional[str]:
        request_id: Optional[str] = self.http_response.headers.get("x-request-id")
        return request_id

    def parse(self) -> R:
        return cast(R, self._parsed)


def to_raw_response_wrapper(method: Callable[P, R]) -> Callable[P, APIResponse[R]]:
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> APIResponse[R]:
        token = RAW_RESPONSE.set(True)
        try:
            return cast(APIResponse[R], method(*args, **kwargs))
        finally:
            RAW_RESPONSE.reset(token)

    return wrapped


def async_to_raw_response_wrapper(method: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[APIResponse[R]]]:
    async def wrapped(*args: P.args, **kwargs: P.kwargs) -> APIResponse[R]:
        token = RAW_RESPONSE.set(True)
        try:
            return cast(APIResponse[R], await method(*args, **kwargs))
        finally:
            RAW_RESPONSE.reset(token)

    return wrapped
