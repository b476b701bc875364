"""create_and_wait replayed from sdks/conformance/jobs-wait.json on both clients: its polling
schedule, the hints it honours, its deadline and (async) its cancellation, measured at a fake
transport; and its keyword arguments, which are createJob's body."""
from __future__ import annotations

import asyncio
import time
from typing import Any, Callable, Dict, List, Optional

import httpx
import pytest

from conftest import json_response, vectors
from test_pagination import job
from transmute import APITimeoutError, AsyncTransmute, Transmute
from transmute.resources.jobs import CreateParams
from transmute.types.models import Job, JobCreate

RUNS: List[Dict[str, Any]] = vectors("jobs-wait")["runs"]


class JobServer:
    """Answers the create call, then each poll in turn (the last repeating), noting when each came."""

    def __init__(self, run: Dict[str, Any], on_poll: Callable[[int], None] = lambda n: None) -> None:
        self.run = run
        self.arrivals: List[float] = []
        self.on_poll = on_poll

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.arrivals.append(time.monotonic())
        polls = len(self.arrivals) - 1
        answer = self.run["create"] if polls == 0 else self.run["polls"][min(polls, len(self.run["polls"])) - 1]
        self.on_poll(polls)
        return json_response(202 if polls == 0 else 200, {**job("job_1"), "status": answer["status"]}, answer["headers"])

    def check(self, outcome: str, started: float) -> None:
        expect = self.run["expect"]
        assert outcome == expect["outcome"]
        if "elapsed" in expect:
            within(time.monotonic() - started, expect["elapsed"], "elapsed")
        if "polls" in expect:
            assert len(self.arrivals) - 1 == expect["polls"]
        for i, bounds in enumerate(expect.get("pauses", [])):
            within(self.arrivals[i + 1] - self.arrivals[i], bounds, f"pause {i + 1}")


def within(seconds: float, bounds: Dict[str, float], what: str) -> None:
    ms = seconds * 1000
    # Timers may fire up to a millisecond before the clock shows the full wait.
    assert bounds["min_ms"] - 1 <= ms <= bounds["max_ms"], f"{what}: {ms:.1f} ms not in [{bounds['min_ms']}, {bounds['max_ms']}]"


def wait_options(run: Dict[str, Any]) -> Dict[str, Any]:
    deadline: Optional[float] = run.get("deadline_ms")
    return {"poll_interval": run["poll_interval_ms"] / 1000, **({} if deadline is None else {"deadline": deadline / 1000})}


# The sync client has no cancellation to replay: its waits end at the deadline.
@pytest.mark.parametrize("run", [r for r in RUNS if "cancel_at_poll" not in r], ids=lambda r: str(r["name"]))
def test_sync_runs(run: Dict[str, Any]) -> None:
    server = JobServer(run)
    client = Transmute(api_key="k", http_client=httpx.Client(transport=httpx.MockTransport(server.handle)))
    started = time.monotonic()
    try:
        outcome = client.jobs.create_and_wait(from_="csv", to="json", input="a\n1\n", **wait_options(run)).status
    except APITimeoutError:
        outcome = "timeout"
    server.check(outcome, started)


@pytest.mark.parametrize("run", RUNS, ids=lambda r: str(r["name"]))
def test_async_runs(run: Dict[str, Any]) -> None:
    async def main() -> None:
        task: Optional[asyncio.Task[Job]] = None

        def on_poll(polls: int) -> None:
            if polls == run.get("cancel_at_poll") and task is not None:
                task.cancel()

        server = JobServer(run, on_poll)

        async def handler(request: httpx.Request) -> httpx.Response:
            return server.handle(request)

        client = AsyncTransmute(api_key="k", http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)))
        started = time.monotonic()
        task = asyncio.ensure_future(client.jobs.create_and_wait(from_="csv", to="json", input="a\n1\n", **wait_options(run)))
        try:
            outcome = (await task).status
        except APITimeoutError:
            outcome = "timeout"
        except asyncio.CancelledError:
            outcome = "canceled"
        server.check(outcome, started)

    asyncio.run(main())


def test_the_keyword_arguments_are_the_body_of_createJob() -> None:
    """Every field of the generated JobCreate model is accepted and sent: a field added to the spec
    reaches create_and_wait through the generated CreateParams."""
    assert set(CreateParams.__annotations__) == set(JobCreate.model_fields)
    values: Dict[str, Any] = {"from_": "csv", "to": "json", "input": "a\n1\n", "options": {"delimiter": ";"}}
    assert set(values) == set(JobCreate.model_fields), "a new JobCreate field needs a value here"
    sent: List[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return json_response(202, job("job_1"))

    Transmute(api_key="k", http_client=httpx.Client(transport=httpx.MockTransport(handler))).jobs.create_and_wait(**values)
    wire = {field.alias or name for name, field in JobCreate.model_fields.items()}
    assert set(JobCreate.model_validate_json(sent[0].content).model_dump(by_alias=True, exclude_unset=True)) == wire
