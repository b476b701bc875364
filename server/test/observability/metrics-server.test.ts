// METRICS_PORT: a listener that serves /metrics and nothing else.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { startMetricsServer } from '../../src/http/metrics-server.ts';
import { Metrics } from '../../src/observability/metrics.ts';

it('serves the registry at /metrics and nothing else', async () => {
  const metrics = new Metrics({ version: '1', apiVersion: '1', commit: 'x' });
  const server = await startMetricsServer(metrics, { host: '127.0.0.1', port: 0 });
  try {
    const res = await fetch(server.url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), metrics.contentType);
    assert.match(await res.text(), /^transmute_build_info\{/m);
    const base = server.url.replace(/\/metrics$/, '');
    assert.equal((await fetch(`${base}/v1/formats`)).status, 404);
    assert.equal((await fetch(`${base}/`)).status, 404);
    assert.equal((await fetch(server.url, { method: 'POST' })).status, 405);
    assert.equal((await fetch(`${server.url}?x=1`)).status, 200);
  } finally {
    await server.stop();
  }
  await assert.rejects(fetch(server.url));
});
