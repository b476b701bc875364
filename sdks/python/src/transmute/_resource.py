"""Base of the generated resource classes: each holds the client it calls through."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._base_client import AsyncClientCore, SyncClientCore


class SyncAPIResource:
    def __init__(self, client: "SyncClientCore") -> None:
        self._client = client


class AsyncAPIResource:
    def __init__(self, client: "AsyncClientCore") -> None:
        self._client = client
