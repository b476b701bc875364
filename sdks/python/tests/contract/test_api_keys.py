"""api_keys: create, list, retrieve, rotate and revoke, with a user's token; what a key may not do."""
from __future__ import annotations

import asyncio

import pytest

from transmute import AsyncTransmute, AuthenticationError, NotFoundError, PermissionDeniedError, Transmute

from .conftest import User
from .environment import ContractEnvironment


def test_key_lifecycle(environment: ContractEnvironment, user: User) -> None:
    created = user.client.api_keys.create(name="reader", scopes=["jobs:read"])
    key = created.api_key
    assert created.secret.startswith(key.prefix) and key.scopes == ["jobs:read"] and key.revoked_at is None
    assert key.id in [k.id for k in user.client.api_keys.list()]
    assert user.client.api_keys.retrieve(key.id).name == "reader"

    with Transmute(api_key=created.secret, base_url=environment.url) as reader:
        assert reader.jobs.list().data == []
        with pytest.raises(PermissionDeniedError) as scope:
            reader.conversions.create(from_="json", to="csv", input="[]")
        assert scope.value.code == "E1105"
        with pytest.raises(PermissionDeniedError) as keys:
            reader.api_keys.list()
        assert keys.value.code == "E1107"

    rotated = user.client.api_keys.rotate(key.id, grace_period_seconds=60)
    assert rotated.secret != created.secret and rotated.api_key.previous_secret_expires_at is not None
    # Both secrets work during the grace period.
    for secret in (created.secret, rotated.secret):
        with Transmute(api_key=secret, base_url=environment.url) as reader:
            reader.jobs.list()

    user.client.api_keys.revoke(key.id)
    assert user.client.api_keys.retrieve(key.id).revoked_at is not None
    with Transmute(api_key=rotated.secret, base_url=environment.url) as revoked, pytest.raises(AuthenticationError) as denied:
        revoked.jobs.list()
    assert denied.value.code == "E1104"
    with pytest.raises(NotFoundError):
        user.client.api_keys.retrieve("key_" + "0" * 24)


def test_async_keys(environment: ContractEnvironment, user: User) -> None:
    async def run() -> None:
        async with AsyncTransmute(api_key=user.session.tokens.access_token, base_url=environment.url) as client:
            created = await client.api_keys.create(name="async", scopes=["usage:read"], allowed_ips=["127.0.0.1"])
            assert created.api_key.allowed_ips == ["127.0.0.1/32"]
            assert [k.id async for k in client.api_keys.list(limit=1)] == [created.api_key.id]
            assert (await client.api_keys.retrieve(created.api_key.id)).scopes == ["usage:read"]
            rotated = await client.api_keys.rotate(created.api_key.id)
            assert rotated.api_key.rotated_at is not None
            await client.api_keys.revoke(created.api_key.id)

    asyncio.run(run())
