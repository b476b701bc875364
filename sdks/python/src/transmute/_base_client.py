"""The client core: options, one request with retries under one deadline, and error mapping. The
generated resources call `request`/`request_page`; nothing here knows an operation."""
from __future__ import annotations

import asyncio
import os
import platform
import time
import uuid
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Type, TypeVar, Union

import httpx
from typing_extensions import TypedDict

from ._exceptions import APIConnectionError, APIStatusError, APITimeoutError, TransmuteError, error_for
from ._logging import logger, redact_headers, setup_logging
from ._pagination import AsyncPage, AsyncPaginator, SyncPage
from ._path import build_path
from ._response import RAW_RESPONSE, APIResponse
from ._retry import retry_delay, should_retry
from ._serialize import parse_as, read_body, to_json, to_query, validate
from ._streaming import AsyncStream, Stream
from ._types import RequestOptions
from ._version import __version__

T = TypeVar("T")

DEFAULT_BASE_URL = "https://api.transmute.dev"
DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_RETRIES = 2

# Module attributes rather than direct calls so tests can observe the waits without sleeping.
_sleep = time.sleep
_async_sleep = asyncio.sleep


class ClientOptions(TypedDict, total=False):
    api_key: Optional[str]
    """API key or a user's access token, sent as a bearer token. Default: env TRANSMUTE_API_KEY."""
    base_url: Optional[str]
    """Default: env TRANSMUTE_BASE_URL, else https://api.transmute.dev."""
    max_retries: int
    """Retries after the first attempt. Default 2."""
    timeout: float
    """One deadline per call in seconds, retries and waits included. Default 60."""
    default_headers: Mapping[str, str]
    """Sent with every request; a per-call header of the same name wins."""
    http_client: httpx.Client
    """A configured httpx.Client (proxies, transports, tests). Default: a new one."""


class AsyncClientOptions(TypedDict, total=False):
    api_key: Optional[str]
    base_url: Optional[str]
    max_retries: int
    timeout: float
    default_headers: Mapping[str, str]
    http_client: httpx.AsyncClient
    """A configured httpx.AsyncClient. Default: a new one."""


class _Prepared(NamedTuple):
    method: str
    url: str
    params: Dict[str, str]
    headers: httpx.Headers
    content: Optional[bytes]
    deadline: float
    timeout: float
    """The call's timeout: once a stream is open, the longest wait for its next bytes."""
    max_retries: int
    redirect: bool
    """The operation documents a 3xx as its answer (the SDK never follows redirects)."""


def _user_agent() -> str:
    return f"transmute-python/{__version__} (python/{platform.python_version()}; {platform.system().lower() or 'unknown'})"


