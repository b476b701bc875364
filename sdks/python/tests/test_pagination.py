from __future__ import annotations

import asyncio
from typing import Any, Dict, List

import httpx
import pytest

from conftest import Handler, json_response, vectors
from transmute import AsyncTransmute, Transmute

PAGINATION = vectors("pagination")


def job(id: str) -> Dict[str, Any]:
    """A job with the vector's id; the other required fields filled in."""
    return {
        "id": id, "status": "succeeded", "from": "json", "to": "csv", "options": {}, "progress": 1, "attempts": 1,
        "input_bytes": 1, "created_at": "2026-09-21T12:53:20Z", "started_at": None, "finished_at": None, "error": None, "result": None,
    }


def server(vector: Dict[str, Any]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("cursor")
        page = next(p for p in vector["pages"] if p["request_cursor"] == cursor)
        body = {**page["body"], "data": [job(item["id"]) for item in page["body"]["data"]]}
        return json_response(200, body)

    return handler


@pytest.mark.parametrize("vector", PAGINATION["vectors"], ids=lambda v: v["name"])
def test_sync_auto_paging_and_pages(vector: Dict[str, Any]) -> None:
    client = Transmute(api_key="k", http_client=httpx.Client(transport=httpx.MockTransport(server(vector))))
    assert [j.id for j in client.jobs.list()] == vector["items"]
    by_page: List[str] = []
    for page in client.jobs.list().iter_pages():
        by_page.extend(j.id for j in page.data)
    assert by_page == vector["items"]


@pytest.mark.parametrize("vector", PAGINATION["vectors"], ids=lambda v: v["name"])
def test_async_auto_paging_and_pages(vector: Dict[str, Any]) -> None:
    handler = server(vector)

    async def respond(request: httpx.Request) -> httpx.Response:
        return handler(request)

    async def run() -> None:
        client = AsyncTransmute(api_key="k", http_client=httpx.AsyncClient(transport=httpx.MockTransport(respond)))
        assert [j.id async for j in client.jobs.list()] == vector["items"]
        first = await client.jobs.list()
        ids = [j.id async for page in first.iter_pages() for j in page.data]
        assert ids == vector["items"]
        assert first.request_id == "req_test"

    asyncio.run(run())
