"""Typed event streams (`jobs.stream_events`) on a fake transport, and on a real socket for the
timeout rule: retries and the deadline apply to opening the stream, not to reading it."""
from __future__ import annotations

import asyncio
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, AsyncIterator, Dict, Iterator, List

import httpx
import pytest

from conftest import json_response
from test_pagination import job
from transmute import APIConnectionError, AsyncStream, AsyncTransmute, NotFoundError, Stream, Transmute, TransmuteError, models


def event(id: int, name: str, data: Dict[str, Any]) -> bytes:
    return f"id: {id}\nevent: {name}\ndata: {json.dumps(data)}\n\n".encode()


PROGRESS = event(1, "progress", {**job("job_1"), "status": "running", "progress": 0.5})
STATUS = event(2, "status", {**job("job_1"), "shiny_new_field": True})
UNKNOWN = event(3, "brand_new", job("job_1"))


class Chunks(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body delivered in the given chunks, remembering how far it was read and closed."""

    def __init__(self, chunks: List[bytes], fail: bool = False) -> None:
        self.chunks = chunks
        self.read = 0
        self.closed = False
        self.fail = fail

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            self.read += 1
            yield chunk
        if self.fail:
            raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self:
            yield chunk

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


def sse(body: Chunks) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "text/event-stream", "x-request-id": "req_sse"}, stream=body)


def client_for(responses: List[httpx.Response], seen: List[httpx.Request]) -> Transmute:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return responses.pop(0)

    return Transmute(api_key="k", http_client=httpx.Client(transport=httpx.MockTransport(handler)))


def test_events_arrive_typed_and_the_stream_ends() -> None:
    # Chunk boundaries inside a field name, inside the JSON, and between events.
    body = Chunks([PROGRESS[:5], PROGRESS[5:40], PROGRESS[40:] + UNKNOWN[:3], UNKNOWN[3:] + STATUS])
    seen: List[httpx.Request] = []
    with client_for([sse(body)], seen).jobs.stream_events("job_1") as stream:
        assert isinstance(stream, Stream) and stream.request_id == "req_sse"
        events = list(stream)
    assert seen[0].headers["accept"] == "text/event-stream" and seen[0].url.path == "/v1/jobs/job_1/events"
    assert [(e.id, e.event, e.data.status) for e in events] == [("1", "progress", "running"), ("3", "brand_new", "succeeded"), ("2", "status", "succeeded")]
    assert isinstance(events[0].data, models.Job) and events[0].data.progress == 0.5
    assert events[2].data.model_extra == {"shiny_new_field": True}
    assert body.closed


def test_closing_mid_stream_stops_reading() -> None:
    body = Chunks([PROGRESS, STATUS])
    stream = client_for([sse(body)], []).jobs.stream_events("job_1")
    assert next(stream).event == "progress"
    stream.close()
    assert body.closed and body.read == 1
    assert list(stream) == []


def test_opening_is_retried_but_reading_is_not(sleeps: List[float]) -> None:
    seen: List[httpx.Request] = []
    responses = [json_response(503, {"status": 503, "code": "E1501"}), sse(Chunks([PROGRESS], fail=True))]
    stream = client_for(responses, seen).jobs.stream_events("job_1")
    assert len(seen) == 2 and len(sleeps) == 1
    assert next(stream).event == "progress"
    with pytest.raises(APIConnectionError):
        next(stream)
    assert len(seen) == 2


def test_an_error_status_is_the_usual_error() -> None:
    responses = [json_response(404, {"status": 404, "title": "Not Found", "code": "E1301"})]
    with pytest.raises(NotFoundError) as missing:
        client_for(responses, []).jobs.stream_events("job_2")
    assert missing.value.code == "E1301" and missing.value.request_id == "req_test"


def test_data_that_is_not_json_is_an_error_naming_the_event() -> None:
    stream = client_for([sse(Chunks([b"event: progress\ndata: {oops\n\n"]))], []).jobs.stream_events("job_1")
    with pytest.raises(TransmuteError, match="`progress` event's data is not JSON"):
        next(stream)


def test_raw_response_gives_the_stream() -> None:
    raw = client_for([sse(Chunks([STATUS]))], []).jobs.with_raw_response.stream_events("job_1")
    assert raw.status_code == 200 and raw.request_id == "req_sse"
    with raw.parse() as stream:
        assert [e.event for e in stream] == ["status"]


def test_async_stream_and_close() -> None:
    body = Chunks([PROGRESS, STATUS])

    async def handler(request: httpx.Request) -> httpx.Response:
        return sse(body)

    async def run() -> None:
        async with AsyncTransmute(api_key="k", http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler))) as client:
            async with await client.jobs.stream_events("job_1") as stream:
                assert isinstance(stream, AsyncStream)
                async for first in stream:
                    assert first.event == "progress" and first.data.status == "running"
                    break
            assert body.closed and body.read == 1
            assert [e async for e in stream] == []

    asyncio.run(run())


class _SlowEvents(BaseHTTPRequestHandler):
    """First a 503 asking for a retry in 1.2 s, then three events 1.2 s apart."""

    attempts = 0

    def do_GET(self) -> None:
        type(self).attempts += 1
        if self.attempts == 1:
            self.send_response(503)
            self.send_header("retry-after-ms", "1200")
            self.send_header("content-length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        for number in range(3):
            if number:
                time.sleep(1.2)
            self.wfile.write(event(number, "progress", job("job_1")))
            self.wfile.flush()

    def log_message(self, *args: Any) -> None:
        pass


def test_the_deadline_covers_opening_not_reading() -> None:
    # After the retry 0.8 s of the 2 s deadline are left; the stream then lasts 2.4 s with 1.2 s
    # gaps. It must deliver all: each read waits up to the call's whole timeout, not what was left.
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowEvents)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with Transmute(api_key="k", base_url=f"http://127.0.0.1:{server.server_address[1]}", timeout=2.0) as client:
            with client.jobs.stream_events("job_1") as stream:
                assert [e.id for e in stream] == ["0", "1", "2"]
        assert _SlowEvents.attempts == 2
    finally:
        server.shutdown()
        server.server_close()
