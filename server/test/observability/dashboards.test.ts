// The generated dashboards, checked for what makes them usable (every panel has a query, a unit and
// the data source variable) and held against the real server: every metric a dashboard or an alert
// reads is in its /metrics, histogram series and recording rules included.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { call, startTestServer, type TestServer } from '../support/server.ts';
import { dashboardQueries, dashboards, EXTERNAL_METRIC, exposedSampleNames, metricNames, panelsOf, rules, sourceMetrics } from './grafana-files.ts';

const DATASOURCE = '${datasource}';

/** Metrics that exist once main.ts hands their reader to Metrics: what to wire when one is missing. */
const OBSERVED_BY = [
  [/^transmute_db_pool_/, 'metrics.observePool(() => db.poolStats())'],
  [/^transmute_usage_buffer_/, 'metrics.observeUsageBuffer(...)'],
  [/^transmute_job_queue_depth$/, 'metrics.observeQueueDepth(...)'],
  [/^transmute_jobs$/, 'metrics.observeJobs(...)'],
] as const;

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.stop());

it('every panel has a query, a unit and the data source variable', () => {
  const all = dashboards();
  assert.equal(new Set(all.map((d) => d.uid)).size, all.length, 'dashboard uids are unique');
  for (const dashboard of all) {
    const variable = dashboard.templating.list.find((v: { type: string }) => v.type === 'datasource');
    assert.equal(variable?.name, 'datasource', `${dashboard.uid}: no data source variable`);
    assert.equal(variable.query, 'prometheus');
    const panels = panelsOf(dashboard);
    assert.ok(panels.length > 0, `${dashboard.uid} has no panels`);
    const ids = (dashboard.panels as Array<{ id: number; panels?: Array<{ id: number }> }>).flatMap((p) => [p.id, ...(p.panels ?? []).map((n) => n.id)]);
    assert.equal(new Set(ids).size, ids.length, `${dashboard.uid}: panel ids are unique`);
    for (const panel of panels) {
      const where = `${dashboard.uid} / ${panel.title}`;
      assert.ok(panel.targets?.length > 0, `${where}: no query`);
      assert.ok(panel.fieldConfig?.defaults?.unit, `${where}: no unit`);
      assert.equal(panel.datasource?.uid, DATASOURCE, `${where}: not on the data source variable`);
      for (const target of panel.targets) {
        assert.ok(target.expr?.trim(), `${where}: empty query`);
        assert.equal(target.datasource?.uid, DATASOURCE, `${where}: query not on the data source variable`);
      }
    }
  }
});

it('the objectives dashboard has a row for every operation in the spec', async () => {
  const spec = (await call(`${server.url}/openapi.json`)).body;
  const operationIds = Object.values<Record<string, { operationId?: string }>>(spec.paths).flatMap((item) => Object.values(item).flatMap((op) => op.operationId ?? []));
  const objectives = dashboards().find((d) => d.uid === 'transmute-objectives')!;
  const rows = (objectives.panels as Array<{ type: string; title: string }>).filter((p) => p.type === 'row').map((r) => r.title.split(':')[0]);
  for (const id of operationIds) assert.ok(rows.includes(id), `no objectives row for ${id}`);
});

it('every metric a dashboard or an alert reads is in the server /metrics', async () => {
  const res = await call(`${server.url}/metrics`);
  assert.equal(res.status, 200);
  const exposed = exposedSampleNames(res.text);
  const { recording, alerts } = rules();
  const expressions = [...dashboardQueries().map((q) => ({ where: `${q.dashboard} / ${q.panel}`, expr: q.expr })), ...alerts.map((a) => ({ where: `alert ${a.alert}`, expr: a.expr }))];
  const missing = new Map<string, string>();
  for (const { where, expr } of expressions) {
    for (const name of sourceMetrics(expr, recording)) {
      if (!EXTERNAL_METRIC.test(name) && !exposed.has(name)) missing.set(name, where);
    }
  }
  const explain = [...missing].map(([name, where]) => {
    const wiring = OBSERVED_BY.find(([pattern]) => pattern.test(name))?.[1];
    return `${name} (read by ${where})${wiring ? `: not observed; main.ts must call ${wiring}` : ''}`;
  });
  assert.deepEqual(explain, []);
});

it('metric names are read from PromQL as expected', () => {
  assert.deepEqual(metricNames('sum by (route, le) (rate(http_request_duration_seconds_bucket{le=~"0\\\\.2", route="x"}[5m])) / ignoring (le) route:http_requests:rate5m'), [
    'http_request_duration_seconds_bucket',
    'route:http_requests:rate5m',
  ]);
  assert.deepEqual(metricNames('histogram_quantile(0.99, sum by (le) (rate(a_bucket[$__rate_interval]))) > 1 and on (instance) b or c * 60'), ['a_bucket', 'b', 'c']);
  assert.deepEqual(metricNames('(x unless x offset 5m) and on (job) (up offset 1h30m == 1e3)'), ['x', 'up']);
});
