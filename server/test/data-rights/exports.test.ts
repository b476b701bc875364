import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openDatabase, type Database } from '../../src/db/orm.ts';
import { PASSWORD, startTestServer, type TestServer } from '../support/server.ts';
import { EXPORT_QUEUE } from '../../src/data-rights/exports.ts';
import { QUEUE_SCHEMA } from '../../src/jobs/queue.ts';
import { until } from '../jobs/fixture.ts';
import { Receiver } from '../webhooks/receiver.ts';
import { awaitExport, from, leaveFootprint, signUpFrom } from './fixture.ts';

let server: TestServer;
let db: Database;
const receiver = new Receiver();
const url = (path: string) => `${server.url}${path}`;
const IP = '198.51.100.40';
const client = from(IP);

before(async () => {
  server = await startTestServer({ TRUST_PROXY: 'true', WEBHOOK_ALLOWLIST: '127.0.0.1' });
  db = await openDatabase(server.database.config);
  await receiver.start();
});

after(async () => {
  await receiver.stop();
  await db?.close();
  await server?.stop();
});

async function requestExport(token: string): Promise<string> {
  const res = await client(url('/v1/me/exports'), { method: 'POST', token });
  assert.equal(res.status, 202, res.text);
  assert.equal(res.body.status, 'queued');
  assert.equal(res.headers.get('location'), `/v1/me/exports/${res.body.id}`);
  return res.body.id;
}

