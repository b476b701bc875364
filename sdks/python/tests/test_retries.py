from __future__ import annotations

import asyncio
from email.utils import parsedate_to_datetime
from typing import Any, Dict, List

import httpx
import pytest

from conftest import json_response, vectors
from transmute import APIConnectionError, APITimeoutError, AsyncTransmute, InternalServerError, Transmute
from transmute._retry import retry_delay, should_retry
from test_client import recording

RETRIES = vectors("retries")
NOW = parsedate_to_datetime(RETRIES["now"]).timestamp()


@pytest.mark.parametrize("vector", RETRIES["vectors"], ids=lambda v: v["name"])
def test_retry_vector(vector: Dict[str, Any]) -> None:
    headers = httpx.Headers(vector["headers"])
    assert should_retry(vector["status"], headers) is vector["retry"]
    if vector["retry"]:
        for jitter in (0.0, 0.999999):
            seconds = retry_delay(vector["attempt"], vector["status"], headers, now=NOW, random=lambda: jitter)
            assert vector["delay"]["min_ms"] <= seconds * 1000 <= vector["delay"]["max_ms"]


def test_default_max_retries() -> None:
    assert Transmute(api_key="k").max_retries == RETRIES["max_retries_default"]


def flaky(statuses: List[int], seen: List[httpx.Request], headers: Dict[str, str] | None = None) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        status = statuses[len(seen) - 1]
        if status != 200:
            return json_response(status, {"title": "Unavailable", "status": status}, headers)
        return json_response(200, {"from": "json", "to": "csv", "output": "a", "stats": {"input_bytes": 1, "output_bytes": 1, "records": 1, "duration_ms": 1}})

    return httpx.MockTransport(handler)


def test_post_is_retried_with_one_idempotency_key(sleeps: List[float]) -> None:
    seen: List[httpx.Request] = []
    client = Transmute(api_key="k", http_client=httpx.Client(transport=flaky([503, 429, 200], seen)))
    result = client.conversions.create(from_="json", to="csv", input="[]")
    assert result.output == "a"
    keys = {r.headers["idempotency-key"] for r in seen}
    assert len(seen) == 3 and len(keys) == 1
    assert next(iter(keys)).startswith("transmute-python-retry-")
    assert len(sleeps) == 2 and 0.375 <= sleeps[0] <= 0.5 and 0.75 <= sleeps[1] <= 1.0


def test_caller_idempotency_key_wins_and_get_has_none(sleeps: List[float]) -> None:
    seen: List[httpx.Request] = []
    client = Transmute(api_key="k", http_client=httpx.Client(transport=flaky([200, 200], seen)))
    client.conversions.create(from_="json", to="csv", input="[]", request_options={"idempotency_key": "mine"})
    assert seen[0].headers["idempotency-key"] == "mine"
    seen.clear()
    client._http = recording(seen, {"data": []})
    client.formats.list()
    assert "idempotency-key" not in seen[0].headers


def test_retry_after_is_honoured(sleeps: List[float]) -> None:
    seen: List[httpx.Request] = []
    client = Transmute(api_key="k", http_client=httpx.Client(transport=flaky([429, 200], seen, {"retry-after": "3"})))
    client.conversions.create(from_="json", to="csv", input="[]")
    assert sleeps == [3.0]


def test_gives_up_after_max_retries(sleeps: List[float]) -> None:
    seen: List[httpx.Request] = []
    client = Transmute(api_key="k", max_retries=1, http_client=httpx.Client(transport=flaky([500, 500, 200], seen)))
    with pytest.raises(InternalServerError):
        client.conversions.create(from_="json", to="csv", input="[]")
    assert len(seen) == 2


def test_connection_errors_are_retried_then_raised(sleeps: List[float]) -> None:
    calls: List[int] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        raise httpx.ConnectError("refused", request=request)

    client = Transmute(api_key="k", http_client=httpx.Client(transport=httpx.MockTransport(refuse)))
    with pytest.raises(APIConnectionError) as caught:
        client.formats.list()
    assert not isinstance(caught.value, APITimeoutError)
    assert len(calls) == 3 and len(sleeps) == 2


def test_a_timeout_ends_the_call() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        assert request.extensions["timeout"]["read"] <= 5
        raise httpx.ReadTimeout("slow", request=request)

    client = Transmute(api_key="k", timeout=5, http_client=httpx.Client(transport=httpx.MockTransport(slow)))
    with pytest.raises(APITimeoutError):
        client.formats.list()


def test_a_wait_past_the_deadline_is_not_started(sleeps: List[float]) -> None:
    seen: List[httpx.Request] = []
    client = Transmute(api_key="k", http_client=httpx.Client(transport=flaky([503, 200], seen, {"retry-after": "30"})))
    with pytest.raises(InternalServerError):
        client.conversions.create(from_="json", to="csv", input="[]", request_options={"timeout": 10})
    assert sleeps == [] and len(seen) == 1


def test_async_retries_reuse_the_key(sleeps: List[float]) -> None:
    seen: List[httpx.Request] = []
    sync_transport = flaky([503, 200], seen)

    async def handler(request: httpx.Request) -> httpx.Response:
        return sync_transport.handle_request(request)

    async def run() -> None:
        client = AsyncTransmute(api_key="k", http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)))
        result = await client.conversions.create(from_="json", to="csv", input="[]")
        assert result.output == "a"

    asyncio.run(run())
    assert len(seen) == 2 and seen[0].headers["idempotency-key"] == seen[1].headers["idempotency-key"]
    assert len(sleeps) == 1
