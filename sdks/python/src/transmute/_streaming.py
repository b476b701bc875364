"""Typed event streams over an open `text/event-stream` response: each event's JSON `data` becomes
the model the spec names (`x-event-data`), delivered as it arrives. The generated event models
(`JobEvent`...) have the fields `id`, `event` and `data`."""
from __future__ import annotations

import json
from typing import Any, AsyncGenerator, AsyncIterator, Generator, Generic, Iterator, Optional, Type, TypeVar

import httpx

from ._exceptions import APIConnectionError, APITimeoutError, TransmuteError
from ._serialize import validate
from ._sse import ServerSentEvent, SSEDecoder

T = TypeVar("T")
S = TypeVar("S", bound="_BaseStream[Any]")


def _typed(cast_to: Type[T], raw: ServerSentEvent) -> T:
    try:
        data: object = json.loads(raw.data)
    except ValueError as exc:
        raise TransmuteError(f"The `{raw.event}` event's data is not JSON: {raw.data[:80]!r}") from exc
    return validate(cast_to, {"id": raw.id, "event": raw.event, "data": data})


def _transport_error(exc: httpx.TransportError) -> APIConnectionError:
    # Mid-stream failures are not retried: the events already read cannot be taken back, and
    # resuming is the caller's choice (Last-Event-ID).
    return APITimeoutError() if isinstance(exc, httpx.TimeoutException) else APIConnectionError()


class _BaseStream(Generic[T]):
    def __init__(self, response: httpx.Response, cast_to: Type[T]) -> None:
        self.http_response = response
        self._cast_to = cast_to

    @property
    def request_id(self) -> Optional[str]:
        request_id: Optional[str] = self.http_response.headers.get("x-request-id")
        return request_id


class Stream(_BaseStream[T]):
    """Iterate it for the events as they arrive; iteration ends when the server ends the stream.
    Use it in a `with` block (or call `close()`) to release the connection when you stop early."""

    def __init__(self, response: httpx.Response, cast_to: Type[T]) -> None:
        super().__init__(response, cast_to)
        self._iterator = self._events()

    def _events(self) -> Generator[T, None, None]:
        decoder = SSEDecoder()
        try:
            for chunk in self.http_response.iter_bytes():
                for raw in decoder.feed(chunk):
                    yield _typed(self._cast_to, raw)
        except httpx.TransportError as exc:
            raise _transport_error(exc) from exc
        finally:
            self.http_response.close()

    def __iter__(self) -> Iterator[T]:
        return self._iterator

    def __next__(self) -> T:
        return next(self._iterator)

    def __enter__(self: S) -> S:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Closes the connection; iterating afterwards gives no more events."""
        self._iterator.close()
        self.http_response.close()


class AsyncStream(_BaseStream[T]):
    """As Stream, with `async for` and `async with`; cancelling the task reading it stops it too."""

    def __init__(self, response: httpx.Response, cast_to: Type[T]) -> None:
        super().__init__(response, cast_to)
        self._iterator = self._events()

    async def _events(self) -> AsyncGenerator[T, None]:
        decoder = SSEDecoder()
        try:
            async for chunk in self.http_response.aiter_bytes():
                for raw in decoder.feed(chunk):
                    yield _typed(self._cast_to, raw)
        except httpx.TransportError as exc:
            raise _transport_error(exc) from exc
        finally:
            await self.http_response.aclose()

    def __aiter__(self) -> AsyncIterator[T]:
        return self._iterator

    async def __anext__(self) -> T:
        return await self._iterator.__anext__()

    async def __aenter__(self: S) -> S:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self._iterator.aclose()
        await self.http_response.aclose()
