"""The SSE parser on its own (HTML Living Standard 9.2.6), fed the way a network delivers bytes."""
from __future__ import annotations

import base64
from typing import Any, Dict, Iterable, List

import pytest
from conftest import vectors

from transmute._sse import ServerSentEvent, SSEDecoder


def decode(chunks: Iterable[bytes]) -> List[ServerSentEvent]:
    decoder = SSEDecoder()
    return [event for chunk in chunks for event in decoder.feed(chunk)]


def byte_by_byte(text: str) -> List[bytes]:
    data = text.encode()
    return [data[i : i + 1] for i in range(len(data))]


STREAM = "retry: 2000\n\nid: 1\nevent: progress\ndata: {\"a\": 1}\n\n: keep-alive\n\nid: 2\nevent: status\ndata: é\n\n"
EXPECTED = [ServerSentEvent("1", "progress", '{"a": 1}'), ServerSentEvent("2", "status", "é")]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_any_line_ending_and_any_chunking(newline: str) -> None:
    text = STREAM.replace("\n", newline)
    assert decode([text.encode()]) == EXPECTED
    # Cut everywhere: inside a field, between CR and LF, inside the two bytes of é.
    assert decode(byte_by_byte(text)) == EXPECTED


def test_data_lines_join_with_newlines_and_one_leading_space_goes() -> None:
    events = decode([b"data:  two spaces\ndata:none\ndata\ndata: \n\n"])
    assert events == [ServerSentEvent(None, "message", " two spaces\nnone\n\n")]


def test_comments_unknown_fields_and_empty_blocks_dispatch_nothing() -> None:
    assert decode([b": comment\nfoo: bar\nretry: 10\nevent: ignored\n\n\n\n"]) == []
    # The event name above did not leak into this one: a blank line resets it.
    assert decode([b"event: x\n\ndata: d\n\n"]) == [ServerSentEvent(None, "message", "d")]


def test_the_id_carries_over_and_an_empty_id_clears_it() -> None:
    events = decode([b"id: 7\ndata: a\n\ndata: b\n\nid\ndata: c\n\nid: bad\x00\ndata: d\n\n"])
    assert [e.id for e in events] == ["7", "7", None, None]


def test_unknown_event_names_are_kept() -> None:
    assert decode([b"event: brand_new\ndata: {}\n\n"]) == [ServerSentEvent(None, "brand_new", "{}")]


def test_an_event_without_its_blank_line_is_dropped_and_a_bom_is_skipped() -> None:
    assert decode([b"\xef\xbb\xbfdata: 1\n\n", b"data: 2\n"]) == [ServerSentEvent(None, "message", "1")]


@pytest.mark.parametrize("vector", vectors("sse")["vectors"], ids=lambda v: str(v["name"]))
def test_sse_conformance(vector: Dict[str, Any]) -> None:
    stream = base64.b64decode(vector["bytes"])
    expected = [ServerSentEvent(e["id"], e["event"], e["data"]) for e in vector["events"]]
    for cuts in vector["cuts"]:
        bounds = [0, *cuts, len(stream)]
        chunks = [stream[start:end] for start, end in zip(bounds, bounds[1:])]
        assert decode(chunks) == expected, f"cut at {cuts}"
