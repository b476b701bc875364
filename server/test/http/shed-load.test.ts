// Load shedding on the real server: past the in-flight cap the next request is a 503 E1502 with
// Retry-After while the probes still answer; and a server process whose event loop is saturated by
// real work sheds, then admits everything again once the load stops.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { call, signUp, startTestServer, type TestServer } from '../support/server.ts';
import { slowConversion } from '../support/slow-upload.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { listeningAt, serverEnv, spawnMain } from '../support/process.ts';

const SMALL = { from: 'json', to: 'csv', input: '[{"a":1},{"a":2}]' };

function shedCount(metrics: string, reason: string): number {
  return Number(new RegExp(`^transmute_shed_requests_total\\{reason="${reason}"\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
}

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}


describe('the in-flight cap', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ SHED_MAX_IN_FLIGHT: '2' });
  });
  after(() => server.stop());

  it('refuses the request past the cap with E1502 and Retry-After, never the probes, and admits again once one is answered', async () => {
    const { secret } = await server.newKey();
    const { shedder } = server.running;
    const finished = slowConversion(server.url, secret, SMALL);
    const aborted = slowConversion(server.url, secret, SMALL);
    await until('both slow requests are in flight', () => shedder.inFlight === 2);

    const refused = await call(`${server.url}/v1/conversions`, { key: secret, body: SMALL, headers: { 'X-Request-Id': 'shed-me-1' } });
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('content-type'), 'application/problem+json');
    assert.equal(refused.body.code, 'E1502');
    assert.equal(refused.body.request_id, 'shed-me-1');
    assert.equal(refused.headers.get('x-request-id'), 'shed-me-1');
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.equal(refused.headers.get('x-content-type-options'), 'nosniff', 'a refusal carries the security headers');
    // Refused before authentication: a request without any key is shed the same way.
    assert.equal((await call(`${server.url}/v1/formats`)).body.code, 'E1502');

    for (const probe of ['/health', '/ready']) assert.equal((await call(`${server.url}${probe}`)).status, 200, probe);
    const metrics = await call(`${server.url}/metrics`);
    assert.equal(metrics.status, 200);
    assert.equal(shedCount(metrics.text, 'in_flight'), 2);
    assert.equal(shedCount(metrics.text, 'event_loop'), 0);

    // One answered, one cut off by its client: each frees its slot.
    finished.finish();
    assert.equal(await finished.status, 200);
    aborted.req.destroy();
    await assert.rejects(aborted.status);
    await until('both slots are free', () => shedder.inFlight === 0);
    const admitted = await Promise.all([1, 2].map(() => call(`${server.url}/v1/conversions`, { key: secret, body: SMALL })));
    assert.deepEqual(admitted.map((r) => r.status), [200, 200]);
  });
});

describe('the event loop', () => {
  let database: TestDatabase;
  let child: ChildProcess;
  let base: string;

  before(async () => {
    database = await createTestDatabase();
    // The shipped plans, with a rate limit that cannot answer before the shedder does.
    const shipped = parse(readFileSync(join(import.meta.dirname, '..', '..', 'plans.yaml'), 'utf8')) as Record<string, Record<string, number>>;
    const plans = join(mkdtempSync(join(tmpdir(), 'plans-')), 'plans.yaml');
    writeFileSync(plans, stringify(Object.fromEntries(Object.entries(shipped).map(([name, plan]) => [name, { ...plan, requests: 1_000_000, window_s: 1 }]))));
    child = spawnMain(serverEnv(database, randomBytes(32).toString('hex'), { SHED_EVENT_LOOP_DELAY_MS: '20', SHED_MAX_IN_FLIGHT: '0', PLANS_FILE: plans }));
    base = await listeningAt(child);
  });
  after(async () => {
    child.kill('SIGTERM');
    await once(child, 'exit');
    await database.drop();
  });

  it('sheds while conversions keep the loop busy, still answers /health, and admits everything once they stop', async () => {
    const { access } = await signUp(base, 'shed@example.com');
    // Each conversion holds the event loop for tens of milliseconds: four at a time saturate it.
    const rows = Array.from({ length: 10_000 }, (_, i) => `name${i},${i},${i % 2 === 0}`).join('\n');
    const heavy = { from: 'csv', to: 'xml', input: `name,age,ok\n${rows}\n`, options: { infer_types: true } };
    const statuses: number[] = [];
    let shed: Awaited<ReturnType<typeof call>> | undefined;
    let loading = true;
    const load = Array.from({ length: 4 }, async () => {
      while (loading) {
        const res = await call(`${base}/v1/conversions`, { token: access, body: heavy });
        statuses.push(res.status);
        if (res.status === 503) shed ??= res;
      }
    });
    try {
      await until('a request is shed', () => shed !== undefined);
      assert.equal((await call(`${base}/health`)).status, 200, '/health is never shed');
    } finally {
      loading = false;
      await Promise.all(load);
    }
    assert.equal(shed!.body.code, 'E1502');
    assert.equal(shed!.headers.get('retry-after'), '2');
    assert.ok(statuses.includes(200), 'the saturated server still served part of the load');
    assert.deepEqual(statuses.filter((s) => s !== 200 && s !== 503), [], 'no other failure');

    // Recovered: the refused share falls back to none once the loop is idle.
    let inARow = 0;
    await until('20 requests in a row are admitted', async () => {
      const res = await call(`${base}/v1/conversions`, { token: access, body: SMALL });
      inARow = res.status === 200 ? inARow + 1 : 0;
      return inARow >= 20;
    });
    const metrics = await call(`${base}/metrics`);
    assert.ok(shedCount(metrics.text, 'event_loop') >= 1);
    assert.equal(shedCount(metrics.text, 'in_flight'), 0);
  });
});
