"""operations: health, readiness, metrics, the OpenAPI document and the API reference page."""
from __future__ import annotations

import asyncio
from typing import Any, Dict, Set

from transmute import AsyncTransmute, Transmute
from transmute._operations import OPERATIONS

from .environment import ContractEnvironment


def operation_ids(document: Dict[str, Any]) -> Set[str]:
    return {op["operationId"] for path in document["paths"].values() for op in path.values() if isinstance(op, dict) and "operationId" in op}


def test_probes_metrics_and_documents(environment: ContractEnvironment) -> None:
    # These operations are public: the client needs no key for them.
    with Transmute(base_url=environment.url) as client:
        health = client.operations.get_health()
        assert health.status == "pass" and health.version
        readiness = client.operations.get_readiness()
        assert readiness.status == "pass" and readiness.checks
        assert "http_request_duration_seconds_bucket" in client.operations.get_metrics()
        document = client.operations.get_open_api_document()
        assert document["openapi"] == "3.1.0"
        # The SDK has a method for every operation the server says it serves, and no other.
        assert operation_ids(document) == set(OPERATIONS)
        reference = client.operations.get_api_reference()
        assert "<html" in reference.lower() and "createConversion" in reference


def test_async_probes(environment: ContractEnvironment) -> None:
    async def run() -> None:
        async with AsyncTransmute(base_url=environment.url) as client:
            health, readiness, metrics = await asyncio.gather(
                client.operations.get_health(), client.operations.get_readiness(), client.operations.get_metrics()
            )
            assert health.status == readiness.status == "pass"
            assert "# TYPE" in metrics
            raw = await client.operations.with_raw_response.get_open_api_document()
            assert raw.status_code == 200 and raw.request_id
            assert raw.parse()["info"]["title"]
            assert "<html" in (await client.operations.get_api_reference()).lower()

    asyncio.run(run())