class _BaseClient:
    base_url: str
    max_retries: int
    timeout: float

    def __init__(
        self,
        *,
        api_key: Optional[str] = None,
        base_url: Optional[str] = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        timeout: float = DEFAULT_TIMEOUT,
        default_headers: Optional[Mapping[str, str]] = None,
    ) -> None:
        setup_logging()
        self._api_key = api_key if api_key is not None else os.environ.get("TRANSMUTE_API_KEY")
        self.base_url = (base_url or os.environ.get("TRANSMUTE_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.max_retries = max_retries
        self.timeout = timeout
        self._default_headers = dict(default_headers or {})

    def _prepare(
        self,
        method: str,
        path: str,
        path_params: Mapping[str, str],
        query: Optional[Mapping[str, Any]],
        body: Optional[Mapping[str, Any]],
        auth: bool,
        options: Optional[RequestOptions],
        redirect: bool = False,
    ) -> _Prepared:
        options = options or {}
        timeout = options.get("timeout", self.timeout)
        headers = httpx.Headers({"Accept": "application/json", "User-Agent": _user_agent()})
        headers.update(self._default_headers)
        headers.update(options.get("headers") or {})
        content = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            content = httpx.Request("POST", "/", json=to_json(body)).content
        if auth and "authorization" not in headers:
            if not self._api_key:
                raise TransmuteError(
                    "No API key: pass `api_key` to `Transmute(api_key=...)` or set the TRANSMUTE_API_KEY environment variable."
                )
            headers["Authorization"] = f"Bearer {self._api_key}"
        # Created once per call, so every retry of it is the same request to the server.
        key = options.get("idempotency_key") or headers.get("idempotency-key")
        if key is None and method != "GET":
            key = f"transmute-python-retry-{uuid.uuid4()}"
        if key is not None:
            headers["Idempotency-Key"] = key
        return _Prepared(
            method=method,
            url=self.base_url + build_path(path, path_params),
            params=to_query({**(query or {}), **(options.get("extra_query") or {})}),
            headers=headers,
            content=content,
            deadline=time.monotonic() + timeout,
            timeout=timeout,
            max_retries=options.get("max_retries", self.max_retries),
            redirect=redirect,
        )

    def _on_response(self, request: _Prepared, attempt: int, response: httpx.Response, started: float) -> Optional[float]:
        """None when `response` is the answer; else the wait before the next attempt. Raises the
        API error when no retry is left or worth it."""
        logger.info("%s %s -> %s (attempt %d, %.0f ms, request_id %s)", request.method, request.url, response.status_code, attempt, (time.monotonic() - started) * 1000, response.headers.get("x-request-id"))
        if response.is_success or (request.redirect and response.is_redirect):
            return None
        error: APIStatusError = error_for(response.status_code, read_body(response), response.headers)
        if attempt >= request.max_retries or not should_retry(response.status_code, response.headers):
            raise error
        wait = retry_delay(attempt, response.status_code, response.headers)
        # A wait that cannot end before the deadline would only turn this answer into a timeout.
        if time.monotonic() + wait >= request.deadline:
            raise error
        return wait

    def _on_failure(self, request: _Prepared, attempt: int, exc: Exception) -> float:
        """The wait before the next attempt after a transport failure, or the error to raise."""
        logger.info("%s %s failed: %r (attempt %d)", request.method, request.url, exc, attempt)
        if isinstance(exc, httpx.TimeoutException):
            raise APITimeoutError() from exc
        if attempt >= request.max_retries:
            raise APIConnectionError() from exc
        wait = retry_delay(attempt, None, None)
        if time.monotonic() + wait >= request.deadline:
            raise APITimeoutError() from exc
        return wait

    def _remaining(self, request: _Prepared) -> float:
        remaining = request.deadline - time.monotonic()
        if remaining <= 0:
            raise APITimeoutError()
        logger.debug("%s %s headers=%s", request.method, request.url, redact_headers(request.headers))
        return remaining


def _page_body(response: httpx.Response) -> Dict[str, Any]:
    body = read_body(response)
    if not isinstance(body, dict):
        raise TransmuteError(f"Expected a page object, got {type(body).__name__}.")
    return body


def _accepting_events(request: _Prepared) -> _Prepared:
    request.headers["Accept"] = "text/event-stream"
    return request


def _opened(request: _Prepared, response: httpx.Response) -> httpx.Response:
    """The call's deadline bounds opening the stream (retries included), not reading it: a stream
    lasts as long as its job. From here on each read waits up to the call's timeout for the next
    bytes (the server sends a keep-alive comment every 15 s). httpx reads the timeout extension
    when the body is read, so replacing it now applies to the body only."""
    response.request.extensions["timeout"] = httpx.Timeout(request.timeout).as_dict()
    return response


def _items(item: Type[T], body: Mapping[str, Any]) -> List[T]:
    data = body.get("data")
    return [validate(item, entry) for entry in data] if isinstance(data, list) else []


class SyncClientCore(_BaseClient):
    def __init__(self, *, http_client: Optional[httpx.Client] = None, **options: Any) -> None:
        super().__init__(**options)
        self._http = http_client or httpx.Client()

    def __enter__(self: T) -> T:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _send(self, request: _Prepared, stream: bool = False) -> httpx.Response:
        """With `stream`, a success answers before its body is read (errors are read whole)."""
        attempt = 0
        while True:
            remaining = self._remaining(request)
            started = time.monotonic()
            try:
                sent = self._http.build_request(request.method, request.url, params=request.params, headers=request.headers, content=request.content, timeout=remaining)
                response = self._http.send(sent, stream=stream, follow_redirects=False)
                if stream and not response.is_success:
                    response.read()
            except httpx.TransportError as exc:
                _sleep(self._on_failure(request, attempt, exc))
            else:
                wait = self._on_response(request, attempt, response, started)
                if wait is None:
                    return response
                _sleep(wait)
            attempt += 1

    def request(
        self,
        method: str,
        path: str,
        *,
        path_params: Mapping[str, str],
        query: Optional[Mapping[str, Any]] = None,
        body: Optional[Mapping[str, Any]] = None,
        auth: bool,
        options: Optional[RequestOptions],
        cast_to: Any,
        redirect: bool = False,
    ) -> Any:
        response = self._send(self._prepare(method, path, path_params, query, body, auth, options, redirect))
        parsed = parse_as(cast_to, response)
        return APIResponse[Any](response, parsed) if RAW_RESPONSE.get() else parsed

    def request_stream(self, method: str, path: str, *, path_params: Mapping[str, str], auth: bool, options: Optional[RequestOptions], event: Type[T]) -> Any:
        request = _accepting_events(self._prepare(method, path, path_params, None, None, auth, options))
        response = _opened(request, self._send(request, stream=True))
        stream = Stream(response, event)
        return APIResponse[Any](response, stream) if RAW_RESPONSE.get() else stream

    def request_page(
        self,
        method: str,
        path: str,
        *,
        path_params: Mapping[str, str],
        query: Mapping[str, Any],
        auth: bool,
        options: Optional[RequestOptions],
        item: Type[T],
    ) -> SyncPage[T]:
        def fetch(cursor: Optional[str]) -> SyncPage[T]:
            params = {**query, **({} if cursor is None else {"cursor": cursor})}
            response = self._send(self._prepare(method, path, path_params, params, None, auth, options))
            body = _page_body(response)
            return SyncPage(_items(item, body), body, response, fetch)

        return fetch(None)


class AsyncClientCore(_BaseClient):
    def __init__(self, *, http_client: Optional[httpx.AsyncClient] = None, **options: Any) -> None:
        super().__init__(**options)
        self._http = http_client or httpx.AsyncClient()

    async def __aenter__(self: T) -> T:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self._http.aclose()

    async def _send(self, request: _Prepared, stream: bool = False) -> httpx.Response:
        attempt = 0
        while True:
            remaining = self._remaining(request)
            started = time.monotonic()
            try:
                sent = self._http.build_request(request.method, request.url, params=request.params, headers=request.headers, content=request.content, timeout=remaining)
                response = await self._http.send(sent, stream=stream, follow_redirects=False)
                if stream and not response.is_success:
                    await response.aread()
            except httpx.TransportError as exc:
                await _async_sleep(self._on_failure(request, attempt, exc))
            else:
                wait = self._on_response(request, attempt, response, started)
                if wait is None:
                    return response
                await _async_sleep(wait)
            attempt += 1

    async def request(
        self,
        method: str,
        path: str,
        *,
        path_params: Mapping[str, str],
        query: Optional[Mapping[str, Any]] = None,
        body: Optional[Mapping[str, Any]] = None,
        auth: bool,
        options: Optional[RequestOptions],
        cast_to: Any,
        redirect: bool = False,
    ) -> Any:
        response = await self._send(self._prepare(method, path, path_params, query, body, auth, options, redirect))
        parsed = parse_as(cast_to, response)
        return APIResponse[Any](response, parsed) if RAW_RESPONSE.get() else parsed

    async def request_stream(self, method: str, path: str, *, path_params: Mapping[str, str], auth: bool, options: Optional[RequestOptions], event: Type[T]) -> Any:
        request = _accepting_events(self._prepare(method, path, path_params, None, None, auth, options))
        response = _opened(request, await self._send(request, stream=True))
        stream = AsyncStream(response, event)
        return APIResponse[Any](response, stream) if RAW_RESPONSE.get() else stream

    def request_page(
        self,
        method: str,
        path: str,
        *,
        path_params: Mapping[str, str],
        query: Mapping[str, Any],
        auth: bool,
        options: Optional[RequestOptions],
        item: Type[T],
    ) -> AsyncPaginator[T]:
        async def fetch(cursor: Optional[str]) -> AsyncPage[T]:
            params = {**query, **({} if cursor is None else {"cursor": cursor})}
            response = await self._send(self._prepare(method, path, path_params, params, None, auth, options))
            body = _page_body(response)
            return AsyncPage(_items(item, body), body, response, fetch)

        return AsyncPaginator(lambda: fetch(None))
