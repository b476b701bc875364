"""jobs: create, follow (SSE), read, list, download, cancel, and create_and_wait."""
from __future__ import annotations

import asyncio
import json
from typing import List

import pytest

from transmute import AsyncTransmute, ConflictError, NotFoundError, Transmute, models

from .environment import ContractEnvironment
from .support import csv_rows

MISSING_JOB = "job_" + "0" * 24


def assert_followed(job: models.Job, events: List[models.JobEvent]) -> None:
    """The stream ended (the caller read it to its end) with the job: its last event is the final
    status; progress before it only ever moves forward."""
    assert events and all(e.data.id == job.id for e in events)
    assert events[-1].event == "status" and events[-1].data.status == "succeeded" and events[-1].data.progress == 1
    assert all(e.event == "progress" for e in events[:-1])
    assert [e.data.progress for e in events] == sorted(e.data.progress for e in events)


def test_job_lifecycle(client: Transmute) -> None:
    job = client.jobs.create(from_="json", to="ndjson", input='[{"a":1},{"a":2}]')
    assert job.id.startswith("job_") and job.status in ("queued", "running", "succeeded")
    with client.jobs.stream_events(job.id) as stream:
        assert stream.request_id
        assert_followed(job, list(stream))

    done = client.jobs.retrieve(job.id)
    assert done.status == "succeeded" and done.progress == 1 and done.result is not None
    assert client.jobs.get_result(job.id).splitlines() == ['{"a":1}', '{"a":2}']
    assert job.id in [j.id for j in client.jobs.list(status="succeeded")]

    with pytest.raises(ConflictError) as finished:
        client.jobs.cancel(job.id, request_options={"max_retries": 0})
    assert finished.value.code == "E1401"
    with pytest.raises(NotFoundError) as missing:
        client.jobs.retrieve(MISSING_JOB)
    assert missing.value.code and missing.value.request_id


def test_cancel(client: Transmute) -> None:
    job = client.jobs.create(from_="csv", to="yaml", input=csv_rows(30_000))
    try:
        canceled = client.jobs.cancel(job.id, request_options={"max_retries": 0})
    except ConflictError as finished:
        # The machine was quick enough to finish the job first: the documented answer.
        assert finished.code == "E1401"
        return
    assert canceled.status == "canceled" and canceled.finished_at is not None
    with pytest.raises(ConflictError) as no_result:
        client.jobs.get_result(job.id, request_options={"max_retries": 0})
    assert no_result.value.code == "E1402"


def test_create_and_wait(client: Transmute) -> None:
    job = client.jobs.create_and_wait(from_="tsv", to="json", input="a\tb\n1\t2\n", options={"infer_types": True}, deadline=60, poll_interval=0.2)
    assert job.status == "succeeded"
    assert json.loads(client.jobs.get_result(job.id)) == [{"a": 1, "b": 2}]


def test_async_jobs(environment: ContractEnvironment, api_key: str) -> None:
    async def run() -> None:
        async with AsyncTransmute(api_key=api_key, base_url=environment.url) as client:
            job = await client.jobs.create_and_wait(from_="json", to="xml", input='[{"a":1}]', deadline=60, poll_interval=0.2)
            assert job.status == "succeeded"
            assert "<a>1</a>" in await client.jobs.get_result(job.id)
            async with await client.jobs.stream_events(job.id) as stream:
                assert_followed(job, [event async for event in stream])
            assert (await client.jobs.retrieve(job.id)).to == "xml"
            assert [j.id async for j in client.jobs.list(limit=1)] == [job.id]
            other = await client.jobs.create(from_="csv", to="json", input=csv_rows(30_000))
            try:
                assert (await client.jobs.cancel(other.id, request_options={"max_retries": 0})).status == "canceled"
            except ConflictError as finished:
                assert finished.code == "E1401"

    asyncio.run(run())
