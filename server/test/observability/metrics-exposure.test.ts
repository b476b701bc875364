// How /metrics is exposed, on the server as its own process (main.ts, as operators start it): open
// in development, refused in production unless METRICS_TOKEN or METRICS_PORT says how, behind the
// bearer token with METRICS_TOKEN, and only on its own listener with METRICS_PORT.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { createTestDatabase, freePort, type TestDatabase } from '../support/database.ts';
import { listeningAt, serverEnv, spawnMain } from '../support/process.ts';
import { call } from '../support/server.ts';

const pepper = randomBytes(32).toString('hex');
const secret = () => randomBytes(32).toString('hex');

let database: TestDatabase;
before(async () => {
  database = await createTestDatabase();
});
after(() => database.drop());

/** Runs `check` against main.ts started with `extra`, then stops it with SIGTERM. */
async function withServer(extra: Record<string, string>, check: (base: string) => Promise<void>): Promise<void> {
  const child = spawnMain(serverEnv(database, pepper, extra));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit');
  try {
    await check(await listeningAt(child).catch((error: Error) => Promise.reject(new Error(`${error.message}\n${stderr}`))));
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  }
}

function assertServesMetrics(res: { status: number; headers: Headers; text: string }, where: string): void {
  assert.equal(res.status, 200, `${where}: ${res.text}`);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  assert.match(res.text, /^transmute_build_info\{/m, `${where}: not the metrics`);
}

function assertRefused(res: { status: number; headers: Headers; body: any }, where: string): void {
  assert.equal(res.status, 401, where);
  assert.equal(res.body.code, 'E1101', where);
  assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="metrics"', where);
}

describe('/metrics exposure', () => {
  it('development: open on the API port', async () => {
    await withServer({ NODE_ENV: 'development' }, async (base) => {
      assertServesMetrics(await call(`${base}/metrics`), 'no credentials');
    });
  });

  it('production without METRICS_TOKEN or METRICS_PORT: not exposed (404)', async () => {
    await withServer({ NODE_ENV: 'production', JWT_SECRET: secret(), TOTP_ENCRYPTION_KEY: secret() }, async (base) => {
      const res = await call(`${base}/metrics`);
      assert.equal(res.status, 404, res.text);
      assert.equal(res.body.code, 'E1005');
      assert.doesNotMatch(res.text, /transmute_build_info/);
      assert.equal((await call(`${base}/health`)).status, 200, 'the server itself answers');
    });
  });

  it('METRICS_TOKEN: 401 without the token or with a wrong one, 200 with it', async () => {
    const token = secret();
    const wrongSameLength = token.slice(0, -1) + (token.endsWith('0') ? '1' : '0');
    await withServer({ NODE_ENV: 'production', JWT_SECRET: secret(), TOTP_ENCRYPTION_KEY: secret(), METRICS_TOKEN: token }, async (base) => {
      const url = `${base}/metrics`;
      assertRefused(await call(url), 'no Authorization');
      assertRefused(await call(url, { token: wrongSameLength }), 'a wrong token of the same length');
      assertRefused(await call(url, { token: token.slice(0, 40) }), 'a prefix of the token');
      assertRefused(await call(url, { token: `${token}x` }), 'the token and more');
      assertRefused(await call(url, { headers: { Authorization: token } }), 'the token without the Bearer scheme');
      assertRefused(await call(url, { headers: { Authorization: `Basic ${token}` } }), 'the token in another scheme');
      assertServesMetrics(await call(url, { token }), 'the token');
      assertServesMetrics(await call(url, { headers: { Authorization: `bearer ${token}` } }), 'the scheme is case-insensitive');
    });
  });

  it('METRICS_PORT: 404 on the API port, 200 on the metrics listener, which serves nothing else', async () => {
    const port = await freePort();
    await withServer({ NODE_ENV: 'production', JWT_SECRET: secret(), TOTP_ENCRYPTION_KEY: secret(), METRICS_PORT: String(port) }, async (base) => {
      const onApiPort = await call(`${base}/metrics`);
      assert.equal(onApiPort.status, 404, onApiPort.text);
      assert.equal(onApiPort.body.code, 'E1005');
      const metricsBase = `http://127.0.0.1:${port}`;
      assertServesMetrics(await call(`${metricsBase}/metrics`), 'the metrics port');
      assert.equal((await call(`${metricsBase}/health`)).status, 404, 'the metrics port serves the API');
    });
  });

  it('METRICS_PORT wins over METRICS_TOKEN: the API port answers 404 even with the token', async () => {
    const port = await freePort();
    const token = secret();
    await withServer({ METRICS_PORT: String(port), METRICS_TOKEN: token }, async (base) => {
      assert.equal((await call(`${base}/metrics`, { token })).status, 404);
      assertServesMetrics(await call(`http://127.0.0.1:${port}/metrics`), 'the metrics port');
    });
  });
});