describe('data exports', () => {
  it('answers 202 until the archive is built, then 200 with everything the account holds and no secret', async () => {
    const user = await signUpFrom(server.url, IP, 'export@example.com', 'Ada Export');
    const key = await client(url('/v1/api-keys'), { token: user.access, body: { name: 'ci', scopes: ['conversions:write'] } });
    assert.equal(key.status, 201, key.text);
    const consents = { marketing_emails: true, product_analytics: false };
    assert.equal((await client(url('/v1/me/consents'), { method: 'PUT', token: user.access, body: consents })).status, 200);
    const footprint = await leaveFootprint(server.url, IP, user.access, receiver.url, 'Ada Export');

    const id = await requestExport(user.access);
    const { first, last } = await awaitExport(server.url, IP, user.access, id);
    assert.equal(first.status, 202, 'the worker has not built it within milliseconds');
    assert.equal(first.body.id, id);
    assert.match(first.headers.get('retry-after') ?? '', /^\d+$/);

    assert.equal(last.status, 200, last.text);
    assert.match(last.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(last.headers.get('content-disposition'), `attachment; filename="transmute-${id}.json"`);
    const archive = last.body;
    assert.equal(archive.format_version, 1);
    assert.equal(archive.account.id, user.accountId);
    assert.equal(archive.account.email, 'export@example.com');
    assert.equal(archive.account.name, 'Ada Export');
    assert.deepEqual(archive.consents, consents);
    assert.deepEqual(archive.consent_history.map((change: { consents: unknown; ip: string }) => [change.consents, change.ip]), [[consents, IP]]);
    assert.deepEqual(archive.api_keys.map((k: { id: string; prefix: string }) => [k.id, k.prefix]), [[key.body.api_key.id, key.body.api_key.prefix]]);
    const actions = archive.audit_events.map((event: { action: string }) => event.action);
    for (const action of ['api_key.created', 'consents.updated', 'data_export.requested']) {
      assert.ok(actions.includes(action), `${action} in ${actions.join(', ')}`);
    }
    assert.deepEqual(archive.jobs.map((job: { id: string; status: string }) => [job.id, job.status]), [[footprint.jobId, 'succeeded']]);
    assert.deepEqual(archive.webhook_endpoints.map((endpoint: { id: string }) => endpoint.id), [footprint.endpointId]);
    assert.ok(archive.webhook_deliveries.length > 0);
    assert.ok(archive.webhook_deliveries.every((delivery: { event_type: string }) => delivery.event_type === 'job.succeeded'));
    assert.ok(archive.usage.some((row: { operation: string }) => row.operation === 'createApiKey'), JSON.stringify(archive.usage));

    // Never a secret: the key's secret (whole or its secret part), the password, a signing secret.
    const secretPart = key.body.secret.slice(key.body.api_key.prefix.length);
    for (const secret of [key.body.secret, secretPart, PASSWORD, footprint.endpointSecret, 'whsec_', user.refresh, user.access]) {
      assert.ok(!last.text.includes(secret), `the archive contains ${secret.slice(0, 12)}…`);
    }
  });

  it('announces export.ready with the export id and the expiry of the archive it stored', async () => {
    const user = await signUpFrom(server.url, IP, 'export-event@example.com', 'Eve Event');
    const id = await requestExport(user.access);
    assert.equal((await awaitExport(server.url, IP, user.access, id)).last.status, 200);
    const events = await db.orm.em
      .getConnection()
      .execute<{ type: string; data: { export_id: string; expires_at: string } }[]>('select type, data from webhook_events where account_id = ?', [
        user.accountId,
      ]);
    assert.deepEqual(events.map((event) => [event.type, event.data.export_id]), [['export.ready', id]]);
    const exported = await client(url(`/v1/me/exports/${id}`), { token: user.access });
    const [row] = await db.orm.em.getConnection().execute<{ expires_at: string }[]>('select expires_at from data_exports where id = ?', [id]);
    assert.equal(Date.parse(events[0]!.data.expires_at), Date.parse(row!.expires_at));
    assert.ok(Date.parse(exported.body.generated_at) <= Date.parse(events[0]!.data.expires_at));
  });

  it("answers 404 for another account's export, exactly as for a missing one", async () => {
    const owner = await signUpFrom(server.url, IP, 'export-owner@example.com', 'Owner');
    const other = await signUpFrom(server.url, IP, 'export-other@example.com', 'Other');
    const id = await requestExport(owner.access);
    const theirs = await client(url(`/v1/me/exports/${id}`), { token: other.access });
    const missing = await client(url(`/v1/me/exports/exp_${'0'.repeat(24)}`), { token: other.access });
    for (const res of [theirs, missing]) {
      assert.equal(res.status, 404, res.text);
      assert.equal(res.body.code, 'E1005');
    }
    assert.equal((await awaitExport(server.url, IP, owner.access, id)).last.status, 200);
    assert.equal((await client(url(`/v1/me/exports/${id}`), { token: other.access })).status, 404);
  });

  it('answers 410 (E1405) once the retention has passed, and the sweep deletes the archive', async () => {
    const user = await signUpFrom(server.url, IP, 'export-expiry@example.com', 'Expiring');
    const id = await requestExport(user.access);
    assert.equal((await awaitExport(server.url, IP, user.access, id)).last.status, 200);
    const retentionS = server.database.config.exportRetentionS;
    const [row] = await db.orm.em
      .getConnection()
      .execute<{ kept_s: number }[]>('select extract(epoch from expires_at - finished_at)::int as kept_s from data_exports where id = ?', [id]);
    assert.equal(row!.kept_s, retentionS);

    // Time passes: the retention is over.
    await db.orm.em.getConnection().execute(`update data_exports set expires_at = now() - interval '1 second' where id = ?`, [id]);
    const expired = await client(url(`/v1/me/exports/${id}`), { token: user.access });
    assert.equal(expired.status, 410, expired.text);
    assert.equal(expired.body.code, 'E1405');

    await server.running.dataRights.sweep.run();
    const [swept] = await db.orm.em.getConnection().execute<{ archive: unknown }[]>('select archive from data_exports where id = ?', [id]);
    assert.equal(swept!.archive, null);
    assert.equal((await client(url(`/v1/me/exports/${id}`), { token: user.access })).status, 410);
  });

  it('keeps one export pending per account: asking again while it is queued returns it', async () => {
    const user = await signUpFrom(server.url, IP, 'export-twice@example.com', 'Twice');
    const [a, b] = await Promise.all([requestExport(user.access), requestExport(user.access)]);
    assert.equal(a, b);
    assert.equal((await awaitExport(server.url, IP, user.access, a)).last.status, 200);
    const again = await requestExport(user.access);
    assert.notEqual(again, a, 'a built export does not stop the next one');
  });

  it('marks an export failed when its last attempt fails, and answers 202 without Retry-After', async () => {
    const user = await signUpFrom(server.url, IP, 'export-failing@example.com', 'Failing');
    const sql = <T>(text: string, params: unknown[] = []) => db.orm.em.getConnection().execute<T[]>(text, params);
    const queued = async (id: string) =>
      (await sql<{ id: string; state: string }>(`select id, state from ${QUEUE_SCHEMA}.job where name = ? and data->>'export_id' = ?`, [EXPORT_QUEUE, id]))[0];
    // The database refuses the export.ready event: every attempt fails, as it would for real.
    await sql('revoke insert on webhook_events from current_user');
    try {
      const id = await requestExport(user.access);
      let job: { id: string; state: string } | undefined;
      await until(async () => (job = await queued(id))?.state === 'retry');
      // The queue's next retries are 30 s and more away: this job's last attempt is brought forward.
      await sql(`update ${QUEUE_SCHEMA}.job set retry_limit = 1, start_after = now() where id = ?`, [job!.id]);
      const { last } = await awaitExport(server.url, IP, user.access, id);
      assert.equal(last.status, 202, last.text);
      assert.equal(last.body.status, 'failed');
      assert.equal(last.headers.get('retry-after'), null, 'nothing to wait for');
      assert.equal((await queued(id))?.state, 'failed');
    } finally {
      await sql('grant insert on webhook_events to current_user');
    }
  });
});
