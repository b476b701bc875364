// A real Prometheus scrapes the real server (and a node_exporter, for the disk alert) under a short
// load, with the generated rule files loaded. Every rule evaluates cleanly, every dashboard query
// returns data where the load made some, every series an alert expression reads returns data, the
// server counts the refusals and the jobs it was given, and forced faults (slow requests; a burst
// of 5xx from a held database pool) set off the alerts meant for them. The rules are the generated
// ones, unchanged: `for` durations hold an alert pending, and pending is what a fault must reach.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MikroORM } from '@mikro-orm/postgresql';
import { generateApiKey } from '../../src/auth/key-format.ts';
import { ENTITIES } from '../../src/db/entities.ts';
import type { PgPool } from '../../src/db/pg-pool.ts';
import { call, signUp, startTestServer, type TestServer } from '../support/server.ts';
import { busyKey, ended, waitForJob } from '../jobs/fixture.ts';
import { slowConversion } from '../support/slow-upload.ts';
import { dashboardQueries, rules, RULE_FILES, seriesSelectors } from './grafana-files.ts';
import { startNodeExporter, startPrometheus, until, type ActiveAlert, type Exporter, type Prometheus } from './prometheus-process.ts';

/**
 * What each alert must do in this test; every alert in alerts.yml must be listed. `host`: its value
 * is this machine's disks, so only that its series return data is asserted.
 */
const EXPECTED: Record<string, 'load' | 'slow' | 'fault' | 'quiet' | 'host'> = {
  TransmuteLoginFailures: 'load', // the load fails more than 10 log-ins within seconds
  TransmuteHighLatencyP99: 'slow',
  TransmuteServerErrors: 'fault',
  TransmuteHighErrorRate: 'fault',
  TransmuteDatabasePoolSaturated: 'fault',
  TransmuteErrorBudgetBurnFast: 'fault',
  TransmuteErrorBudgetBurnSlow: 'fault',
  TransmuteHighMemoryUsage: 'quiet',
  TransmuteLoadShedding: 'quiet', // fires in promtool's tests; nothing here is shed
  TransmuteDiskSpaceLow: 'host',
};
const startedBy = (cause: string) => Object.keys(EXPECTED).filter((name) => EXPECTED[name] === cause);

/** Long enough for Prometheus (scraping every second) to see the 5xx grow. */
const FAULT_MIN_MS = 5_000;

/** Dashboards use Grafana's $__rate_interval; the whole test fits in this window. */
const RATE_WINDOW = '5m';

/** How long each slow request's body takes to arrive: past the p99 alert's 1 s. */
const SLOW_UPLOAD_MS = 1_500;

let server: TestServer;
let nodeExporter: Exporter;
let prometheus: Prometheus;
/** Alerts seen pending or firing, by name, with their labels and when this test saw them. */
const seen = new Map<string, (ActiveAlert & { seenAt: number })[]>();

async function watchAlerts(): Promise<ActiveAlert[]> {
  const active = await prometheus.alerts();
  const seenAt = Date.now();
  for (const alert of active) seen.set(alert.labels.alertname!, [...(seen.get(alert.labels.alertname!) ?? []), { ...alert, seenAt }]);
  return active;
}

/**
 * Still active two evaluations after it became so. A pool of 2 is full for an instant whenever two
 * queries overlap, which puts the pool alert in pending for one evaluation (its `for` is 5 minutes,
 * so it never pages); a fault holds its alerts for seconds.
 */
const SUSTAINED_MS = 2_500;
const sustained = (alert: ActiveAlert & { seenAt: number }) => alert.seenAt - Date.parse(alert.activeAt) >= SUSTAINED_MS;

async function inBatches(requests: Array<() => Promise<unknown>>, size = 25): Promise<void> {
  for (let i = 0; i < requests.length; i += size) await Promise.all(requests.slice(i, i + size).map((r) => r()));
}

before(async () => {
  // A pool of 2 that gives up waiting after 300 ms: two queries stuck on a lock exhaust it.
  server = await startTestServer({ DB_POOL_MAX: '2', DB_POOL_MIN: '0', DB_ACQUIRE_TIMEOUT_MS: '300' });
  nodeExporter = await startNodeExporter();
  prometheus = await startPrometheus({ targets: { transmute: new URL(server.url).host, node: nodeExporter.target }, ruleFiles: RULE_FILES });
});
after(async () => {
  await prometheus?.stop();
  await nodeExporter?.stop();
  await server?.stop();
});

