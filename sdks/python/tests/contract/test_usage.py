"""usage: the figures the account's own requests produced, as JSON and as CSV."""
from __future__ import annotations

import asyncio
import csv
import io
from datetime import datetime, timedelta, timezone
from typing import Optional

from transmute import AsyncTransmute, Transmute, models

from .environment import ContractEnvironment
from .support import eventually


def test_usage_counts_the_accounts_requests(client: Transmute) -> None:
    start = datetime.now(timezone.utc) - timedelta(minutes=5)
    end = datetime.now(timezone.utc) + timedelta(minutes=5)
    for _ in range(3):
        client.conversions.create(from_="csv", to="json", input="a\n1\n")
    today = datetime.now(timezone.utc).date().isoformat()

    def counted() -> Optional[models.Usage]:
        usage = client.usage.retrieve(from_=start, to=end, granularity="minute", operation="createConversion")
        return usage if sum(row.requests for row in usage.data) == 3 else None

    usage = eventually(counted, "three conversions in the usage figures")
    assert usage.granularity == "minute" and {row.operation for row in usage.data} == {"createConversion"}
    assert all(row.bytes_out > 0 and row.errors == 0 for row in usage.data)

    rows = list(csv.DictReader(io.StringIO(client.usage.export(from_=start, to=end))))
    conversions = [row for row in rows if row["operation"] == "createConversion"]
    assert sum(int(row["requests"]) for row in conversions) == 3 and conversions[0]["day"] == today


def test_async_usage(environment: ContractEnvironment, api_key: str) -> None:
    async def run() -> None:
        async with AsyncTransmute(api_key=api_key, base_url=environment.url) as client:
            end = datetime.now(timezone.utc)
            usage = await client.usage.retrieve(from_=end - timedelta(days=1), to=end)
            assert usage.granularity == "hour" and usage.to.tzinfo is not None
            exported = await client.usage.export(from_=end - timedelta(days=1), to=end)
            assert exported.splitlines()[0] == "day,operation,requests,errors,bytes_in,bytes_out,avg_latency_ms,statuses"

    asyncio.run(run())
