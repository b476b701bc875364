"""The jobs resource: the generated methods plus create-and-wait."""
from __future__ import annotations

import time
from typing import Mapping, Optional

from typing_extensions import Unpack

from .. import _base_client
from .._exceptions import APITimeoutError
from .._response import APIResponse
from .._retry import poll_hint
from .._types import RequestOptions
from ..resources.jobs import AsyncJobs as _GeneratedAsyncJobs
from ..resources.jobs import CreateParams
from ..resources.jobs import Jobs as _GeneratedJobs
from ..types.models import Job

__all__ = ["Jobs", "AsyncJobs", "CreateParams"]

_FINAL = frozenset({"succeeded", "failed", "canceled"})
_MAX_POLL_SECONDS = 5.0
DEFAULT_WAIT_DEADLINE = 600.0


class _Poll:
    """The polling schedule: ×1.5 up to 5 s from `interval`; a hint on the job's answer sets the next
    pause only, the schedule growing underneath."""

    def __init__(self, deadline: float, interval: float) -> None:
        self.deadline = time.monotonic() + deadline
        self.interval = interval

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise APITimeoutError("The job did not finish before the deadline.")
        return left

    def pause(self, headers: Mapping[str, str]) -> float:
        hint = poll_hint(headers)
        wait = min(self.interval if hint is None else hint, self.remaining())
        self.interval = min(self.interval * 1.5, _MAX_POLL_SECONDS)
        return wait

    def create_options(self, idempotency_key: Optional[str]) -> RequestOptions:
        options: RequestOptions = {"timeout": self.remaining()}
        if idempotency_key is not None:
            options["idempotency_key"] = idempotency_key
        return options


class Jobs(_GeneratedJobs):
    def create_and_wait(
        self,
        *,
        deadline: float = DEFAULT_WAIT_DEADLINE,
        poll_interval: float = 0.5,
        idempotency_key: Optional[str] = None,
        **params: Unpack[CreateParams],
    ) -> Job:
        """Creates a job from `params` (the keyword arguments of `create`) and polls it until it
        succeeds, fails or is canceled; returns the final job. Raises APITimeoutError after
        `deadline` seconds, creation included."""
        poll = _Poll(deadline, poll_interval)
        raw: APIResponse[Job] = self.with_raw_response.create(**params, request_options=poll.create_options(idempotency_key))
        job = raw.parse()
        while job.status not in _FINAL:
            _base_client._sleep(poll.pause(raw.headers))
            raw = self.with_raw_response.retrieve(job.id, request_options={"timeout": poll.remaining()})
            job = raw.parse()
        return job


class AsyncJobs(_GeneratedAsyncJobs):
    async def create_and_wait(
        self,
        *,
        deadline: float = DEFAULT_WAIT_DEADLINE,
        poll_interval: float = 0.5,
        idempotency_key: Optional[str] = None,
        **params: Unpack[CreateParams],
    ) -> Job:
        """As Jobs.create_and_wait; cancel the awaiting task to stop polling."""
        poll = _Poll(deadline, poll_interval)
        raw: APIResponse[Job] = await self.with_raw_response.create(**params, request_options=poll.create_options(idempotency_key))
        job = raw.parse()
        while job.status not in _FINAL:
            await _base_client._async_sleep(poll.pause(raw.headers))
            raw = await self.with_raw_response.retrieve(job.id, request_options={"timeout": poll.remaining()})
            job = raw.parse()
        return job