describe('a real Prometheus on the real server', () => {
  it('lists every alert in this test', () => {
    assert.deepEqual(rules().alerts.map((a) => a.alert).sort(), Object.keys(EXPECTED).sort());
  });

  it('scrapes the server and evaluates every rule without error', async () => {
    await until(async () => (await prometheus.query('up == 1')).length === 2, 15_000, () => 'Prometheus never scraped both the server and node_exporter');
    const health = async () => {
      const res = await fetch(`${prometheus.url}/api/v1/rules`);
      const body = (await res.json()) as { data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }> } };
      return body.data.groups.flatMap((g) => g.rules);
    };
    await until(async () => (await health()).every((r) => r.health !== 'unknown'), 15_000, () => 'rules were never evaluated');
    const broken = (await health()).filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.lastError}`);
    assert.deepEqual(broken, []);
  });

  it('after a short load of 2xx, 4xx and failed log-ins, only the log-in alert goes off', async () => {
    const keys = await Promise.all([1, 2, 3, 4, 5].map(() => server.newKey()));
    const formats = (key?: string) => () => call(`${server.url}/v1/formats`, key ? { key } : {});
    const requests: Array<() => Promise<unknown>> = [
      ...keys.slice(0, 4).flatMap(({ secret }) => Array.from({ length: 40 }, () => formats(secret))),
      ...Array.from({ length: 10 }, () => () => call(`${server.url}/v1/conversions`, { key: keys[0]!.secret, body: { from: 'csv', to: 'json', input: 'a,b\n1,2\n' } })),
      // The free plan allows 60 a minute: the last 10 are 429.
      ...Array.from({ length: 70 }, () => formats(keys[4]!.secret)),
      ...Array.from({ length: 30 }, () => formats('tm_not-a-key')),
      ...Array.from({ length: 10 }, () => formats()),
      ...Array.from({ length: 30 }, (_, i) => () => call(`${server.url}/v1/nothing-here-${i}`)),
      ...Array.from({ length: 10 }, () => () => call(`${server.url}/health`)),
      ...Array.from({ length: 10 }, () => () => call(`${server.url}/ready`)),
    ];
    await inBatches(requests);
    await signUp(server.url, 'victim@example.com');
    for (let i = 0; i < 15; i++) await call(`${server.url}/v1/auth/login`, { body: { email: 'victim@example.com', password: `guess number ${i}` } });
    const total = requests.length + 16;

    await until(async () => Number((await prometheus.query('sum(http_request_duration_seconds_count{route!="getMetrics"})'))[0]?.value[1] ?? 0) >= total, 15_000, () => 'Prometheus never saw the whole load');
    await until(async () => (await watchAlerts()).some((a) => a.labels.alertname === 'TransmuteLoginFailures'), 15_000, () => 'TransmuteLoginFailures never went off: is metrics.loginFailed() called for every failed log-in?');
    // One more look once a blip would have ended and a fault would have lasted.
    await new Promise((resolve) => setTimeout(resolve, SUSTAINED_MS));
    await watchAlerts();
    const errorAlerts = [...seen.values()].flat().filter((a) => startedBy('fault').includes(a.labels.alertname!) && (a.labels.objective ?? 'availability') === 'availability' && sustained(a));
    assert.deepEqual(errorAlerts, [], 'an alert meant for the fault went off under a healthy load');
  });

  it('the server counts the keys it refuses and the jobs it finishes', async () => {
    // Unknown keys: well-formed, in no account. Nothing before in this file sent one.
    const unknown = 7;
    for (let i = 0; i < unknown; i++) assert.equal((await call(`${server.url}/v1/formats`, { key: generateApiKey().presented })).status, 401);
    const { secret } = await busyKey(server);
    const created = await call(`${server.url}/v1/jobs`, { key: secret, body: { from: 'csv', to: 'json', input: 'a,b\n1,2\n' } });
    assert.equal(created.status, 202, created.text);
    assert.equal((await waitForJob(server.url, secret, created.body.id, ended)).status, 'succeeded');

    const value = async (expr: string) => Number((await prometheus.query(expr))[0]?.value[1] ?? 0);
    await until(async () => (await value('transmute_auth_failures_total{reason="unknown"}')) === unknown, 15_000, () => `Prometheus never counted the ${unknown} unknown keys: is metrics.authFailed() called?`);
    await until(async () => (await value('transmute_job_duration_seconds_count{outcome="succeeded"}')) === 1, 15_000, () => 'Prometheus never saw the job finish: is metrics.jobFinished() called by the workers?');
    // The load before: 10 requests without credentials, 30 with a malformed key.
    assert.equal(await value('transmute_auth_failures_total{reason="missing"}'), 10);
    assert.equal(await value('transmute_auth_failures_total{reason="malformed"}'), 30);
  });

  it('slow requests make the p99 latency alert go pending', { timeout: 40_000 }, async () => {
    const p99 = rules().alerts.find((a) => a.alert === 'TransmuteHighLatencyP99')!;
    assert.ok(!(await watchAlerts()).some((a) => a.labels.alertname === p99.alert), `${p99.alert} went off before any request was slow`);
    assert.deepEqual(await prometheus.query(p99.expr), [], 'p99 is above 1 s before any request was slow');
    // More than 1 % of every request in the alert's 5 minute window, scrapes of /metrics included.
    const seen5m = Number((await prometheus.query('sum(increase(http_request_duration_seconds_count[5m]))'))[0]!.value[1]);
    const count = Math.max(20, Math.ceil(seen5m * 0.03));
    const { secret } = await busyKey(server);
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: count }, () => slowUpload(server.url, secret, SLOW_UPLOAD_MS)));
    assert.deepEqual(new Set(answers), new Set([200]));
    assert.ok(Date.now() - started >= SLOW_UPLOAD_MS);
    await until(async () => (await watchAlerts()).some((a) => a.labels.alertname === p99.alert), 20_000, () => `${p99.alert} never went off after ${count} requests of ${SLOW_UPLOAD_MS} ms`);
  });

  it('a burst of 5xx from a held database pool sets off its alerts', { timeout: 40_000 }, async () => {
    const release = await holdTable(server.database.url, 'api_keys');
    const answers: Array<Promise<number>> = [];
    const started = Date.now();
    try {
      // Unknown keys are looked up in api_keys: two lookups wait on the lock holding the whole
      // pool, the others give up waiting for a connection (500), and /ready cannot ping (503).
      // The errors keep coming over several scrapes: rate() cannot see the ones a new series
      // starts with.
      await until(
        async () => {
          for (let i = 0; i < 10; i++) answers.push(call(`${server.url}/v1/formats`, { key: generateApiKey().presented }).then((r) => r.status));
          answers.push(call(`${server.url}/ready`).then((r) => r.status));
          const saturated = (await watchAlerts()).some((a) => a.labels.alertname === 'TransmuteDatabasePoolSaturated');
          return saturated && Date.now() - started > FAULT_MIN_MS;
        },
        20_000,
        () => 'TransmuteDatabasePoolSaturated never went off while the pool was held: is metrics.observePool() wired?',
      );
    } finally {
      await release();
    }
    const statuses = await Promise.all(answers);
    assert.ok(statuses.filter((s) => s === 500).length >= 10, `too few 500s: ${statuses.join(' ')}`);
    assert.ok(statuses.includes(503), 'the readiness probe never failed');

    const missing = () => startedBy('fault').filter((name) => !seen.has(name));
    await until(async () => (await watchAlerts(), missing().length === 0), 20_000, () => `never went off: ${missing().join(', ')}`);
    // Per operation: both operations the fault broke burn their availability budget.
    const burning = () => new Set(seen.get('TransmuteErrorBudgetBurnFast')!.filter((a) => a.labels.objective === 'availability').map((a) => a.labels.route));
    await until(async () => (await watchAlerts(), ['listFormats', 'getReadiness'].every((r) => burning().has(r))), 20_000, () => `burning: ${[...burning()].join(', ')}`);
  });

  it('every dashboard query returns data, except for operations nobody called', async () => {
    // Readers that query the database report nothing while the fault held the pool: wait for a
    // scrape made after it was released.
    await until(async () => (await prometheus.query('transmute_jobs')).length > 0, 15_000, () => 'transmute_jobs never came back after the fault');
    const called = new Set((await prometheus.query('count by (route) (http_request_duration_seconds_count)')).map((s) => s.metric.route!));
    const wrong: string[] = [];
    for (const { dashboard, panel, expr } of dashboardQueries()) {
      const result = await prometheus.query(expr.replaceAll('$__rate_interval', RATE_WINDOW));
      const route = /route="([^"]+)"/.exec(expr)?.[1];
      const expectData = route === undefined || called.has(route);
      if (expectData !== result.length > 0) wrong.push(`${dashboard} / ${panel}: ${expectData ? 'no data' : 'data for an operation never called'}: ${expr}`);
    }
    assert.deepEqual(wrong, []);
  });

  it('every alert expression evaluates, every series it reads returns data, the quiet ones stay empty', async () => {
    const empty: string[] = [];
    for (const { alert, expr } of rules().alerts) {
      const result = await prometheus.query(expr);
      if (EXPECTED[alert] === 'quiet') assert.deepEqual(result, [], `${alert} returned data`);
      // An expression quiet for want of data would stay quiet through any fault.
      for (const selector of seriesSelectors(expr)) if ((await prometheus.query(selector)).length === 0) empty.push(`${alert}: ${selector}`);
    }
    assert.deepEqual(empty, []);
    for (const name of startedBy('quiet')) assert.equal(seen.has(name), false, `${name} went off`);
  });
});

/**
 * A conversion whose body takes `ms` to arrive. The histogram times a request from its headers to
 * its answer, so slow uploads are slow requests (as a slow client or network makes them), with no
 * code path of the server's own made slow for the test.
 */
async function slowUpload(url: string, key: string, ms: number): Promise<number> {
  const upload = slowConversion(url, key, { from: 'csv', to: 'json', input: 'a,b\n1,2\n' });
  await new Promise((resolve) => setTimeout(resolve, ms));
  upload.finish();
  return upload.status;
}

/** Locks a table from a connection of its own until the returned function is called. */
async function holdTable(databaseUrl: string, table: string): Promise<() => Promise<void>> {
  const orm = await MikroORM.init({ clientUrl: databaseUrl, entities: ENTITIES, pool: { min: 0, max: 1 } });
  const pool = (await orm.em.getConnection().getNativeClient()) as PgPool;
  const client = new pool.Client(pool.options);
  await client.connect();
  await client.query('begin');
  await client.query(`lock table ${table} in access exclusive mode`);
  return async () => {
    await client.query('rollback');
    await client.end();
    await orm.close();
  };
}
