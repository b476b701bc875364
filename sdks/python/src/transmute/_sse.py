"""An incremental Server-Sent Events parser: bytes in as they arrive, whole events out. It follows
the HTML Living Standard, "Server-sent events", section 9.2.6 (interpreting an event stream)."""
from __future__ import annotations

import codecs
import re
from typing import List, NamedTuple, Optional

# The standard's three line endings; str.splitlines would also split on \v, \f, \x1c, U+2028...
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class ServerSentEvent(NamedTuple):
    id: Optional[str]
    """The last event id the stream set (it carries over to later events), None if none yet."""
    event: str
    """The `event:` field, `message` when the event had none."""
    data: str
    """The `data:` lines joined with newlines."""


class SSEDecoder:
    """Feed it chunks of any size; it keeps a line or an event cut by a chunk boundary until the
    rest arrives. An event the stream ends before its blank line is never returned (the standard
    discards it), so there is nothing to flush at the end."""

    def __init__(self) -> None:
        # The stream is always UTF-8; an incremental decoder keeps a character split between chunks.
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._started = False
        self._after_cr = False
        self._pending = ""
        self._data: List[str] = []
        self._event = ""
        self._last_id = ""

    def feed(self, chunk: bytes) -> List[ServerSentEvent]:
        text = self._decoder.decode(chunk)
        if not self._started and text:
            self._started = True
            text = text[1:] if text.startswith("\ufeff") else text
        if not text:
            return []  # no whole character yet: a CR before this chunk still awaits its LF
        # A CR that ended the previous chunk and an LF that starts this one are one line break.
        if self._after_cr and text.startswith("\n"):
            text = text[1:]
        self._after_cr = text.endswith("\r")
        lines = _LINE_BREAK.split(self._pending + text)
        self._pending = lines.pop()
        events = [self._line(line) for line in lines]
        return [event for event in events if event is not None]

    def _line(self, line: str) -> Optional[ServerSentEvent]:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._last_id = value
        # `retry` and unknown fields are ignored: the SDK does not reconnect by itself.
        return None

    def _dispatch(self) -> Optional[ServerSentEvent]:
        data, event = self._data, self._event
        self._data, self._event = [], ""
        if not data:
            return None
        return ServerSentEvent(self._last_id or None, event or "message", "\n".join(data))
