"""formats and conversions: the catalogue, one conversion, a batch, and their error paths."""
from __future__ import annotations

import asyncio
import json

import pytest

from transmute import AsyncTransmute, BadRequestError, Transmute, UnprocessableEntityError

from .environment import ContractEnvironment

FORMATS = {"json", "ndjson", "csv", "tsv", "yaml", "xml"}


def test_formats(environment: ContractEnvironment) -> None:
    # The environment's own key: the other tests use keys they create.
    with Transmute(api_key=environment.key, base_url=environment.url) as client:
        formats = client.formats.list()
    assert {f.id for f in formats.data} == FORMATS
    csv = next(f for f in formats.data if f.id == "csv")
    assert csv.tabular and "json" in csv.converts_to and csv.media_type.startswith("text/csv")


def test_conversion_batch_and_errors(client: Transmute) -> None:
    conversion = client.conversions.create(from_="csv", to="json", input="name,age\nAda,36\n", options={"infer_types": True})
    assert conversion.from_ == "csv" and conversion.to == "json"
    assert json.loads(conversion.output) == [{"name": "Ada", "age": 36}]
    assert conversion.stats.records == 1 and conversion.stats.input_bytes == len("name,age\nAda,36\n")

    batch = client.conversions.create_batch(items=[{"from": "json", "to": "yaml", "input": '{"a": 1}'}, {"from": "json", "to": "csv", "input": "{"}])
    assert (batch.succeeded, batch.failed) == (1, 1)
    ok, failed = batch.data
    assert ok.status == "succeeded" and ok.result is not None and ok.result.output.strip() == "a: 1"
    assert failed.status == "failed" and failed.error is not None and failed.error.code == "E1201"

    with pytest.raises(UnprocessableEntityError) as unparsable:
        client.conversions.create(from_="json", to="csv", input="[{")
    assert unparsable.value.status == 422 and unparsable.value.code == "E1201" and unparsable.value.request_id

    with pytest.raises(BadRequestError) as invalid:
        client.conversions.create(from_="json", to="docx", input="[]")
    assert invalid.value.code == "E1001"
    assert any(error["path"].endswith("to") for error in invalid.value.errors)


def test_async_formats_and_conversions(environment: ContractEnvironment, api_key: str) -> None:
    async def run() -> None:
        async with AsyncTransmute(api_key=api_key, base_url=environment.url) as client:
            formats = await client.formats.list()
            assert {f.id for f in formats.data} == FORMATS
            conversion = await client.conversions.create(from_="yaml", to="json", input="- a: 1\n")
            assert json.loads(conversion.output) == [{"a": 1}]
            batch = await client.conversions.create_batch(items=[{"from": "ndjson", "to": "tsv", "input": '{"a":1}\n{"a":2}\n'}])
            assert batch.succeeded == 1 and batch.data[0].result is not None
            assert batch.data[0].result.output.split() == ["a", "1", "2"]

    asyncio.run(run())
