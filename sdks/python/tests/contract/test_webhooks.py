"""webhooks: endpoints, real signed deliveries to a loopback receiver (verified with the SDK), events,
replay and secret rotation."""
from __future__ import annotations

import asyncio
from typing import Callable, Optional

import pytest

from transmute import AsyncTransmute, NotFoundError, Transmute, WebhookVerificationError, models

from .environment import ContractEnvironment
from .receiver import Delivery, WebhookReceiver
from .support import eventually


def about(job_id: str) -> Callable[[Delivery], bool]:
    return lambda delivery: job_id.encode() in delivery.body


def test_endpoint_delivery_replay_and_rotation(client: Transmute) -> None:
    with WebhookReceiver() as receiver:
        created = client.webhooks.create_endpoint(url=receiver.url, events=["job.succeeded"], description="contract")
        endpoint = created.endpoint
        assert created.secret.startswith("whsec_") and endpoint.enabled and endpoint.url == receiver.url
        assert [e.id for e in client.webhooks.list_endpoints()] == [endpoint.id]
        assert client.webhooks.get_endpoint(endpoint.id).description == "contract"

        job = client.jobs.create_and_wait(from_="csv", to="json", input="a\n1\n", deadline=60, poll_interval=0.2)
        delivery = receiver.wait_for(about(job.id))
        client.webhooks.verify(delivery.body, delivery.headers, created.secret)
        event = client.webhooks.unwrap(delivery.body, delivery.headers, created.secret)
        assert event.type == "job.succeeded" and event.data["job_id"] == job.id
        with pytest.raises(WebhookVerificationError):
            client.webhooks.verify(delivery.body + b" ", delivery.headers, created.secret)

        assert event.id in [e.id for e in client.webhooks.list_events(type="job.succeeded")]

        def delivered() -> Optional[models.WebhookDelivery]:
            return next((d for d in client.webhooks.list_deliveries(endpoint.id) if d.event_id == event.id), None)

        recorded = eventually(delivered, "the delivery record")
        assert recorded.status == "succeeded" and recorded.response_status == 200

        rotated = client.webhooks.rotate_secret(endpoint.id)
        assert rotated.secret != created.secret and rotated.endpoint.secret_rotated_at is not None
        replay = client.webhooks.replay_event(event.id, endpoint_id=endpoint.id)
        assert replay.event_id == event.id and replay.endpoints == 1
        replayed = receiver.wait_for(about(job.id), nth=2)
        # Signed with the new secret, and with the old one during the grace period.
        client.webhooks.verify(replayed.body, replayed.headers, rotated.secret)
        client.webhooks.verify(replayed.body, replayed.headers, [rotated.secret, created.secret])

        updated = client.webhooks.update_endpoint(endpoint.id, enabled=False, description=None, events=["job.succeeded", "job.failed"])
        assert not updated.enabled and updated.description is None and set(updated.events) == {"job.succeeded", "job.failed"}
        client.webhooks.delete_endpoint(endpoint.id)
        with pytest.raises(NotFoundError):
            client.webhooks.get_endpoint(endpoint.id)


def test_async_webhooks(environment: ContractEnvironment, api_key: str) -> None:
    async def run(receiver: WebhookReceiver) -> None:
        async with AsyncTransmute(api_key=api_key, base_url=environment.url) as client:
            created = await client.webhooks.create_endpoint(url=receiver.url, events=["job.succeeded"])
            endpoint = created.endpoint
            assert [e.id async for e in client.webhooks.list_endpoints()] == [endpoint.id]
            job = await client.jobs.create_and_wait(from_="json", to="csv", input='[{"a":1}]', deadline=60, poll_interval=0.2)
            delivery = await asyncio.to_thread(receiver.wait_for, about(job.id))
            event = client.webhooks.unwrap(delivery.body, delivery.headers, created.secret)
            assert [e.id async for e in client.webhooks.list_events()] == [event.id]
            rotated = await client.webhooks.rotate_secret(endpoint.id)
            assert (await client.webhooks.replay_event(event.id)).endpoints == 1
            replayed = await asyncio.to_thread(receiver.wait_for, about(job.id), 2)
            client.webhooks.verify(replayed.body, replayed.headers, rotated.secret)
            assert (await client.webhooks.get_endpoint(endpoint.id)).id == endpoint.id
            assert (await client.webhooks.update_endpoint(endpoint.id, url=receiver.url + "/v2")).url.endswith("/v2")
            # The first delivery was recorded long before its replay arrived.
            assert event.id in [d.event_id async for d in client.webhooks.list_deliveries(endpoint.id)]
            await client.webhooks.delete_endpoint(endpoint.id)

    with WebhookReceiver() as receiver:
        asyncio.run(run(receiver))
