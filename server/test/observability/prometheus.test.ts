// A real Prometheus scrapes the real server under a short load, with the generated rule files
// loaded. Every rule evaluates cleanly, every dashboard query and alert expression is valid and
// returns data where the load made some, and a forced fault (a burst of 5xx from a held database
// pool) sets off the alerts meant for it. The rules are the generated ones, unchanged: `for`
// durations hold an alert pending, and pending is what the fault must reach.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MikroORM } from '@mikro-orm/postgresql';
import { generateApiKey } from '../../src/auth/key-format.ts';
import { ENTITIES } from '../../src/db/entities.ts';
import type { PgPool } from '../../src/db/pg-pool.ts';
import { call, signUp, startTestServer, type TestServer } from '../support/server.ts';
import { dashboardQueries, rules, RULE_FILES } from './grafana-files.ts';
import { startPrometheus, until, type ActiveAlert, type Prometheus } from './prometheus-process.ts';

/** What each alert must do in this test; every alert in alerts.yml must be listed. */
const EXPECTED: Record<string, 'load' | 'fault' | 'quiet' | string> = {
  TransmuteLoginFailures: 'load', // the load fails more than 10 log-ins within seconds
  TransmuteServerErrors: 'fault',
  TransmuteHighErrorRate: 'fault',
  TransmuteDatabasePoolSaturated: 'fault',
  TransmuteErrorBudgetBurnFast: 'fault',
  TransmuteErrorBudgetBurnSlow: 'fault',
  TransmuteHighMemoryUsage: 'quiet',
  TransmuteLoadShedding: 'quiet', // fires in promtool's tests; nothing here is shed
  TransmuteDiskSpaceLow: 'quiet', // no node_exporter here: a valid, empty expression
  TransmuteHighLatencyP99: 'not asserted: requests the fault holds on a lock are slow on purpose',
};
const startedBy = (cause: string) => Object.keys(EXPECTED).filter((name) => EXPECTED[name] === cause);

/** Long enough for Prometheus (scraping every second) to see the 5xx grow. */
const FAULT_MIN_MS = 5_000;

/** Dashboards use Grafana's $__rate_interval; the whole test fits in this window. */
const RATE_WINDOW = '5m';

let server: TestServer;
let prometheus: Prometheus;
/** Alerts seen pending or firing, by name, with their labels. */
const seen = new Map<string, ActiveAlert[]>();

async function watchAlerts(): Promise<ActiveAlert[]> {
  const active = await prometheus.alerts();
  for (const alert of active) seen.set(alert.labels.alertname!, [...(seen.get(alert.labels.alertname!) ?? []), alert]);
  return active;
}

async function inBatches(requests: Array<() => Promise<unknown>>, size = 25): Promise<void> {
  for (let i = 0; i < requests.length; i += size) await Promise.all(requests.slice(i, i + size).map((r) => r()));
}

before(async () => {
  // A pool of 2 that gives up waiting after 300 ms: two queries stuck on a lock exhaust it.
  server = await startTestServer({ DB_POOL_MAX: '2', DB_POOL_MIN: '0', DB_ACQUIRE_TIMEOUT_MS: '300' });
  prometheus = await startPrometheus({ target: new URL(server.url).host, ruleFiles: RULE_FILES });
});
after(async () => {
  await prometheus?.stop();
  await server?.stop();
});

describe('a real Prometheus on the real server', () => {
  it('lists every alert in this test', () => {
    assert.deepEqual(rules().alerts.map((a) => a.alert).sort(), Object.keys(EXPECTED).sort());
  });

  it('scrapes the server and evaluates every rule without error', async () => {
    await until(async () => (await prometheus.query('up{job="transmute"} == 1')).length === 1, 15_000, () => 'Prometheus never scraped the server');
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
    const errorAlerts = [...seen.values()].flat().filter((a) => startedBy('fault').includes(a.labels.alertname!) && (a.labels.objective ?? 'availability') === 'availability');
    assert.deepEqual(errorAlerts, [], 'an alert meant for the fault went off under a healthy load');
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

  it('every alert expression is valid; the quiet ones stay empty', async () => {
    for (const { alert, expr } of rules().alerts) {
      const result = await prometheus.query(expr);
      if (EXPECTED[alert] === 'quiet') assert.deepEqual(result, [], `${alert} returned data`);
    }
    for (const name of startedBy('quiet')) assert.equal(seen.has(name), false, `${name} went off`);
  });
});

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
