"""audit: what the account did, each event tied to the request that did it."""
from __future__ import annotations

import asyncio
from typing import Optional

from transmute import AsyncTransmute, Transmute, models

from .conftest import User
from .environment import ContractEnvironment
from .support import PASSWORD, eventually


def logged_in(environment: ContractEnvironment, user: User) -> models.AuditEvent:
    """Logs `user` in, then waits for the audit event that names that request."""
    with Transmute(base_url=environment.url) as client:
        login = client.auth.with_raw_response.log_in(email=user.email, password=PASSWORD)
    assert login.request_id

    def logged() -> Optional[models.AuditEvent]:
        return next((e for e in user.client.audit.list_events() if e.request_id == login.request_id), None)

    return eventually(logged, "the log-in's audit event")


def test_audit_log_names_the_request(environment: ContractEnvironment, user: User) -> None:
    event = logged_in(environment, user)
    assert event.action == "login.succeeded" and event.outcome == "success" and event.actor_type == "user"
    assert event.actor_id == user.session.account.id


def test_async_audit(environment: ContractEnvironment, user: User) -> None:
    event = logged_in(environment, user)

    async def run() -> None:
        async with AsyncTransmute(api_key=user.session.tokens.access_token, base_url=environment.url) as client:
            first = await client.audit.list_events(limit=1)
            assert first.request_id and len(first.data) == 1
            assert event in [e async for e in client.audit.list_events()]

    asyncio.run(run())
