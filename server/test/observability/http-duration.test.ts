// The latency histogram as the real server exposes it: exactly the labels method, route and
// status_code, route an operationId or `unmatched` (never a raw path), and bucket edges on every
// objective and above the highest latency alert threshold.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { call, startTestServer, type TestServer } from '../support/server.ts';
import { rules } from './grafana-files.ts';

const HISTOGRAM = 'http_request_duration_seconds';
/** The edges the issue names: the objectives' thresholds. */
const OBJECTIVE_EDGES_S = [0.2, 0.5, 1];

let server: TestServer;
let spec: any;
let exposition: string;
const randomPath = `/v1/${randomUUID()}`;

interface Sample {
  name: string;
  labels: Record<string, string>;
}

function samples(text: string, prefix: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith(prefix))
    .map((line) => {
      const [, name, body = ''] = /^(\w+)(?:\{(.*)\})? /.exec(line)!;
      const labels = Object.fromEntries([...body.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
      return { name: name!, labels };
    });
}

before(async () => {
  server = await startTestServer();
  const { secret } = await server.newKey();
  spec = (await call(`${server.url}/openapi.json`)).body;
  assert.equal((await call(`${server.url}/v1/formats`, { key: secret })).status, 200);
  assert.equal((await call(`${server.url}/v1/formats`)).status, 401);
  assert.equal((await call(`${server.url}${randomPath}?q=${randomUUID()}`)).status, 404);
  assert.equal((await call(`${server.url}${randomPath}`, { method: 'DELETE' })).status, 404);
  exposition = (await call(`${server.url}/metrics`)).text;
});
after(() => server.stop());

it('is a histogram labelled exactly method, route and status_code', () => {
  assert.match(exposition, new RegExp(`^# TYPE ${HISTOGRAM} histogram$`, 'm'));
  const all = samples(exposition, `${HISTOGRAM}_`);
  assert.ok(all.length > 0, 'no samples');
  for (const { name, labels } of all) {
    const expected = name === `${HISTOGRAM}_bucket` ? ['le', 'method', 'route', 'status_code'] : ['method', 'route', 'status_code'];
    assert.deepEqual(Object.keys(labels).sort(), expected, `${name}${JSON.stringify(labels)}`);
  }
});

it('labels route with the operationId, or `unmatched` for a path no operation takes, never the path', () => {
  const operationIds = new Set(Object.values<Record<string, { operationId?: string }>>(spec.paths).flatMap((item) => Object.values(item).flatMap((op) => op.operationId ?? [])));
  const counts = samples(exposition, `${HISTOGRAM}_count`).map((s) => s.labels);
  for (const { route } of counts) assert.ok(route === 'unmatched' || operationIds.has(route!), `route="${route}" is neither an operationId nor unmatched`);
  const has = (labels: Record<string, string>) => counts.some((c) => Object.entries(labels).every(([k, v]) => c[k] === v));
  assert.ok(has({ method: 'GET', route: 'listFormats', status_code: '200' }));
  assert.ok(has({ method: 'GET', route: 'listFormats', status_code: '401' }));
  assert.ok(has({ method: 'GET', route: 'unmatched', status_code: '404' }));
  assert.ok(has({ method: 'DELETE', route: 'unmatched', status_code: '404' }));
  assert.ok(!exposition.includes(randomPath.split('/').pop()!), 'the raw path of an unmatched request is in /metrics');
});

it('has bucket edges on every objective and above the highest latency alert threshold', () => {
  const edges = [...new Set(samples(exposition, `${HISTOGRAM}_bucket`).map((s) => s.labels.le!))].map((le) => (le === '+Inf' ? Infinity : Number(le)));
  assert.ok(edges.includes(Infinity));
  const slas = [spec['x-sla'], ...Object.values<Record<string, any>>(spec.paths).flatMap((item) => Object.values(item).map((op) => op['x-sla']))].filter(Boolean);
  const objectives = [...OBJECTIVE_EDGES_S, ...slas.flatMap((sla) => [sla.p95_ms, sla.p99_ms].filter((ms) => ms !== undefined).map((ms: number) => ms / 1000))];
  for (const edge of objectives) assert.ok(edges.includes(edge), `no bucket edge at ${edge} s: ${edges.join(', ')}`);
  // The latency alerts compare a quantile of this histogram with a number of seconds.
  const thresholds = rules()
    .alerts.filter((a) => a.expr.includes(`histogram_quantile`) && a.expr.includes(`${HISTOGRAM}_bucket`))
    .map((a) => Number(/>\s*([\d.]+)\s*$/.exec(a.expr)?.[1]));
  assert.ok(thresholds.length > 0 && thresholds.every((t) => t > 0), `latency alert thresholds not found: ${thresholds.join(', ')}`);
  const highest = Math.max(...thresholds, ...objectives);
  assert.ok(
    edges.some((e) => Number.isFinite(e) && e > highest),
    `no finite edge above ${highest} s: a quantile above it could only be read as "somewhere past the last edge"`,
  );
});
