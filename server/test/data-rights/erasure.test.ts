import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as OTPAuth from 'otpauth';
import { AuditLog } from '../../src/audit/audit-log.ts';
import { ERASURE_PLAN } from '../../src/data-rights/erasure.ts';
import { openDatabase } from '../../src/db/orm.ts';
import { start, type Running } from '../../src/main.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { PASSWORD, startTestServer, type TestServer } from '../support/server.ts';
import { Receiver } from '../webhooks/receiver.ts';
import { awaitExport, findPersonalData, from, leaveFootprint, sessionOf, signUpFrom } from './fixture.ts';

let server: TestServer;
const receiver = new Receiver();
const url = (path: string) => `${server.url}${path}`;

before(async () => {
  server = await startTestServer({ TRUST_PROXY: 'true', WEBHOOK_ALLOWLIST: '127.0.0.1' });
  await receiver.start();
});

after(async () => {
  await receiver.stop();
  await server?.stop();
});

describe('the erasure plan', () => {
  it('names every table of the public schema, and no table that does not exist', async () => {
    const db = await openDatabase(server.database.config);
    try {
      const rows = await db.orm.em
        .getConnection()
        .execute<{ name: string }[]>(
          `select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'
           union all
           select 'pgboss.' || table_name from information_schema.tables where table_schema = 'pgboss' and table_name = 'job'`,
        );
      const tables = rows.map((row) => row.name).sort();
      const planned = [...new Set(ERASURE_PLAN.map((step) => step.table))].sort();
      assert.deepEqual(
        tables.filter((table) => !planned.includes(table)),
        [],
        'tables the erasure plan (src/data-rights/erasure.ts) does not say what to do with',
      );
      assert.deepEqual(planned.filter((table) => !tables.includes(table)), [], 'tables in the plan that do not exist');
    } finally {
      await db.close();
    }
  });
});

describe('erasing again what arrives late', () => {
  it('anonymises, on the next sweep, what another process wrote after the erasure, and never reaches a live account', async () => {
    const gone = await signUpFrom(server.url, '198.51.100.90', 'late@example.com', 'Lou Late');
    const live = await signUpFrom(server.url, '198.51.100.91', 'live@example.com', 'Liv Live');
    const consents = { marketing_emails: true, product_analytics: true };
    assert.equal((await from('198.51.100.91')(url('/v1/me/consents'), { method: 'PUT', token: live.access, body: consents })).status, 200);
    assert.equal((await from('198.51.100.90')(url('/v1/me'), { method: 'DELETE', token: gone.access })).status, 204);

    // Another process, which still had the account's key cached, refused a request and recorded it
    // after the erasure; and an 'account.deleted' event names a live account (forged, or a bug).
    const db = await openDatabase(server.database.config);
    const otherProcess = new AuditLog(db, createLogger('silent'));
    try {
      otherProcess.record({
        action: 'access.permission_denied',
        accountId: gone.accountId,
        actorType: 'key',
        actorId: 'key_late',
        outcome: 'failure',
        ip: '198.51.100.90',
        userAgent: 'late',
        details: { reason: 'late' },
      });
      otherProcess.record({ action: 'account.deleted', accountId: live.accountId, actorType: 'system', outcome: 'success' });
      await otherProcess.close();

      await server.running.dataRights.sweep.run();

      const late = await db.orm.em
        .getConnection()
        .execute<{ ip: string | null; actor_id: string | null; details: object }[]>(
          'select ip, actor_id, details from audit_events where account_id = ? and action = ?',
          [gone.accountId, 'access.permission_denied'],
        );
      assert.deepEqual(late, [{ ip: null, actor_id: null, details: {} }]);
      const stillThere = await from('198.51.100.91')(url('/v1/me/consents'), { token: live.access });
      assert.equal(stillThere.status, 200);
      assert.equal(stillThere.body.history.length, 1);
      const liveTrail = await db.orm.em
        .getConnection()
        .execute<{ n: number }[]>('select count(*)::int as n from audit_events where account_id = ? and ip is not null', [live.accountId]);
      assert.ok(liveTrail[0]!.n > 0, "the live account's trail keeps its addresses");
    } finally {
      await db.close();
    }
  });
});

// Where the account below leaves something (found by the scan before the erasure).
const TABLES_REACHED = [
  'public.accounts',
  'public.api_keys',
  'public.refresh_tokens',
  'public.recovery_codes',
  'public.audit_events',
  'public.consent_records',
  'public.data_exports',
  'public.jobs',
  'public.job_payloads',
  'public.webhook_endpoints',
  'public.webhook_events',
  'public.webhook_outbox',
  'public.webhook_deliveries',
  'public.usage_minutes',
  'public.usage_months',
  'public.idempotency_keys',
  'pgboss.job',
];

