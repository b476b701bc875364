"""me: the account, its consents, a data export, and erasure (each test on an account of its own,
so deleting it takes nothing from another test)."""
from __future__ import annotations

import asyncio

import pytest

from transmute import AsyncTransmute, AuthenticationError, Transmute, models

from .conftest import User
from .environment import ContractEnvironment
from .support import PASSWORD, eventually


def test_account_and_consents(user: User) -> None:
    account = user.client.me.get_account()
    assert account.email == user.email and account.name == "Ada" and account.id == user.session.account.id
    assert user.client.me.update_account(name="Ada Lovelace").name == "Ada Lovelace"
    # None is sent as null, and clears the name.
    assert user.client.me.update_account(name=None).name is None

    before = user.client.me.get_consents()
    assert before.consents.marketing_emails is False and before.history == []
    after = user.client.me.update_consents(marketing_emails=True, product_analytics=False)
    assert after.consents.marketing_emails is True and after.updated_at is not None
    assert [h.consents.marketing_emails for h in user.client.me.get_consents().history] == [True]


def test_data_export_then_erasure(environment: ContractEnvironment, user: User) -> None:
    export = user.client.me.create_data_export()
    assert export.id.startswith("exp_") and export.status in ("queued", "running", "ready")

    def archive() -> "models.DataExportArchive | None":
        # 202 with the export's status until it is built, then 200 with the archive.
        answer = user.client.me.get_data_export(export.id)
        return answer if isinstance(answer, models.DataExportArchive) else None

    built = eventually(archive, "the data export")
    assert built.account.email == user.email and built.format_version == 1

    user.client.me.delete_account()
    with pytest.raises(AuthenticationError) as erased:
        user.client.me.get_account()
    assert erased.value.code == "E1110"
    with Transmute(base_url=environment.url) as client, pytest.raises(AuthenticationError):
        client.auth.log_in(email=user.email, password=PASSWORD)


def test_async_me(environment: ContractEnvironment, user: User) -> None:
    async def run() -> None:
        async with AsyncTransmute(api_key=user.session.tokens.access_token, base_url=environment.url) as client:
            assert (await client.me.update_account(name="Grace")).name == "Grace"
            assert (await client.me.get_account()).name == "Grace"
            await client.me.update_consents(marketing_emails=False, product_analytics=True)
            assert (await client.me.get_consents()).consents.product_analytics is True
            export = await client.me.create_data_export()
            first = await client.me.get_data_export(export.id)
            # Still being built (202: the export), or already built (200: the archive).
            assert first.id == export.id if isinstance(first, models.DataExport) else first.account.name == "Grace"
            await client.me.delete_account()

    asyncio.run(run())
