"""Shared fixtures: the conformance vectors every SDK replays, and clients on a fake transport."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Dict, List

import httpx
import pytest

from transmute import _base_client

CONFORMANCE = Path(__file__).resolve().parents[2] / "conformance"

Handler = Callable[[httpx.Request], httpx.Response]


def vectors(name: str) -> Dict[str, Any]:
    data: Dict[str, Any] = json.loads((CONFORMANCE / f"{name}.json").read_text())
    return data


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> List[float]:
    """Records every retry or poll wait instead of sleeping through it."""
    recorded: List[float] = []

    async def async_sleep(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(_base_client, "_sleep", recorded.append)
    monkeypatch.setattr(_base_client, "_async_sleep", async_sleep)
    return recorded


def json_response(status: int, body: Any, headers: Dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers={"x-request-id": "req_test", **(headers or {})})
