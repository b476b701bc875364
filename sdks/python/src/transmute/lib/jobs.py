"""The jobs resource: the generated methods plus create-and-wait."""
from __future__ import annotations

import time
from typing import Any, Dict, Optional, Union

from .. import _base_client
from .._exceptions import APITimeoutError
from .._retry import retry_delay
from .._types import RequestOptions
from ..resources.jobs import AsyncJobs as _GeneratedAsyncJobs
from ..resources.jobs import Jobs as _GeneratedJobs
from ..types.models import ConversionOptions, Format, Job

__all__ = ["Jobs", "AsyncJobs"]

_FINAL = frozenset({"succeeded", "failed", "canceled"})
_MAX_POLL_SECONDS = 5.0
DEFAULT_WAIT_DEADLINE = 600.0


class _Poll:
    """The polling schedule: ×1.5 up to 5 s from `interval`, a Retry-After on the job winning."""

    def __init__(self, deadline: float, interval: float) -> None:
        self.deadline = time.monotonic() + deadline
        self.interval = interval

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise APITimeoutError("The job did not finish before the deadline.")
        return left

    def pause(self) -> float:
        return min(self.interval, self.remaining())

    def advance(self, headers: Any, status: int) -> None:
        self.interval = retry_delay(0, status, headers) if "retry-after" in headers else min(self.interval * 1.5, _MAX_POLL_SECONDS)


def _body(from_: Format, to: Format, input: str, options: Union[ConversionOptions, Dict[str, Any], None]) -> Dict[str, Any]:
    return {"from_": from_, "to": to, "input": input, **({} if options is None else {"options": options})}


class Jobs(_GeneratedJobs):
    def create_and_wait(
        self,
        *,
        from_: Format,
        to: Format,
        input: str,
        options: Union[ConversionOptions, Dict[str, Any], None] = None,
        deadline: float = DEFAULT_WAIT_DEADLINE,
        poll_interval: float = 0.5,
        idempotency_key: Optional[str] = None,
    ) -> Job:
        """Creates a job and polls it until it succeeds, fails or is canceled; returns the final job.
        Raises APITimeoutError after `deadline` seconds, creation included."""
        poll = _Poll(deadline, poll_interval)
        create: RequestOptions = {"timeout": poll.remaining()}
        if idempotency_key is not None:
            create["idempotency_key"] = idempotency_key
        job = self.create(**_body(from_, to, input, options), request_options=create)
        while job.status not in _FINAL:
            _base_client._sleep(poll.pause())
            raw = self.with_raw_response.retrieve(job.id, request_options={"timeout": poll.remaining()})
            job = raw.parse()
            poll.advance(raw.headers, raw.status_code)
        return job


class AsyncJobs(_GeneratedAsyncJobs):
    async def create_and_wait(
        self,
        *,
        from_: Format,
        to: Format,
        input: str,
        options: Union[ConversionOptions, Dict[str, Any], None] = None,
        deadline: float = DEFAULT_WAIT_DEADLINE,
        poll_interval: float = 0.5,
        idempotency_key: Optional[str] = None,
    ) -> Job:
        """As Jobs.create_and_wait; cancel the awaiting task to stop polling."""
        poll = _Poll(deadline, poll_interval)
        create: RequestOptions = {"timeout": poll.remaining()}
        if idempotency_key is not None:
            create["idempotency_key"] = idempotency_key
        job = await self.create(**_body(from_, to, input, options), request_options=create)
        while job.status not in _FINAL:
            await _base_client._async_sleep(poll.pause())
            raw = await self.with_raw_response.retrieve(job.id, request_options={"timeout": poll.remaining()})
            job = raw.parse()
            poll.advance(raw.headers, raw.status_code)
        return job


