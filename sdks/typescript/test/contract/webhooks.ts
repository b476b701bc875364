// Webhooks, with a key of their own: an endpoint on a loopback receiver (the environment allows
// 127.0.0.1) gets a real job's event, which the SDK verifies; then the event is listed, replayed
// after a secret rotation, and the endpoint deleted.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Receiver } from '../../../../server/test/webhooks/receiver.ts';
import { NotFoundError, UnprocessableEntityError, WebhookVerificationError, type Event, type Transmute, type WebhookEndpoint } from '../../src/index.ts';
import { BACKGROUND_MS, collect, newKeyClient, until } from '../support/contract.ts';
import { rejectsWith } from '../support/errors.ts';

export function webhooksSuite(): void {
  describe('webhooks', () => {
    const receiver = new Receiver();
    let client: Transmute;
    let endpoint: WebhookEndpoint;
    let secret: string;
    let event: Event;
    before(async () => {
      client = await newKeyClient('webhooks');
      await receiver.start();
    });
    after(() => receiver.stop());

    it('createEndpoint shows the signing secret once; listEndpoints, updateEndpoint, getEndpoint', async () => {
      ({ endpoint, secret } = await client.webhooks.createEndpoint({ url: `${receiver.url}/hooks`, events: ['job.succeeded'] }));
      assert.match(endpoint.id, /^whep_/);
      assert.match(secret, /^whsec_/);
      assert.ok((await collect(client.webhooks.listEndpoints())).some((e) => e.id === endpoint.id));
      const updated = await client.webhooks.updateEndpoint(endpoint.id, { description: 'contract suite' });
      assert.equal(updated.description, 'contract suite');
      assert.deepEqual(await client.webhooks.getEndpoint(endpoint.id), updated);
    });

    it('createEndpoint refuses a URL to a cloud metadata address (UnprocessableEntityError E1404)', async () => {
      await rejectsWith(client.webhooks.createEndpoint({ url: 'https://169.254.169.254/hooks', events: ['job.failed'] }), UnprocessableEntityError, 'E1404');
    });

    it('a job\'s event arrives signed: webhooks.verify accepts it, and refuses it altered', async () => {
      const job = await client.jobs.createAndWait({ from: 'json', to: 'csv', input: '[{"b":2}]' }, { deadlineMs: BACKGROUND_MS });
      const delivery = await until(() => receiver.received.find((r) => r.body.includes(job.id)), 'the job.succeeded delivery');
      event = await client.webhooks.verify(delivery.body, delivery.headers, secret);
      assert.equal(event.type, 'job.succeeded');
      assert.equal(event.data.job_id, job.id);
      await assert.rejects(client.webhooks.unwrap(delivery.body.replace(job.id, `${job.id}x`), delivery.headers, secret), WebhookVerificationError);
    });

    it('listEvents and listDeliveries record the event and its delivery', async () => {
      const events = await client.webhooks.listEvents({ type: 'job.succeeded' });
      assert.deepEqual(events.data[0], event, 'the newest job.succeeded event is the one delivered');
      // The attempt is recorded once the receiver's answer is in.
      const attempt = await until(async () => (await collect(client.webhooks.listDeliveries(endpoint.id))).find((d) => d.event_id === event.id), 'the recorded delivery');
      assert.equal(attempt.status, 'succeeded');
      assert.equal(attempt.response_status, 200);
    });

    it('rotateSecret; replayEvent delivers the same event again, signed with the new secret', async () => {
      const rotated = await client.webhooks.rotateSecret(endpoint.id);
      assert.notEqual(rotated.secret, secret);
      assert.ok(rotated.endpoint.secret_rotated_at);
      const { data: replay, response } = await client.webhooks.replayEvent(event.id, { endpoint_id: endpoint.id }).withResponse();
      assert.equal(response.status, 202);
      assert.deepEqual(replay, { event_id: event.id, endpoints: 1 });
      const again = await until(() => receiver.of(event.id)[1], 'the replayed delivery');
      assert.equal((await client.webhooks.verify(again.body, again.headers, rotated.secret)).id, event.id);
    });

    it('deleteEndpoint removes it (NotFoundError E1005 after)', async () => {
      await client.webhooks.deleteEndpoint(endpoint.id);
      await rejectsWith(client.webhooks.getEndpoint(endpoint.id), NotFoundError, 'E1005');
    });
  });
}
