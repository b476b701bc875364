"""Cursor pages (`{data, next_cursor}`): one page at a time, or every item with `for` / `async for`."""
from __future__ import annotations

from typing import Any, AsyncIterator, Awaitable, Callable, Dict, Generator, Generic, Iterator, List, Optional, TypeVar

import httpx

T = TypeVar("T")


class _Page(Generic[T]):
    data: List[T]
    next_cursor: Optional[str]
    body: Dict[str, Any]
    """The whole body, unknown fields included."""
    http_response: httpx.Response

    def __init__(self, data: List[T], body: Dict[str, Any], http_response: httpx.Response) -> None:
        self.data = data
        self.body = body
        cursor = body.get("next_cursor")
        self.next_cursor = cursor if isinstance(cursor, str) else None
        self.http_response = http_response

    @property
    def request_id(self) -> Optional[str]:
        request_id: Optional[str] = self.http_response.headers.get("x-request-id")
        return request_id

    def has_next_page(self) -> bool:
        return self.next_cursor is not None


class SyncPage(_Page[T]):
    """A page; iterating it walks every item of this page and the following ones."""

    def __init__(self, data: List[T], body: Dict[str, Any], http_response: httpx.Response, fetch: Callable[[str], "SyncPage[T]"]) -> None:
        super().__init__(data, body, http_response)
        self._fetch = fetch

    def get_next_page(self) -> Optional["SyncPage[T]"]:
        """The following page, or None on the last one."""
        return None if self.next_cursor is None else self._fetch(self.next_cursor)

    def iter_pages(self) -> Iterator["SyncPage[T]"]:
        """Every page from this one on. An empty page with a cursor is followed, not taken as the end."""
        page: Optional[SyncPage[T]] = self
        while page is not None:
            yield page
            page = page.get_next_page()

    def __iter__(self) -> Iterator[T]:
        for page in self.iter_pages():
            yield from page.data


class AsyncPage(_Page[T]):
    def __init__(self, data: List[T], body: Dict[str, Any], http_response: httpx.Response, fetch: Callable[[str], Awaitable["AsyncPage[T]"]]) -> None:
        super().__init__(data, body, http_response)
        self._fetch = fetch

    async def get_next_page(self) -> Optional["AsyncPage[T]"]:
        return None if self.next_cursor is None else await self._fetch(self.next_cursor)

    async def iter_pages(self) -> AsyncIterator["AsyncPage[T]"]:
        page: Optional[AsyncPage[T]] = self
        while page is not None:
            yield page
            page = await page.get_next_page()

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.iter_pages():
            for item in page.data:
                yield item


class AsyncPaginator(Generic[T]):
    """`await client.jobs.list()` gives the first page; `async for job in client.jobs.list()` walks
    every item."""

    def __init__(self, first: Callable[[], Awaitable[AsyncPage[T]]]) -> None:
        self._first = first

    def __await__(self) -> Generator[Any, None, AsyncPage[T]]:
        return self._first().__await__()

    async def __aiter__(self) -> AsyncIterator[T]:
        page = await self._first()
        async for item in page:
            yield item
