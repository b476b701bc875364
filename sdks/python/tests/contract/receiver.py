"""A webhook receiver on loopback: the server delivers real signed requests to it, and the tests
verify them with the SDK as an integrator's endpoint would."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Callable, Dict, List, NamedTuple, Optional, Type


class Delivery(NamedTuple):
    headers: Dict[str, str]
    body: bytes


class WebhookReceiver:
    """Answers 200 to every POST and keeps what it received."""

    def __init__(self) -> None:
        self._received: List[Delivery] = []
        self._arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                self.send_response(200)
                self.end_headers()
                with receiver._arrived:
                    receiver._received.append(Delivery({k.lower(): v for k, v in self.headers.items()}, body))
                    receiver._arrived.notify_all()

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: pytest shows what matters when a test fails."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/hooks"

    def wait_for(self, matches: Callable[[Delivery], bool], nth: int = 1, timeout: float = 30.0) -> Delivery:
        """The `nth` delivery received so far or from now on for which `matches` is true."""

        def found() -> Optional[Delivery]:
            matching = [delivery for delivery in self._received if matches(delivery)]
            return matching[nth - 1] if len(matching) >= nth else None

        with self._arrived:
            delivery = self._arrived.wait_for(found, timeout)
        if delivery is None:
            raise AssertionError(f"no delivery #{nth} matching within {timeout:.0f} s ({len(self._received)} received)")
        return delivery

    def __enter__(self) -> "WebhookReceiver":
        self._thread.start()
        return self

    def __exit__(self, kind: Optional[Type[BaseException]], error: Optional[BaseException], trace: Optional[TracebackType]) -> None:
        self._server.shutdown()
        self._server.server_close()