describe('DELETE /v1/me', () => {
  it('revokes every credential at once and leaves no personal data in any table', async () => {
    const IP = '198.51.100.77';
    const OTHER_IP = '203.0.113.200';
    const client = from(IP);
    const user = await signUpFrom(server.url, IP, 'Erin.Erasable@example.com', 'Erin Erasable');
    const email = 'erin.erasable@example.com';
    const bystander = await signUpFrom(server.url, OTHER_IP, 'bystander@example.com', 'Bea Bystander');

    // A second session, two-factor sign-in with recovery codes, an API key in this process's cache,
    // consents, a job, a webhook endpoint and its deliveries, usage, a built export and a queued
    // one (under an Idempotency-Key): something in every table the account can reach.
    const second = await client(url('/v1/auth/login'), { body: { email, password: PASSWORD } });
    assert.equal(second.status, 200, second.text);
    const setup = await client(url('/v1/auth/2fa/setup'), { method: 'POST', token: user.access });
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(setup.body.secret), digits: 6, period: 30, algorithm: 'SHA1' });
    assert.equal((await client(url('/v1/auth/2fa/enable'), { token: user.access, body: { code: totp.generate() } })).status, 200);
    const key = await client(url('/v1/api-keys'), { token: user.access, body: { name: 'Erin laptop', scopes: ['conversions:write'] } });
    assert.equal(key.status, 201, key.text);
    const convert = () => client(url('/v1/conversions'), { key: key.body.secret, body: { from: 'csv', to: 'json', input: 'name\nErin\n' } });
    assert.equal((await convert()).status, 200);
    const consents = { marketing_emails: true, product_analytics: true };
    assert.equal((await client(url('/v1/me/consents'), { method: 'PUT', token: user.access, body: consents })).status, 200);
    const footprint = await leaveFootprint(server.url, IP, user.access, receiver.url, 'Erin Erasable');
    const built = await client(url('/v1/me/exports'), { method: 'POST', token: user.access });
    assert.equal((await awaitExport(server.url, IP, user.access, built.body.id)).last.status, 200);
    const idempotencyKey = 'erin-export-request-1';
    const queued = await client(url('/v1/me/exports'), { method: 'POST', token: user.access, headers: { 'Idempotency-Key': idempotencyKey } });
    assert.equal(queued.status, 202);

    const needles = [
      email,
      'Erin Erasable',
      user.accountId,
      IP,
      key.body.api_key.id,
      key.body.api_key.prefix.slice('tm_'.length),
      sessionOf(user.access),
      sessionOf(second.body.tokens.access_token),
      built.body.id,
      queued.body.id,
      footprint.jobId,
      footprint.endpointId,
      encodeURIComponent('Erin Erasable'),
      idempotencyKey,
    ];
    const db = await openDatabase(server.database.config);
    let again: Running | undefined;
    try {
      // The scan finds what there is to find: every needle, in every kind of table, before.
      const before = await findPersonalData(db, needles);
      assert.deepEqual(needles.filter((needle) => !before.some((finding) => finding.needle === needle)), [], 'needles stored nowhere');
      const tablesBefore = new Set(before.map((finding) => finding.table));
      for (const table of TABLES_REACHED) {
        assert.ok(tablesBefore.has(table), `nothing of the account in ${table} before: the test would prove nothing there`);
      }

      const deleted = await client(url('/v1/me'), { method: 'DELETE', token: user.access });
      assert.equal(deleted.status, 204, deleted.text);

      // Every credential is refused at once, by the process that cached them.
      for (const token of [user.access, second.body.tokens.access_token]) {
        const me = await client(url('/v1/me'), { token });
        assert.equal(me.status, 401, me.text);
        assert.equal(me.body.code, 'E1110');
      }
      const byKey = await convert();
      assert.equal(byKey.status, 401, byKey.text);
      const login = await from(OTHER_IP)(url('/v1/auth/login'), { body: { email, password: PASSWORD } });
      assert.equal(login.status, 401);
      assert.equal(login.body.code, 'E1108');
      const refresh = await from(OTHER_IP)(url('/v1/auth/refresh'), { body: { refresh_token: user.refresh } });
      assert.equal(refresh.status, 401);
      assert.equal(refresh.body.code, 'E1111');
      assert.equal((await from(OTHER_IP)(url('/v1/me'), { method: 'DELETE', token: user.access })).status, 401);

      // Nobody else is touched.
      const theirs = await from(OTHER_IP)(url('/v1/me'), { token: bystander.access });
      assert.equal(theirs.status, 200);
      assert.equal(theirs.body.email, 'bystander@example.com');

      // Writes already on their way when the account went (buffered audit events, usage) land
      // later: stop the server so every buffer is written, then let another instance's sweep
      // erase them, as it does every minute.
      await server.running.shutdown('buffers written');
      again = await start(server.database.config, createLogger('silent'));
      await again.dataRights.sweep.run();

      const trail = await db.orm.em
        .getConnection()
        .execute<{ action: string; ip: string | null; user_agent: string | null; actor_id: string | null; details: object }[]>(
          'select action, ip, user_agent, actor_id, details from audit_events where account_id = ? order by id',
          [user.accountId],
        );
      assert.ok(trail.length > 5, 'the trail is kept');
      assert.equal(trail.filter((event) => event.action === 'account.deleted').length, 1);
      for (const event of trail) assert.deepEqual([event.ip, event.user_agent, event.actor_id, event.details], [null, null, null, {}], event.action);

      // The account id is what the anonymised trail keeps to say whose account it was.
      const findings = await findPersonalData(db, needles, { 'public.audit_events.account_id': [user.accountId] });
      assert.deepEqual(findings, []);
      // The bystander's data is all still there.
      const control = await findPersonalData(db, ['bystander@example.com', 'Bea Bystander', bystander.accountId, OTHER_IP]);
      const kept = [...new Set(control.map((finding) => finding.needle))];
      assert.deepEqual(kept.sort(), ['Bea Bystander', OTHER_IP, bystander.accountId, 'bystander@example.com'].sort());
    } finally {
      await db.close();
      await again?.shutdown('test finished');
    }
  });
});
