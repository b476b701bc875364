import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../support/server.ts';
import { from, signUpFrom } from './fixture.ts';

let server: TestServer;
const url = (path: string) => `${server.url}${path}`;

before(async () => {
  server = await startTestServer({ TRUST_PROXY: 'true' });
});

after(async () => {
  await server?.stop();
});

describe('GET/PUT /v1/me/consents', () => {
  it('starts with nothing agreed and no history', async () => {
    const user = await signUpFrom(server.url, '192.0.2.1', 'consents-new@example.com', 'New');
    const res = await from('192.0.2.1')(url('/v1/me/consents'), { token: user.access });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { consents: { marketing_emails: false, product_analytics: false }, updated_at: null, history: [] });
  });

  it('replaces the set on every PUT and keeps each change with its time and address, oldest first', async () => {
    const user = await signUpFrom(server.url, '192.0.2.2', 'consents@example.com', 'Consenting');
    const first = { marketing_emails: true, product_analytics: false };
    const second = { marketing_emails: false, product_analytics: true };

    const put1 = await from('198.51.100.10')(url('/v1/me/consents'), { method: 'PUT', token: user.access, body: first });
    assert.equal(put1.status, 200, put1.text);
    assert.deepEqual(put1.body.consents, first);
    assert.equal(put1.body.history.length, 1);

    const put2 = await from('2001:db8::7')(url('/v1/me/consents'), { method: 'PUT', token: user.access, body: second });
    assert.equal(put2.status, 200, put2.text);

    const got = await from('192.0.2.2')(url('/v1/me/consents'), { token: user.access });
    assert.equal(got.status, 200);
    assert.deepEqual(got.body.consents, second);
    assert.deepEqual(
      got.body.history.map((change: { consents: unknown; ip: string }) => [change.consents, change.ip]),
      [
        [first, '198.51.100.10'],
        [second, '2001:db8::7'],
      ],
    );
    const [older, newer] = got.body.history.map((change: { recorded_at: string }) => Date.parse(change.recorded_at));
    assert.ok(older <= newer);
    assert.equal(got.body.updated_at, got.body.history[1].recorded_at);
  });

  it('audits every change as consents.updated', async () => {
    const user = await signUpFrom(server.url, '192.0.2.3', 'consents-audit@example.com', 'Audited');
    for (const marketing_emails of [true, false]) {
      const res = await from('192.0.2.3')(url('/v1/me/consents'), {
        method: 'PUT',
        token: user.access,
        body: { marketing_emails, product_analytics: false },
      });
      assert.equal(res.status, 200);
    }
    const audit = await from('192.0.2.3')(url('/v1/audit-logs?action=consents.updated'), { token: user.access });
    assert.equal(audit.status, 200, audit.text);
    assert.deepEqual(
      audit.body.data.map((event: { details: { marketing_emails: boolean }; ip: string }) => [event.details.marketing_emails, event.ip]),
      [
        [false, '192.0.2.3'],
        [true, '192.0.2.3'],
      ],
    );
  });

  it("shows each account only its own consents", async () => {
    const a = await signUpFrom(server.url, '192.0.2.4', 'consents-a@example.com', 'A');
    const b = await signUpFrom(server.url, '192.0.2.5', 'consents-b@example.com', 'B');
    await from('192.0.2.4')(url('/v1/me/consents'), { method: 'PUT', token: a.access, body: { marketing_emails: true, product_analytics: true } });
    const theirs = await from('192.0.2.5')(url('/v1/me/consents'), { token: b.access });
    assert.deepEqual(theirs.body.history, []);
    assert.deepEqual(theirs.body.consents, { marketing_emails: false, product_analytics: false });
  });

  it('refuses an incomplete set (PUT replaces the whole set) and API keys', async () => {
    const user = await signUpFrom(server.url, '192.0.2.6', 'consents-partial@example.com', 'Partial');
    const partial = await from('192.0.2.6')(url('/v1/me/consents'), { method: 'PUT', token: user.access, body: { marketing_emails: true } });
    assert.equal(partial.status, 400);
    assert.equal(partial.body.code, 'E1001');
    const key = await server.newKey();
    const byKey = await from('192.0.2.6')(url('/v1/me/consents'), { key: key.secret });
    assert.equal(byKey.status, 403);
    assert.equal(byKey.body.code, 'E1107');
  });
});
